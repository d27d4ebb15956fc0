"""Reading an interview out of a message's text, to fill in the add form before the person
checks it: a recruiter's email pasted in a chat, a calendar notice, a note to self.

`extract` finds what it can — the company, the role, the day and time (with the zone a
message names, "2pm PT", turned into the person's own), the kind of round and the names of
the people the person will meet — and leaves the rest empty. It guesses and never refuses:
whatever it returns is a `Draft`, shown in a form the person corrects and submits; nothing is
stored from it. Dates go through `bot.dates.read` (the same reading as typed text, in the
person's zone and date order); the company, role, kind and titles are read with the
invitation reader's rules (`bot.invitation`), so a message and an invitation from the same
employer are understood alike. Platform-neutral: any adapter with a form can use it.

Every piece is bounded: the text read (`MAX_TEXT`), each value (`bot.limits`), the number of
date readings tried, so no message can stall it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot import commands as c
from bot.dates import Intent, Reading, read
from bot.domain import DateOrder, Interviewer, RoundKind
from bot.errors import BadInput
from bot.invitation import (
    LABELLED,
    ROLE_IN_TEXT,
    ROLE_WORDS,
    company_from_domain,
    employer_domain,
    normalise_company,
    same_company,
    title_near,
)
from bot.kinds import kind_mentioned
from bot.limits import MAX_NAME, MAX_PEOPLE, MAX_PERSON

MAX_TEXT = 6000  # characters of a message read; a recruiter's email fits many times over
MAX_TRIES = 12  # date readings tried before giving up

# Zones as recruiters abbreviate them, to the zone they mean.
ZONES = {
    "pt": "America/Los_Angeles", "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles",
    "mt": "America/Denver", "mst": "America/Denver", "mdt": "America/Denver",
    "ct": "America/Chicago", "cst": "America/Chicago", "cdt": "America/Chicago",
    "et": "America/New_York", "est": "America/New_York", "edt": "America/New_York",
    "gmt": "Europe/London", "bst": "Europe/London", "wet": "Europe/Lisbon",
    "cet": "Europe/Berlin", "cest": "Europe/Berlin", "eet": "Europe/Helsinki",
    "utc": "UTC", "ist": "Asia/Kolkata", "aest": "Australia/Sydney", "jst": "Asia/Tokyo",
}  # fmt: skip
# Zones written out, as calendar tools do ("Central European Time", "Pacific Standard Time").
ZONE_NAMES = {
    "central european": "Europe/Berlin", "eastern european": "Europe/Helsinki",
    "western european": "Europe/Lisbon",
    "british": "Europe/London", "greenwich mean": "Europe/London", "eastern": "America/New_York",
    "central": "America/Chicago", "mountain": "America/Denver", "pacific": "America/Los_Angeles",
    "india": "Asia/Kolkata", "japan": "Asia/Tokyo",
}  # fmt: skip
_ZONE_ON_LINE = re.compile(
    r"\b(?:utc|gmt)\s*(?P<sign>[+-])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?(?!\d)"
    rf"|\b(?P<name>{'|'.join(ZONE_NAMES)})\s+(?:standard\s+|daylight\s+|summer\s+)?time\b",
    re.IGNORECASE,
)
_MONTH = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_WEEKDAY = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*"
_CLOCK = r"\d{1,2}(?::\d{2})?\s*(?:[ap]\.?m\.?)|\d{1,2}:\d{2}"
_DAY = re.compile(
    rf"\b(?:(?:this|next)\s+)?{_WEEKDAY}\b,?\s*(?:(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTH})\b\.?"
    rf"|(?:{_MONTH})\b\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b)?(?:,?\s+\d{{4}}\b)?"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTH})\b\.?(?:,?\s+\d{{4}}\b)?"
    rf"|\b(?:{_MONTH})\b\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}}\b)?"
    r"|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\b\d{1,2}\.\d{1,2}\.\d{4}\b|\b(?:today|tomorrow)\b",
    re.IGNORECASE,
)
_TIMES = re.compile(
    rf"(?P<a>{_CLOCK})(?:\s*(?:-|–|—|to|until|till)\s*(?P<b>{_CLOCK}))?"
    rf"(?:\s*\(?(?P<zone>{'|'.join(ZONES)})\b(?![+-])\)?)?",
    re.IGNORECASE,
)
_NAME_WORD = r"[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?"
_NAME = rf"{_NAME_WORD}(?:[ \t]+(?:[A-Z]\.[ \t]*)?{_NAME_WORD}){{1,2}}"
_MEETING = re.compile(
    r"\b(?:with|meet(?:ing)?|speak(?:ing)? to|join(?:ed)? by|hosted by|led by)\s+(?:our\s+|"
    rf"the\s+)?(?P<names>{_NAME}"
    rf"(?:\s*(?:\([^()\n]{{2,80}}\)|,\s*[^,\n]{{2,60}}?(?=,|\s+and\s|\.|\n|$)))?"
    rf"(?:\s*(?:,|\band\b|&)\s*{_NAME}(?:\s*\([^()\n]{{2,80}}\))?)*)"
)
_LISTED = re.compile(
    r"^\s*(?:interviewers?|panel(?:ists)?|you(?:'ll| will) meet(?: with)?|"
    r"attendees)\s*:\s*(?P<rest>.*)$",
    re.IGNORECASE | re.MULTILINE,
)
_BULLET = re.compile(rf"^\s*(?:[-*•·]|\d+[.)])\s+(?P<name>{_NAME})\b", re.MULTILINE)
_ONE_NAME = re.compile(_NAME)
_EMAIL = re.compile(
    r"\b[\w.+-]{1,64}@(?P<domain>[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){1,4})\b", re.IGNORECASE
)
_ORG_WORD = r"[A-Z][\w&'’-]*(?:\.\w[\w&'’-]*)*"  # "Booking.com", never a sentence's full stop
_ORG = rf"{_ORG_WORD}(?:[ \t]+(?:&[ \t]+)?{_ORG_WORD}){{0,3}}"
_COMPANY_SAID = re.compile(  # the words before a company in any case; the company capitalised
    rf"\b(?i:interview(?:s|ing)?|role|position|opening|opportunity|job|career|team|applying|applied|application|interest|"
    rf"offer|process|onsite|on-site|visit|office|offices|round|screen|call|chat|meeting)\s+(?i:at|with|to|for|in)\s+(?P<org>{_ORG})"
    rf"|\b(?i:here at|join(?:ing)?|from|on behalf of|behalf of)\s+(?P<org2>{_ORG})"
    rf"|\b(?P<org3>{_ORG})(?:'s|’s)\s+(?i:hiring|recruiting|talent|engineering|interview|people)\b"
    r"|\b(?i:recruiter|recruiting|talent acquisition|talent partner|hr|sourcer|"
    rf"coordinator)\s+(?i:at|@)\s+(?P<org4>{_ORG})"
)
# The last word of a company's name, never of a person's ("Tailspin Toys", "Contoso Labs").
ORG_WORDS = frozenset(
    {
        "labs", "lab", "inc", "corp", "corporation", "group", "systems", "technologies",
        "technology", "tech",
        "toys", "bank", "solutions", "software", "partners", "health", "analytics", "capital",
        "consulting",
        "games", "studios", "media", "industries", "traders", "airlines", "motors", "ventures",
        "holdings",
        "gmbh", "ltd", "llc", "ag", "plc", "co", "company", "insurance", "energy", "foods",
        "pharma", "robotics",
    }
)  # fmt: skip
_TITLED = re.compile(
    r"\b(?:with|meet)\s+(?:our|the|their)\s+(?P<title>[A-Za-z][\w&/ -]{2,60}?),"
    rf"\s+(?P<name>{_NAME})\b"
)
_ROLE_SAID = re.compile(
    r"\b(?:the|our|your|an?)\s+(?P<role>(?:[A-Z][\w/&+-]*\s+){0,5}[A-Z][\w/&+-]*)\s+(?:role|position|opening|opportunity|job)\b"
    r"|\b(?:position|role) of\s+(?P<role2>(?:[A-Z][\w/&+-]*\s+){0,5}[A-Z][\w/&+-]*)"
    r"|\bas (?:an?|our)\s+(?P<role3>(?:[A-Z][\w/&+-]*\s+){0,5}[A-Z][\w/&+-]*)"
)
_GREETING = re.compile(
    r"\b(?:hi|hello|hey|dear|thanks|thank you|best|regards|cheers|"
    rf"sincerely),?\s+(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD})?)",
    re.IGNORECASE,
)
# Capitalised words that are never a company (the start of a sentence, tools, the calendar).
_NOT_A_COMPANY = frozenset(
    {
        "i", "we", "our", "the", "a", "an", "you", "your", "this", "that", "it", "us", "me", "my",
        "hi",
        "hello", "dear", "thanks", "zoom", "google", "google meet", "meet", "microsoft teams",
        "teams",
        "webex", "skype", "slack", "linkedin", "calendly", "greenhouse", "lever", "workday",
        "today",
        "tomorrow", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "january", "february", "march", "april", "may", "june", "july", "august", "september",
        "october", "november", "december", "interview", "round", "hiring", "recruiting", "talent",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Draft:
    """The add or round form's values, filled in as far as they are known: `day`, `start`
    and `end` in the person's zone (no `start` when only the day was found)."""

    company: str = ""
    role: str = ""
    day: date | None = None
    start: time | None = None
    end: time | None = None
    kind: RoundKind = RoundKind.INTERVIEW
    interviewers: tuple[Interviewer, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def found_anything(self) -> bool:
        return bool(self.company or self.role or self.day or self.interviewers)


def extract(text: str, *, tz: ZoneInfo, now: datetime, order: DateOrder | None) -> Draft:
    """The interview `text` describes, as far as it can be read (see the module doc)."""
    text = _plain(text[:MAX_TEXT])
    when, notes = _when(text, tz, now, order)
    excluded = {m["name"].casefold() for m in _GREETING.finditer(text)}
    interviewers = _interviewers(text, excluded)
    company = _company(text, {p.name.casefold() for p in interviewers} | excluded)
    return Draft(
        company=_fit(company, MAX_NAME),
        role=_fit(_role(text, company), MAX_NAME),
        day=when.start.date() if when else None,
        start=when.start.time().replace(second=0, microsecond=0)
        if when and when.has_time
        else None,
        end=_end(when),
        kind=kind_mentioned(text),
        interviewers=interviewers,
        notes=notes,
    )


def _end(when: Reading | None) -> time | None:
    """The end on the start's day (a time zone moved across midnight: none)."""
    if (
        when is None
        or when.end is None
        or not when.has_time
        or when.end.date() != when.start.date()
    ):
        return None
    return when.end.time().replace(second=0, microsecond=0)


_PROPOSED_WHEN = re.compile(
    r"(?P<day>\d{4}-\d{2}-\d{2}) (?P<start>\d{2}:\d{2})(?:-(?P<end>\d{2}:\d{2}))?"
)


def of_proposal(command: c.Add | c.LogRound) -> Draft:
    """A proposed `add` or `round` (an imported invitation's) as the form's values. Its
    `when` is the importer's "YYYY-MM-DD HH:MM[-HH:MM]"; another shape leaves the day empty."""
    company, role = (command.company, command.role) if isinstance(command, c.Add) else ("", "")
    found = _PROPOSED_WHEN.fullmatch(command.when.strip())
    day = start = end = None
    if found is not None:
        try:
            day = date.fromisoformat(found["day"])
            start = time.fromisoformat(found["start"])
            end = time.fromisoformat(found["end"]) if found["end"] else None
        except ValueError:
            day = start = end = None
    return Draft(company, role, day, start, end, command.kind, command.interviewers)


def _plain(text: str) -> str:
    """Markup a chat adds around words (*bold*, _italic_, `code`) taken off; lines kept."""
    text = re.sub(r"(?<!\w)[*_`~]+|[*_`~]+(?!\w)", "", text)
    return "\n".join(" ".join(line.split()) for line in text.splitlines())


def _fit(text: str | None, limit: int) -> str:
    cleaned = " ".join((text or "").split()).strip(" ,.;:-–—")
    return cleaned[:limit].rstrip()


# ---------------------------------------------------------------- when


def _when(
    text: str, tz: ZoneInfo, now: datetime, order: DateOrder | None
) -> tuple[Reading | None, tuple[str, ...]]:
    """The first day in the text that reads as an interview's date, with the time written
    next to it; a day and time found win over a day alone."""
    day_only: Reading | None = None
    tries = 0
    for line in text.splitlines():
        for match in _DAY.finditer(line):
            if tries >= MAX_TRIES:
                return day_only, ()
            tries += 1
            clock = _time_near(line, match)
            zone, named = _zone_of(line, clock) if clock is not None else (None, "")
            zone = zone or tz
            phrase = match.group(0).replace(",", " ")
            if clock is not None:
                phrase += " " + _clock_text(clock)
            reading = _read(phrase, zone, now, order)
            if reading is None and clock is not None:
                reading = _read(match.group(0).replace(",", " "), tz, now, order)
            if reading is None:
                continue
            if reading.has_time:
                return _in_zone(reading, tz, named)
            day_only = day_only or reading
    return day_only, ()


def _time_near(line: str, day: re.Match[str]) -> re.Match[str] | None:
    """A time written just after the day ("Tue 10 Nov at 2pm"), else just before it."""
    after = _TIMES.search(line, day.end(), min(len(line), day.end() + 40))
    if after is not None:
        return after
    before = None
    for found in _TIMES.finditer(line, max(0, day.start() - 40), day.start()):
        before = found
    return before


def _zone_of(line: str, clock: re.Match[str]) -> tuple[ZoneInfo | None, str]:
    """The zone a time is given in, and how the message names it: an abbreviation right after
    it ("2pm PT"), else an offset or a zone written out anywhere on its line ("(UTC+01:00)",
    "Central European Time")."""
    if clock["zone"]:
        return ZoneInfo(ZONES[clock["zone"].lower()]), clock["zone"]
    found = _ZONE_ON_LINE.search(line)
    if found is None:
        return None, ""
    named = " ".join(found.group(0).split())
    if found["name"]:
        return ZoneInfo(ZONE_NAMES[" ".join(found["name"].lower().split())]), named
    hours = int(found["h"])
    if (found["m"] or "00") != "00" or hours > 12:
        return None, ""  # a half-hour zone by its offset alone: read in the person's own
    # The Etc zones count the other way round: UTC+01:00 is Etc/GMT-1.
    return (
        ZoneInfo("UTC")
        if hours == 0
        else ZoneInfo(f"Etc/GMT{'-' if found['sign'] == '+' else '+'}{hours}")
    ), named


def _clock_text(clock: re.Match[str]) -> str:
    def tidy(value: str) -> str:
        return re.sub(r"\s+", "", value).replace(".", "")

    first = tidy(clock["a"])
    return f"{first}-{tidy(clock['b'])}" if clock["b"] else first


def _read(phrase: str, zone: ZoneInfo, now: datetime, order: DateOrder | None) -> Reading | None:
    try:
        return read(
            phrase[:100], Intent.INTERVIEW, tz=zone, now=now, order=order, usage="", example=""
        )
    except BadInput:
        return None


def _in_zone(reading: Reading, tz: ZoneInfo, named: str) -> tuple[Reading, tuple[str, ...]]:
    """The reading in the person's zone, saying so when the message's zone was another."""
    start = reading.start.astimezone(tz)
    end = reading.end.astimezone(tz) if reading.end else None
    if start.utcoffset() == reading.start.utcoffset():
        return Reading(start=start, end=end, has_time=True, notes=reading.notes), reading.notes
    note = f"the message gives {reading.start:%H:%M} {named}, {start:%H:%M} your time"
    return Reading(start=start, end=end, has_time=True, notes=(*reading.notes, note)), (
        *reading.notes,
        note,
    )


# ---------------------------------------------------------------- people


def _interviewers(text: str, excluded: set[str]) -> tuple[Interviewer, ...]:
    names: list[str] = []
    for match in _LISTED.finditer(text):
        names.extend(m.group(0) for m in _ONE_NAME.finditer(match["rest"]))
    names.extend(m["name"] for m in _BULLET.finditer(text))
    for match in _MEETING.finditer(text):
        names.extend(
            m.group(0) for m in _ONE_NAME.finditer(re.sub(r"\([^()]*\)", " ", match["names"]))
        )
    titled = {
        m["name"]: m["title"] for m in _TITLED.finditer(text) if ROLE_WORDS.search(m["title"])
    }
    names.extend(titled)
    found: dict[str, Interviewer] = {}
    for name in names:
        name = _fit(name, MAX_PERSON)
        key = name.casefold()
        words = key.split()
        if (
            key in found
            or key in excluded
            or words[0] in _NOT_A_COMPANY
            or words[-1] in ORG_WORDS
            or len(found) >= MAX_PEOPLE
        ):
            continue
        if ROLE_WORDS.search(name):  # "Engineering Manager" is a title, not a person
            continue
        found[key] = Interviewer(
            name, _fit(title_near(name, text) or titled.get(name, ""), MAX_PERSON)
        )
    return tuple(found.values())


# ---------------------------------------------------------------- company and role


def _company(text: str, people: set[str]) -> str:
    labelled = _labelled(text, "company")
    if labelled:
        return labelled
    said = [_org(m) for m in _COMPANY_SAID.finditer(text)]
    said = [
        s for s in said if s and s.casefold() not in people and s.casefold() not in _NOT_A_COMPANY
    ]
    domains = [d for d in (employer_domain(m.group(0)) for m in _EMAIL.finditer(text)) if d]
    if domains:
        from_domain = company_from_domain(domains[0])
        # The text's own spelling over the domain's: the same company ("Acme Corporation" of
        # acmecorp.com), or its name with more words ("Northwind Traders" of northwind.com).
        wanted = normalise_company(from_domain)
        named = (
            s
            for s in said
            if same_company(s, from_domain) or normalise_company(s).startswith(wanted)
        )
        return next(named, from_domain)
    return said[0] if said else ""


def _org(match: re.Match[str]) -> str:
    raw = match["org"] or match["org2"] or match["org3"] or match["org4"] or ""
    words = raw.split()
    while words and words[-1].casefold().strip(".") in _NOT_A_COMPANY | {"inc", "and"}:
        words.pop()
    while words and words[0].casefold() in _NOT_A_COMPANY:
        words.pop(0)
    return " ".join(words).rstrip(".")


def _role(text: str, company: str) -> str:
    labelled = _labelled(text, "role")
    if labelled:
        return labelled
    said = ROLE_IN_TEXT.search(text)
    if said is not None:
        return said["role"]
    for match in _ROLE_SAID.finditer(text):
        role = match["role"] or match["role2"] or match["role3"] or ""
        if company and same_company(role, company):
            continue
        if ROLE_WORDS.search(role):
            return role
    return ""


def _labelled(text: str, want: str) -> str:
    for match in LABELLED.finditer(text):
        label = match["label"].lower()
        key = (
            "company"
            if label in {"company", "employer", "organisation", "organization"}
            else "role"
        )
        if key == want:
            return str(match["value"])
    return ""

"""Reading a calendar invitation (.ics, `text/calendar`) into what an interview round needs.

`icalendar` does every part of RFC 5545 (unfolding, escaping, parameters, VTIMEZONE rules,
Windows zone names as Outlook and Exchange write them); this module only decides what an
invitation means for a job seeker: when the round starts and ends, in which zone, who takes
part, which company and role it is about, and whether it was updated or cancelled.

Anything a person should not have sent us is refused with `BadInvitation`, which says what
was wrong and how to send a good one: a file over `MAX_BYTES`, something that isn't a
calendar, broken lines, no event, several events, a recurring series, an all-day event, an
unknown timezone, more than `MAX_ATTENDEES` people. Nothing here touches storage, the clock
or a platform.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Component
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from bot.domain import Interviewer, RoundKind
from bot.errors import BadInput
from bot.kinds import kind_mentioned

MAX_BYTES = 256 * 1024
MAX_ATTENDEES = 100
MAX_LENGTH = timedelta(hours=24)
DEFAULT_LENGTH = timedelta(hours=1)
MAX_TEXT = 200
USAGE = (
    "import <path to .ics file> (in Slack or Discord: share the .ics file with me in a "
    "direct message)"
)
EXAMPLE = "import ~/Downloads/invite.ics"

# Mail domains of people rather than employers, and of the tools that send invitations for
# employers: neither names the company.
PERSONAL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
        "yahoo.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com",
        "gmx.de", "gmx.net", "web.de", "mail.com", "fastmail.com", "hey.com", "yandex.ru",
    }
)
TOOL_DOMAINS = frozenset(
    {
        "google.com", "calendar.google.com", "group.calendar.google.com", "microsoft.com",
        "greenhouse.io", "lever.co", "calendly.com", "goodtime.io", "workday.com",
        "myworkday.com", "ashbyhq.com", "smartrecruiters.com", "icims.com", "zoom.us",
        "teams.microsoft.com", "gem.com", "modernloop.io", "prelude.co", "example.com",
    }
)
_COMPANY_SUFFIXES = re.compile(
    r"[\s,]+(inc|corp|corporation|co|ltd|llc|gmbh|ag|plc|sa|bv|limited|group)\.?$", re.IGNORECASE
)
_NOISE = re.compile(
    r"\b(?:(?:updated|new time proposed|invitation|canceled|cancelled|accepted|declined)\s*:|"
    r"interviews?|phone|screen(?:ing)?|on-?site|panel|final|round|technical|hiring[\s-]*manager|"
    r"recruiter|call|chat|meeting|conversation|video|virtual|first|second|third|1st|2nd|3rd|\d+(?:st|nd|rd|th)?)\b",
    re.IGNORECASE,
)
_SPLIT = re.compile(r"\s+[-–—|/]\s+|\s*[:|]\s+|\s+@\s+|\s+at\s+|\s+with\s+|\s+for\s+|\s*\(|\)\s*")
LABELLED = re.compile(
    r"^\s*(?P<label>company|employer|organi[sz]ation|role|position|job|job title|"
    r"title)\s*:\s*(?P<value>.+?)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
ROLE_WORDS = re.compile(
    r"\b(engineer|developer|manager|designer|analyst|scientist|lead|director|architect|consultant|"
    r"specialist|intern|administrator|officer|associate|coordinator|writer|researcher|product|"
    r"marketing|sales|recruiter|accountant|nurse|teacher|technician|head|vp|sre|devops)\b",
    re.IGNORECASE,
)


ROLE_IN_TEXT = re.compile(
    r"\b(?:for|about) the (?P<role>[A-Z][\w/&+ -]{2,60}?) (?:role|position|opening|job)\b"
)


class BadInvitation(BadInput):
    """A file we refuse to read, with the reason and the right form."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem, USAGE, EXAMPLE)


@dataclass(frozen=True)
class Person:
    name: str
    email: str = ""
    title: str = ""


@dataclass(frozen=True)
class Invitation:
    """One interview event as the invitation describes it. Times are aware (UTC), and None
    only in a cancellation that gives none (RFC 5546 lets a CANCEL name its event by UID and
    SEQUENCE alone); `zone_name` is the zone the sender wrote it in ("UTC", an IANA name, the
    sender's own VTIMEZONE name), or None when the times were floating and read in the
    person's zone."""

    uid: str
    sequence: int
    cancelled: bool
    starts_at: datetime | None
    ends_at: datetime | None
    zone_name: str | None
    summary: str
    description: str
    organizer: Person | None
    attendees: tuple[Person, ...]
    company: str | None
    role: str | None
    kind: RoundKind
    interviewers: tuple[Interviewer, ...]

    @property
    def key(self) -> str:
        """A short stable name for the invitation: it fits a Discord custom id, and the UID
        itself (which can carry an address) is never stored."""
        return invitation_key(self.uid)


def invitation_key(uid: str) -> str:
    return hashlib.sha256(uid.strip().encode("utf-8")).hexdigest()[:24]


def read_invitation(data: bytes, person_zone: ZoneInfo) -> Invitation:
    """The invitation in `data`, or BadInvitation. Floating times are read in `person_zone`."""
    if len(data) > MAX_BYTES:
        raise oversized(len(data))
    if not data.strip():
        raise BadInvitation("That file is empty.")
    # Cheap count before parsing: a file of thousands of people is refused without the work.
    if data.upper().count(b"\nATTENDEE") > MAX_ATTENDEES:
        raise _too_many()
    calendar = _parse(data)
    events = [e for e in calendar.walk("VEVENT")]
    if not events:
        raise BadInvitation(
            "There is no event in that file (it has no VEVENT), so there is no interview to read."
        )
    uids = {str(e.get("uid", "")).strip() for e in events}
    if any(e.get("rrule") or e.get("rdate") or e.get("recurrence-id") for e in events):
        raise BadInvitation(
            "That is a recurring series. An interview happens once: send me the invitation of one "
            "round."
        )
    if len(events) > 1 or len(uids) != 1:
        raise BadInvitation(
            f"That file holds {len(events)} events; send me one invitation at a time."
        )
    event = events[0]
    if event.errors or calendar.errors:
        raise BadInvitation(
            "Some lines of that file are broken, so I can't trust what it says. Export the "
            "invitation again from your calendar."
        )
    uid = uids.pop()
    if not uid:
        raise BadInvitation(
            "That event has no UID, so I couldn't recognise it when it is updated or cancelled."
        )
    method = str(calendar.get("method", "")).strip().upper()
    if method in {"REPLY", "COUNTER", "DECLINECOUNTER", "REFRESH"}:
        raise BadInvitation(
            f"That is a {method.lower()} to an invitation, not the invitation itself."
        )
    attendees = _people(event.get("attendee"))
    if len(attendees) > MAX_ATTENDEES:
        raise _too_many()
    cancelled = method == "CANCEL" or str(event.get("status", "")).strip().upper() == "CANCELLED"
    if cancelled and event.get("dtstart") is None:
        # a cancellation names its event by UID alone
        starts_at, ends_at, zone_name = None, None, None
    else:
        starts_at, ends_at, zone_name = _times(event, person_zone)
    summary = _text(event.get("summary"))
    description = _text(event.get("description"), limit=4000)
    organizer = _person(event.get("organizer"))
    company, role = _company_and_role(summary, description, organizer, attendees)
    interviewers = _interviewers(organizer, attendees, company, description)
    return Invitation(
        uid=uid,
        sequence=_sequence(event),
        cancelled=cancelled,
        starts_at=starts_at,
        ends_at=ends_at,
        zone_name=zone_name,
        summary=summary,
        description=description,
        organizer=organizer,
        attendees=attendees,
        company=company,
        role=role,
        kind=kind_mentioned(summary + "\n" + description),
        interviewers=interviewers,
    )


def oversized(size: int) -> BadInvitation:
    """The refusal of a file over MAX_BYTES (the platforms say a file's
    size before it is fetched)."""
    return BadInvitation(
        f"That file is {-(-size // 1024)} KB; an invitation is far smaller (at most "
        f"{MAX_BYTES // 1024} KB)."
    )


def _too_many() -> BadInvitation:
    return BadInvitation(
        f"That event has more than {MAX_ATTENDEES} people on it: it isn't an interview I can log."
    )


def _parse(data: bytes) -> Calendar:
    try:
        calendar = Calendar.from_ical(data)
    # icalendar raises ValueError and its own errors; any means unreadable
    except Exception as problem:
        raise BadInvitation(
            "That isn't a calendar file I can read"
            + _where(problem)
            + ". Export the invitation again as .ics."
        ) from None
    if not isinstance(calendar, Calendar) or calendar.name != "VCALENDAR":
        raise BadInvitation("That file is not a calendar (it has no VCALENDAR).")
    return calendar


def _where(problem: Exception) -> str:
    text = str(problem)
    match = re.search(r"parsed into parts: '([^']{0,40})", text)
    return f" (the line starting “{match.group(1)}” is malformed)" if match else ""


def _times(event: Component, person_zone: ZoneInfo) -> tuple[datetime, datetime, str | None]:
    start_prop = event.get("dtstart")
    if start_prop is None:
        raise BadInvitation("That event has no start time (DTSTART).")
    try:
        start = start_prop.dt
        end_prop = event.get("dtend")
        end = end_prop.dt if end_prop is not None else None
        duration = event.get("duration")
        if end is None and duration is not None:
            end = start + duration.dt
    except Exception:  # a broken DTSTART/DTEND/DURATION value
        raise BadInvitation("The start or end time of that event is malformed.") from None
    if not isinstance(start, datetime) or (end is not None and not isinstance(end, datetime)):
        if isinstance(start, date):
            raise BadInvitation(
                "That is an all-day event, with no time of day. Log the interview with `add` and "
                "its time instead."
            )
        raise BadInvitation("The start or end time of that event is malformed.")
    zone_name = _zone_name(start_prop, start, person_zone)
    start = _aware(start, start_prop, person_zone)
    end = _aware(end, end_prop, person_zone) if end is not None else start + DEFAULT_LENGTH
    if end <= start:
        raise BadInvitation("That event ends before it starts.")
    if end - start > MAX_LENGTH:
        raise BadInvitation(
            "That event lasts more than a day; an interview round doesn't. Log it with `add` "
            "instead."
        )
    return start.astimezone(UTC), end.astimezone(UTC), zone_name


def _tzid(prop: object) -> str | None:
    params = getattr(prop, "params", None)
    value = params.get("TZID") if params is not None else None
    return str(value).strip() if value else None


def _known_zone(tzid: str) -> ZoneInfo | None:
    """An IANA zone for a TZID: itself, its Windows mapping, or the IANA name many clients
    put at the end of their own ids ("/mozilla.org/20050126_1/Europe/Berlin")."""
    candidates = [tzid, WINDOWS_TO_OLSON.get(tzid, "")]
    parts = tzid.strip("/").split("/")
    if len(parts) >= 2:
        candidates.append("/".join(parts[-2:]))
    for name in candidates:
        if name and ".." not in name and len(name) <= 64:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError, OSError):
                continue
    return None


def _zone_name(prop: object, value: datetime, person_zone: ZoneInfo) -> str | None:
    tzid = _tzid(prop)
    if tzid is not None:
        known = _known_zone(tzid)
        if known is not None:
            return known.key
        if value.tzinfo is None:
            raise BadInvitation(
                f"The event's timezone “{tzid[:60]}” is one I don't know, and the file doesn't "
                "define it."
            )
        return tzid[:60]
    if value.tzinfo is None:
        return None
    return "UTC" if value.utcoffset() == timedelta(0) else str(value.tzname())


def _aware(value: datetime, prop: object, person_zone: ZoneInfo) -> datetime:
    tzid = _tzid(prop)
    known = _known_zone(tzid) if tzid else None
    zone: tzinfo | None = known or value.tzinfo
    if tzid and zone is None:
        raise BadInvitation(
            f"The event's timezone “{tzid[:60]}” is one I don't know, and the file doesn't define "
            "it."
        )
    if zone is None:
        zone = person_zone  # floating time: the person's own wall clock
    return value.replace(tzinfo=zone)


def _sequence(event: Component) -> int:
    try:
        return max(0, int(event.get("sequence", 0)))
    except (TypeError, ValueError):
        return 0


def _text(value: object, limit: int = MAX_TEXT) -> str:
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").strip()
    return text[:limit]


def _person(address: object) -> Person | None:
    if address is None:
        return None
    if isinstance(address, list):
        address = address[0] if address else None
        if address is None:
            return None
    params = getattr(address, "params", {})
    if str(params.get("CUTYPE", "INDIVIDUAL")).upper() in {"ROOM", "RESOURCE"}:
        return None
    if str(params.get("ROLE", "")).upper() == "NON-PARTICIPANT":
        return None
    raw = str(address).strip()
    email = raw.split(":", 1)[1] if raw.lower().startswith("mailto:") else raw
    email = str(params.get("EMAIL", "") or email).strip().strip('"').lower()[:MAX_TEXT]
    name, title = name_and_title(" ".join(str(params.get("CN", "")).strip().strip('"').split()))
    if not name or "@" in name:
        name, title = _name_from_email(email), ""
    if not name:
        return None
    return Person(name=name[:100], email=email, title=title[:100])


_TITLED = re.compile(
    r"^(?P<name>[^(),]+?)\s*(?:\((?P<bracketed>[^()]+)\)|(?:,|\s[-–—|]|\s?:)\s*(?P<after>.+))$"
)


def name_and_title(cn: str) -> tuple[str, str]:
    """A display name that carries the title too ("Jane Doe (Engineering Manager)", "Jane
    Doe, Engineering Manager", "Jane Doe - Engineering Manager") split in two; a tail that
    doesn't read as a job title ("Weber, Jonas") stays part of the name."""
    match = _TITLED.match(cn)
    if match is None:
        return cn, ""
    title = (match["bracketed"] or match["after"] or "").strip()
    return (match["name"].strip(), title) if ROLE_WORDS.search(title) else (cn, "")


def _people(value: object) -> tuple[Person, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    if len(items) > MAX_ATTENDEES:
        raise _too_many()
    found = [p for p in (_person(item) for item in items) if p is not None]
    return tuple(found)


def _name_from_email(email: str) -> str:
    local = email.partition("@")[0]
    words = [w for w in re.split(r"[._\-+]+", local) if w.isalpha()]
    return " ".join(w.capitalize() for w in words)[:100] if len(words) >= 2 else ""


def domain(email: str) -> str:
    return email.rpartition("@")[2].lower() if "@" in email else ""


def employer_domain(email: str) -> str | None:
    found = domain(email)
    if (
        not found
        or found in PERSONAL_DOMAINS
        or found in TOOL_DOMAINS
        or any(found.endswith("." + t) for t in TOOL_DOMAINS)
    ):
        return None
    return found


def company_from_domain(found: str) -> str:
    """“acme-corp.com” → “Acme Corp”; “mail.northwind.io” → “Northwind”."""
    labels = found.split(".")
    label = labels[-2] if len(labels) >= 2 else labels[0]
    if (
        len(labels) >= 3
        and len(labels[-2]) <= 3
        and labels[-2] in {"co", "com", "org", "net", "ac"}
    ):
        label = labels[-3]  # acme.co.uk
    return " ".join(part.capitalize() for part in label.split("-") if part)


def normalise_company(name: str) -> str:
    """Company names compared loosely: case, punctuation and legal suffixes don't count."""
    folded = _COMPANY_SUFFIXES.sub("", name.strip()).casefold()
    return re.sub(r"[^\w]+", "", folded)


_SHORT_SUFFIXES = (
    ("corporation", "corp"),
    ("incorporated", "inc"),
    ("limited", "ltd"),
    ("company", "co"),
)


def company_keys(name: str) -> frozenset[str]:
    """The forms a company name is recognised by: without its legal suffix ("acme"), and run
    together with it, long or short ("acmecorporation", "acmecorp"), as a mail domain writes
    it (acmecorp.com)."""
    compact = re.sub(r"[^\w]+", "", name.strip().casefold())
    keys = {normalise_company(name), compact}
    for long, short in _SHORT_SUFFIXES:
        if compact.endswith(long):
            keys.add(compact.removesuffix(long) + short)
    keys.discard("")
    return frozenset(keys)


def same_company(a: str, b: str) -> bool:
    """Whether two spellings name the same company ("Acme Corp", "ACME", "Acme Corporation",
    the "Acmecorp" of acmecorp.com)."""
    return bool(company_keys(a) & company_keys(b))


def _clean_segment(segment: str) -> str:
    text = _NOISE.sub(" ", segment)
    return " ".join(text.strip(" -–—|:,.()[]").split())


def _company_and_role(
    summary: str, description: str, organizer: Person | None, attendees: tuple[Person, ...]
) -> tuple[str | None, str | None]:
    labelled: dict[str, str] = {}
    for match in LABELLED.finditer(description):
        label = match["label"].lower()
        key = (
            "company"
            if label in {"company", "employer", "organisation", "organization"}
            else "role"
        )
        labelled.setdefault(key, match["value"][:MAX_TEXT])
    people = [p for p in ((organizer,) if organizer else ()) + attendees]
    names = {p.name.casefold() for p in people}
    domains = [d for d in (employer_domain(p.email) for p in people) if d]
    from_domain = company_from_domain(domains[0]) if domains else None
    segments = [_clean_segment(s) for s in _SPLIT.split(summary) if s and s.strip()]
    segments = [s for s in segments if s and s.casefold() not in names]
    company = labelled.get("company")
    if company is None and from_domain is not None:
        company = next((s for s in segments if same_company(s, from_domain)), from_domain)
    if company is None:
        # No employer address: the segment that doesn't read as a role.
        company = next((s for s in segments if not ROLE_WORDS.search(s)), None)
    role = labelled.get("role")
    if role is None and (said := ROLE_IN_TEXT.search(description)) is not None:
        role = said["role"]
    if role is None:
        others = [s for s in segments if company is None or not same_company(s, company)]
        role = next((s for s in others if ROLE_WORDS.search(s)), None)
    return (company[:MAX_TEXT] if company else None), (role[:MAX_TEXT] if role else None)


def _interviewers(
    organizer: Person | None, attendees: tuple[Person, ...], company: str | None, description: str
) -> tuple[Interviewer, ...]:
    """The people from the employer's side: those with the employer's address when there is
    one (the candidate and the scheduling tool are not interviewers), else every attendee
    with a non-personal address, else every attendee other than the organizer."""
    everyone = list(attendees) or ([organizer] if organizer else [])
    employer = {
        d
        for d in (employer_domain(p.email) for p in everyone + ([organizer] if organizer else []))
        if d
    }
    if company:
        matching = {d for d in employer if same_company(company_from_domain(d), company)}
        employer = matching or employer
    chosen = [p for p in everyone if employer_domain(p.email) in employer] if employer else [
        p for p in everyone if domain(p.email) not in PERSONAL_DOMAINS
    ]
    seen: dict[str, Interviewer] = {}
    for person in chosen:
        seen.setdefault(
            person.name.casefold(),
            Interviewer(person.name, person.title or title_near(person.name, description)),
        )
    return tuple(seen.values())[:10]


def title_near(name: str, description: str) -> str:
    """A title written next to the person's name in the description ("Jane Doe, Engineering
    Manager", "Jane Doe (Engineering Manager)", "Jane Doe – Engineering Manager")."""
    pattern = re.compile(
        re.escape(name) + r"\s*(?:,|\(|–|—|-|:)\s*(?P<title>[^\n()<>,;]{2,80})", re.IGNORECASE
    )
    match = pattern.search(description)
    if not match:
        return ""
    title = match["title"].strip(" )")
    return title if ROLE_WORDS.search(title) else ""

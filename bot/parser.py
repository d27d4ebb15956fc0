"""Text → typed command. The same text works after `/followup` in Slack, in Discord, and as a
line in the console. Syntax only: dates, ids and ownership are checked by the service layer.
Every failure is a `BadInput` carrying the command's form and an example.
"""

from __future__ import annotations

import re

from bot import commands as c
from bot.catalogue import ALIASES, BY_NAME, CommandInfo, suggest
from bot.domain import Interviewer, RoundKind, Status, Step
from bot.errors import BadInput
from bot.groups import WEEKDAYS
from bot.kinds import kind_of, near_kind, spellings
from bot.limits import MAX_LINE, MAX_NAME, MAX_NOTE, MAX_PEOPLE, MAX_PERSON, MAX_WHEN

_ID = re.compile(r"^#?(\d{1,9})$")
_PREFIX = re.compile(r"^/?followup\b\s*", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def bad(name: str, problem: str) -> BadInput:
    """A BadInput carrying command `name`'s form and example."""
    spec: CommandInfo = BY_NAME[name]
    return BadInput(problem, spec.usage, spec.example)


def _id(name: str, token: str) -> int:
    match = _ID.match(token.strip())
    if not match:
        shown = token.strip()[:20] or "nothing"
        raise bad(name, f"“{shown}” is not an application id (ids look like 3 or #3).")
    return int(match.group(1))


def clean_text(name: str, what: str, value: str | None, limit: int) -> str:
    """`value` with its whitespace folded, or BadInput when it is empty or too long."""
    cleaned = " ".join((value or "").split())
    if not cleaned:
        raise bad(name, f"The {what} is missing.")
    if len(cleaned) > limit:
        raise bad(name, f"The {what} is too long ({len(cleaned)} characters; at most {limit}).")
    return cleaned


def interviewer(name: str, person: str, title: str = "") -> Interviewer:
    return Interviewer(
        clean_text(name, "interviewer's name", person, MAX_PERSON),
        " ".join(title.split())[:MAX_PERSON],
    )


def read_people(
    name: str, parts: list[str], first: tuple[Interviewer, ...] = ()
) -> tuple[Interviewer, ...]:
    """Interviewers from "Name, Title" parts (after any already read), at most MAX_PEOPLE."""
    people = list(first)
    for part in parts:
        person, _, title = part.partition(",")
        if person.strip():
            people.append(interviewer(name, person, title))
    if len(people) > MAX_PEOPLE:
        raise bad(name, f"That is more than {MAX_PEOPLE} interviewers for one round.")
    return tuple(people)


def _split_id(name: str, rest: str) -> tuple[int, str]:
    head, _, tail = rest.strip().partition(" ")
    if not head:
        raise bad(name, "The application id is missing.")
    return _id(name, head.rstrip(";")), tail.strip()


def read_kind_and_people(name: str, parts: list[str]) -> tuple[RoundKind, tuple[Interviewer, ...]]:
    """The round's kind (first, if given) and its interviewers. A part that looks like a
    misspelt kind is asked about rather than taken for a person."""
    kind = RoundKind.INTERVIEW
    people = [p for p in parts if p.strip()]
    if people and (spelled := kind_of(people[0])) is not None:
        kind, people = spelled, people[1:]
    for part in people:
        if kind_of(part) is not None:
            raise bad(
                name,
                f"“{part.strip()[:40]}” is a kind of round: put it right after the date, once.",
            )
        looks = near_kind(part)
        if looks is not None:
            raise bad(
                name,
                f"Is “{part.strip()[:40]}” the kind of round ({looks}?) or a person? Kinds are "
                f"{spellings()}; for a person, add their title after a comma (“Pat Lee, "
                "Recruiter”).",
            )
    return kind, read_people(name, people)


def _add(rest: str) -> c.Command:
    if not rest.strip():
        return c.AddForm()
    parts = rest.split(";")
    if len(parts) < 3:
        raise bad("add", "I need at least the company, the role and when, separated by “;”.")
    kind, people = read_kind_and_people("add", parts[3:])
    return c.Add(
        company=clean_text("add", "company name", parts[0], MAX_NAME),
        role=clean_text("add", "role", parts[1], MAX_NAME),
        when=clean_text("add", "interview date", parts[2], MAX_WHEN),
        interviewers=people,
        kind=kind,
    )


_ROUND_EDIT = re.compile(
    r"^#?(?P<id>\d{1,9})\s+(?P<verb>change|edit|fix|correct|remove|delete)\s+#?(?P<seq>\d{1,4})$",
    re.IGNORECASE,
)
_REMOVE_VERBS = {"remove", "delete"}


def _round(rest: str) -> c.Command:
    parts = rest.split(";")
    edit = _ROUND_EDIT.match(parts[0].strip())
    if edit is not None:
        number, seq = int(edit["id"]), int(edit["seq"])
        if edit["verb"].lower() in _REMOVE_VERBS:
            if len(parts) > 1:
                raise bad("round", "`round <id> remove <n>` takes nothing after the round number.")
            return c.RemoveRound(number, seq)
        if len(parts) < 2:
            raise bad(
                "round",
                "Give the corrected round after “;”: when, then optionally kind and people.",
            )
        kind, people = read_kind_and_people("round", parts[2:])
        when = clean_text("round", "round date", parts[1], MAX_WHEN)
        return c.ChangeRound(number, seq, when, kind, people)
    if len(parts) == 1 and _ID.match(parts[0].strip()):
        return c.RoundForm(_id("round", parts[0]))
    if len(parts) < 2:
        raise bad("round", "I need the application id and when, separated by “;”.")
    number = _id("round", parts[0])
    when = clean_text("round", "round date", parts[1], MAX_WHEN)
    kind, people = read_kind_and_people("round", parts[2:])
    return c.LogRound(number=number, when=when, kind=kind, interviewers=people)


def _checklist(rest: str) -> c.Command:
    arg = rest.strip().lower()
    if not arg:
        raise bad("checklist", "Tell me which application (its id) or which step.")
    if arg in {s.value for s in Step}:
        return c.Checklist(step=Step(arg))
    return c.Checklist(number=_id("checklist", arg))


_NEXT = re.compile(r"(?:^|\s)next\s+", re.IGNORECASE)


def _sent(rest: str) -> c.Command:
    number, tail = _split_id("sent", rest)
    found = _NEXT.search(tail)
    person, when = (tail[: found.start()], tail[found.end() :]) if found else (tail, "")
    if found and not when.strip():
        raise bad("sent", "After “next”, give the date they agreed to.")
    return c.MarkSent(
        number,
        next_when=clean_text("sent", "agreed date", when, MAX_WHEN) if found else None,
        person=clean_text("sent", "interviewer's name", person, MAX_PERSON)
        if person.strip()
        else None,
    )


def _status(rest: str) -> c.Command:
    number, tail = _split_id("status", rest)
    value = tail.strip().lower()
    if value not in {s.value for s in Status}:
        raise bad(
            "status",
            f"“{tail[:20] or 'nothing'}” is not a status: use active, offer, rejected or "
            "withdrawn.",
        )
    return c.SetStatus(number, Status(value))


def _settings(rest: str) -> c.Command:
    tokens = rest.split()
    values: dict[str, str] = {}
    i = 0
    while i < len(tokens):
        key = tokens[i].lower()
        if key in {"timezone", "zone"}:
            key = "tz"
        if key not in {"tz", "hour", "quiet", "weekends", "dates"} or i + 1 >= len(tokens):
            raise bad("settings", f"I don't understand “{' '.join(tokens[i:])[:40]}”.")
        if key in values:
            raise bad("settings", f"“{key}” is given twice.")
        values[key] = tokens[i + 1]
        i += 2
    weekends = None
    if "weekends" in values:
        flag = values["weekends"].lower()
        if flag not in {"on", "off"}:
            raise bad("settings", "weekends is on or off.")
        weekends = flag == "on"
    dates = values.get("dates")  # checked with the other values, by the settings handler
    return c.Settings(
        timezone=values.get("tz"),
        hour=values.get("hour"),
        quiet=values.get("quiet"),
        weekends=weekends,
        dates=dates,
    )


def _draft(rest: str) -> c.Command:
    number, person = _split_id("draft", rest)
    return c.Draft(
        number,
        person=clean_text("draft", "interviewer's name", person, MAX_PERSON) if person else None,
    )


def _export(rest: str) -> c.Command:
    words = rest.strip().lower().split()
    if words == ["ics", "reset"]:
        return c.Export("ics", reset=True)
    fmt = " ".join(words) or "csv"
    if fmt not in {"csv", "ics"}:
        raise bad(
            "export",
            f"“{fmt[:20]}” is not a format: use csv or ics (or `export ics reset` for a new "
            "subscription address).",
        )
    return c.Export(fmt)


def _import(rest: str) -> c.Command:
    path = rest.strip().strip('"').strip("'").strip()
    if not path:
        raise bad("import", "Tell me which file: the path of the invitation (.ics) you saved.")
    if len(path) > 1000:
        raise bad("import", "That path is too long.")
    return c.ImportInvitation(path=path)


def _only(name: str, rest: str, command: c.Command) -> c.Command:
    if rest.strip():
        raise bad(name, f"“{name}” takes nothing after it.")
    return command


def _review(rest: str) -> c.Command:
    # The draft may start on the line after the id, and keeps its line breaks.
    parts = rest.strip().split(None, 1)
    if not parts:
        raise bad("review", "The application id is missing.")
    number = _id("review", parts[0].rstrip(";"))
    if len(parts) == 1:
        return c.ReviewForm(number)
    return c.Review(number, parts[1].strip())


def _heard(rest: str) -> c.Command:
    """`heard <id> [next <when>] [note]`. The date may also sit inside the note ("she said call
    me next friday"): the handler finds where it ends, since only the date reader knows."""
    number, note = _split_id("heard", rest)
    if len(note) > MAX_NOTE:
        raise bad("heard", f"The note is too long (at most {MAX_NOTE} characters).")
    found = _NEXT.search(note)
    return c.Heard(number, note, next_when=note[found.start() :].strip() if found else None)


def _snooze(rest: str) -> c.Command:
    number, until = _split_id("snooze", rest)
    return c.Snooze(number, clean_text("snooze", "duration or date", until, MAX_WHEN))


def _channel(rest: str) -> c.Command:
    arg = rest.strip().lower()
    if arg not in {"", "on", "off"}:
        raise bad("channel", f"“{rest.strip()[:20]}” is neither on nor off.")
    return c.ChannelMode(None if not arg else arg == "on")


def _weekday(token: str) -> int:
    word = token.strip().lower()
    for index, name in enumerate(WEEKDAYS):
        if len(word) >= 2 and name.startswith(word):
            return index
    raise bad("digest", f"“{token[:20]}” is not a day of the week (monday … sunday, or mon … sun).")


def _digest(rest: str) -> c.Command:
    tokens = rest.split()
    if [t.lower() for t in tokens] == ["off"]:
        return c.StopDigest()
    if len(tokens) not in (2, 3):
        raise bad("digest", "I need a weekday and a time, and optionally a timezone.")
    return c.ScheduleDigest(
        _weekday(tokens[0]),
        tokens[1][:MAX_WHEN],
        tokens[2][:MAX_WHEN] if len(tokens) == 3 else None,
    )


def _share(rest: str) -> c.Command:
    if rest.strip().lower() == "off":
        return c.StopSharing()
    return c.Share(_split_only_id("share", rest))


def _help(rest: str) -> c.Command:
    topic = rest.strip().lower() or None
    return c.Help(ALIASES.get(topic, topic) if topic else None)


_HANDLERS = {
    "help": _help,
    "add": _add,
    "round": _round,
    "list": lambda rest: _only("list", rest, c.ListApplications()),
    "show": lambda rest: c.Show(_split_only_id("show", rest)),
    "today": lambda rest: _only("today", rest, c.Today()),
    "checklist": _checklist,
    "draft": lambda rest: _draft(rest),
    "review": _review,
    "sent": _sent,
    "heard": _heard,
    "snooze": _snooze,
    "skip": lambda rest: c.Skip(_split_only_id("skip", rest)),
    "status": _status,
    "settings": _settings,
    "export": _export,
    "import": _import,
    "delete": lambda rest: c.Delete(_split_only_id("delete", rest)),
    "channel": _channel,
    "digest": _digest,
    "share": _share,
    "board": lambda rest: _only("board", rest, c.Board()),
    "forget-me": lambda rest: c.ForgetMe(confirmed=True)
    if rest.strip().lower() == "confirm"
    else _only("forget-me", rest, c.ForgetMe()),
}


def _split_only_id(name: str, rest: str) -> int:
    number, tail = _split_id(name, rest)
    if tail:
        raise bad(name, f"“{name}” takes only an application id.")
    return number


def parse(text: str) -> c.Command:
    """Parse one command line, or raise BadInput."""
    if len(text) > MAX_LINE:
        raise BadInput(
            f"That message is too long ({len(text)} characters; at most {MAX_LINE}).",
            "help",
            "help",
        )
    line = _PREFIX.sub("", _CONTROL.sub(" ", text).strip(), count=1).strip()
    if not line:
        return c.Help()
    word, _, rest = line.partition(" ")
    name = ALIASES.get(word.lower(), word.lower())
    handler = _HANDLERS.get(name)
    if handler is None:
        guess = suggest(word)
        if guess in BY_NAME:
            spec = BY_NAME[guess]
            raise BadInput(
                f"I don't know the command “{word[:30]}”. Did you mean “{guess}”?",
                spec.usage,
                spec.example,
            )
        raise BadInput(
            f"I don't know the command “{word[:30]}”.",
            "help [command]",
            "help add",
        )
    return handler(rest)

"""Every command's form, one example, and one line on what it does: the single source for
`help`, for the error replies to malformed commands, and for the platforms' command menus.

`COMMANDS` are a person's own commands; `GROUP_COMMANDS` work only in a group
channel. `BY_NAME` holds both."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class CommandInfo:
    name: str
    usage: str
    example: str
    summary: str


COMMANDS: tuple[CommandInfo, ...] = (
    CommandInfo("help", "help [command]", "help add", "What I do, and how to use each command."),
    CommandInfo(
        "add",
        "add <company>; <role>; <when>[; <kind>][; <interviewer>[, <title>]]...",
        "add Acme Corp; Data Engineer; tomorrow 10:00; Jane Doe, Engineering Manager",
        "Log a first interview (kind as for `round`, e.g. hiring-manager). I plan your follow-ups "
        "and show when each is due.",
    ),
    CommandInfo(
        "round",
        "round <id>; <when>[; <kind>][; <interviewer>[, <title>]]... | round <id> change <n>; "
        "<when>[; …] | round <id> remove <n>",
        "round 1; next tuesday 14:00-15:30; hiring-manager; Sam Lee, Head of Data",
        "Log a further round (kind: phone, interview, hiring-manager, panel, final). A round "
        "lasts an hour unless you give a range. Correct a round with `change`, or take it out "
        "with `remove`.",
    ),
    CommandInfo(
        "list", "list", "list", "Your active applications and the next follow-up for each."
    ),
    CommandInfo(
        "show",
        "show <id>",
        "show 1",
        "One application: rounds, people, follow-ups done and due, budget.",
    ),
    CommandInfo(
        "today", "today", "today", "What is due now or overdue, and what is coming this week."
    ),
    CommandInfo(
        "checklist",
        "checklist <id> | checklist <step>",
        "checklist 1",
        "The checklist for an application's current step, or for a step by name (thank-you, "
        "value-add, insight, close-loop, check-back).",
    ),
    CommandInfo(
        "draft",
        "draft <id> [name]",
        "draft 1 Jane",
        "An email draft for the current step (for one interviewer when there are several), with "
        "the gaps you must fill marked ⟨like this⟩.",
    ),
    CommandInfo(
        "review",
        "review <id> [draft text]",
        "review 1 Hi Jane, thank you for your time today…",
        "Check your draft against the step: the verdict first, then what to fix and why. The "
        "draft may span several lines and paragraphs; `review <id>` alone asks for it (a form in "
        "Slack and Discord, lines up to a single `.` in the console).",
    ),
    CommandInfo(
        "sent",
        "sent <id> [name] [next <when>]",
        "sent 1 Jane next friday",
        "Mark the current step sent (for one interviewer, or all of them); add the date they "
        "agreed you may follow up.",
    ),
    CommandInfo(
        "heard",
        "heard <id> [next <when>] [note]",
        "heard 1 next friday Jane asked for references",
        "The employer replied: this restores your follow-up budget; add the date they gave for "
        "your next contact.",
    ),
    CommandInfo(
        "snooze",
        "snooze <id> <duration or when>",
        "snooze 1 2d",
        "Move the current nudge (3h, 2d, 1w, or a date).",
    ),
    CommandInfo("skip", "skip <id>", "skip 1", "Skip the current step and move on to the next."),
    CommandInfo(
        "status",
        "status <id> <active|offer|rejected|withdrawn>",
        "status 1 rejected",
        "Record the outcome. After a rejection I plan a gracious close-the-loop email.",
    ),
    CommandInfo(
        "settings",
        "settings [tz <zone>] [hour <HH:MM>] [quiet <HH:MM>-<HH:MM>] [weekends on|off] [dates "
        "dmy|mdy|auto]",
        "settings tz Europe/Berlin hour 08:30 quiet 21:00-07:30 weekends off",
        "Show or change when nudges reach you, and how you write dates (dates dmy: 3/12 is 3 "
        "December).",
    ),
    CommandInfo(
        "export",
        "export [csv|ics] | export ics reset",
        "export ics",
        "Your data as CSV, or your due follow-ups as a calendar file (with a public address: a "
        "private subscription link too; `reset` replaces it).",
    ),
    CommandInfo(
        "import",
        "import <path to .ics file>",
        "import ~/Downloads/invite.ics",
        "Read a calendar invitation and log its round after you confirm (in Slack or Discord, "
        "share the .ics file with me instead).",
    ),
    CommandInfo("delete", "delete <id>", "delete 1", "Delete one application and its nudges."),
    CommandInfo(
        "forget-me",
        "forget-me",
        "forget-me",
        "Delete everything I store about you (I ask you to confirm).",
    ),
)

GROUP_COMMANDS: tuple[CommandInfo, ...] = (
    CommandInfo(
        "channel",
        "channel [on|off]",
        "channel on",
        "Turn group mode on or off in this channel (the person who turned it on, or a channel "
        "admin); alone, show its settings.",
    ),
    CommandInfo(
        "digest",
        "digest <weekday> <HH:MM> [tz] | digest off",
        "digest monday 09:00 Europe/Berlin",
        "Post a weekly digest here: follow-ups sent, interviews, replies, offers. Names only for "
        "people who shared.",
    ),
    CommandInfo(
        "share",
        "share <id> | share off",
        "share 1",
        "Post your latest milestone of one application here and be named in digests; `share off` "
        "stops naming you.",
    ),
    CommandInfo(
        "board",
        "board",
        "board",
        "Post this week's follow-up counts of the people who shared here.",
    ),
)

BY_NAME: dict[str, CommandInfo] = {c.name: c for c in COMMANDS + GROUP_COMMANDS}
ALIASES = {
    "forgetme": "forget-me",
    "forget": "forget-me",
    "ls": "list",
    "?": "help",
    "group": "channel",
    "leaderboard": "board",
}



# `help` on one screen: every command by name, grouped by what it is for; `help <command>`
# gives the form and the example.
HELP_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Applications", ("add", "round", "import", "list", "show", "today", "status", "delete")),
    ("Each email", ("checklist", "draft", "review", "sent", "heard", "snooze", "skip")),
    ("Your account", ("settings", "export", "forget-me")),
    ("Group channels", ("channel", "digest", "share", "board")),
)
HELP_TOPICS = ("method",)


def suggest(word: str) -> str | None:
    """The command name closest to a mistyped `word` ("lsit" → "list"), or None when nothing
    is close enough to be a likely typo."""
    known = [*BY_NAME, *ALIASES, *HELP_TOPICS]
    close = difflib.get_close_matches(word.lower(), known, n=1, cutoff=0.6)
    return ALIASES.get(close[0], close[0]) if close else None

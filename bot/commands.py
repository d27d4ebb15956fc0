"""Typed commands: what a user asked for, independent of how they typed it.

The text parser (`bot.parser`) builds these from a line; the Discord adapter builds them from
typed slash-command options and the Slack adapter from a modal. Dates stay as the user's text
(`when`) because reading them needs the user's timezone and the current time, which the
service layer has.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import Interviewer, InvitationRef, RoundKind, Status, Step


@dataclass(frozen=True)
class Help:
    topic: str | None = None


@dataclass(frozen=True)
class Add:
    company: str
    role: str
    when: str
    interviewers: tuple[Interviewer, ...] = ()
    kind: RoundKind = RoundKind.INTERVIEW
    invitation: InvitationRef | None = None  # set when the round came from an imported invitation


@dataclass(frozen=True)
class AddForm:
    """`add` with no arguments: platforms with forms open one; the console explains the form."""


@dataclass(frozen=True)
class LogRound:
    number: int
    when: str
    kind: RoundKind = RoundKind.INTERVIEW
    interviewers: tuple[Interviewer, ...] = ()
    invitation: InvitationRef | None = None


@dataclass(frozen=True)
class ChangeRound:
    """Correct a mistaken round: its date, kind and interviewers."""

    number: int
    seq: int
    when: str
    kind: RoundKind = RoundKind.INTERVIEW
    interviewers: tuple[Interviewer, ...] = ()
    invitation: InvitationRef | None = None


@dataclass(frozen=True)
class RemoveRound:
    number: int
    seq: int
    invitation: InvitationRef | None = None


@dataclass(frozen=True)
class ListApplications:
    page: int = 1  # set by a page button (`bot.paging`)


@dataclass(frozen=True)
class Show:
    number: int
    page: int = 1


@dataclass(frozen=True)
class Today:
    page: int = 1


@dataclass(frozen=True)
class Checklist:
    number: int | None = None
    step: Step | None = None
    task: str | None = None


@dataclass(frozen=True)
class Draft:
    number: int
    person: str | None = None
    task: str | None = None


@dataclass(frozen=True)
class Review:
    number: int
    text: str  # the whole draft, line breaks kept


@dataclass(frozen=True)
class RoundForm:
    """`round <id>` with nothing after it: platforms with forms open one with date and time
    pickers; elsewhere the reply explains the text form."""

    number: int


@dataclass(frozen=True)
class ReviewForm:
    """`review <id>` without a draft: platforms with forms open one with a multi-line field;
    the console reads the lines that follow."""

    number: int


@dataclass(frozen=True)
class MarkSent:
    """`sent`: for one person of a panel (`person`), or everyone. `task` is set by a button,
    which acts on its own step only; `confirmed` marks a step that isn't due yet."""

    number: int
    next_when: str | None = None
    person: str | None = None
    task: str | None = None
    confirmed: bool = False


@dataclass(frozen=True)
class Heard:
    number: int
    note: str = ""
    next_when: str | None = None


@dataclass(frozen=True)
class Snooze:
    number: int
    until: str
    task: str | None = None


@dataclass(frozen=True)
class Skip:
    number: int
    task: str | None = None


@dataclass(frozen=True)
class SetStatus:
    number: int
    status: Status


@dataclass(frozen=True)
class Settings:
    timezone: str | None = None
    hour: str | None = None
    quiet: str | None = None
    weekends: bool | None = None
    dates: str | None = None  # "dmy" | "mdy" | "auto" (back to the locale and timezone)

    @property
    def changes_anything(self) -> bool:
        return any(
            v is not None for v in (self.timezone, self.hour, self.quiet, self.weekends, self.dates)
        )


@dataclass(frozen=True)
class Export:
    format: str = "csv"  # "csv" | "ics"
    reset: bool = False  # `export ics reset`: revoke the subscription address and issue a new one


@dataclass(frozen=True)
class ImportInvitation:
    """Read a calendar invitation and propose the round it describes. The console gives a
    `path` on this machine; chat platforms hand over the file's bytes (`data`)."""

    path: str = ""
    data: bytes | None = None
    filename: str = ""


@dataclass(frozen=True)
class Delete:
    number: int


@dataclass(frozen=True)
class ForgetMe:
    confirmed: bool = False


@dataclass(frozen=True)
class ChannelMode:
    """`channel on|off`; with neither, show the channel's group settings."""

    on: bool | None = None


@dataclass(frozen=True)
class ScheduleDigest:
    weekday: int  # 0 = Monday
    at: str
    timezone: str | None = None


@dataclass(frozen=True)
class StopDigest:
    pass


@dataclass(frozen=True)
class Share:
    number: int


@dataclass(frozen=True)
class StopSharing:
    pass


@dataclass(frozen=True)
class Board:
    pass


GroupCommand = ChannelMode | ScheduleDigest | StopDigest | Share | StopSharing | Board

Command = (
    Help
    | Add
    | AddForm
    | LogRound
    | ChangeRound
    | RemoveRound
    | ListApplications
    | Show
    | Today
    | Checklist
    | Draft
    | Review
    | ReviewForm
    | RoundForm
    | MarkSent
    | Heard
    | Snooze
    | Skip
    | SetStatus
    | Settings
    | Export
    | ImportInvitation
    | Delete
    | ForgetMe
    | GroupCommand
)

"""The platform-neutral message: what the core says, before any adapter renders it.

Slack turns it into Block Kit, Discord into an embed with buttons, the console into text or
JSON. `as_text` is the one plain-text rendering, used by the console and as every platform's
fallback text.

The core also says what kind of reply a message is (`reply`): a new message, an edit of the
message whose button was pressed, or a form to open (`form`). Adapters follow it; they never
decide it from the command's text or the button's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.commands import Command


class Tone(StrEnum):
    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"


class Reply(StrEnum):
    """How the adapter delivers the message."""

    NEW = "new"  # a message of its own (the answer to a command or a press)
    EDIT = "edit"  # replaces the message whose button was pressed (its new state, the next page)
    FORM = "form"  # opens `form` where the platform has forms; elsewhere the message is shown


class FormKind(StrEnum):
    ADD = "add"  # log an interview
    ROUND = "round"  # log a further round of application `number`
    REVIEW = "review"  # paste a draft for application `number`


@dataclass(frozen=True)
class Form:
    """A form to open instead of answering in text; the message's text is the answer where no
    form can open (the console, a form the platform refused to open)."""

    kind: FormKind
    number: int | None = None


@dataclass(frozen=True)
class Confirm:
    """The question a destructive button asks before it is pressed for real: Slack shows it as
    a Block Kit `confirm` dialog, Discord as a private yes-or-no, the console as y/n. The copy
    is in `bot/copy/en.toml` (`[confirm.*]`), within every platform's limits (title 100,
    text 300, labels 30 characters)."""

    title: str
    text: str
    confirm: str
    deny: str


@dataclass(frozen=True)
class Action:
    """A button. `id` is the action string the platform carries back (`fu:<verb>:<ref>`).
    `confirm` is set on buttons that destroy something (delete, skip, forget-me): ask it first."""

    id: str
    label: str
    style: str | None = None  # "primary" | "danger" | None
    confirm: Confirm | None = None


@dataclass(frozen=True)
class Page:
    """Where a paged message is: page `number` of `count` of `view` ("list", "today", "show",
    "home"; see `bot.paging`). A message answering a page press replaces the message pressed."""

    view: str
    number: int
    count: int


@dataclass(frozen=True)
class Field:
    label: str
    value: str


@dataclass(frozen=True)
class Attachment:
    filename: str
    mime_type: str
    content: str


@dataclass(frozen=True)
class Proposal:
    """A command the bot suggests and runs only once the person confirms it (read from an
    invitation). `line` is the same command as text; `complete` is False when something is
    missing (the company, the role) that the person has to fill in first. Platforms with forms
    open one pre-filled; the console shows `line` and asks yes or no."""

    command: Command
    line: str
    complete: bool = True


@dataclass(frozen=True)
class Message:
    title: str
    body: str = ""
    checklist: tuple[str, ...] = ()
    fields: tuple[Field, ...] = ()
    actions: tuple[Action, ...] = ()
    footer: str = ""
    private: bool = True
    tone: Tone = Tone.INFO
    attachment: Attachment | None = None
    # Set when the command changed stored data, so adapters can refresh dashboards (App Home).
    changed: bool = False
    proposal: Proposal | None = None
    # For a refusal: which of the command's values it is about, so a form shows it under that field.
    about: str | None = None
    # Set on a message that is one page of a longer one (its Next/Previous are in `actions`).
    page: Page | None = None
    # What kind of reply it is (see the module doc); `form` is set exactly when it is FORM.
    reply: Reply = Reply.NEW
    form: Form | None = None

    def __post_init__(self) -> None:
        if (self.reply is Reply.FORM) != (self.form is not None):
            raise ValueError("a message opens a form exactly when its reply is FORM")

    @property
    def is_error(self) -> bool:
        return self.tone is Tone.ERROR

    def as_text(self) -> str:
        parts: list[str] = [self.title] if self.title else []
        if self.body:
            parts.append(self.body)
        if self.checklist:
            parts.append("\n".join(f"☐ {item}" for item in self.checklist))
        if self.fields:
            parts.append("\n".join(f"{f.label}: {f.value}" for f in self.fields))
        if self.footer:
            parts.append(self.footer)
        if self.actions:
            parts.append(" ".join(f"[{a.label}]" for a in self.actions))
        return "\n".join(parts)

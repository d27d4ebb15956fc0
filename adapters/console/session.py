"""A console conversation: who is speaking, where, and what each line does.

Lines are commands (handed to the core unchanged) or meta-commands (`:as`, `:in`, `:dm`,
`:press`, `:advance`, `:help`, `:quit`). Direct messages from the dispatcher come back through
`ConsoleNotifier` and group-channel posts through `ConsolePoster`, so `:advance` shows every
nudge and digest that falls due, in time order.

Buttons are pressed with `:press` and a button's number on the latest message that has
buttons, its label, or the unique start of a label (`:press snooze`). When the latest message
is a yes-or-no question (its buttons are "Yes, …" and "Cancel" or "No"), typing `yes` or `no`
answers it. A button that destroys something (Delete, Skip, "Yes, delete everything": the
core marks it with `Action.confirm`) asks its question first and is pressed only after `yes`;
any other answer leaves it unpressed. Typing `yes` to the bot's own yes-or-no question is
already that confirmation, so it is not asked twice.

`review <id>` alone reads the draft from the lines that follow, up to a line holding a single
`.`, so a draft with paragraphs can be pasted as it is.

The console has no channel administrators: in a channel (`:in #jobs`) the first person to
turn group mode on owns it (`Place.has_admins` False), and only they may change it.

A line never ends the console: whatever goes wrong while handling one is answered, and the
next line is read.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from adapters.console.files import export_file
from adapters.console.output import Output, Record
from bot.actions import Verb, decode
from bot.catalogue import ALIASES
from bot.clock import Clock, SimulatedClock
from bot.dates import read_duration
from bot.digests import DigestDispatcher
from bot.dispatcher import Dispatcher
from bot.domain import Identity, Place, User
from bot.groups import ChannelRef
from bot.messages import Action, Message, Proposal, Tone
from bot.ports import Delivery
from bot.service import Followup
from bot.tracing import request_scope
from bot.views import not_pressed, unexpected

log = logging.getLogger(__name__)

PLATFORM = "console"
WORKSPACE = "local"
MAX_ADVANCE_STEPS = 100_000
BOT_NAME = "followup"
END_OF_DRAFT = "."
MAX_DRAFT_LINES = 200

YES = frozenset({"yes", "y"})
NO = frozenset({"no", "n", "cancel"})
_NUMBERED = re.compile(r"^\[?(\d{1,3})(?:\]|\s.*)?$")
_REVIEW_WITH_TEXT = re.compile(r"^\s*(?:/?followup\s+)?review\s+#?\d{1,9}\s+\S", re.IGNORECASE)
_REVIEW_ALONE = re.compile(r"^(?:/?followup\s+)?review\s+(#?\d{1,9})\s*$", re.IGNORECASE)

META_HELP = (
    "Meta-commands:\n  :press <n|label>   press a button of the latest message: :press 1, :press "
    "sent, :press snooze\n  :as <name>         speak as someone else (each person's data is their "
    "own)\n  :in <#channel>     speak in a group channel;  :dm  back to your direct messages\n  "
    ":advance <3h|2d|1w>  move the simulated clock (only with --now), delivering what falls "
    "due\n  :quit              leave (so do Ctrl-D, and Ctrl-C twice)"
)
BUTTONS_HELP = (
    "In this console: buttons show as [1 Sent] [2 Snooze 1 day]; press one with :press 1, "
    ":press sent or the start of its label. Answer a yes-or-no question with yes or no. "
    "`review <id>` alone reads your draft from the next lines, up to a line with only a dot. "
    ":help lists the meta-commands."
)


class ConsoleNotifier:
    """Delivers direct messages by writing them to the console."""

    def __init__(self, output: Output, clock: Clock) -> None:
        self._output = output
        self._clock = clock

    async def send_direct(
        self, user: User, message: Message, delivery: Delivery | None = None
    ) -> None:
        self._output.emit(Record("dm", user.external_id, None, self._clock.now(), message))


class ConsolePoster:
    """Posts to a group channel by writing a `channel` record (its author is the bot)."""

    def __init__(self, output: Output, clock: Clock) -> None:
        self._output = output
        self._clock = clock

    async def post(
        self, channel: ChannelRef, message: Message, delivery: Delivery | None = None
    ) -> None:
        """Written once: the console's output can't fail half way, so a key is not needed."""
        self._output.emit(
            Record("channel", BOT_NAME, channel.channel_id, self._clock.now(), message)
        )


@dataclass
class _Draft:
    """A multi-line `review` being read: the application id and the lines so far."""

    number: str
    lines: list[str]


def is_confirmation(message: Message) -> bool:
    """A yes-or-no question: two buttons, "Yes, …" first and "Cancel" or "No" second."""
    labels = [a.label.casefold() for a in message.actions]
    return len(labels) == 2 and labels[0].startswith("yes") and labels[1] in ("cancel", "no")


class ConsoleSession:
    def __init__(
        self,
        followup: Followup,
        dispatcher: Dispatcher,
        clock: Clock,
        output: Output,
        *,
        user: str,
        timezone: str | None = None,
        export_dir: Path | None = None,
        digests: DigestDispatcher | None = None,
        people: set[str] | None = None,
    ) -> None:
        """`people`: the set to keep everyone who spoke here in (the runner delivers only
        their nudges here)."""
        self._followup = followup
        self._dispatcher = dispatcher
        self._digests = digests
        self._clock = clock
        self._output = output
        self._timezone = timezone
        self._export_dir = export_dir or Path.cwd()
        self.user = user[:64]
        self.channel: str | None = None
        self.finished = False
        # Everyone who has spoken in this console: only their nudges are delivered here.
        self.people: set[str] = people if people is not None else set()
        self.people.add(self.user)
        self._draft: _Draft | None = None
        # For completion: the speaker's own (number, label) applications, refreshed after each line.
        self.choices: list[tuple[int, str]] = []
        # What an imported invitation would log, until the person answers yes or no.
        self._proposal: Proposal | None = None
        # A destructive button waiting for its confirmation (y/n).
        self._confirming: Action | None = None

    @property
    def identity(self) -> Identity:
        return Identity(
            PLATFORM, WORKSPACE, self.user, display_name=self.user, timezone=self._timezone
        )

    @property
    def place(self) -> Place:
        return Place(channel_id=self.channel, is_direct=self.channel is None, has_admins=False)

    @property
    def reading_draft(self) -> bool:
        return self._draft is not None

    def cancel_draft(self) -> bool:
        """Drop a draft being read (Ctrl-C); True if there was one."""
        had, self._draft = self._draft is not None, None
        return had

    async def handle_line(self, line: str) -> None:
        """Handle one line; whatever fails (a clock moved past the calendar's end), the console
        answers like any platform does and reads the next line."""
        try:
            for part in _lines_of(line, reading_draft=self._draft is not None):
                await self._handle(part)
        except Exception:
            with request_scope() as request_id:
                log.exception("console line failed")
                await self._reply(unexpected(request_id))

    async def _handle(self, line: str) -> None:
        if self._draft is not None:
            await self._draft_line(line)
            return
        text = line.strip()
        if not text or text.startswith("#!"):
            return
        if self._confirming is not None:
            pending, self._confirming = self._confirming, None
            if text.casefold() in YES | NO:
                await self._confirmed(pending, text.casefold() in YES)
                return
            self._output.say(f"(“{pending.label}” was not pressed)", "dim")
        alone = _REVIEW_ALONE.match(text)
        if alone:
            self._draft = _Draft(alone.group(1), [])
            self._output.say(
                f"Paste or type your draft; end it with a line holding only “{END_OF_DRAFT}”.",
                "dim",
            )
            return
        if text.startswith(":"):
            await self._meta(text)
        elif text.casefold() in YES | NO and self._confirmation() is not None:
            await self._answer(text.casefold() in YES)
        else:
            message = await self._followup.handle_text(self.identity, text, self.place)
            if _is_help(text) and not message.is_error:
                message = replace(
                    message, footer="\n".join(p for p in (message.footer, BUTTONS_HELP) if p)
                )
            await self._reply(message)
        await self.deliver_due()
        await self.refresh_choices()

    async def _draft_line(self, line: str) -> None:
        draft = self._draft
        assert draft is not None
        if line.strip() != END_OF_DRAFT and len(draft.lines) < MAX_DRAFT_LINES:
            draft.lines.append(line.rstrip("\r\n"))
            return
        self._draft = None
        text = "\n".join(draft.lines).strip("\n")
        await self._reply(
            await self._followup.handle_text(
                self.identity, f"review {draft.number} {text}", self.place
            )
        )
        await self.deliver_due()

    async def refresh_choices(self) -> None:
        try:
            self.choices = await self._followup.application_choices(self.identity, limit=100)
        except Exception:  # completion is a nicety: never let it break the conversation
            log.debug("could not load completion choices", exc_info=True)

    async def deliver_due(self) -> None:
        """With a simulated clock nothing runs in the background: deliver what is due now."""
        if isinstance(self._clock, SimulatedClock):
            await self._run_due()

    async def _run_due(self) -> int:
        """Deliver due nudges, then post due digests; how many changed state."""
        report = await self._dispatcher.run_once()
        done = report.delivered + report.retried + report.failed
        if self._digests is not None:
            posted = await self._digests.run_once()
            done += posted.delivered + posted.retried + posted.failed
        return done

    async def _next_due_at(self) -> datetime | None:
        times = [await self._dispatcher.next_due_at()]
        if self._digests is not None:
            times.append(await self._digests.next_due_at())
        known = [t for t in times if t is not None]
        return min(known) if known else None

    async def _reply(self, message: Message) -> None:
        if message.proposal is not None and message.proposal.complete:
            self._proposal = message.proposal
        if message.attachment is not None:
            message = self._save_attachment(message)
        self._output.emit(Record("reply", self.user, self.channel, self._clock.now(), message))

    def _save_attachment(self, message: Message) -> Message:
        attachment = message.attachment
        assert attachment is not None
        path = export_file(self._export_dir, self.user, attachment.filename)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(attachment.content, encoding="utf-8")
        except OSError as problem:
            note = f"I could not save it to {path} ({problem.strerror or problem}); here it is:"
        else:
            note = f"Saved to {path}"
        body = f"{message.body}\n{note}\n\n{attachment.content.rstrip()}"
        return replace(message, body=body)

    async def _meta(self, text: str) -> None:
        verb, _, arg = text[1:].partition(" ")
        verb, arg = verb.lower(), arg.strip()
        if verb in ("quit", "q", "exit"):
            self.finished = True
        elif verb == "as" and arg:
            self.user = arg[:64]
            self.people.add(self.user)
            self._output.say(f"(now speaking as {self.user})", "dim")
        elif verb == "in" and arg:
            self.channel = arg if arg.startswith("#") else f"#{arg}"
            self._output.say(f"(now in {self.channel})", "dim")
        elif verb == "dm":
            self.channel = None
            self._output.say("(now in your direct messages)", "dim")
        elif verb == "press" and arg:
            await self._press(arg)
        elif verb == "advance" and arg:
            await self._advance(arg)
        elif verb == "help":
            self._output.say(META_HELP)
        else:
            self._notice(META_HELP)

    def _mine(self) -> list[Record]:
        """This speaker's messages, newest first."""
        return [r for r in reversed(self._output.records) if r.user == self.user]

    def _confirmation(self) -> Message | None:
        mine = self._mine()
        if mine and is_confirmation(mine[0].message):
            return mine[0].message
        return None

    async def _answer(self, yes: bool) -> None:
        question = self._confirmation()
        assert question is not None
        await self._press_action(question.actions[0 if yes else 1], asked=True)

    async def _confirmed(self, pending: Action, yes: bool) -> None:
        if yes:
            await self._press_action(pending, asked=True)
        else:
            await self._reply(not_pressed())
        await self.deliver_due()
        await self.refresh_choices()

    async def _press_action(self, chosen: Action, *, asked: bool = False) -> None:
        """Press `chosen`; one that destroys something asks its question first, unless it was
        just asked (`asked`: a `yes` to the bot's question, or to the confirmation itself)."""
        if chosen.confirm is not None and not asked:
            self._confirming = chosen
            question = chosen.confirm
            footer = (
                f"Type yes to {question.confirm.casefold()}, or no to {question.deny.casefold()}."
            )
            self._output.emit(
                Record(
                    "reply",
                    self.user,
                    self.channel,
                    self._clock.now(),
                    Message(
                        title=question.title, body=question.text, footer=footer, tone=Tone.WARNING
                    ),
                )
            )
            return
        ref = decode(chosen.id)
        proposal, self._proposal = self._proposal, None
        if ref is not None and ref.verb is Verb.IMPORT and proposal is not None:
            await self._reply(
                await self._followup.handle_command(self.identity, proposal.command, self.place)
            )
            return
        await self._reply(await self._followup.handle_action(self.identity, chosen.id, self.place))

    async def _press(self, wanted: str) -> None:
        mine = [r for r in self._mine() if r.message.actions]
        if not mine:
            self._notice("No recent message of yours has buttons yet.")
            return
        latest = mine[0].message.actions
        numbered = _NUMBERED.match(wanted)  # "1", or "[1 Sent]" copied from the screen
        if numbered:
            number = int(numbered.group(1))
            if 1 <= number <= len(latest):
                await self._press_action(latest[number - 1])
            else:
                self._notice(
                    f"The latest message has buttons 1 to {len(latest)}: {_labels(latest)}."
                )
            return
        folded = " ".join(wanted.casefold().strip("[]").split())
        # the newest message with a matching button: its exact label, else a unique start
        for record in mine:
            actions = record.message.actions
            exact = [a for a in actions if a.id == wanted or a.label.casefold() == folded]
            starts = exact or [a for a in actions if a.label.casefold().startswith(folded)]
            if len(starts) == 1:
                await self._press_action(starts[0])
                return
            if starts:
                either = " or ".join(f"“{a.label}”" for a in starts)
                self._notice(f"“{wanted[:40]}” could be {either}: type more of it, or its number.")
                return
        self._notice(
            f"No recent message of yours has a “{wanted[:40]}” button. The latest has "
            f"{_labels(latest)}."
        )

    async def _advance(self, text: str) -> None:
        if not isinstance(self._clock, SimulatedClock):
            self._notice(":advance needs a simulated clock: start the console with --now.")
            return
        span = read_duration(text)
        if span is None:
            self._notice("Give a duration like 3h, 2d or 1w.")
            return
        try:
            target = self._clock.now() + span
        except OverflowError:
            self._notice(
                "That would move the clock past the year 9999. Nothing was changed: give a "
                "shorter duration."
            )
            return
        for _ in range(MAX_ADVANCE_STEPS):
            upcoming = await self._next_due_at()
            if upcoming is None or upcoming > target:
                break
            stuck = upcoming <= self._clock.now()
            self._clock.set(max(upcoming, self._clock.now()))
            if not await self._run_due() and stuck:
                break  # held by another process's lease: nothing this console can deliver
        self._clock.set(target)
        self._output.say(f"(clock is now {self._stamp(target)})", "dim")

    def _stamp(self, instant: datetime) -> str:
        return instant.astimezone(self._output.zone).strftime("%a %d %b %Y %H:%M %Z")

    def _notice(self, text: str) -> None:
        if self._output.json_lines:
            self._output.emit(
                Record(
                    "reply",
                    self.user,
                    self.channel,
                    self._clock.now(),
                    Message(title=text, tone=Tone.ERROR),
                )
            )
        else:
            self._output.say(text, "red")


def _labels(actions: tuple[Action, ...]) -> str:
    return ", ".join(f"{n} {a.label}" for n, a in enumerate(actions, start=1))


def _lines_of(text: str, *, reading_draft: bool) -> list[str]:
    """What a pasted block holds: its lines one by one (so a pasted draft ends at its `.` line and
    pasted commands run in turn), except a `review <id> <text>` pasted whole, which keeps its
    paragraphs."""
    parts = text.rstrip("\r\n").split("\n")
    if len(parts) > 1 and not reading_draft and _REVIEW_WITH_TEXT.match(parts[0]):
        return [text]
    return parts


def _is_help(text: str) -> bool:
    words = text.split()
    return len(words) == 1 and ALIASES.get(words[0].lower(), words[0].lower()) == "help"

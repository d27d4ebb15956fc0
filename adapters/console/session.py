"""A console conversation: who is speaking, where, and what each line does.

Lines are commands (handed to the core unchanged) or meta-commands (`:as`, `:in`, `:dm`,
`:press`, `:advance`, `:quit`). Direct messages from the dispatcher come back through
`ConsoleNotifier` and group-channel posts through `ConsolePoster`, so `:advance` shows every
nudge and digest that falls due, in time order.

The console has no channel administrators: in a channel (`:in #jobs`) the first person to
turn group mode on owns it (`Place.has_admins` False), and only they may change it.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from adapters.console.output import Output, Record
from bot.clock import Clock, SimulatedClock
from bot.dates import read_duration
from bot.digests import DigestDispatcher
from bot.dispatcher import Dispatcher
from bot.domain import Identity, Place, User
from bot.groups import ChannelRef
from bot.messages import Message, Tone
from bot.service import Followup
from bot.tracing import request_scope
from bot.views import unexpected

PLATFORM = "console"
WORKSPACE = "local"
MAX_ADVANCE_STEPS = 100_000
BOT_NAME = "followup"
log = logging.getLogger(__name__)


class ConsoleNotifier:
    """Delivers direct messages by writing them to the console."""

    def __init__(self, output: Output, clock: Clock) -> None:
        self._output = output
        self._clock = clock

    async def send_direct(self, user: User, message: Message) -> None:
        self._output.emit(Record("dm", user.external_id, None, self._clock.now(), message))


class ConsolePoster:
    """Posts to a group channel by writing a `channel` record (its author is the bot)."""

    def __init__(self, output: Output, clock: Clock) -> None:
        self._output = output
        self._clock = clock

    async def post(self, channel: ChannelRef, message: Message) -> None:
        self._output.emit(Record("channel", BOT_NAME, channel.channel_id, self._clock.now(), message))


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
    ) -> None:
        self._followup = followup
        self._dispatcher = dispatcher
        self._digests = digests
        self._clock = clock
        self._output = output
        self._timezone = timezone
        self._export_dir = export_dir or Path.cwd()
        self.user = user
        self.channel: str | None = None
        self.finished = False

    @property
    def identity(self) -> Identity:
        return Identity(PLATFORM, WORKSPACE, self.user, display_name=self.user, timezone=self._timezone)

    @property
    def place(self) -> Place:
        return Place(channel_id=self.channel, is_direct=self.channel is None, has_admins=False)

    async def handle_line(self, line: str) -> None:
        """Handle one line; whatever fails (a clock moved past the calendar's end), the console
        answers like any platform does and reads the next line."""
        try:
            await self._handle_line(line)
        except Exception:
            with request_scope() as request_id:
                log.exception("console line failed")
                await self._reply(unexpected(request_id))

    async def _handle_line(self, line: str) -> None:
        text = line.strip()
        if not text or text.startswith("#!"):
            return
        if text.startswith(":"):
            await self._meta(text)
        else:
            await self._reply(await self._followup.handle_text(self.identity, text, self.place))
        await self.deliver_due()

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
            done += posted.posted + posted.retried + posted.skipped
        return done

    async def _next_due_at(self) -> datetime | None:
        times = [await self._dispatcher.next_due_at()]
        if self._digests is not None:
            times.append(await self._digests.next_due_at())
        known = [t for t in times if t is not None]
        return min(known) if known else None

    async def _reply(self, message: Message) -> None:
        if message.attachment is not None:
            message = self._save_attachment(message)
        self._output.emit(Record("reply", self.user, self.channel, self._clock.now(), message))

    def _save_attachment(self, message: Message) -> Message:
        attachment = message.attachment
        assert attachment is not None
        stem, _, ext = attachment.filename.rpartition(".")
        path = self._export_dir / f"{stem}-{self.user}.{ext}"
        path.write_text(attachment.content, encoding="utf-8")
        body = f"{message.body}\nSaved to {path}\n\n{attachment.content.rstrip()}"
        return replace(message, body=body)

    async def _meta(self, text: str) -> None:
        verb, _, arg = text[1:].partition(" ")
        arg = arg.strip()
        if verb == "quit":
            self.finished = True
        elif verb == "as" and arg:
            self.user = arg[:64]
            self._output.say(f"(now speaking as {self.user})")
        elif verb == "in" and arg:
            self.channel = arg if arg.startswith("#") else f"#{arg}"
            self._output.say(f"(now in {self.channel})")
        elif verb == "dm":
            self.channel = None
            self._output.say("(now in your direct messages)")
        elif verb == "press" and arg:
            await self._press(arg)
        elif verb == "advance" and arg:
            await self._advance(arg)
        else:
            self._notice(
                "Meta-commands: :as <name>, :in <#channel>, :dm, :press <button>, :advance <3h|2d|1w>, :quit"
            )

    async def _press(self, wanted: str) -> None:
        folded = wanted.casefold().strip("[]")
        for record in reversed(self._output.records):
            if record.user != self.user:
                continue
            for action in record.message.actions:
                if action.id == wanted or action.label.casefold() == folded:
                    await self._reply(await self._followup.handle_action(self.identity, action.id, self.place))
                    return
        self._notice(f"No recent message of yours has a “{wanted[:40]}” button.")

    async def _advance(self, text: str) -> None:
        if not isinstance(self._clock, SimulatedClock):
            self._notice(":advance needs a simulated clock: start the console with --now.")
            return
        span = read_duration(text)
        if span is None:
            self._notice("Give a duration like 3h, 2d or 1w.")
            return
        target = self._clock.now() + span
        for _ in range(MAX_ADVANCE_STEPS):
            upcoming = await self._next_due_at()
            if upcoming is None or upcoming > target:
                break
            stuck = upcoming <= self._clock.now()
            self._clock.set(max(upcoming, self._clock.now()))
            if not await self._run_due() and stuck:
                break  # held by another process's lease: nothing this console can deliver
        self._clock.set(target)
        self._output.say(f"(clock is now {self._stamp(target)})")

    def _stamp(self, instant: datetime) -> str:
        return instant.astimezone(self._output.zone).strftime("%a %d %b %Y %H:%M %Z")

    def _notice(self, text: str) -> None:
        if self._output.json_lines:
            self._output.emit(Record("reply", self.user, self.channel, self._clock.now(), Message(title=text, tone=Tone.ERROR)))
        else:
            self._output.say(text)

"""The core's front door: text, typed commands and button presses in; neutral messages out.

Every adapter talks to the bot through `Followup` and nothing else. Each call runs in one unit
of work that is committed only when the command succeeded, so a rejected command stores
nothing, not even a first-contact user row.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from bot import commands as c
from bot import views
from bot.actions import Verb, decode
from bot.clock import Clock
from bot.dates import timezone_choices
from bot.domain import Identity, Place, TimezoneSource
from bot.errors import BadInput
from bot.handlers import account, applications, overview, steps
from bot.handlers.context import Context
from bot.messages import Message, Tone
from bot.parser import parse
from bot.ports import UnitOfWorkFactory

log = logging.getLogger(__name__)
DIRECT = Place()

Handler = Callable[[Any, Context], Awaitable[Message]]


async def _sync(fn: Callable[[Any, Context], Message], cmd: Any, ctx: Context) -> Message:
    return fn(cmd, ctx)


HANDLERS: dict[type, Handler] = {
    c.Add: applications.add,
    c.AddForm: lambda cmd, ctx: _sync(applications.add_form, cmd, ctx),
    c.LogRound: applications.log_round,
    c.ListApplications: applications.list_applications,
    c.Show: applications.show,
    c.Delete: applications.delete,
    c.SetStatus: applications.set_status,
    c.Today: overview.today,
    c.MarkSent: steps.mark_sent,
    c.Heard: steps.heard,
    c.Snooze: steps.snooze,
    c.Skip: steps.skip,
    c.Checklist: steps.checklist,
    c.Draft: steps.draft,
    c.Review: steps.review,
    c.Settings: account.settings,
    c.Export: account.export,
    c.Help: lambda cmd, ctx: _sync(account.help_message, cmd, ctx),
    c.ForgetMe: lambda cmd, ctx: _confirmable_forget(cmd, ctx),
}

_BUTTON_COMMANDS: dict[Verb, Callable[[int], c.Command]] = {
    Verb.SENT: c.MarkSent,
    Verb.SNOOZE: lambda n: c.Snooze(n, "1d"),
    Verb.CHECKLIST: lambda n: c.Checklist(number=n),
    Verb.DRAFT: c.Draft,
    Verb.SKIP: c.Skip,
    Verb.HEARD: c.Heard,
}

NOT_YOURS = Message(
    title="That button isn't yours.",
    body="It belongs to someone else's follow-up, so nothing changed.",
    tone=Tone.ERROR,
)


async def _confirmable_forget(cmd: c.ForgetMe, ctx: Context) -> Message:
    if cmd.confirmed:
        return await account.forget_confirmed(ctx)
    return account.forget_me(cmd, ctx)


class Followup:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    @staticmethod
    def parse(text: str) -> c.Command | Message:
        """The command in `text`, or the error message to show (adapters use this to open
        forms for `add` with no arguments)."""
        try:
            return parse(text)
        except BadInput as problem:
            return views.error(problem)

    async def handle_text(self, who: Identity, text: str, where: Place = DIRECT) -> Message:
        parsed = self.parse(text)
        if isinstance(parsed, Message):
            return parsed
        return await self.handle_command(who, parsed, where)

    async def handle_command(self, who: Identity, command: c.Command, where: Place = DIRECT) -> Message:
        handler = HANDLERS[type(command)]
        return await self._run(who, where, lambda ctx: handler(command, ctx))

    async def handle_action(self, who: Identity, action_id: str, where: Place = DIRECT) -> Message:
        ref = decode(action_id)
        if ref is None:
            return Message(title="I don't know that button.", body="Nothing changed. Type `help` to see what I can do.", tone=Tone.ERROR)

        async def press(ctx: Context) -> Message:
            if ref.verb in (Verb.FORGET, Verb.FORGET_CANCEL):
                if ref.ref != ctx.user.id:
                    return NOT_YOURS
                if ref.verb is Verb.FORGET_CANCEL:
                    return Message(title="Nothing was deleted.", tone=Tone.SUCCESS)
                return await account.forget_confirmed(ctx)
            app = await ctx.uow.applications.get(ref.ref)
            if app is None or app.user_id != ctx.user.id:
                return NOT_YOURS
            command = _BUTTON_COMMANDS[ref.verb](app.number)
            return await HANDLERS[type(command)](command, ctx)

        return await self._run(who, where, press)

    async def home(self, who: Identity) -> Message:
        """The user's pipeline at a glance (Slack's App Home, a dashboard): what is due, with
        buttons, the active applications and the settings. Someone the bot doesn't know yet
        gets a welcome, and nothing is stored about them."""
        async with self._uow_factory() as uow:
            known = await uow.users.find(who) is not None
        if not known:
            return account.welcome()

        async def pipeline(ctx: Context) -> Message:
            due = await overview.today(c.Today(), ctx)
            listing = await applications.list_applications(c.ListApplications(), ctx)
            settings = await account.settings(c.Settings(), ctx)
            buttons = await overview.due_actions(ctx)
            body = f"{due.body}\n\n{listing.title}\n{listing.body}"
            return replace(due, body=body, fields=settings.fields, actions=buttons)

        return await self._run(who, DIRECT, pipeline)

    async def application_choices(self, who: Identity, typed: str = "", limit: int = 25) -> list[tuple[int, str]]:
        """(number, label) of the user's own applications matching `typed`, for autocomplete."""
        needle = typed.strip().lstrip("#").casefold()
        async with self._uow_factory() as uow:
            user = await uow.users.find(who)
            if user is None:
                return []
            apps = await uow.applications.list_for_user(user.id, active_only=False)
        matches = [(a.number, a.label) for a in apps if needle in a.label.casefold()]
        return matches[:limit]

    @staticmethod
    def timezone_choices(typed: str, limit: int = 25) -> list[str]:
        return timezone_choices(typed, limit)

    async def _run(self, who: Identity, where: Place, work: Callable[[Context], Awaitable[Message]]) -> Message:
        now = self._clock.now()
        try:
            async with self._uow_factory() as uow:
                user = await uow.users.get_or_create(who, now)
                ctx = Context(uow=uow, user=user, now=now, where=where)
                message = await work(ctx)
                if not message.is_error:
                    message = await self._with_notices(message, ctx, who)
                    await uow.commit()
                return message
        except BadInput as problem:
            return views.error(problem)

    @staticmethod
    async def _with_notices(message: Message, ctx: Context, who: Identity) -> Message:
        notes = []
        if ctx.forgotten:
            return message  # nothing more to say about someone just forgotten
        failures = await ctx.uow.nudges.unreported_failures(ctx.user.id) if ctx.user.has_unreported_failures else []
        if failures:
            reasons = "; ".join(dict.fromkeys(n.last_error or "unknown error" for n in failures))
            notes.append(f"⚠ I couldn't deliver {len(failures)} nudge{'s' if len(failures) > 1 else ''} to you: {reasons}. `today` lists them.")
            await ctx.uow.nudges.mark_failures_reported(ctx.user.id, ctx.now)
        if ctx.user.timezone_source is TimezoneSource.DEFAULT and not who.timezone:
            notes.append(f"Times are in {ctx.settings.timezone} until you set your timezone: settings tz Europe/Berlin")
        if not notes:
            return message
        footer = "\n".join(([message.footer] if message.footer else []) + notes)
        return replace(message, footer=footer)

"""The core's front door: text, typed commands and button presses in; neutral messages out.

Every adapter talks to the bot through `Followup` and nothing else. Each call runs in one unit
of work that is committed only when the command succeeded, so a rejected command stores
nothing, not even a first-contact user row.

The reply is always for the person who typed the command, and says what kind of reply it is
(`Message.reply`): `add`, `round <id>` and `review <id>` alone open a form (the first and the
last need no data, so no unit of work either); a button press whose answer should replace the
message it was on (it changed something, turned a page, answered a question) is an edit;
anything else is a new message. Adapters follow that, never the command text or the button id.

Posts meant for a whole group channel (a shared milestone, the board, the group-mode intro) are
delivered after the commit through the platform's `ChannelPoster`; if one can't be posted, the
reply says why. A command in a group channel also records the speaker as a member of that
group.

This is also the core's error boundary. Every text that enters (a typed line, a form's or an
option's fields, the platform's display name) is cleaned of invisible characters first
(`bot.hygiene`); and whatever unexpected goes wrong inside (a bug, a database that is full or
gone) ends in a neutral "nothing was changed, try again" reply carrying the request id, and one
logged traceback with that id: the uncommitted work is rolled back, so the reply is true.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import replace
from typing import Any

from bot import commands as c
from bot import dashboard, paging, review_reply, views
from bot.actions import CONFIRMS, ActionRef, Verb, decode
from bot.clock import Clock
from bot.dashboard import Dashboard
from bot.date_order import effective_order
from bot.dates import Intent, preview, timezone_choices, valid_zone_name
from bot.domain import DateOrder, DeliverySettings, Identity, Place, TimezoneSource
from bot.errors import BadInput
from bot.events import Events, ScheduleChanged
from bot.extract import Draft, extract
from bot.feed import FeedDocument, read_feed
from bot.groups import ChannelPost
from bot.handlers import account, applications, groups, imports, overview, steps
from bot.handlers.context import Context
from bot.handlers.rounds import ASSUMED_START
from bot.hygiene import clean, clean_fields
from bot.messages import Form, FormKind, Message, Reply, Tone
from bot.paging import View
from bot.parser import parse
from bot.ports import ChannelPoster, DeliveryError, TransientDeliveryError, UnitOfWorkFactory
from bot.tracing import request_scope

log = logging.getLogger(__name__)
DIRECT = Place()

Handler = Callable[[Any, Context], Awaitable[Message]]


async def _sync(fn: Callable[[Any, Context], Message], cmd: Any, ctx: Context) -> Message:
    return fn(cmd, ctx)


HANDLERS: dict[type, Handler] = {
    c.Add: applications.add,
    c.LogRound: applications.log_round,
    c.RoundForm: applications.round_form,
    c.ChangeRound: applications.change_round,
    c.RemoveRound: applications.remove_round,
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
    c.ImportInvitation: imports.import_invitation,
    c.Help: lambda cmd, ctx: _sync(account.help_message, cmd, ctx),
    c.ForgetMe: lambda cmd, ctx: _confirmable_forget(cmd, ctx),
    c.ChannelMode: groups.channel_mode,
    c.ScheduleDigest: groups.schedule_digest,
    c.StopDigest: groups.stop_digest,
    c.Share: groups.share,
    c.StopSharing: groups.stop_sharing,
    c.Board: groups.board,
}

# Commands answered by a form to open (the message is the answer where none can open): they
# need no data, so they are answered at once, without a unit of work.
FORMS: dict[type, Callable[[Any], Message]] = {
    c.AddForm: lambda cmd: replace(
        applications.add_form(cmd), reply=Reply.FORM, form=Form(FormKind.ADD)
    ),
    c.ReviewForm: lambda cmd: replace(
        review_reply.review_form(cmd), reply=Reply.FORM, form=Form(FormKind.REVIEW, cmd.number)
    ),
}

# Presses whose answer replaces the question they were pressed on (a yes or a cancel), changed
# data or not; any other press replaces its message only when it changed something (a nudge
# marked sent shows its new state), or turned a page.
ANSWERS_IN_PLACE = frozenset({Verb.FORGET, Verb.FORGET_CANCEL, Verb.IMPORT, Verb.IMPORT_CANCEL})


def _in_place(verb: Verb, message: Message) -> Message:
    """The press's answer, as an edit of the pressed message when it should replace it."""
    turned = verb is Verb.PAGE and message.page is not None
    if message.is_error or not (message.changed or turned or verb in ANSWERS_IN_PLACE):
        return message
    return replace(message, reply=Reply.EDIT)


# A button acts on the step its message was about (`task`), never on whatever is current now.
_BUTTON_COMMANDS: dict[Verb, Callable[[int, str | None], c.Command]] = {
    Verb.SENT: lambda n, task: c.MarkSent(n, task=task),
    Verb.SENT_EARLY: lambda n, task: c.MarkSent(n, task=task, confirmed=True),
    Verb.SNOOZE: lambda n, task: c.Snooze(n, "1d", task=task),
    Verb.CHECKLIST: lambda n, task: c.Checklist(number=n, task=task),
    Verb.DRAFT: lambda n, task: c.Draft(n, task=task),
    Verb.SKIP: lambda n, task: c.Skip(n, task=task),
    Verb.HEARD: lambda n, task: c.Heard(n),
    Verb.DELETE: lambda n, task: c.Delete(n),
    Verb.SHOW: lambda n, task: c.Show(n),
}

NOT_YOURS = Message(
    title="That button isn't yours.",
    body="It belongs to someone else's follow-up, so nothing changed.",
    tone=Tone.ERROR,
)
UNKNOWN_BUTTON = Message(
    title="I don't know that button.",
    body="Nothing changed. Type `help` to see what I can do.",
    tone=Tone.ERROR,
)


async def _page(ref: ActionRef, ctx: Context) -> Message:
    """A Next or Previous press: that page of the presser's own view."""
    wanted = paging.target(ref.task)
    if wanted is None:
        return UNKNOWN_BUTTON
    view, number = wanted
    if view is View.SHOW:
        app = await ctx.uow.applications.get(ref.ref)
        if app is None or app.user_id != ctx.user.id:
            return NOT_YOURS
        return await applications.show(c.Show(app.number, page=number), ctx)
    if ref.ref != ctx.user.id:
        return NOT_YOURS
    if view is View.LIST:
        return await applications.list_applications(c.ListApplications(page=number), ctx)
    if view is View.TODAY:
        return await overview.today(c.Today(page=number), ctx)
    return dashboard.as_message(await dashboard.build(ctx, number))


async def _confirmable_forget(cmd: c.ForgetMe, ctx: Context) -> Message:
    if cmd.confirmed:
        return await account.forget_confirmed(ctx)
    return account.forget_me(cmd, ctx)


class Followup:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        posters: Mapping[str, ChannelPoster] | None = None,
        public_url: str | None = None,
        local_files: Callable[[str], bytes] | None = None,
    ) -> None:
        """`posters`: the channel poster of each platform that is up. `local_files`: how
        `import <path>` reads a file on this machine; only the console, whose person is at the
        machine, is given one."""
        self._uow_factory = uow_factory
        self._clock = clock
        self._posters: Mapping[str, ChannelPoster] = posters if posters is not None else {}
        # Told, after the commit, what a command changed in the schedule (wake-ups subscribe).
        self.events = Events()
        self.public_url = public_url.rstrip("/") if public_url else None
        self._local_files = local_files

    @staticmethod
    def parse(text: str) -> c.Command | Message:
        """The command in `text`, or the error message to show: what `handle_text` runs (a
        platform's typed options build the same command)."""
        try:
            return parse(clean(text))
        except BadInput as problem:
            return views.error(problem)
        except Exception:  # a parser bug must still get an answer
            with request_scope() as request_id:
                log.exception("command failed", extra={"command": "parse"})
                return views.unexpected(request_id)

    async def handle_text(self, who: Identity, text: str, where: Place = DIRECT) -> Message:
        parsed = self.parse(text)
        if isinstance(parsed, Message):
            return parsed
        return await self.handle_command(who, parsed, where)

    async def handle_command(
        self, who: Identity, command: c.Command, where: Place = DIRECT
    ) -> Message:
        form = FORMS.get(type(command))
        if form is not None:
            return form(command)
        handler = HANDLERS[type(command)]
        command = clean_fields(command)
        return await self._run(
            who, where, lambda ctx: handler(command, ctx), type(command).__name__
        )

    async def handle_action(
        self,
        who: Identity,
        action_id: str,
        where: Place = DIRECT,
        proposal: c.Command | None = None,
    ) -> Message:
        """A button press. `proposal`: the command a "Yes, log it" button under an imported
        invitation carried back (platforms that keep it in the button), run as the press. The
        answer says whether it replaces the pressed message (`Reply.EDIT`)."""
        ref = decode(action_id)
        if ref is None:
            log.info(
                "unknown action refused",
                extra={"platform": who.platform, "action": action_id[:100]},
            )
            return UNKNOWN_BUTTON
        carried = (
            clean_fields(proposal) if proposal is not None and ref.verb is Verb.IMPORT else None
        )

        async def press(ctx: Context) -> Message:
            if carried is not None:
                return await HANDLERS[type(carried)](carried, ctx)
            if ref.verb in (Verb.IMPORT, Verb.IMPORT_CANCEL):
                # A "Yes" without the proposal it confirms has lost it (an old message), and
                # nothing is logged.
                if ref.verb is Verb.IMPORT_CANCEL:
                    return Message(title="Nothing was logged.", tone=Tone.SUCCESS)
                return Message(
                    title="That question has expired.",
                    body="Nothing was logged: import the invitation again.",
                    tone=Tone.ERROR,
                )
            if ref.verb in (Verb.FORGET, Verb.FORGET_CANCEL):
                if ref.ref != ctx.user.id:
                    return NOT_YOURS
                if ref.verb is Verb.FORGET_CANCEL:
                    return Message(title="Nothing was deleted.", tone=Tone.SUCCESS)
                return await account.forget_confirmed(ctx)
            if ref.verb is Verb.PAGE:
                return await _page(ref, ctx)
            app = await ctx.uow.applications.get(ref.ref)
            if app is None or app.user_id != ctx.user.id:
                return NOT_YOURS
            command = _BUTTON_COMMANDS[ref.verb](app.number, ref.task)
            return await HANDLERS[type(command)](command, ctx)

        kind = type(carried).__name__ if carried is not None else f"button:{ref.verb.value}"
        return _in_place(ref.verb, await self._run(who, where, press, kind))

    async def refusal(self, who: Identity, action_id: str) -> Message | None:
        """Why `who` may not press `action_id` (someone else's button, or one unknown), or None.
        For platforms that ask a confirmation first: someone else's Delete is refused before
        the question, not after "yes". Reads only; the press itself checks again."""
        ref = decode(action_id)
        if ref is None:
            return UNKNOWN_BUTTON
        if ref.verb not in CONFIRMS:
            return None
        with request_scope():
            try:
                async with self._uow_factory() as uow:
                    user = await uow.users.find(clean_fields(who))
                    if user is None:
                        return NOT_YOURS
                    if ref.verb in (Verb.FORGET, Verb.FORGET_CANCEL):
                        return None if ref.ref == user.id else NOT_YOURS
                    app = await uow.applications.get(ref.ref)
                    return None if app is not None and app.user_id == user.id else NOT_YOURS
            except Exception:  # the press itself will answer, and check again
                log.exception("could not check a button's owner", extra={"platform": who.platform})
                return None

    async def feed(self, secret: str) -> FeedDocument | None:
        """The calendar subscription with this secret, or None (unknown, reset or forgotten).
        Its own unit of work: it records what subscribers were shown (SEQUENCE, LAST-MODIFIED)."""
        with request_scope():
            async with self._uow_factory() as uow:
                document = await read_feed(uow, secret, self._clock.now())
                if document is not None:
                    await uow.commit()
                return document

    async def home(self, who: Identity, page: int = 1) -> Dashboard:
        """The user's pipeline at a glance (Slack's App Home): a card per application with its
        step, next nudge and buttons, and the settings (`bot.dashboard`); page `page` of the
        cards when there are many (`bot.paging.HOME`). Someone the bot doesn't know yet gets a
        welcome, and nothing is stored about them."""
        built: list[Dashboard] = []

        async def pipeline(ctx: Context) -> Message:
            built.append(await dashboard.build(ctx, page))
            return built[0].summary

        welcome = account.welcome()
        # One unit of work: a stranger gets the welcome and nothing is stored about them; the
        # summary of someone known gains the notices.
        summary = await self._run(who, DIRECT, pipeline, "home", stranger=welcome)
        if summary is welcome or summary.is_error or not built:
            return Dashboard(summary)
        return replace(built[0], summary=summary)

    async def erase_workspace(self, platform: str, workspace: str) -> int:
        """The app was removed from a workspace: delete every person of it (the same erase as
        `forget-me`, one by one) and its group channels. Returns how many people went."""
        with request_scope():
            async with self._uow_factory() as uow:
                people = await uow.users.forget_workspace(platform, workspace)
                channels = await uow.groups.drop(platform, workspace)
                await uow.commit()
            log.info(
                "workspace erased",
                extra={"platform": platform, "people": people, "channels": channels},
            )
            if channels:
                self.events.publish([ScheduleChanged.NUDGES, ScheduleChanged.DIGESTS])
            elif people:
                self.events.publish([ScheduleChanged.NUDGES])
            return people

    async def drop_channels(
        self, platform: str, workspace: str, channel_ids: Collection[str]
    ) -> int:
        """The bot left a server: its group channels, memberships and digests go (the people
        stay: their data is not tied to that server). Returns how many channels went."""
        if not channel_ids:
            return 0
        with request_scope():
            async with self._uow_factory() as uow:
                channels = await uow.groups.drop(platform, workspace, channel_ids)
                await uow.commit()
            log.info("group channels dropped", extra={"platform": platform, "channels": channels})
            if channels:
                self.events.publish([ScheduleChanged.DIGESTS])
            return channels

    async def application_choices(
        self, who: Identity, typed: str = "", limit: int = 25
    ) -> list[tuple[int, str]]:
        """(number, label) of the user's own applications matching `typed`, for autocomplete."""
        needle = clean(typed).strip().lstrip("#").casefold()
        try:
            async with self._uow_factory() as uow:
                user = await uow.users.find(clean_fields(who))
                if user is None:
                    return []
                apps = await uow.applications.list_for_user(user.id, active_only=False)
        except Exception:  # suggestions are optional: none rather than an error
            log.exception("autocomplete failed", extra={"platform": who.platform})
            return []
        matches = [(a.number, a.label) for a in apps if needle in a.label.casefold()]
        return matches[:limit]

    async def date_preview(self, who: Identity, typed: str, intent: Intent) -> str:
        """How `typed` would be read as a date for `intent` by this person, as one line
        ("Fri 6 Nov 2026 15:00", or why it can't be read), for autocomplete."""
        text = clean(typed)
        if not text.strip():
            return "Type a date: tomorrow 10:00, friday at 3, 12 Nov 14:00-15:00"
        settings, order = await self._reading_settings(who)
        default = {Intent.INTERVIEW: ASSUMED_START, Intent.SNOOZE: settings.nudge_hour}.get(intent)
        return preview(
            text, intent, tz=settings.zone, now=self._clock.now(), order=order, default_time=default
        )

    async def draft_from(self, who: Identity, text: str) -> Draft:
        """The add form's values as far as `text` (a message, an email) tells them, read in
        this person's zone and date order. Nothing is stored, not even a first-contact user."""
        settings, order = await self._reading_settings(who)
        try:
            return extract(clean(text), tz=settings.zone, now=self._clock.now(), order=order)
        except Exception:  # a reading bug must not keep the form shut: it opens empty
            log.exception("reading a message for the form failed", extra={"platform": who.platform})
            return Draft()

    async def _reading_settings(self, who: Identity) -> tuple[DeliverySettings, DateOrder | None]:
        """The person's zone and date order for reading dates without storing anything: their
        settings when the bot knows them, else the platform's hints."""
        user = None
        try:
            async with self._uow_factory() as uow:
                user = await uow.users.find(clean_fields(who))
        except Exception:  # optional: read with the platform's hints instead
            log.exception(
                "could not load the user to read a date", extra={"platform": who.platform}
            )
        settings = (
            user.settings
            if user
            else DeliverySettings(timezone=valid_zone_name(who.timezone) or "UTC")
        )
        locale = who.locale or (user.locale if user else None)  # the platform's latest word
        return settings, effective_order(settings.date_order, locale, settings.timezone)

    async def delivery_settings(self, who: Identity) -> DeliverySettings:
        """The person's delivery settings as stored, for a form to start from; for someone the
        bot doesn't know yet, the defaults in the platform's timezone. Nothing is stored."""
        async with self._uow_factory() as uow:
            user = await uow.users.find(clean_fields(who))
        return (
            user.settings
            if user
            else DeliverySettings(timezone=valid_zone_name(who.timezone) or "UTC")
        )

    @staticmethod
    def timezone_choices(typed: str, limit: int = 25) -> list[str]:
        return timezone_choices(typed, limit)

    async def _run(
        self,
        who: Identity,
        where: Place,
        work: Callable[[Context], Awaitable[Message]],
        kind: str = "command",
        stranger: Message | None = None,
    ) -> Message:
        """Run `work` in one unit of work under a request id (the adapter's, or a new one),
        and log one structured line for it: never the user's text, only what was asked. With
        `stranger`, someone the bot doesn't know yet is answered that, and nothing is stored."""
        with request_scope() as request_id:
            started = time.perf_counter()
            now = self._clock.now()
            user_id: int | None = None
            who = clean_fields(who)
            try:
                async with self._uow_factory() as uow:
                    if stranger is None:
                        user = await uow.users.get_or_create(who, now)
                    else:
                        found = await uow.users.known(who)
                        if found is None:
                            return stranger
                        user = found
                    user_id = user.id
                    ctx = Context(
                        uow=uow,
                        user=user,
                        now=now,
                        where=where,
                        public_url=self.public_url,
                        local_files=self._local_files,
                    )
                    await self._note_member(ctx)
                    message = await work(ctx)
                    if not message.is_error:
                        message = await self._with_notices(message, ctx, who)
                        await uow.commit()
            except BadInput as problem:
                message = views.error(problem)
            except Exception:
                log.exception(
                    "command failed",
                    extra={"command": kind, "platform": who.platform, "user": user_id},
                )
                message = views.unexpected(request_id)
            if not message.is_error:
                message = await self._after_commit(message, ctx)
            log.info(
                "command handled",
                extra={
                    "command": kind,
                    "platform": who.platform,
                    "user": user_id,
                    "outcome": "refused" if message.is_error else "ok",
                    "ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            return message

    async def _after_commit(self, message: Message, ctx: Context) -> Message:
        """Announce what changed in the schedule, and deliver the channel posts."""
        self.events.publish(ctx.changed)
        return await self._deliver_posts(message, ctx.posts)

    @staticmethod
    async def _note_member(ctx: Context) -> None:
        """Someone using the bot in a channel with group mode on is one of its members."""
        ref = ctx.channel
        if ref is None:
            return
        channel = await ctx.uow.groups.get(ref)
        if channel is not None and channel.enabled:
            await ctx.uow.groups.join(channel.id, ctx.user.id, ctx.now)

    async def _deliver_posts(self, message: Message, posts: list[ChannelPost]) -> Message:
        """Post each channel post through the platform's poster; a post that can't be made is
        explained in the (private) reply, since the change itself is already stored."""
        problems: list[str] = []
        for post in posts:
            poster = self._posters.get(post.channel.platform)
            if poster is None:
                problems.append("I can't post in channels on this platform yet")
                continue
            try:
                # what everyone in the channel sees carries nothing invisible or bidirectional
                await poster.post(post.channel, replace(clean_fields(post.message), private=False))
            except TransientDeliveryError as hiccup:
                problems.append(f"{hiccup.reason} — try again in a moment")
            except DeliveryError as refusal:
                problems.append(str(refusal))
            # a poster bug must not turn a stored change into an error
            except Exception as unexpected:
                log.exception("channel post failed", extra={"platform": post.channel.platform})
                problems.append(f"unexpected error: {type(unexpected).__name__}")
        if not problems:
            return message
        note = "⚠ I couldn't post in the channel: " + "; ".join(dict.fromkeys(problems)) + "."
        return replace(message, footer="\n".join(filter(None, (message.footer, note))))

    @staticmethod
    async def _with_notices(message: Message, ctx: Context, who: Identity) -> Message:
        notes = []
        if ctx.forgotten:
            return message  # nothing more to say about someone just forgotten
        failures = (
            await ctx.uow.nudges.unreported_failures(ctx.user.id)
            if ctx.user.has_unreported_failures
            else []
        )
        if failures:
            reasons = "; ".join(dict.fromkeys(n.last_error or "unknown error" for n in failures))
            notes.append(
                f"⚠ I couldn't deliver {len(failures)} nudge{'s' if len(failures) > 1 else ''} to "
                f"you: {reasons}. `today` lists them."
            )
            await ctx.uow.nudges.mark_failures_reported(ctx.user.id, ctx.now)
        if ctx.user.timezone_source is TimezoneSource.DEFAULT and not who.timezone:
            notes.append(
                f"Times are in {ctx.settings.timezone} until you set your timezone: settings tz "
                "Europe/Berlin"
            )
        if not notes:
            return message
        footer = "\n".join(([message.footer] if message.footer else []) + notes)
        return replace(message, footer=footer)

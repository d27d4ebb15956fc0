"""Handlers about the user rather than one application: help, settings, export, forget-me."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

from bot import commands as c
from bot import export as exporting
from bot import feed, formatting
from bot.actions import Verb, action
from bot.catalogue import BY_NAME, COMMANDS, GROUP_COMMANDS, HELP_SECTIONS, CommandInfo, suggest
from bot.date_order import effective_order
from bot.dates import read_clock, zone
from bot.domain import DateOrder, DeliverySettings, TimezoneSource, User
from bot.errors import BadInput
from bot.handlers.context import Context
from bot.messages import Attachment, Field, Message, Tone
from bot.timing import in_quiet_hours

METHOD_SUMMARY = """Every follow-up must add something, never a bare "just checking in":
  thank-you   after every round, within a day: thank them and ask when you may follow up
  value-add   on the date they agreed: what the interview missed, with numbers, easy to forward
  insight     after the hiring-manager round: industry knowledge a senior reader would value
  close-loop  after a no, or 6 weeks of silence: gracious, and leaves the door open
  check-back  90 days after a no: new hires often don't work out, so offer yourself
Silence earns fewer follow-ups: two without a reply, then wait. A reply restores them."""


def welcome() -> Message:
    return Message(
        title="Welcome to Followup",
        body="I help you follow up after job interviews, one useful email at a "
        f"time.\n{METHOD_SUMMARY}\n\nStart by logging an interview:\n{BY_NAME['add'].example}",
    )


def help_message(cmd: c.Help, ctx: Context | None = None) -> Message:
    if cmd.topic == "method":
        return Message(title="help method — the five follow-up emails", body=METHOD_SUMMARY)
    if cmd.topic:
        spec = BY_NAME.get(cmd.topic)
        if spec is None:
            guess = suggest(cmd.topic)
            hint = f" Did you mean “{guess}”?" if guess else ""
            raise BadInput(
                f"There is no command “{cmd.topic[:30]}”.{hint}", "help [command]", "help add"
            )
        where = "\nIt works in a group channel." if spec in GROUP_COMMANDS else ""
        return Message(
            title=f"help {spec.name}",
            body=f"{spec.summary}\nForm: {spec.usage}\nExample: {spec.example}{where}",
        )
    width = max(len(title) for title, _ in HELP_SECTIONS)
    sections = "\n".join(
        f"  {title:<{width}}  {' · '.join(names)}" for title, names in HELP_SECTIONS
    )
    return Message(
        title="Followup — your interview follow-up coach",
        body="Log an interview and I plan every follow-up email, nudge you when each one is due, "
        "and check your drafts before you send them.\n\n"
        f"Start with: {BY_NAME['add'].example}\n\n"
        f"Commands (ids look like 3 or #3):\n{sections}\n\n"
        "help <command> shows its form and an example, e.g. help round\n"
        "help method explains the five follow-up emails and when each falls due",
    )


def command_reference() -> str:
    """Every command with its form, what it does and an example: the long form of `help`, for
    `followup help` in a shell, where scrolling is fine."""
    def entries(specs: tuple[CommandInfo, ...]) -> str:
        return "\n".join(
            f"{spec.usage}\n    {spec.summary}\n    e.g. {spec.example}" for spec in specs
        )

    return (
        f"{METHOD_SUMMARY}\n\nCommands (ids look like 3 or #3):\n{entries(COMMANDS)}\n\nIn a "
        "group channel (replies stay private; only shares, the board and digests are "
        f"posted):\n{entries(GROUP_COMMANDS)}"
    )


NO_QUIET = (time(0, 0), time(0, 0))  # an empty range: nudges may come at any hour


QUIET_EXAMPLE = "settings quiet 21:00-07:30"
DATE_ORDERS = ("dmy", "mdy", "auto")


def _quiet(text: str) -> tuple[time, time]:
    if text.strip().lower() == "off":
        return NO_QUIET
    start, sep, end = text.partition("-")
    if not sep:
        raise BadInput(
            f"“{text[:20]}” is not a range of hours.",
            BY_NAME["settings"].usage,
            QUIET_EXAMPLE,
            "quiet",
        )
    if not (start.strip() and end.strip()):
        raise BadInput(
            "Quiet hours need a start and an end, like 21:00-07:30 (or `quiet off` for none).",
            BY_NAME["settings"].usage, QUIET_EXAMPLE, "quiet",
        )
    first, last = _clock(start, "quiet"), _clock(end, "quiet")
    if first == last:
        raise BadInput(
            f"Quiet hours from {first:%H:%M} to {last:%H:%M} is no range: give two different "
            "times, or `quiet off` to allow nudges at any hour.",
            BY_NAME["settings"].usage,
            QUIET_EXAMPLE,
            "quiet",
        )
    return first, last


def _clock(text: str, field: str) -> time:
    try:
        return read_clock(text)
    except BadInput as problem:
        raise problem.about(field) from None


def _zone_name(text: str) -> str:
    try:
        return zone(text).key
    except BadInput as problem:
        raise problem.about("timezone") from None


def _date_order(text: str) -> DateOrder | None:
    """`dmy`, `mdy`, or `auto` (None: from the locale and timezone again)."""
    value = text.strip().lower()
    if value not in DATE_ORDERS:
        raise BadInput(
            "dates is dmy (3/12 is 3 December), mdy (3/12 is 12 March) or auto.",
            BY_NAME["settings"].usage, BY_NAME["settings"].example, "dates",
        )
    return None if value == "auto" else DateOrder(value)


def _check_nudge_hour(new: DeliverySettings) -> None:
    """A nudge hour inside quiet hours would push every morning nudge past its deadline."""
    if in_quiet_hours(new.nudge_hour, new):
        raise BadInput(
            f"Your nudge hour {new.nudge_hour:%H:%M} falls inside your quiet hours "
            f"({new.quiet_start:%H:%M}–{new.quiet_end:%H:%M}), when I send nothing: pick an hour "
            "outside them.",
            BY_NAME["settings"].usage,
            "settings hour 08:30 quiet 21:00-07:30",
            "hour",
        )


def _date_order_line(user: User) -> str:
    order = effective_order(user.settings.date_order, user.locale, user.settings.timezone)
    source = "your choice" if user.settings.date_order else "from your locale and timezone"
    if order is DateOrder.DMY:
        return f"day first: 3/12 is 3 December ({source})"
    if order is DateOrder.MDY:
        return f"month first: 3/12 is 12 March ({source})"
    return (
        "not sure (your locale and timezone disagree): I ask about dates like 3/12; `settings "
        "dates dmy` or `mdy` settles it"
    )


def _settings_fields(user: User) -> tuple[Field, ...]:
    s = user.settings
    quiet = "off" if s.quiet_start == s.quiet_end else f"{s.quiet_start:%H:%M}–{s.quiet_end:%H:%M}"
    return (
        Field("Timezone", s.timezone),
        Field("Nudge hour", f"{s.nudge_hour:%H:%M}"),
        Field("Quiet hours", quiet),
        Field("Weekends", "on" if s.weekends else "off (weekend nudges move to Monday)"),
        Field("Dates", _date_order_line(user)),
    )


async def settings(cmd: c.Settings, ctx: Context) -> Message:
    if not cmd.changes_anything:
        return Message(
            title="Your delivery settings",
            fields=_settings_fields(ctx.user),
            footer=f"Change them: {BY_NAME['settings'].example}",
        )
    new = ctx.settings
    source = ctx.user.timezone_source
    if cmd.timezone is not None:
        new, source = replace(new, timezone=_zone_name(cmd.timezone)), TimezoneSource.USER
    if cmd.hour is not None:
        new = replace(new, nudge_hour=_clock(cmd.hour, "hour"))
    if cmd.quiet is not None:
        start, end = _quiet(cmd.quiet)
        new = replace(new, quiet_start=start, quiet_end=end)
    if cmd.weekends is not None:
        new = replace(new, weekends=cmd.weekends)
    if cmd.dates is not None:
        new = replace(new, date_order=_date_order(cmd.dates))
    _check_nudge_hour(new)
    ctx.user = await ctx.uow.users.update_settings(ctx.user.id, new, source)
    await ctx.replan_all(await ctx.uow.applications.list_for_user(ctx.user.id, active_only=False))
    return Message(
        title="Settings saved",
        body="Every planned nudge has moved to fit.",
        fields=_settings_fields(ctx.user),
        tone=Tone.SUCCESS,
        changed=True,
    )


async def export(cmd: c.Export, ctx: Context) -> Message:
    apps = await ctx.uow.applications.list_for_user(ctx.user.id, active_only=False)
    planned = [(app, ctx.plan(app)) for app in apps]
    if cmd.format == "ics":
        content = exporting.to_ics(planned, ctx.now, f"u{ctx.user.id}", ctx.settings)
        count = sum(len(p.nudges) for _, p in planned)
        attachment = Attachment("followups.ics", "text/calendar", content)
        title = f"Your {count} planned follow-up{'s' if count != 1 else ''} as a calendar file"
        body = "Open it in your calendar app."
        subscription = await _subscription(cmd, ctx)
        return Message(
            title=title,
            body=f"{body}\n\n{subscription}" if subscription else body,
            attachment=attachment,
            changed=cmd.reset,
        )
    content = exporting.to_csv(planned, ctx.settings)
    attachment = Attachment("followup.csv", "text/csv", content)
    title = f"Your {len(apps)} application{'s' if len(apps) != 1 else ''} as CSV"
    return Message(title=title, body="Open it in a spreadsheet.", attachment=attachment)


FEED_REVEALS = (
    "It shows what this file shows and nothing more: each planned follow-up's time, the company "
    "and role, and the step's checklist with its send-by time. Anyone with the address can read "
    "it, so keep it to yourself; `export ics reset` replaces it and the old one stops working."
)


async def _subscription(cmd: c.Export, ctx: Context) -> str:
    """The subscription part of `export ics`: a new address (the first time, or after
    `reset`), or a reminder that one exists — only its hash is kept, so it can't be shown again."""
    if ctx.public_url is None:
        if cmd.reset:
            raise BadInput(
                "This bot has no public address, so there is no subscription to reset; the file "
                "is the way to get your follow-ups.",
                "export ics",
                "export ics",
            )
        return ""
    issued = await ctx.uow.calendar.feed_issued_at(ctx.user.id)
    if issued is not None and not cmd.reset:
        return (
            f"You subscribed on {formatting.absolute(issued, ctx.settings)}. I keep only a "
            "fingerprint of that address, so I can't show it again: `export ics reset` gives you "
            "a new one (and stops the old)."
        )
    secret = feed.new_secret()
    await ctx.uow.calendar.issue_feed(ctx.user.id, feed.secret_hash(secret), ctx.now)
    lead = (
        "Your new private subscription address (the old one no longer works):"
        if issued is not None
        else "Or subscribe, and your calendar keeps itself up to date:"
    )
    return (
        f"{lead}\n{feed.feed_url(ctx.public_url, secret)}\nGoogle Calendar: Other calendars → + → "
        "From URL. Outlook: Add calendar → Subscribe from web. Apple Calendar: File → New "
        f"Calendar Subscription.\n{FEED_REVEALS}"
    )


def forget_me(cmd: c.ForgetMe, ctx: Context) -> Message:
    return Message(
        title="Delete everything I store about you?",
        body="Every application, round, note and planned nudge will be gone for good. This can't "
        "be undone.",
        actions=(action(Verb.FORGET, ctx.user.id), action(Verb.FORGET_CANCEL, ctx.user.id)),
        tone=Tone.WARNING,
    )


async def forget_confirmed(ctx: Context) -> Message:
    await ctx.uow.users.forget(ctx.user.id)
    ctx.forgotten = True
    return Message(
        title="Done: I have deleted everything about you.",
        body="If you come back, you start fresh.",
        tone=Tone.SUCCESS,
        changed=True,
    )

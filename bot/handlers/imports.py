"""`import`: read a calendar invitation and propose what to log — nothing is stored here.

The reply is a `Proposal`: the `add`, `round`, `round … change` or `round … remove` command
the invitation amounts to, carrying the invitation's key and SEQUENCE. Only when the person
confirms does that command run (its handler then remembers which round the invitation
became, through `remember`), so an update or a cancellation of the same invitation later
finds its round:

- an invitation seen before, with a higher SEQUENCE and other times, kind or people → change
  that round; cancelled (METHOD:CANCEL or STATUS:CANCELLED) → remove it (or, when it is the
  application's only round, delete the application); an older SEQUENCE or nothing new →
  nothing to do;
- a new invitation from a company the person already has an active application with → a
  further round of it;
- otherwise → a new application.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import commands as c
from bot import formatting
from bot.actions import Verb, action
from bot.domain import Application, Interviewer, InvitationLink, InvitationRef, RoundKind, Status
from bot.errors import BadInput
from bot.handlers.context import Context
from bot.invitation import (
    EXAMPLE,
    USAGE,
    Invitation,
    company_from_domain,
    domain,
    read_invitation,
    same_company,
)
from bot.messages import Message, Proposal

NOT_HERE = (
    "Here I need the file itself: share the .ics file with me in a direct message "
    "(in Discord: /followup import file:<the .ics>)."
)


async def import_invitation(cmd: c.ImportInvitation, ctx: Context) -> Message:
    data = cmd.data
    if data is None:
        if ctx.local_files is None:
            raise BadInput(NOT_HERE, USAGE, EXAMPLE)
        data = ctx.local_files(cmd.path)
    invitation = read_invitation(data, ctx.settings.zone)
    return await propose(invitation, ctx)


async def propose(inv: Invitation, ctx: Context) -> Message:
    ref = InvitationRef(inv.key, inv.sequence)
    understood = _understood(inv, ctx)
    link = await ctx.uow.calendar.invitation(ctx.user.id, inv.key)
    linked = await _linked(link, ctx)
    if link is not None and linked is not None:
        return _update(inv, ref, link, linked, understood, ctx)
    if inv.cancelled:
        return Message(
            title="That invitation was cancelled",
            body=f"{understood}\nI have no round logged from it, so there is nothing to remove.",
        )
    existing = await _same_company(inv, ctx)
    if existing is not None:
        command: c.Command = c.LogRound(
            existing.number, _when(inv, ctx), inv.kind, inv.interviewers, invitation=ref
        )
        lead = f"A further round of {existing.label}."
        return _ask(
            f"From the invitation: {existing.label}",
            f"{understood}\n{lead}",
            command,
            _round_line(existing.number, inv, ctx),
        )
    company, role = (inv.company or ""), (inv.role or "")
    command = c.Add(company, role, _when(inv, ctx), inv.interviewers, inv.kind, invitation=ref)
    line = "add " + "; ".join(
        [_part(company) or "⟨company⟩", _part(role) or "⟨role⟩", *_round_parts(inv, ctx)]
    )
    missing = [what for what, value in (("company", company), ("role", role)) if not value]
    title = f"From the invitation: {company or 'a new application'}" + (
        f" — {role}" if role else ""
    )
    if missing:
        body = (
            f"{understood}\nA new application, but I couldn't find its {' or '.join(missing)} in "
            f"the invitation. Log it with the gaps filled in:\n  {line}"
        )
        return Message(title=title, body=body, proposal=Proposal(command, line, complete=False))
    return _ask(title, f"{understood}\nA new application.", command, line)


def _ask(title: str, body: str, command: c.Command, line: str) -> Message:
    return Message(
        title=title,
        body=f"{body}\nShall I log it? This is what I'd run:\n  {line}",
        actions=(action(Verb.IMPORT, 0), action(Verb.IMPORT_CANCEL, 0)),
        proposal=Proposal(command, line),
    )


def _update(
    inv: Invitation,
    ref: InvitationRef,
    link: InvitationLink,
    app: Application,
    understood: str,
    ctx: Context,
) -> Message:
    rnd = app.round(link.round_seq)
    assert rnd is not None
    title = f"From the invitation: {app.label}, round {rnd.seq}"
    if inv.sequence < link.sequence:
        return Message(
            title=title,
            body=f"{understood}\nThis is an older version of the invitation (version "
            f"{inv.sequence}; you logged version {link.sequence}), so nothing changes.",
        )
    if inv.cancelled:
        if len(app.rounds) == 1:
            line = f"delete {app.number}"
            return _ask(
                title,
                f"{understood}\nIt was cancelled, and it is the only round of {app.label}: delete "
                "the application?",
                c.Delete(app.number),
                line,
            )
        command: c.Command = c.RemoveRound(app.number, rnd.seq, invitation=ref)
        return _ask(
            title,
            f"{understood}\nIt was cancelled: remove round {rnd.seq}?",
            command,
            f"round {app.number} remove {rnd.seq}",
        )
    same_people = tuple(p.name.casefold() for p in rnd.interviewers) == tuple(
        p.name.casefold() for p in inv.interviewers
    )
    if (rnd.starts_at, rnd.ends_at, rnd.kind) == (
        inv.starts_at,
        inv.ends_at,
        inv.kind,
    ) and same_people:
        return Message(
            title=title,
            body=f"{understood}\nThat is already logged as round {rnd.seq}; nothing changes.",
        )
    command = c.ChangeRound(
        app.number, rnd.seq, _when(inv, ctx), inv.kind, inv.interviewers, invitation=ref
    )
    before = formatting.absolute(rnd.starts_at, ctx.settings)
    line = f"round {app.number} change {rnd.seq}; " + "; ".join(_round_parts(inv, ctx))
    return _ask(
        title,
        f"{understood}\nIt was updated (you have round {rnd.seq} on {before}): change it?",
        command,
        line,
    )


async def remember(
    ctx: Context, ref: InvitationRef | None, app: Application, seq: int | None
) -> None:
    """After a confirmed import: which round the invitation became (None: it is gone)."""
    if ref is None:
        return
    if seq is None:
        await ctx.uow.calendar.unlink_invitation(ctx.user.id, ref.key)
        return
    await ctx.uow.calendar.link_invitation(
        ctx.user.id, InvitationLink(ref.key, app.id, seq, ref.sequence), ctx.now
    )


async def _linked(link: InvitationLink | None, ctx: Context) -> Application | None:
    if link is None:
        return None
    app = await ctx.uow.applications.get(link.application_id)
    if app is None or app.user_id != ctx.user.id or app.round(link.round_seq) is None:
        return None  # the round (or the application) was removed by hand since
    return app


async def _same_company(inv: Invitation, ctx: Context) -> Application | None:
    """The person's newest active application with the invitation's company (compared
    loosely), or whose company the employer's mail domain names."""
    wanted = [inv.company] if inv.company else []
    for person in (inv.organizer, *inv.attendees):
        if person is not None and domain(person.email):
            wanted.append(company_from_domain(domain(person.email)))
    if not wanted:
        return None
    apps = await ctx.uow.applications.list_for_user(ctx.user.id, active_only=True)
    matches = [
        a
        for a in apps
        if a.status is Status.ACTIVE and any(same_company(a.company, name) for name in wanted)
    ]
    return max(matches, key=lambda a: a.number) if matches else None


def _local(instant: datetime, ctx: Context) -> datetime:
    return instant.astimezone(ctx.settings.zone)


def _span(inv: Invitation, ctx: Context) -> tuple[datetime, datetime]:
    """The round's start and end in the person's zone (only a cancellation may lack them)."""
    assert inv.starts_at is not None and inv.ends_at is not None, (
        "an invitation to log has its times"
    )
    return _local(inv.starts_at, ctx), _local(inv.ends_at, ctx)


def _when(inv: Invitation, ctx: Context) -> str:
    """The round's time as the person would type it, in their own zone."""
    start, end = _span(inv, ctx)
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M}-{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M}"


def _part(text: str) -> str:
    """A value that can sit between the command's “;” separators."""
    return " ".join(text.replace(";", ",").split())


def _person(p: Interviewer) -> str:
    name = _part(p.name).replace(",", " ")
    return f"{name}, {_part(p.title)}" if p.title else name


def _round_parts(inv: Invitation, ctx: Context) -> list[str]:
    parts = [_when(inv, ctx)]
    if inv.kind is not RoundKind.INTERVIEW:
        parts.append(inv.kind.value)
    parts.extend(_person(p) for p in inv.interviewers)
    return parts


def _round_line(number: int, inv: Invitation, ctx: Context) -> str:
    return f"round {number}; " + "; ".join(_round_parts(inv, ctx))


def _understood(inv: Invitation, ctx: Context) -> str:
    label = (
        "Interview" if inv.kind is RoundKind.INTERVIEW else f"{inv.kind.value.capitalize()} round"
    )
    if inv.starts_at is None:
        return (
            f"A cancellation of {inv.summary or 'an invitation'} (it gives no time, only "
            "which invitation it cancels)."
        )
    start, end = _span(inv, ctx)
    minutes = int((end - start).total_seconds() // 60)
    text = (
        f"{label} {start:%a} {start.day} {start:%b} {start:%H:%M}–{end:%H:%M} your time "
        f"({ctx.settings.timezone}), {minutes} minutes"
    )
    if inv.zone_name is None:
        text += "; the invitation gave no timezone, so I read it in yours"
    elif inv.zone_name != ctx.settings.timezone:
        theirs = _zone(inv.zone_name)
        if theirs is not None:
            text += (
                f"; {inv.starts_at.astimezone(theirs):%H:%M} in {inv.zone_name}, as the "
                "invitation says"
            )
    people = ", ".join(str(p) for p in inv.interviewers)
    text += (
        f"; with {people}."
        if people
        else "; I found no interviewers in it (add them: each gets a thank-you)."
    )
    return text


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None

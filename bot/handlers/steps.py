"""Handlers for the current follow-up step: sent, heard, snooze, skip, checklist, draft, review."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import commands as c
from bot import formatting, views
from bot.catalogue import BY_NAME
from bot.content import draft_email, guide
from bot.dates import read_duration, read_when
from bot.domain import Application, Event, EventKind, Plan, Status, Step
from bot.errors import BadInput
from bot.handlers.context import Context
from bot.messages import Field, Message, Tone
from bot.method import current_cycle
from bot.review import review_draft
from bot.timing import at_nudge_hour, deliverable

LONGEST_SNOOZE = timedelta(days=365)


def _current(app: Application, plan: Plan, command: str) -> Step:
    if plan.current_step is None:
        spec = BY_NAME[command]
        reason = plan.closed_reason or "There is no follow-up step pending."
        raise BadInput(f"{app.label}: nothing to do here. {reason}", spec.usage, spec.example)
    return plan.current_step


def _next_line(app: Application, ctx: Context) -> str:
    plan = ctx.plan(app)
    outline = views.plan_outline(app, plan, ctx.settings, ctx.now)
    parts = [views.budget_line(app, plan)]
    if outline:
        parts.append("Next\n" + "\n".join(f"  {line}" for line in outline[:3]))
    return "\n".join(parts)


def _guide_for(app: Application, plan: Plan, step: Step) -> tuple[bool, bool, bool]:
    flagged = any(n.no_agreed_date for n in plan.nudges if n.step is step)
    return views.after_rejection(plan), views.is_hiring_manager_thank_you(app, plan), flagged


async def mark_sent(cmd: c.MarkSent, ctx: Context) -> Message:
    app = await ctx.application(cmd.number, "sent")
    plan = ctx.plan(app)
    step = _current(app, plan, "sent")
    agreed = None
    if cmd.next_when:
        spec = BY_NAME["sent"]
        agreed = read_when(cmd.next_when, ctx.settings.zone, ctx.now, usage=spec.usage, example=spec.example).day
        if agreed < formatting.local(ctx.now, ctx.settings).date():
            raise BadInput("The agreed date is in the past.", spec.usage, spec.example)
    event = Event(EventKind.SENT, ctx.now, plan.cycle or "r0", step=step, agreed_date=agreed)
    app = await ctx.uow.applications.add_event(app.id, event)
    await ctx.replan(app)
    agreed_note = f" They agreed you may get in touch on {formatting.on_day(agreed)}." if agreed else ""
    return Message(
        title=f"{app.label}: {views.step_title(step, app, plan)} marked sent",
        body=f"Well done.{agreed_note}\n{_next_line(app, ctx)}",
        tone=Tone.SUCCESS,
        changed=True,
    )


async def heard(cmd: c.Heard, ctx: Context) -> Message:
    app = await ctx.application(cmd.number, "heard")
    cycle = current_cycle(app) or "r0"
    app = await ctx.uow.applications.add_event(app.id, Event(EventKind.HEARD, ctx.now, cycle, note=cmd.note))
    await ctx.replan(app)
    lead = "They replied — that's interest, so your follow-up budget is back."
    if app.status is not Status.ACTIVE:
        lead = "Noted."
    return Message(title=f"{app.label}: reply recorded", body=f"{lead}\n{_next_line(app, ctx)}", tone=Tone.SUCCESS, changed=True)


def _snooze_until(text: str, ctx: Context) -> datetime:
    spec = BY_NAME["snooze"]
    duration = read_duration(text)
    if duration is not None:
        until = ctx.now + duration
    else:
        moment = read_when(text, ctx.settings.zone, ctx.now, usage=spec.usage, example=spec.example)
        until = moment.at if moment.has_time else at_nudge_hour(moment.day, ctx.settings)
    if until <= ctx.now:
        raise BadInput("That is not in the future.", spec.usage, spec.example)
    if until - ctx.now > LONGEST_SNOOZE:
        raise BadInput("That is more than a year away.", spec.usage, spec.example)
    return deliverable(until, ctx.settings)


async def snooze(cmd: c.Snooze, ctx: Context) -> Message:
    app = await ctx.application(cmd.number, "snooze")
    plan = ctx.plan(app)
    step = _current(app, plan, "snooze")
    until = _snooze_until(cmd.until, ctx)
    event = Event(EventKind.SNOOZED, ctx.now, plan.cycle or "r0", step=step, until=until)
    app = await ctx.uow.applications.add_event(app.id, event)
    await ctx.replan(app)
    return Message(
        title=f"{app.label}: snoozed",
        body=f"I'll bring the {views.step_title(step, app, plan)} back {formatting.when(until, ctx.settings, ctx.now)}.",
        tone=Tone.SUCCESS,
        changed=True,
    )


async def skip(cmd: c.Skip, ctx: Context) -> Message:
    app = await ctx.application(cmd.number, "skip")
    plan = ctx.plan(app)
    step = _current(app, plan, "skip")
    app = await ctx.uow.applications.add_event(app.id, Event(EventKind.SKIPPED, ctx.now, plan.cycle or "r0", step=step))
    await ctx.replan(app)
    return Message(
        title=f"{app.label}: {views.step_title(step, app, plan)} skipped",
        body=_next_line(app, ctx),
        tone=Tone.SUCCESS,
        changed=True,
    )


async def checklist(cmd: c.Checklist, ctx: Context) -> Message:
    if cmd.step is not None:
        g = guide(cmd.step)
        return Message(title=f"Checklist — {g.title}", body=g.purpose, checklist=g.checklist)
    app = await ctx.application(cmd.number or 0, "checklist")
    plan = ctx.plan(app)
    step = _current(app, plan, "checklist")
    rejected, hiring_manager, flagged = _guide_for(app, plan, step)
    g = guide(step, after_rejection=rejected, hiring_manager=hiring_manager, no_agreed_date=flagged)
    return Message(
        title=f"Checklist — {g.title} for {app.company}",
        body=g.purpose,
        checklist=g.checklist,
        actions=views.step_actions(app)[1:],
    )


async def draft(cmd: c.Draft, ctx: Context) -> Message:
    app = await ctx.application(cmd.number, "draft")
    plan = ctx.plan(app)
    step = _current(app, plan, "draft")
    rejected, hiring_manager, flagged = _guide_for(app, plan, step)
    latest = app.latest_round
    people = latest.interviewers if latest else ()
    email = draft_email(
        step,
        company=app.company,
        role=app.role,
        interviewer=people[0] if people else None,
        sender_name=ctx.user.display_name,
        after_rejection=rejected,
        hiring_manager=hiring_manager,
        no_agreed_date=flagged,
    )
    footer = "Fill every gap marked ⟨…⟩, then check it with `review " + f"{app.number} <your text>`."
    if len(people) > 1 and step in (Step.THANK_YOU, Step.INSIGHT):
        others = ", ".join(p.name for p in people[1:])
        footer += f" One email per interviewer: write a separate one to {others}."
    return Message(
        title=f"Draft — {views.step_title(step, app, plan)} for {app.company}",
        body=email.as_text(),
        footer=footer,
        actions=views.step_actions(app)[:1],
    )


async def review(cmd: c.Review, ctx: Context) -> Message:
    app = await ctx.application(cmd.number, "review")
    plan = ctx.plan(app)
    step = _current(app, plan, "review")
    result = review_draft(
        step,
        cmd.text,
        after_rejection=views.after_rejection(plan),
        hiring_manager=views.is_hiring_manager_thank_you(app, plan),
        company=app.company,
        role=app.role,
    )
    missing = result.missing
    good = [f"✓ {f.label}" for f in result.findings if f.ok]
    title = "Looks ready to send" if not missing else f"{len(missing)} thing{'s' if len(missing) != 1 else ''} to fix"
    return Message(
        title=f"Review — {views.step_title(step, app, plan)}: {title}",
        body="\n".join(good),
        checklist=tuple(f"{f.label}: {f.detail}" for f in missing),
        fields=(Field("Words", str(result.word_count)),),
        tone=Tone.SUCCESS if not missing else Tone.WARNING,
    )

"""`today`: what is due now or overdue, what is coming this week, and what failed to arrive."""

from __future__ import annotations

from datetime import timedelta

from bot import commands as c
from bot import formatting, views
from bot.actions import Verb, action
from bot.domain import NudgeKind
from bot.handlers.context import Context
from bot.messages import Action, Message

WEEK = timedelta(days=7)
MOST_DUE_BUTTONS = 5
DUE_VERBS = (Verb.SENT, Verb.SNOOZE, Verb.DRAFT)


async def today(_: c.Today, ctx: Context) -> Message:
    apps = await ctx.uow.applications.list_for_user(ctx.user.id, active_only=False)
    due_now: list[str] = []
    coming: list[str] = []
    for app in apps:
        plan = ctx.plan(app)
        for nudge in plan.nudges:
            at = formatting.when(nudge.due_at, ctx.settings, ctx.now)
            what = views.step_title(nudge.step, app, plan)
            if nudge.kind is NudgeKind.SILENCE_CHECK:
                what = "still silent? check"
            line = f"#{app.number} {app.company}: {what}"
            if nudge.due_at <= ctx.now and nudge.kind is not NudgeKind.SILENCE_CHECK:
                if nudge.step is plan.current_step:
                    due_now.append(f"{line} — due {at}")
            elif ctx.now < nudge.due_at <= ctx.now + WEEK:
                coming.append(f"{line} — {at}")
    failures = [n for n in await ctx.uow.nudges.for_user(ctx.user.id) if n.state.value == "failed"]
    sections = [
        "Due now\n" + ("\n".join(f"  {line}" for line in dict.fromkeys(due_now)) or "  nothing — well done"),
        "This week\n" + ("\n".join(f"  {line}" for line in coming) or "  nothing planned"),
    ]
    if failures:
        sections.append(
            "Couldn't deliver\n" + "\n".join(f"  {views.failure_line(n, ctx.settings)}" for n in failures)
        )
    return Message(title=f"Today, {formatting.absolute(ctx.now, ctx.settings)}", body="\n\n".join(sections))


async def due_actions(ctx: Context) -> tuple[Action, ...]:
    """Sent / Snooze / Draft for each application whose current step is due, labelled with
    its id so that several can stand side by side (a dashboard's buttons)."""
    buttons: list[Action] = []
    apps = await ctx.uow.applications.list_for_user(ctx.user.id, active_only=False)
    for app in apps:
        plan = ctx.plan(app)
        if any(n.step is plan.current_step and n.due_at <= ctx.now and n.kind is not NudgeKind.SILENCE_CHECK for n in plan.nudges):
            for verb in DUE_VERBS:
                button = action(verb, app.id)
                buttons.append(Action(button.id, f"#{app.number} {button.label}", button.style))
        if len(buttons) >= MOST_DUE_BUTTONS * len(DUE_VERBS):
            break
    return tuple(buttons)

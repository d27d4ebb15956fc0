"""`today`: what is due now or overdue, what is coming this week, and what failed to arrive."""

from __future__ import annotations

from datetime import timedelta

from bot import commands as c
from bot import formatting, paging, views
from bot.domain import NudgeKind, NudgeState
from bot.handlers.context import Context
from bot.messages import Message
from bot.paging import Section, View

WEEK = timedelta(days=7)


async def today(cmd: c.Today, ctx: Context) -> Message:
    title, sections = await agenda(ctx)
    return paging.paged(Message(title=title), sections, View.TODAY, ctx.user.id, cmd.page)


async def agenda(ctx: Context) -> tuple[str, list[Section]]:
    """`today`'s title and sections: due now, this week, and what couldn't be delivered."""
    horizon = ctx.now + WEEK
    apps = await ctx.applications(due_by=horizon)
    due_now: list[str] = []
    coming: list[str] = []
    for app in apps:
        plan = ctx.plan(app)
        for task in plan.tasks:
            line = f"#{app.number} {app.company}: {task.variant.label}"
            if task.variant.is_thank_you and task.everyone:
                line += f" to {views.recipients(task)}"
            if task.due_at <= ctx.now:
                due_now.append(f"{line} — {views.due_phrase(task, ctx.settings, ctx.now)}")
            elif task.due_at <= horizon:
                coming.append(f"{line} — {formatting.when(task.due_at, ctx.settings, ctx.now)}")
            for nudge in views.task_nudges(plan, task):
                if nudge.kind is NudgeKind.SILENCE_CHECK and ctx.now < nudge.due_at <= horizon:
                    at = formatting.when(nudge.due_at, ctx.settings, ctx.now)
                    coming.append(f"#{app.number} {app.company}: still silent? check — {at}")
    failures = await ctx.uow.nudges.for_user(ctx.user.id, NudgeState.FAILED)
    sections = [
        Section("Due now", tuple(due_now) or ("nothing — well done",)),
        Section("This week", tuple(coming) or ("nothing planned",)),
    ]
    if failures:
        sections.append(
            Section(
                "Couldn't deliver", tuple(views.failure_line(n, ctx.settings) for n in failures)
            )
        )
    return f"Today, {formatting.absolute(ctx.now, ctx.settings)}", sections

"""The nudge itself: the direct message a user gets when a follow-up falls due.

It says what to send, to whom, by when, and what it must add, carries the step's checklist
and the buttons, and — when it arrives late because the bot was down — says so.
"""

from __future__ import annotations

from datetime import datetime

from bot import formatting, views
from bot.actions import Verb, nudge_actions, task_actions
from bot.content import copy_text, guide_for
from bot.domain import Application, DeliverySettings, Nudge, NudgeKind, Plan, Task
from bot.leased_queue import is_late
from bot.messages import Field, Message, Tone
from bot.method import DARK_CLOSE_LOOP_DAYS, SILENCE_CHECK_DAYS, fallback_variant, task_key_of


def late_notice(nudge: Nudge, settings: DeliverySettings, now: datetime) -> str:
    moment = formatting.when(nudge.due_at, settings, now)
    day, _, clock = moment.rpartition(" ")
    return _say("late", due_day=day, due_time=clock)


def _say(key: str, **fields: object) -> str:
    """One sentence of the nudge copy, filled in."""
    template: str = copy_text()["nudge"][key]
    return template.format(**fields)


def nudge_task(nudge: Nudge, app: Application, plan: Plan) -> Task:
    """The task a stored nudge is about, as the plan sees it now (or, for a nudge the plan no
    longer has, as the nudge itself recorded it)."""
    key = task_key_of(nudge.key)
    task = plan.task(key)
    if task is not None:
        return task
    cycle = key.split(":", 1)[0]
    rnd = next((r for r in app.rounds if r.cycle == cycle), None)
    return Task(
        key=key,
        variant=fallback_variant(nudge.step, app),
        cycle=cycle,
        due_at=nudge.due_at,
        everyone=rnd.interviewers if rnd else (),
        round_seq=rnd.seq if rnd else None,
        send_by=nudge.send_by,
        no_agreed_date=nudge.no_agreed_date,
    )


def nudge_message(
    nudge: Nudge, app: Application, plan: Plan, settings: DeliverySettings, now: datetime
) -> Message:
    task = nudge_task(nudge, app, plan)
    g = guide_for(task.variant, no_agreed_date=nudge.no_agreed_date)
    about = {
        "step": task.variant.label,
        "company": app.company,
        "role": app.role,
        "number": app.number,
        "who": views.recipients(task),
        "purpose": g.purpose,
    }
    lines: list[str] = []
    if is_late(nudge.due_at, now):
        lines.append(late_notice(nudge, settings, now))
    actions = nudge_actions(app.id, task.key)
    checklist: tuple[str, ...] = g.checklist
    if nudge.kind is NudgeKind.SILENCE_CHECK:
        title = _say("silent-title", **about)
        close_in = (DARK_CLOSE_LOOP_DAYS - SILENCE_CHECK_DAYS) // 7
        lines.append(_say("silent-lead", weeks=SILENCE_CHECK_DAYS // 7, close_in=close_in, **about))
        actions = task_actions(
            app.id, task.check_key or task.key, (Verb.HEARD, Verb.SNOOZE, Verb.CHECKLIST)
        )
        checklist = ()
    elif nudge.kind is NudgeKind.OVERDUE:
        title = _say("overdue-title", **about)
        send_by = formatting.when(nudge.send_by, settings, now) if nudge.send_by else "yesterday"
        lines.append(_say("overdue-lead", send_by=send_by, **about))
    else:
        title = _say("due-title", **about)
        lines.append(_say("due-lead", **about))
        if len(task.people) > 1:
            lines.append(_say("due-each", **about))
        if nudge.send_by is not None:
            lines.append(_say("due-send-by", send_by=formatting.when(nudge.send_by, settings, now)))
        if nudge.no_agreed_date:
            lines.append(_say("due-no-date"))
    return Message(
        title=title,
        body="\n".join(lines),
        checklist=checklist,
        fields=(Field("Application", app.label), Field("Budget", views.budget_line(app, plan))),
        actions=actions,
        tone=Tone.WARNING if nudge.kind is NudgeKind.OVERDUE else Tone.INFO,
    )

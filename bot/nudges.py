"""The nudge itself: the direct message a user gets when a follow-up falls due.

It says what to send, to whom, by when, and what it must add, carries the step's checklist
and the buttons, and — when it arrives late because the bot was down — says so.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import formatting, views
from bot.actions import Verb, nudge_actions, task_actions
from bot.content import guide_for
from bot.domain import Application, DeliverySettings, Nudge, NudgeKind, Plan, Task
from bot.messages import Field, Message, Tone
from bot.method import DARK_CLOSE_LOOP_DAYS, SILENCE_CHECK_DAYS, fallback_variant, task_key_of

LATE_AFTER = timedelta(minutes=10)


def is_late(nudge: Nudge, now: datetime) -> bool:
    return now - nudge.due_at > LATE_AFTER


def late_notice(nudge: Nudge, settings: DeliverySettings, now: datetime) -> str:
    moment = formatting.when(nudge.due_at, settings, now)
    day, _, clock = moment.rpartition(" ")
    return f"This was due {day} at {clock} — still worth doing."


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


def nudge_message(nudge: Nudge, app: Application, plan: Plan, settings: DeliverySettings, now: datetime) -> Message:
    task = nudge_task(nudge, app, plan)
    title_of_step = task.variant.label
    who = views.recipients(task)
    g = guide_for(task.variant, no_agreed_date=nudge.no_agreed_date)
    lines: list[str] = []
    if is_late(nudge, now):
        lines.append(late_notice(nudge, settings, now))
    fields = [Field("Application", app.label)]
    actions = nudge_actions(app.id, task.key)
    checklist: tuple[str, ...] = g.checklist
    if nudge.kind is NudgeKind.SILENCE_CHECK:
        check = task.check_key or task.key
        title = f"Still silent at {app.company}?"
        close_in = (DARK_CLOSE_LOOP_DAYS - SILENCE_CHECK_DAYS) // 7
        lines.append(
            f"It has been {SILENCE_CHECK_DAYS // 7} weeks since your last email about the {app.role} role, "
            f"with no reply. If they did answer, tell me (`heard {app.number}`) and your follow-ups come back. "
            f"If not, there is nothing to send yet: in {close_in} weeks I'll help you close the loop. "
            "Meanwhile, think about what may be in the way — experience, culture fit, or the personal connection."
        )
        actions = task_actions(app.id, check, (Verb.HEARD, Verb.SNOOZE, Verb.CHECKLIST))
        checklist = ()
    elif nudge.kind is NudgeKind.OVERDUE:
        title = f"Your {title_of_step} to {app.company} is overdue"
        send_by = formatting.when(nudge.send_by, settings, now) if nudge.send_by else "yesterday"
        lines.append(
            f"It was meant to reach {who} by {send_by}. A late thank-you still beats none: send it today. "
            f"After today I'll move on to the next step. {g.purpose}"
        )
    else:
        title = f"Time for your {title_of_step} email — {app.company}"
        lines.append(f"Send it to {who} about the {app.role} role. {g.purpose}")
        if len(task.people) > 1:
            lines.append(
                f"One email per person: `draft {app.number} <name>` drafts each, "
                f"`sent {app.number} <name>` marks each."
            )
        if nudge.send_by is not None:
            lines.append(f"Send by {formatting.when(nudge.send_by, settings, now)}.")
        if nudge.no_agreed_date:
            lines.append("No agreed date — ask for one this time.")
    fields.append(Field("Budget", views.budget_line(app, plan)))
    return Message(
        title=title,
        body="\n".join(lines),
        checklist=checklist,
        fields=tuple(fields),
        actions=actions,
        tone=Tone.WARNING if nudge.kind is NudgeKind.OVERDUE else Tone.INFO,
    )

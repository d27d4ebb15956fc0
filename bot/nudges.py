"""The nudge itself: the direct message a user gets when a follow-up falls due.

It says what to send, to whom, by when, and what it must add, carries the step's checklist
and the buttons, and — when it arrives late because the bot was down — says so.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import formatting, views
from bot.actions import Verb, action, nudge_actions
from bot.content import guide
from bot.domain import Application, DeliverySettings, Nudge, NudgeKind, Plan
from bot.messages import Field, Message, Tone
from bot.method import DARK_CLOSE_LOOP_DAYS, SILENCE_CHECK_DAYS

LATE_AFTER = timedelta(minutes=10)


def is_late(nudge: Nudge, now: datetime) -> bool:
    return now - nudge.due_at > LATE_AFTER


def late_notice(nudge: Nudge, settings: DeliverySettings, now: datetime) -> str:
    moment = formatting.when(nudge.due_at, settings, now)
    day, _, clock = moment.rpartition(" ")
    return f"This was due {day} at {clock} — still worth doing."


def nudge_message(nudge: Nudge, app: Application, plan: Plan, settings: DeliverySettings, now: datetime) -> Message:
    step_name = views.step_title(nudge.step, app, plan)
    who = views.people(app)
    rejected = views.after_rejection(plan)
    g = guide(
        nudge.step,
        after_rejection=rejected,
        hiring_manager=views.is_hiring_manager_thank_you(app, plan),
        no_agreed_date=nudge.no_agreed_date,
    )
    lines: list[str] = []
    if is_late(nudge, now):
        lines.append(late_notice(nudge, settings, now))
    fields = [Field("Application", app.label)]
    actions = nudge_actions(app.id)
    if nudge.kind is NudgeKind.SILENCE_CHECK:
        title = f"Still silent at {app.company}?"
        close_in = (DARK_CLOSE_LOOP_DAYS - SILENCE_CHECK_DAYS) // 7
        lines.append(
            f"It has been {SILENCE_CHECK_DAYS // 7} weeks since your last follow-up about the {app.role} role, "
            f"with no reply. If they did answer, tell me (`heard {app.number}`) and your follow-ups come back. "
            f"If not, there is nothing to send yet: in {close_in} weeks I'll help you close the loop. "
            "Meanwhile, think about what may be in the way — experience, culture fit, or the personal connection."
        )
        actions = (action(Verb.HEARD, app.id), action(Verb.SNOOZE, app.id), action(Verb.CHECKLIST, app.id))
        checklist: tuple[str, ...] = ()
    elif nudge.kind is NudgeKind.OVERDUE:
        title = f"Your {step_name} to {app.company} is overdue"
        send_by = formatting.when(nudge.send_by, settings, now) if nudge.send_by else "yesterday"
        lines.append(
            f"It was meant to reach {who} by {send_by}. A late thank-you still beats none: send it today. "
            f"After today I'll move on to the next step. {g.purpose}"
        )
        checklist = g.checklist
    else:
        title = f"Time for your {step_name} email — {app.company}"
        lines.append(f"Send it to {who} about the {app.role} role. {g.purpose}")
        if nudge.send_by is not None:
            lines.append(f"Send by {formatting.when(nudge.send_by, settings, now)}.")
        if nudge.no_agreed_date:
            lines.append("No agreed date — ask for one this time.")
        checklist = g.checklist
    fields.append(Field("Budget", views.budget_line(app, plan)))
    return Message(
        title=title,
        body="\n".join(lines),
        checklist=checklist,
        fields=tuple(fields),
        actions=actions,
        tone=Tone.WARNING if nudge.kind is NudgeKind.OVERDUE else Tone.INFO,
    )

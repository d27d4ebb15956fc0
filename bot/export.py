"""The user's data as CSV, and their due follow-ups as an iCalendar file.

CSV comes from the standard library, with every text cell that a spreadsheet would read as a
formula (beginning with `=`, `+`, `-`, `@`, a tab or a carriage return) prefixed with `'`, so
`=HYPERLINK(…)` typed as a company name opens as text; the calendar is built with `icalendar`, a well-kept
RFC 5545 implementation, so escaping, folding and UTC stamps are right without hand-written
calendar code.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from bot import views
from bot.content import guide_for
from bot.domain import Application, DeliverySettings, NudgeKind, Plan

CSV_COLUMNS = (
    "id",
    "company",
    "role",
    "status",
    "rounds",
    "first_interview",
    "latest_round",
    "interviewers",
    "current_step",
    "next_follow_up",
    "budget_left",
    "history",
)
EVENT_LENGTH = timedelta(minutes=30)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: a string a formula could start from gets `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(apps: Sequence[tuple[Application, Plan]], settings: DeliverySettings) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    tz = settings.zone
    for app, plan in apps:
        current = plan.current
        writer.writerow(map(cell, (
                app.number,
                app.company,
                app.role,
                app.status.value,
                len(app.rounds),
                app.rounds_in_time_order[0].starts_at.astimezone(tz).isoformat() if app.rounds else "",
                app.rounds_in_time_order[-1].starts_at.astimezone(tz).isoformat() if app.rounds else "",
                "; ".join(str(p) for p in app.interviewers),
                current.variant.value if current else "",
                f"{current.variant.label} {current.due_at.astimezone(tz).isoformat()}" if current else "",
                plan.budget_left,
                " | ".join(views.history_lines(app, settings)),
            )))
    return out.getvalue()


def to_ics(apps: Sequence[tuple[Application, Plan]], stamp: datetime, owner_ref: str) -> str:
    """One calendar event per pending email (and per "still silent?" check), at its due time;
    no reminders and no projections of steps that are not pending yet."""
    calendar = Calendar()
    calendar.add("prodid", "-//Followup//interview follow-ups//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Follow-ups")
    for app, plan in apps:
        for task in plan.tasks:
            for nudge in views.task_nudges(plan, task):
                if nudge.kind is NudgeKind.OVERDUE:
                    continue
                if nudge.kind is NudgeKind.SILENCE_CHECK:
                    summary = f"Still silent? {app.company} — {app.role}"
                else:
                    summary = f"{task.variant.label.capitalize()} email: {app.company} — {app.role}"
                g = guide_for(task.variant, no_agreed_date=nudge.no_agreed_date)
                event = Event()
                event.add("uid", f"{owner_ref}-{app.id}-{nudge.task}@followup")
                event.add("dtstamp", stamp)
                event.add("dtstart", nudge.due_at)
                event.add("dtend", nudge.due_at + EVENT_LENGTH)
                event.add("summary", summary)
                event.add("description", g.purpose + "\n" + "\n".join(f"- {item}" for item in g.checklist))
                calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")

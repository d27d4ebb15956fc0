"""The user's data as CSV, and their due follow-ups as an iCalendar file.

CSV comes from the standard library, with every text cell that a spreadsheet would read as a
formula (beginning with `=`, `+`, `-`, `@`, a tab or a carriage return) prefixed with `'`, so
`=HYPERLINK(…)` typed as a company name opens as text; the calendar is built with
`icalendar`, a well-kept RFC 5545 implementation, so escaping, folding and UTC stamps are
right without hand-written calendar code.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from bot import formatting, views
from bot.content import guide_for
from bot.domain import Application, DeliverySettings, FeedRevision, NudgeKind, Plan

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
        writer.writerow(
            map(
                cell,
                (
                    app.number,
                    app.company,
                    app.role,
                    app.status.value,
                    len(app.rounds),
                    app.rounds_in_time_order[0].starts_at.astimezone(tz).isoformat()
                    if app.rounds
                    else "",
                    app.rounds_in_time_order[-1].starts_at.astimezone(tz).isoformat()
                    if app.rounds
                    else "",
                    "; ".join(str(p) for p in app.interviewers),
                    current.variant.value if current else "",
                    f"{current.variant.label} {current.due_at.astimezone(tz).isoformat()}"
                    if current
                    else "",
                    plan.budget_left,
                    " | ".join(views.history_lines(app, settings)),
                ),
            )
        )
    return out.getvalue()


@dataclass(frozen=True)
class CalendarEntry:
    """One event of the calendar: a pending email (or a "still silent?" check) at its due time."""

    uid: str
    starts_at: datetime
    summary: str
    description: str

    @property
    def fingerprint(self) -> str:
        """Changes whenever what a calendar shows of the event changes."""
        text = "\x1f".join((self.starts_at.isoformat(), self.summary, self.description))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def calendar_entries(
    apps: Sequence[tuple[Application, Plan]], owner_ref: str, settings: DeliverySettings
) -> list[CalendarEntry]:
    """One entry per pending email (and per "still silent?" check), at its due time; no
    reminders and no projections of steps that are not pending yet. The description carries
    the step's purpose, its checklist and, when there is one, the send-by time."""
    entries: list[CalendarEntry] = []
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
                lines = [g.purpose, *(f"- {item}" for item in g.checklist)]
                send_by = nudge.send_by or task.send_by
                if send_by is not None and nudge.kind is not NudgeKind.SILENCE_CHECK:
                    lines.append(f"Send by {formatting.absolute(send_by, settings)}.")
                entries.append(
                    CalendarEntry(
                        f"{owner_ref}-{app.id}-{nudge.task}@followup",
                        nudge.due_at,
                        summary,
                        "\n".join(lines),
                    )
                )
    return entries


def calendar_text(
    entries: Sequence[CalendarEntry],
    stamp: datetime,
    revisions: Mapping[str, FeedRevision] | None = None,
) -> str:
    """The iCalendar text of `entries`. With `revisions` (a subscription feed), each event
    carries the SEQUENCE and LAST-MODIFIED subscribers were given, and DTSTAMP is that
    instant too, so an unchanged feed is byte-for-byte the same."""
    calendar = Calendar()
    calendar.add("prodid", "-//Followup//interview follow-ups//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Follow-ups")
    for entry in entries:
        revision = revisions.get(entry.uid) if revisions is not None else None
        event = Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", revision.modified_at if revision else stamp)
        if revision is not None:
            event.add("last-modified", revision.modified_at)
            event.add("sequence", revision.sequence)
        event.add("dtstart", entry.starts_at)
        event.add("dtend", entry.starts_at + EVENT_LENGTH)
        event.add("summary", entry.summary)
        event.add("description", entry.description)
        calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")


def to_ics(
    apps: Sequence[tuple[Application, Plan]],
    stamp: datetime,
    owner_ref: str,
    settings: DeliverySettings,
) -> str:
    return calendar_text(calendar_entries(apps, owner_ref, settings), stamp)

"""How the core shows things: applications, plans and their outlines, budgets, errors.

Pure functions from domain objects to neutral `Message`s; no I/O.
"""

from __future__ import annotations

from datetime import datetime

from bot import formatting
from bot.actions import Verb, action
from bot.domain import (
    Application,
    DeliverySettings,
    Event,
    EventKind,
    Interviewer,
    Nudge,
    NudgeKind,
    NudgeState,
    Plan,
    PlannedNudge,
    RoundKind,
    Status,
    Step,
    Task,
    Variant,
)
from bot.errors import BadInput
from bot.messages import Action, Message, Tone
from bot.method import CHECK_BACK_DAYS, DARK_CLOSE_LOOP_DAYS, FOLLOW_UP_BUDGET, SILENCE_CHECK_DAYS
from bot.timing import local

WHAT_IT_ADDS = {
    Step.THANK_YOU: "thank them, show you're keen, and ask when you may follow up",
    Step.VALUE_ADD: "something the interview didn't cover, with numbers",
    Step.INSIGHT: "industry knowledge a senior reader would value",
    Step.CLOSE_LOOP: "a short, gracious note that leaves the door open",
    Step.CHECK_BACK: "offer to help if the new hire didn't work out",
}


def error(problem: BadInput) -> Message:
    lines = []
    if problem.usage:
        lines.append(f"Form: {problem.usage}")
    if problem.example:
        lines.append(f"Example: {problem.example}")
    return Message(
        title=problem.problem, body="\n".join(lines), tone=Tone.ERROR, about=problem.field
    )


def unexpected(request_id: str) -> Message:
    """The answer when something failed that the person can't fix: nothing was stored (the
    unit of work rolled back), so they may simply try again; the id finds the logged cause."""
    return Message(
        title="Something went wrong on my side.",
        body="Nothing was changed. Please try again in a moment.",
        footer=f"If it keeps happening, mention reference {request_id}.",
        tone=Tone.ERROR,
    )


def not_pressed() -> Message:
    """The answer to "no" when a destructive button asked first."""
    return Message(title="Not pressed: nothing changed.", tone=Tone.SUCCESS)


def names(people: tuple[Interviewer, ...]) -> str:
    listed = [p.name for p in people]
    if not listed:
        return "your interviewer"
    return listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + f" and {listed[-1]}"


def recipients(task: Task) -> str:
    """Who the task's email goes to: the people still owed a thank-you, or the interviewer."""
    return names(task.people or task.everyone)


def task_title(task: Task) -> str:
    return task.variant.label


def step_title(step: Step, app: Application, plan: Plan) -> str:
    """The name of `step` as the plan means it (the current task's variant when it is that step)."""
    current = plan.current
    if current is not None and current.step is step:
        return current.variant.label
    return _STEP_TITLES[step]


_STEP_TITLES = {
    Step.THANK_YOU: "thank-you",
    Step.VALUE_ADD: "value-add",
    Step.INSIGHT: "insight",
    Step.CLOSE_LOOP: "close-the-loop",
    Step.CHECK_BACK: "check-back",
}


def event_title(event: Event) -> str:
    """What a sent or skipped event was for, as the plan called it then."""
    if event.step is None:
        return ""
    if event.task is not None and event.task.endswith(":ty"):
        return (
            Variant.THANK_YOU_INSIGHT.label
            if event.step is Step.INSIGHT
            else Variant.THANK_YOU.label
        )
    return _STEP_TITLES[event.step]


def budget_line(app: Application, plan: Plan) -> str:
    current = plan.current
    if current is not None and current.variant is Variant.CLOSE_LOOP_REJECTED:
        return (
            "After a no there is no budget to spend: close the loop, then check back "
            f"{CHECK_BACK_DAYS} days later."
        )
    if current is not None and current.variant is Variant.CHECK_BACK:
        return "One check-back, then the next move is theirs."
    if app.status is not Status.ACTIVE or plan.closed_reason:
        return plan.closed_reason or "No follow-ups planned."
    left = plan.budget_left
    if left == FOLLOW_UP_BUDGET:
        return f"{left} follow-ups left before you should wait for a reply."
    if left == 1:
        return "1 follow-up left before you should wait for a reply."
    weeks = DARK_CLOSE_LOOP_DAYS // 7
    return (
        f"No follow-ups left: wait for their reply (record it with `heard {app.number}`); "
        f"after {weeks} weeks of silence, close the loop."
    )


def task_nudges(plan: Plan, task: Task) -> list[PlannedNudge]:
    return [n for n in plan.nudges if n.task in (task.key, task.check_key)]


def next_nudge(plan: Plan) -> tuple[Task, datetime] | None:
    """The current task and when it is (or was) due."""
    current = plan.current
    return (current, current.due_at) if current is not None else None


def _task_lines(
    app: Application, plan: Plan, task: Task, settings: DeliverySettings, now: datetime
) -> list[str]:
    lines: list[str] = []
    for nudge in task_nudges(plan, task):
        at = formatting.when(nudge.due_at, settings, now)
        if nudge.kind is NudgeKind.SILENCE_CHECK:
            lines.append(f"{at}   still silent? a quick check with you (not them)")
        elif nudge.kind is NudgeKind.OVERDUE:
            lines.append(f"{at}   reminder if the {task.variant.label} is still unsent")
        elif task.variant.is_thank_you and task.send_by is not None:
            send_by = formatting.when(task.send_by, settings, now)
            each = "one email each; " if len(task.everyone) > 1 else ""
            lines.append(
                f"{at}   {task.variant.label} to {recipients(task)} — send by {send_by}; "
                f"{each}ask when you may follow up"
            )
        elif task.variant is Variant.CLOSE_LOOP_SILENCE:
            lines.append(
                f"{at}   close the loop if you still hear nothing: {WHAT_IT_ADDS[Step.CLOSE_LOOP]}"
            )
        else:
            flag = " (no agreed date — ask for one this time)" if nudge.no_agreed_date else ""
            lines.append(f"{at}   {task.variant.label}: {WHAT_IT_ADDS[task.step]}{flag}")
    return lines


def plan_outline(
    app: Application, plan: Plan, settings: DeliverySettings, now: datetime
) -> list[str]:
    """The plan in lines a newcomer can follow: every pending email with when it is due, then
    what comes after."""
    lines: list[str] = []
    for task in plan.tasks:
        lines.extend(_task_lines(app, plan, task, settings, now))
    variants = {t.variant for t in plan.tasks}
    if Variant.CLOSE_LOOP_REJECTED in variants:
        lines.append(
            f"{CHECK_BACK_DAYS} days after you close the loop   check back: "
            f"{WHAT_IT_ADDS[Step.CHECK_BACK]}"
        )
    threads_started = any(not t.variant.is_thank_you for t in plan.tasks)
    if app.status is Status.ACTIVE and plan.tasks and not threads_started:
        lines.append(f"on the date they give   value-add: {WHAT_IT_ADDS[Step.VALUE_ADD]}")
        if Variant.THANK_YOU_INSIGHT not in variants:
            if any(r.kind is RoundKind.HIRING_MANAGER for r in app.rounds):
                lines.append(f"on the next agreed date   insight: {WHAT_IT_ADDS[Step.INSIGHT]}")
            else:
                lines.append("after the hiring-manager round   insight email (log it with `round`)")
        weeks = DARK_CLOSE_LOOP_DAYS // 7
        lines.append(
            f"if you hear nothing for {weeks} weeks   close the loop "
            f"({SILENCE_CHECK_DAYS // 7}-week check first)"
        )
    return lines


def due_phrase(task: Task, settings: DeliverySettings, now: datetime) -> str:
    """"due now, send by tomorrow 12:00" or "Thu 26 Nov 09:00"."""
    if task.due_at > now:
        return formatting.when(task.due_at, settings, now)
    if task.send_by is not None and task.send_by > now:
        return f"due now, send by {formatting.when(task.send_by, settings, now)}"
    return "due now"


def application_summary(
    app: Application, plan: Plan, settings: DeliverySettings, now: datetime
) -> str:
    current = plan.current
    stage = current.variant.label if current else app.status.value
    if current is None:
        return f"{app.label} · {stage} · nothing scheduled"
    # Other emails still owed (the close-the-loop that waits behind a follow-up isn't one yet).
    others = [t for t in plan.tasks[1:] if t.variant is not Variant.CLOSE_LOOP_SILENCE]
    more = f" (+{len(others)} more)" if others else ""
    return (
        f"{app.label} · {stage} · next: {current.variant.label} "
        f"{due_phrase(current, settings, now)}{more}"
    )


def round_line(
    app: Application, settings: DeliverySettings, now: datetime | None = None
) -> list[str]:
    """Each round, with its year when it is not the year of `now`."""
    lines = []
    for rnd in app.rounds_in_time_order:
        who = ", ".join(str(p) for p in rnd.interviewers) or "interviewer not named"
        lines.append(
            f"Round {rnd.seq} ({rnd.kind}): "
            f"{formatting.full(rnd.starts_at, settings, now or rnd.starts_at, rnd.ends_at)} with "
            f"{who}"
        )
    return lines


def history_lines(
    app: Application, settings: DeliverySettings, now: datetime | None = None
) -> list[str]:
    """What happened, oldest first, each date with its year when it is not the year of `now`."""
    lines = []
    today = local(now, settings).date() if now is not None else None
    for event in app.events:
        at = formatting.absolute(event.at, settings, now)
        if event.kind in (EventKind.SENT, EventKind.SKIPPED) and event.step:
            agreed = (
                f" (next contact agreed: {formatting.on_day(event.agreed_date, today)})"
                if event.agreed_date
                else ""
            )
            person = f" to {event.person}" if event.person else ""
            lines.append(f"{at}  {event_title(event)}{person} {event.kind.value}{agreed}")
        elif event.kind is EventKind.HEARD:
            note = f": {event.note}" if event.note else ""
            agreed = (
                f" (next contact: {formatting.on_day(event.agreed_date, today)})"
                if event.agreed_date
                else ""
            )
            lines.append(f"{at}  heard back{agreed}{note}")
        elif event.kind is EventKind.STATUS and event.status:
            lines.append(f"{at}  status → {event.status}")
        elif event.kind is EventKind.SNOOZED and event.until and event.step:
            lines.append(
                f"{at}  {event.step} snoozed to {formatting.absolute(event.until, settings, now)}"
            )
    return lines


def failure_line(nudge: Nudge, settings: DeliverySettings) -> str:
    return (
        f"couldn't deliver the {nudge.step} nudge due "
        f"{formatting.absolute(nudge.due_at, settings)}: {nudge.last_error or 'unknown error'}"
    )


def failed(nudges: list[Nudge]) -> list[Nudge]:
    return [n for n in nudges if n.state is NudgeState.FAILED]


def step_actions(app: Application, plan: Plan) -> tuple[Action, ...]:
    """Checklist and Draft for the current task, bound to it."""
    current = plan.current
    if current is None:
        return ()
    return (action(Verb.CHECKLIST, app.id, current.key), action(Verb.DRAFT, app.id, current.key))

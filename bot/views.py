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
    EventKind,
    Nudge,
    NudgeKind,
    NudgeState,
    Plan,
    RoundKind,
    Status,
    Step,
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
    return Message(title=problem.problem, body="\n".join(lines), tone=Tone.ERROR)


def unexpected(request_id: str) -> Message:
    """The answer when something failed that the person can't fix: nothing was stored (the
    unit of work rolled back), so they may simply try again; the id finds the logged cause."""
    return Message(
        title="Something went wrong on my side.",
        body="Nothing was changed. Please try again in a moment.",
        footer=f"If it keeps happening, mention reference {request_id}.",
        tone=Tone.ERROR,
    )


def people(app: Application) -> str:
    latest = app.latest_round
    names = [p.name for p in latest.interviewers] if latest else []
    if not names:
        return "your interviewer"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"


def step_title(step: Step, app: Application, plan: Plan) -> str:
    if step is Step.INSIGHT and is_hiring_manager_thank_you(app, plan):
        return "thank-you + insight"
    if step is Step.CLOSE_LOOP:
        return "close the loop"
    return step.value


def is_hiring_manager_thank_you(app: Application, plan: Plan) -> bool:
    latest = app.latest_round
    return (
        plan.current_step is Step.INSIGHT
        and latest is not None
        and latest.kind is RoundKind.HIRING_MANAGER
        and plan.cycle == latest.cycle
        and not plan.done
        and not any(r.kind is RoundKind.HIRING_MANAGER for r in app.rounds[:-1])
    )


def after_rejection(plan: Plan) -> bool:
    return bool(plan.cycle and plan.cycle.startswith("rej"))


def budget_line(app: Application, plan: Plan) -> str:
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


def next_nudge(plan: Plan) -> tuple[Step, datetime] | None:
    due = [n for n in plan.nudges if n.kind is not NudgeKind.SILENCE_CHECK] or list(plan.nudges)
    return (due[0].step, due[0].due_at) if due else None


def plan_outline(app: Application, plan: Plan, settings: DeliverySettings, now: datetime) -> list[str]:
    """The plan in lines a newcomer can follow: what is scheduled when, then what comes after."""
    lines: list[str] = []
    current = plan.current_step
    for nudge in plan.nudges:
        if nudge.step is not current:
            continue  # a projection for when the current step lapses: not part of the story yet
        at = formatting.when(nudge.due_at, settings, now)
        if nudge.kind is NudgeKind.SILENCE_CHECK:
            lines.append(f"{at}   still silent? a quick check-in with you (not them)")
        elif nudge.kind is NudgeKind.OVERDUE:
            lines.append(f"{at}   reminder if the {step_title(nudge.step, app, plan)} is still unsent")
        elif nudge.step in (Step.THANK_YOU, Step.INSIGHT) and nudge.send_by is not None:
            send_by = formatting.when(nudge.send_by, settings, now)
            lines.append(
                f"{at}   {step_title(nudge.step, app, plan)} to {people(app)} — send by {send_by}; "
                "ask when you may follow up"
            )
        else:
            flag = " (no agreed date — ask for one this time)" if nudge.no_agreed_date else ""
            lines.append(f"{at}   {step_title(nudge.step, app, plan)}: {WHAT_IT_ADDS[nudge.step]}{flag}")
    if app.status is Status.REJECTED and current is Step.CLOSE_LOOP:
        lines.append(f"{CHECK_BACK_DAYS} days after you close the loop   check back: {WHAT_IT_ADDS[Step.CHECK_BACK]}")
    if app.status is Status.ACTIVE and current in (Step.THANK_YOU, Step.INSIGHT) and not plan.done:
        lines.append(f"on the date they give   value-add: {WHAT_IT_ADDS[Step.VALUE_ADD]}")
        if current is Step.THANK_YOU:
            if any(r.kind is RoundKind.HIRING_MANAGER for r in app.rounds):
                lines.append(f"on the next agreed date   insight: {WHAT_IT_ADDS[Step.INSIGHT]}")
            else:
                lines.append("after the hiring-manager round   insight email (log it with `round`)")
    if app.status is Status.ACTIVE and current in (Step.THANK_YOU, Step.INSIGHT, Step.VALUE_ADD):
        weeks = DARK_CLOSE_LOOP_DAYS // 7
        lines.append(f"if you hear nothing for {weeks} weeks   close the loop ({SILENCE_CHECK_DAYS // 7}-week check first)")
    return lines


def application_summary(app: Application, plan: Plan, settings: DeliverySettings, now: datetime) -> str:
    upcoming = next_nudge(plan)
    stage = step_title(plan.current_step, app, plan) if plan.current_step else app.status.value
    if upcoming is None:
        return f"{app.label} · {stage} · nothing scheduled"
    step, at = upcoming
    return f"{app.label} · {stage} · next: {step_title(step, app, plan)} {formatting.when(at, settings, now)}"


def round_line(app: Application, settings: DeliverySettings) -> list[str]:
    lines = []
    for rnd in app.rounds:
        who = ", ".join(str(p) for p in rnd.interviewers) or "interviewer not named"
        start = formatting.absolute(rnd.starts_at, settings)
        end = local(rnd.ends_at, settings)
        lines.append(f"Round {rnd.seq} ({rnd.kind}): {start}–{end:%H:%M} with {who}")
    return lines


def history_lines(app: Application, settings: DeliverySettings) -> list[str]:
    lines = []
    for event in app.events:
        at = formatting.absolute(event.at, settings)
        if event.kind in (EventKind.SENT, EventKind.SKIPPED) and event.step:
            agreed = f" (next contact agreed: {formatting.on_day(event.agreed_date)})" if event.agreed_date else ""
            lines.append(f"{at}  {event.step} {event.kind.value}{agreed}")
        elif event.kind is EventKind.HEARD:
            note = f": {event.note}" if event.note else ""
            lines.append(f"{at}  heard back{note}")
        elif event.kind is EventKind.STATUS and event.status:
            lines.append(f"{at}  status → {event.status}")
        elif event.kind is EventKind.SNOOZED and event.until and event.step:
            lines.append(f"{at}  {event.step} snoozed to {formatting.absolute(event.until, settings)}")
    return lines


def failure_line(nudge: Nudge, settings: DeliverySettings) -> str:
    return (
        f"couldn't deliver the {nudge.step} nudge due {formatting.absolute(nudge.due_at, settings)}: "
        f"{nudge.last_error or 'unknown error'}"
    )


def failed(nudges: list[Nudge]) -> list[Nudge]:
    return [n for n in nudges if n.state is NudgeState.FAILED]


def step_actions(app: Application) -> tuple[Action, ...]:
    return (action(Verb.CHECKLIST, app.id), action(Verb.DRAFT, app.id))

"""What a member may post about one application: its latest milestone.

A milestone is derived from the application's history, the latest of: an interview round,
a follow-up step sent, a reply heard, an offer. Snoozes, skips, rejections and withdrawals are
never milestones: what reaches a channel is progress the person chose to show. The text names
the company (the person is posting it themselves) but never an interviewer, who didn't agree
to be mentioned in anyone's group.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain import Application, EventKind, RoundKind, Status, Step
from bot.groups import MilestoneKind

STEP_NAMES = {
    Step.THANK_YOU: "thank-you",
    Step.VALUE_ADD: "value-add",
    Step.INSIGHT: "insight",
    Step.CLOSE_LOOP: "close-the-loop",
    Step.CHECK_BACK: "check-back",
}

WHY = {
    Step.THANK_YOU: "A thank-you within a day, asking when it's fine to follow up, sets up "
    "everything after it.",
    Step.VALUE_ADD: "A value-add brings what the interview missed, with numbers, in a form that "
    "can be forwarded up.",
    Step.INSIGHT: "An insight email shares industry knowledge a senior reader may not have: one "
    "concise email that sells.",
    Step.CLOSE_LOOP: "Closing the loop graciously keeps the door open: roles reopen more often "
    "than people think.",
    Step.CHECK_BACK: "A check-back offers help where a new hire didn't work out: it happens more "
    "often than you'd expect.",
}


@dataclass(frozen=True)
class Milestone:
    kind: MilestoneKind
    at: datetime
    mark: str  # identifies this milestone within the application
    step: Step | None = None
    round_kind: RoundKind | None = None


def latest_milestone(app: Application) -> Milestone | None:
    candidates: list[Milestone] = [
        Milestone(MilestoneKind.INTERVIEW, r.starts_at, f"round:{r.seq}", round_kind=r.kind)
        for r in app.rounds
    ]
    for index, event in enumerate(app.events):
        if event.kind is EventKind.SENT and event.step is not None:
            candidates.append(
                Milestone(MilestoneKind.SENT, event.at, f"event:{index}", step=event.step)
            )
        elif event.kind is EventKind.HEARD:
            candidates.append(Milestone(MilestoneKind.HEARD, event.at, f"event:{index}"))
        elif event.kind is EventKind.STATUS and event.status is Status.OFFER:
            candidates.append(Milestone(MilestoneKind.OFFER, event.at, f"event:{index}"))
    if not candidates:
        return None
    return max(enumerate(candidates), key=lambda pair: (pair[1].at, pair[0]))[1]


def milestone_sentence(milestone: Milestone, company: str, now: datetime) -> str:
    """“sent a value-add follow-up to Acme Corp”: what follows the person's name."""
    if milestone.kind is MilestoneKind.SENT and milestone.step is not None:
        return f"sent a {STEP_NAMES[milestone.step]} follow-up to {company}"
    if milestone.kind is MilestoneKind.HEARD:
        return f"heard back from {company}"
    if milestone.kind is MilestoneKind.OFFER:
        return f"got an offer from {company}"
    what = (
        "an interview"
        if milestone.round_kind in (None, RoundKind.INTERVIEW)
        else f"a {milestone.round_kind} round"
    )
    if milestone.at > now:
        return f"has {what} lined up with {company}"
    return f"had {what} with {company}"


def why_it_matters(milestone: Milestone) -> str:
    if milestone.kind is MilestoneKind.SENT and milestone.step is not None:
        return WHY[milestone.step]
    if milestone.kind is MilestoneKind.HEARD:
        return "A reply is interest: it earns more follow-ups, each one adding something new."
    if milestone.kind is MilestoneKind.OFFER:
        return "Follow-ups that add value, one step at a time, got here."
    return "Next: a thank-you to each interviewer within a day, asking when it's fine to follow up."

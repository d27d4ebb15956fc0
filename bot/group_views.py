"""What a group channel sees: the intro, the board and the weekly digest, as neutral messages.

Everything here is computed from counts (`ActivityCount`) and member names. A member who has not
opted in is only ever part of a total; no company, role or interviewer appears in a board or
a digest. Each digest ends with one line of encouragement taken from the method.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain import Step
from bot.groups import ActivityCount, Member, MilestoneKind
from bot.messages import Message
from bot.milestones import STEP_NAMES

ADDS_VALUE = (Step.VALUE_ADD, Step.INSIGHT)


@dataclass
class Tally:
    # A plain dict, not a Counter: a digest makes one Tally per member, and building a Counter
    # costs several times more.
    by_step: dict[Step, int] = field(default_factory=dict)
    interviews: int = 0
    heard: int = 0
    offers: int = 0

    @property
    def follow_ups(self) -> int:
        return sum(self.by_step.values())

    def sent(self, step: Step) -> int:
        return self.by_step.get(step, 0)

    def add(self, activity: ActivityCount) -> None:
        n = activity.count
        if activity.kind is MilestoneKind.SENT and activity.step is not None:
            self.by_step[activity.step] = self.by_step.get(activity.step, 0) + n
        elif activity.kind is MilestoneKind.INTERVIEW:
            self.interviews += n
        elif activity.kind is MilestoneKind.HEARD:
            self.heard += n
        elif activity.kind is MilestoneKind.OFFER:
            self.offers += n

    def is_empty(self) -> bool:
        return not (self.follow_ups or self.interviews or self.heard or self.offers)


@dataclass(frozen=True)
class Tallies:
    """Everyone's counts added up, and each member's own, from one pass over the counts."""

    total: Tally
    by_member: Mapping[int, Tally]

    def of(self, user_id: int) -> Tally:
        return self.by_member.get(user_id) or Tally()


def tally(counts: Iterable[ActivityCount]) -> Tallies:
    total = Tally()
    by_member: dict[int, Tally] = {}
    for count in counts:
        total.add(count)
        mine = by_member.get(count.user_id)
        if mine is None:
            mine = by_member[count.user_id] = Tally()
        mine.add(count)
    return Tallies(total, by_member)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def person_line(t: Tally) -> str:
    parts = [_plural(t.follow_ups, "follow-up")]
    if t.interviews:
        parts.append(_plural(t.interviews, "interview"))
    if t.heard:
        parts.append(_plural(t.heard, "reply") if t.heard == 1 else f"{t.heard} replies")
    if t.offers:
        parts.append(_plural(t.offers, "offer"))
    return ", ".join(parts)


def encouragement(t: Tally) -> str:
    """One line from the method, chosen by what the week's numbers say."""
    thanks = t.sent(Step.THANK_YOU)
    adding = sum(t.sent(s) for s in ADDS_VALUE)
    if t.interviews > thanks:
        return (
            f"{_plural(t.interviews, 'interview')} and {_plural(thanks, 'thank-you')} this week: "
            "every round earns its own thank-you, one per interviewer, within a day."
        )
    if t.follow_ups and adding:
        share = round(100 * adding / t.follow_ups)
        return (
            f"{share}% of this week's follow-ups brought something new (a value-add or an "
            "insight): that is what gets forwarded to the person who decides."
        )
    if t.follow_ups:
        return (
            "The next follow-up should add something the interview missed: a result, with "
            "numbers, easy to forward."
        )
    if t.heard:
        return (
            "Every reply restores a follow-up budget: answer it with something of value, not "
            "a check-in."
        )
    return (
        "A quiet week. One useful email beats three check-ins: pick one application and send "
        "it something of value."
    )


def intro(owner_name: str) -> Message:
    return Message(
        title="Group mode is on in this channel",
        body=(
            f"{owner_name} turned on Followup's group mode: job seekers here can keep each other "
            "going.\n• `share <id>` posts one milestone of yours here (say, “sent a value-add "
            "follow-up to Acme”) and puts your name on the board and in the digest; `share off` "
            "takes it off.\n• `board` posts this week's follow-up counts of the people who "
            "shared.\n• `digest <weekday> <HH:MM>` sets a weekly digest: totals for everyone, "
            "names only for those who shared.\nNothing about you is posted unless you share it, "
            "and everything else I say to you here stays private."
        ),
        private=False,
    )


def milestone_post(name: str, sentence: str, why: str) -> Message:
    return Message(
        title=f"{name} {sentence}.",
        body=why,
        footer="`share <id>` to post one of yours.",
        private=False,
    )


def board(
    members: Sequence[Member], counts: Iterable[ActivityCount], since: datetime, zone: ZoneInfo
) -> Message:
    named = [m for m in members if m.opted_in]
    start = since.astimezone(zone)
    title = f"Board — this week (since {start:%a} {start.day} {start:%b})"
    if not named:
        return Message(
            title=title,
            body="Nobody has shared here yet. `share <id>` posts one of your milestones and puts "
            "you on the board.",
            private=False,
        )
    tallies = tally(counts)
    rows = sorted(
        ((tallies.of(m.user_id), m) for m in named),
        key=lambda p: (-p[0].follow_ups, p[1].display_name.casefold()),
    )
    everyone = tallies.total
    lines = [f"{m.display_name}: {person_line(t)}" for t, m in rows]
    return Message(
        title=title,
        body="\n".join(lines),
        footer=f"Everyone here together: {_plural(everyone.follow_ups, 'follow-up')}. `share "
        "<id>` to join the board.",
        private=False,
    )


def digest(
    members: Sequence[Member],
    counts: Iterable[ActivityCount],
    week_end: datetime,
    zone: ZoneInfo,
    *,
    late: bool = False,
) -> Message:
    start = (week_end - timedelta(days=7)).astimezone(zone)
    end = week_end.astimezone(zone)
    tallies = tally(counts)
    total = tallies.total
    steps = " · ".join(f"{STEP_NAMES[s]} {total.sent(s)}" for s in Step if total.sent(s))
    lines: list[str] = []
    if late:
        lines.append(
            f"This digest was due {end:%a} {end.day} {end:%b} {end:%H:%M} — posted late because I "
            "was offline."
        )
    lines.append(f"Follow-ups sent: {total.follow_ups}" + (f" ({steps})" if steps else ""))
    lines.append(
        f"Interviews: {total.interviews} · Replies heard: {total.heard} · Offers: {total.offers}"
    )
    named = [m for m in members if m.opted_in]
    if named:
        lines.append("Shared by:")
        for member in named:
            mine = tallies.of(member.user_id)
            said = person_line(mine) if not mine.is_empty() else "nothing logged this week"
            lines.append(f"  {member.display_name}: {said}")
    others = len(members) - len(named)
    if others:
        lines.append(f"…and {_plural(others, 'more member')}, counted in the totals.")
    lines.append(encouragement(total))
    return Message(
        title=f"Weekly digest — {start:%a} {start.day} {start:%b} to {end:%a} {end.day} {end:%b}",
        body="\n".join(lines),
        footer="Names appear only for people who used `share`; `share off` removes yours.",
        private=False,
    )

"""What rendering one due nudge costs, in CPU microseconds (no database, no network): the
dispatcher's render of the message (`Dispatcher.render`: the plan as the nudge needs it, and
the message), then that message as Slack's payload (`adapters.slack.blocks.payload`) and as
Discord's message body (`adapters.discord.render.outgoing`).

Two sets of 2,000 nudges: "seeded", shaped as `bench/seed.py` stores them (one round
yesterday, one interviewer, the same settings for everyone), and "varied": five timezones,
varied nudge and quiet hours, one to three rounds spread over a month with up to three
interviewers, some thank-yous already sent, nudges the plan has now or planned earlier. Each
figure is the best of five passes (process time, garbage collection paused) divided by the
number of nudges; each pass renders nudges of its own (other ids, names and times), so what is
kept from one pass (the replays, the escaped texts) can't serve the next.
"""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as clock

from adapters.discord.render import outgoing
from adapters.slack.blocks import payload
from bot import method
from bot.dispatcher import Dispatcher
from bot.domain import (
    Application,
    DeliverySettings,
    Event,
    EventKind,
    Interviewer,
    Nudge,
    NudgeKind,
    NudgeState,
    Round,
    RoundKind,
    Status,
    Step,
    User,
)
from bot.messages import Message

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
NUDGES = 2_000
PASSES = 5
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC", "Pacific/Auckland")

Item = tuple[Nudge, Application, User]


def _user(number: int, settings: DeliverySettings) -> User:
    return User(number, "bench", "w", f"user{number}", f"User {number}", settings)


def seeded(first: int = 1) -> list[Item]:
    """As `bench/seed.py` stores them: the dispatch benchmarks' nudges (ids from `first`)."""
    settings = DeliverySettings("Europe/Berlin", clock(9), clock(20), clock(8), False)
    start, due = NOW - timedelta(days=1), NOW - timedelta(minutes=1)
    items = []
    for i in range(first, first + NUDGES):
        people = (Interviewer(f"Person {i}", "Manager"),)
        rnd = Round(1, RoundKind.INTERVIEW, start, start + timedelta(hours=1), people)
        app = Application(i, i, 1, f"Company {i}", "Engineer", Status.ACTIVE, NOW, (rnd,))
        nudge = Nudge(
            i,
            i,
            i,
            "r1:ty:due",
            Step.THANK_YOU,
            NudgeKind.DUE,
            due,
            NudgeState.PENDING,
            send_by=due,
        )
        items.append((nudge, app, _user(i, settings)))
    return items


def varied(seed: int = 18) -> list[Item]:
    """Nudges of applications unlike each other (see the module docstring)."""
    rng = random.Random(seed)
    items: list[Item] = []
    while len(items) < NUDGES:
        i = seed * NUDGES + len(items) + 1
        settings = DeliverySettings(
            rng.choice(ZONES),
            clock(rng.choice((8, 9, 10))),
            rng.choice((clock(20), clock(22))),
            rng.choice((clock(7), clock(8))),
            rng.random() < 0.3,
        )
        rounds = []
        start = NOW - timedelta(days=rng.randint(1, 30), minutes=rng.randint(0, 600))
        for seq in range(1, rng.randint(1, 3) + 1):
            people = tuple(
                Interviewer(f"Person {i}.{seq}.{p}", "Engineer") for p in range(rng.randint(1, 3))
            )
            rounds.append(
                Round(seq, rng.choice(list(RoundKind)), start, start + timedelta(hours=1), people)
            )
            start += timedelta(days=rng.randint(2, 9), hours=rng.randint(-3, 3))
        events = tuple(
            Event(EventKind.SENT, r.ends_at + timedelta(hours=2), r.cycle, Step.THANK_YOU,
                  task=f"{r.cycle}:ty")
            for r in rounds
            if r.ends_at < NOW and rng.random() < 0.5
        )
        app = Application(
            i, i, 1, f"Company {i} & Sons", "Data <Engineer>", Status.ACTIVE, NOW,
            tuple(rounds), events,
        )
        planned = method.plan(app, settings, NOW - timedelta(days=rng.randint(0, 20))).nudges
        for n in planned[:1]:
            nudge = Nudge(i, i, i, n.key, n.step, n.kind, n.due_at, NudgeState.PENDING,
                          send_by=n.send_by, no_agreed_date=n.no_agreed_date)
            items.append((nudge, app, _user(i, settings)))
    return items


def _best(work: Callable[[list[Item]], object], sets: list[list[Item]]) -> float:
    """Microseconds of process time per nudge, the best of one pass over each set."""
    passes = []
    for items in sets:
        method._histories.cache_clear()
        started = time.process_time()
        work(items)
        passes.append((time.process_time() - started) / len(items) * 1e6)
    return min(passes)


def _render(item: Item) -> Message:
    nudge, app, user = item
    return Dispatcher.render(nudge, app, user, max(NOW, nudge.due_at))


def measure(make: Callable[[int], list[Item]]) -> dict[str, float]:
    """The three figures for `PASSES` sets of nudges, `make(0)`, `make(1)`, …"""
    sets = [make(number) for number in range(PASSES)]
    messages = [[_render(item) for item in items] for items in sets]
    paused = gc.isenabled()
    gc.disable()
    try:
        return {
            "render µs": _best(lambda items: [_render(i) for i in items], sets),
            "slack payload µs": _per(payload, messages),
            "discord body µs": _per(outgoing, messages),
        }
    finally:
        if paused:
            gc.enable()


def _per(layout: Callable[[Message], object], sets: list[list[Message]]) -> float:
    """`_best` for a layout of rendered messages."""
    passes = []
    for messages in sets:
        started = time.process_time()
        for message in messages:
            layout(message)
        passes.append((time.process_time() - started) / len(messages) * 1e6)
    return min(passes)


async def run() -> dict[str, object]:
    figures: dict[str, object] = {"suite": "render", "nudges": NUDGES}
    sets: dict[str, Callable[[int], list[Item]]] = {
        "seeded": lambda number: seeded(1 + number * NUDGES),
        "varied": lambda number: varied(18 + number),
    }
    for name, make in sets.items():
        figures |= {f"{name}: {k}": v for k, v in measure(make).items()}
    return figures


if __name__ == "__main__":
    import asyncio

    for key, value in asyncio.run(run()).items():
        print(f"{key}: {value:.1f}" if isinstance(value, float) else f"{key}: {value}")

"""A slow core never misses Discord's 3-second deadline: the interaction is deferred and the
answer follows as an edit of the original response (or a followup for a button's new message)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.bootstrap import Runtime
from adapters.discord import DiscordAdapter
from tests.adapters.discord.conftest import ALICE
from tests.adapters.discord.helpers import ERROR_COLOUR, applications
from tests.fakes.discord_api import FakeDiscord, Interactions, dm_channel_id, message_payload
from tests.harness import FacadeProbe


@pytest.fixture
def discord_options() -> dict[str, Any]:
    """The adapter defers after 10 ms."""
    return {"defer_after": 0.01}


@pytest.fixture
async def slow_core(probe: FacadeProbe) -> AsyncIterator[asyncio.Event]:
    """The core waits for the event before answering (as behind a burst queueing for the
    database)."""
    gate = asyncio.Event()
    probe.gate = gate
    yield gate
    gate.set()


async def _answer_after_release(
    fake: FakeDiscord, payload: dict[str, Any], gate: asyncio.Event
) -> Any:
    pending = asyncio.ensure_future(fake.interact(payload))
    await fake.wait_for_call(lambda c: c.path.startswith(f"/interactions/{payload['id']}/"))
    assert not pending.done()  # deferred, answer still to come
    gate.set()
    return await pending


async def test_a_slow_command_is_deferred_then_answered_in_place(
    adapter: DiscordAdapter,
    fake: FakeDiscord,
    make: Interactions,
    runtime: Runtime,
    slow_core: asyncio.Event,
) -> None:
    payload = make.slash(
        "add", {"company": "Acme", "role": "Data Engineer", "when": "today 09:00"}, user=ALICE
    )
    sent = await _answer_after_release(fake, payload, slow_core)
    assert sent.type == 5 and sent.ephemeral
    assert (
        sent.answer is not None
        and sent.answer.method == "PATCH"
        and sent.answer.path.endswith("/messages/@original")
    )
    assert sent.embed["title"] == "#1 Acme — Data Engineer"
    assert sent.data["allowed_mentions"] == {"parse": []}
    assert len(await applications(runtime, ALICE)) == 1


async def test_a_slow_button_is_acknowledged_silently_then_edits_its_message(
    adapter: DiscordAdapter,
    fake: FakeDiscord,
    make: Interactions,
    runtime: Runtime,
    slow_core: asyncio.Event,
) -> None:
    slow_core.set()
    await fake.interact(
        make.slash(
            "add", {"company": "Acme", "role": "Data Engineer", "when": "today 09:00"}, user=ALICE
        )
    )
    [app] = await applications(runtime, ALICE)
    slow_core.clear()
    button = {"type": 2, "style": 1, "label": "Sent", "custom_id": f"fu:sent:{app.id}"}
    nudge = message_payload(
        fake.snowflake(), dm_channel_id(ALICE.id), components=[{"type": 1, "components": [button]}]
    )
    fake.messages[int(nudge["id"])] = nudge

    sent = await _answer_after_release(
        fake, make.press(button["custom_id"], nudge, user=ALICE), slow_core
    )
    assert sent.type == 6
    assert sent.answer is not None and sent.answer.method == "PATCH"
    assert sent.embed["color"] != ERROR_COLOUR
    assert sent.message is not None and sent.message["id"] == nudge["id"]

    slow_core.clear()
    draft = await _answer_after_release(
        fake,
        make.press(
            f"fu:draft:{app.id}",
            nudge
            | {
                "components": [
                    {"type": 1, "components": [button | {"custom_id": f"fu:draft:{app.id}"}]}
                ]
            },
            user=ALICE,
        ),
        slow_core,
    )
    assert draft.type == 6
    # a new message, the nudge stays
    assert draft.answer is not None and draft.answer.method == "POST"

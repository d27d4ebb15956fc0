"""Nudges by DM with persistent buttons: delivery from the dispatcher on a simulated clock, a
press after a restart, presses by someone else, 429s and closed DMs."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from adapters.bootstrap import Runtime
from adapters.discord import DiscordAdapter
from bot.clock import SimulatedClock
from bot.domain import NudgeState
from tests.adapters.discord.conftest import ALICE, BOB, StartAdapter
from tests.adapters.discord.helpers import ERROR_COLOUR, applications, nudges, stored_user
from tests.fakes.discord_api import FakeDiscord, Interactions, custom_ids, dm_channel_id

DM_SEND = r"/channels/\d+/messages"


async def _interview_this_morning(
    fake: FakeDiscord, make: Interactions, company: str = "Acme"
) -> None:
    options = {
        "company": company,
        "role": "Data Engineer",
        "when": "today 09:00",
        "interviewer": "Jane Doe",
    }
    await fake.interact(make.slash("add", options, user=ALICE))


def _dms(fake: FakeDiscord, user_id: int) -> list[dict[str, Any]]:
    channel = str(dm_channel_id(user_id))
    return [m for m in fake.messages.values() if m["channel_id"] == channel]


async def test_a_due_nudge_arrives_by_dm_with_embed_and_buttons(
    adapter: DiscordAdapter,
    fake: FakeDiscord,
    make: Interactions,
    runtime: Runtime,
    clock: SimulatedClock,
) -> None:
    await _interview_this_morning(fake, make)  # thank-you due at 11:00; it's 12:00
    report = await runtime.dispatcher.run_once()
    assert report.delivered == 1
    [opened] = fake.calls_to("POST", r"/users/@me/channels")
    assert int(opened.json["recipient_id"]) == ALICE.id
    [dm] = _dms(fake, ALICE.id)
    embed = dm["embeds"][0]
    assert embed["title"] == "Time for your thank-you email — Acme"
    assert "Jane Doe" in embed["description"] and "☐" in embed["description"]
    [app] = await applications(runtime, ALICE)
    # Each button names the step it is for (round 1's thank-you), so it never acts on a later one.
    assert custom_ids(dm) == [
        f"fu:{verb}:{app.id}:r1:ty" for verb in ("sent", "snooze", "checklist", "draft", "skip")
    ]
    [send] = fake.calls_to("POST", DM_SEND)
    assert send.json["allowed_mentions"] == {"parse": []}

    clock.advance(timedelta(minutes=5))
    assert (await runtime.dispatcher.run_once()).delivered == 0  # exactly once


async def test_a_button_on_an_old_dm_still_works_after_a_restart(
    adapter: DiscordAdapter,
    start_adapter: StartAdapter,
    fake: FakeDiscord,
    make: Interactions,
    runtime: Runtime,
    clock: SimulatedClock,
) -> None:
    await _interview_this_morning(fake, make)
    await runtime.dispatcher.run_once()
    [dm] = _dms(fake, ALICE.id)

    await adapter.stop()
    clock.advance(timedelta(days=6))
    restarted = await start_adapter()
    await fake.wait_identified(count=2)
    await asyncio.wait_for(restarted.wait_until_ready(), 5)
    [app] = await applications(runtime, ALICE)

    pressed = await fake.interact(make.press(f"fu:sent:{app.id}:r1:ty", dm, user=ALICE))
    assert pressed.embed["color"] != ERROR_COLOUR
    assert "already marked" in pressed.embed["title"]
    [app] = await applications(runtime, ALICE)
    # A week on, the thank-you has lapsed and the current step is the value-add: the old
    # thank-you button answers and changes nothing (it never marks the value-add).
    assert app.events == ()
    assert len(fake.calls_to("PUT", r"/applications/\d+/commands")) == 1  # not synced again


async def test_checklist_and_draft_buttons_answer_without_touching_the_nudge(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    await _interview_this_morning(fake, make)
    await runtime.dispatcher.run_once()
    [dm] = _dms(fake, ALICE.id)
    [app] = await applications(runtime, ALICE)
    for verb in ("checklist", "draft"):
        sent = await fake.interact(make.press(f"fu:{verb}:{app.id}:r1:ty", dm, user=ALICE))
        assert sent.type == 4 and not sent.ephemeral  # a new DM message
    assert fake.messages[int(dm["id"])]["embeds"] == dm["embeds"]


async def test_someone_elses_press_changes_nothing(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    await _interview_this_morning(fake, make)
    await runtime.dispatcher.run_once()
    [dm] = _dms(fake, ALICE.id)
    [app] = await applications(runtime, ALICE)
    before = await nudges(runtime, ALICE)

    for verb in ("sent", "skip", "snooze", "draft"):
        sent = await fake.interact(
            make.press(f"fu:{verb}:{app.id}:r1:ty", dm, user=BOB, guild_id=fake.guilds[0])
        )
        assert sent.type == 4 and sent.ephemeral
        assert sent.embed["title"] == "That button isn't yours."
    alice = await stored_user(runtime, ALICE)
    assert alice is not None
    forget_id = f"fu:forget:{alice.id}"
    forged = {
        **dm,
        "components": [
            {
                "type": 1,
                "components": [{"type": 2, "style": 4, "label": "Yes", "custom_id": forget_id}],
            }
        ],
    }
    forget = await fake.interact(make.press(forget_id, forged, user=BOB, guild_id=fake.guilds[0]))
    assert forget.embed["title"] == "That button isn't yours."

    [after] = await applications(runtime, ALICE)
    assert after.events == () and await nudges(runtime, ALICE) == before
    assert fake.messages[int(dm["id"])]["embeds"] == dm["embeds"]


async def test_forget_me_asks_then_deletes_on_the_confirm_button(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    await _interview_this_morning(fake, make)
    asked = await fake.interact(make.slash("forget-me", user=ALICE))
    alice = await stored_user(runtime, ALICE)
    assert alice is not None
    assert asked.custom_ids == [f"fu:forget:{alice.id}", f"fu:forget-cancel:{alice.id}"]
    assert asked.message is not None

    cancelled = await fake.interact(
        make.press(asked.custom_ids[1], asked.message, user=ALICE, guild_id=fake.guilds[0])
    )
    assert cancelled.type == 7 and cancelled.data["components"] == []
    assert await applications(runtime, ALICE) != []

    sure = await fake.interact(
        make.press(asked.custom_ids[0], asked.message, user=ALICE, guild_id=fake.guilds[0])
    )
    assert (
        sure.type == 4 and sure.ephemeral and sure.embed["title"] == "Erase everything about you?"
    )
    assert sure.custom_ids == [f"fuy:forget:{alice.id}", f"fun:forget:{alice.id}"]
    assert await stored_user(runtime, ALICE) is not None  # nothing before the second yes
    assert sure.message is not None
    done = await fake.interact(
        make.press(sure.custom_ids[0], sure.message, user=ALICE, guild_id=fake.guilds[0])
    )
    assert done.type == 7 and done.embed["title"].startswith("Done")
    assert await stored_user(runtime, ALICE) is None


async def test_a_429_on_the_dm_is_waited_out_and_delivered_once(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    await _interview_this_morning(fake, make)
    fake.rate_limit_next("POST", DM_SEND, retry_after=0.01)
    report = await runtime.dispatcher.run_once()
    assert (report.delivered, report.retried, report.failed) == (1, 0, 0)
    assert len(fake.calls_to("POST", DM_SEND)) == 2
    assert len(_dms(fake, ALICE.id)) == 1


async def test_closed_dms_are_recorded_and_reported_at_the_next_command(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    await _interview_this_morning(fake, make)
    fake.fail_next(
        "POST", DM_SEND, status=403, code=50007, message="Cannot send messages to this user"
    )
    report = await runtime.dispatcher.run_once()
    assert report.failed == 1
    [failed] = [n for n in await nudges(runtime, ALICE) if n.state is NudgeState.FAILED]
    assert failed.last_error is not None and "50007" in failed.last_error

    sent = await fake.interact(make.slash("list", user=ALICE))
    footer = sent.embed["footer"]["text"]
    assert "couldn't deliver 1 nudge" in footer and "Privacy Settings" in footer
    again = await fake.interact(make.slash("list", user=ALICE))
    assert "couldn't deliver" not in again.embed.get("footer", {}).get("text", "")


async def test_nudges_wait_while_discord_is_disconnected(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    await _interview_this_morning(fake, make)
    await adapter.stop()
    report = await runtime.dispatcher.run_once()
    # Without a Discord connection this process claims nothing of Discord's: the nudge stays
    # pending, untouched (no attempt spent), for whichever process can deliver it.
    assert (report.delivered, report.retried, report.failed, report.lost) == (0, 0, 0, 0)
    stored = await nudges(runtime, ALICE)
    assert stored and all(n.state is NudgeState.PENDING and n.attempts == 0 for n in stored)

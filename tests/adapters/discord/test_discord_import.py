"""`/followup import file:<.ics>` through real discord.py against the fake: the attachment is
fetched from the (fake) CDN, the proposal comes with buttons, nothing is stored before "Yes",
"Edit first" opens the add form (a new application) or the round form (a further round)
filled in from the invitation, and bad files are refused."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from adapters.bootstrap import Runtime
from adapters.discord import DiscordAdapter
from bot.clock import SimulatedClock
from bot.invitation import MAX_BYTES
from tests.adapters.discord.conftest import ALICE
from tests.adapters.discord.helpers import ERROR_COLOUR, applications
from tests.bot.calendar.fixtures import fixture
from tests.fakes.discord_api import FakeDiscord, Interactions, Sent, dm_channel_id, message_payload


def _late_november(runtime: Runtime) -> None:
    """The fixtures' interviews are in December 2026: a week or two ahead."""
    clock = runtime.clock
    assert isinstance(clock, SimulatedClock)
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))


def _buttons(sent: Sent) -> dict[str, str]:
    return {
        c["label"]: c["custom_id"]
        for row in sent.data.get("components", [])
        for c in row["components"]
    }


def _inputs(modal: dict[str, Any]) -> dict[str, str | None]:
    return {
        c["custom_id"]: c.get("value") for row in modal["components"] for c in row["components"]
    }


async def test_an_attached_invitation_is_proposed_then_logged_on_yes(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    _late_november(runtime)
    sent = await fake.interact(
        make.slash_file("import", "file", "invite.ics", fixture("google_request.ics"), user=ALICE)
    )
    assert sent.embed["color"] != ERROR_COLOUR, sent.embed
    assert "Northwind" in sent.embed["title"] and "hiring-manager" in sent.embed["description"]
    assert list(_buttons(sent)) == ["Yes, log it", "Edit first", "Cancel"]
    assert await applications(runtime, ALICE) == []  # nothing before the yes
    assert sent.message is not None
    logged = await fake.interact(
        make.press(_buttons(sent)["Yes, log it"], sent.message, user=ALICE)
    )
    assert logged.embed["title"] == "#1 Northwind — Senior Data Engineer"
    [app] = await applications(runtime, ALICE)
    assert app.rounds[0].kind.value == "hiring-manager"
    assert [p.name for p in app.rounds[0].interviewers] == ["Priya Raman", "Marcus Webb"]


async def test_edit_first_opens_the_add_form_filled_in(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    _late_november(runtime)
    sent = await fake.interact(
        make.slash_file("import", "file", "invite.ics", fixture("apple_request.ics"), user=ALICE)
    )
    assert sent.message is not None
    opened = await fake.interact(make.press(_buttons(sent)["Edit first"], sent.message, user=ALICE))
    assert opened.type == 9
    filled = _inputs(opened.data)
    assert filled["company"] == "Acme Widgets" and filled["role"] == "UX Designer"
    assert filled["when"] == "2026-12-10 14:00-16:00"  # Alice's zone is UTC here
    assert (
        filled["interviewers"] is not None
        and "Ruth Okafor, Design Director" in filled["interviewers"]
    )
    values = {**{k: v or "" for k, v in filled.items()}, "role": "Senior UX Designer"}
    done = await fake.interact(make.submit(opened.data["custom_id"], values, user=ALICE))
    assert done.embed["title"] == "#1 Acme Widgets — Senior UX Designer"
    [app] = await applications(runtime, ALICE)
    assert app.rounds[0].kind.value == "final"  # the invitation's kind, kept through the form


async def test_bad_attachments_are_refused_and_nothing_is_stored(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    big = await fake.interact(
        make.slash_file(
            "import", "file", "huge.ics", b"BEGIN:VCALENDAR", user=ALICE, size=MAX_BYTES + 1
        )
    )
    assert (
        big.embed["color"] == ERROR_COLOUR
        and "KB" in big.embed["title"]
        and "import" in big.embed["description"]
    )
    photo = await fake.interact(
        make.slash_file(
            "import", "file", "cat.png", b"\x89PNG", user=ALICE, content_type="image/png"
        )
    )
    assert photo.embed["color"] == ERROR_COLOUR and "calendar" in photo.embed["title"]
    recurring = await fake.interact(
        make.slash_file("import", "file", "sync.ics", fixture("hostile_recurring.ics"), user=ALICE)
    )
    assert recurring.embed["color"] == ERROR_COLOUR and "recurring" in recurring.embed[
        "title"
    ] + recurring.embed.get("description", "")
    assert await applications(runtime, ALICE) == []


def _dm_with(
    fake: FakeDiscord, filename: str, content: bytes, message_id: int = 4242
) -> dict[str, Any]:
    attachment_id, url = fake.host_file(content)
    payload = message_payload(message_id, dm_channel_id(ALICE.id), author=ALICE)
    payload["author"] = ALICE.payload()
    payload["attachments"] = [
        {
            "id": attachment_id,
            "filename": filename,
            "size": len(content),
            "url": url,
            "proxy_url": url,
            "content_type": "text/calendar",
        }
    ]
    return payload


async def test_an_invitation_attached_in_the_dm_is_proposed(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    _late_november(runtime)
    dm = dm_channel_id(ALICE.id)
    posting = asyncio.ensure_future(
        fake.wait_for_call(
            lambda call: call.method == "POST" and call.path == f"/channels/{dm}/messages"
        )
    )
    await fake.dispatch(
        "MESSAGE_CREATE", _dm_with(fake, "invite.ics", fixture("utc_scheduler.ics"))
    )
    posted = await posting
    embed = posted.json["embeds"][0]
    assert "Globex" in embed["title"] and "Machine Learning Engineer" in embed["title"]
    assert await applications(runtime, ALICE) == []
    [message] = [m for m in fake.messages.values() if m["channel_id"] == str(dm)]
    labels = {
        c["label"]: c["custom_id"] for row in message["components"] for c in row["components"]
    }
    assert list(labels) == ["Yes, log it", "Edit first", "Cancel"]
    logged = await fake.interact(make.press(labels["Yes, log it"], message, user=ALICE))
    assert logged.embed["title"] == "#1 Globex — Machine Learning Engineer"
    assert len(await applications(runtime, ALICE)) == 1


async def test_a_further_round_opens_the_round_form_filled_in(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    _late_november(runtime)
    first = await fake.interact(
        make.slash(
            "add",
            {"company": "Northwind Inc", "role": "Senior Data Engineer", "when": "yesterday 10:00"},
            user=ALICE,
        )
    )
    assert first.embed["color"] != ERROR_COLOUR, first.embed
    sent = await fake.interact(
        make.slash_file("import", "file", "invite.ics", fixture("google_request.ics"), user=ALICE)
    )
    assert "further round of #1 Northwind Inc" in sent.embed["description"]
    assert list(_buttons(sent)) == ["Yes, log it", "Edit first", "Cancel"]
    assert sent.message is not None
    opened = await fake.interact(make.press(_buttons(sent)["Edit first"], sent.message, user=ALICE))
    assert opened.type == 9 and opened.data["title"] == "Log a round for #1"
    filled = _inputs(opened.data)
    assert set(filled) == {"when", "kind", "interviewers"}
    assert filled["kind"] == "hiring-manager" and filled["when"]
    assert filled["interviewers"] is not None and "Priya Raman" in filled["interviewers"]
    [app] = await applications(runtime, ALICE)
    assert len(app.rounds) == 1  # nothing before the submit

    bad = await fake.interact(
        make.submit(
            opened.data["custom_id"],
            {**{k: v or "" for k, v in filled.items()}, "when": "whenever"},
            user=ALICE,
        )
    )
    assert bad.embed["color"] == ERROR_COLOUR and bad.ephemeral
    assert _buttons(bad) and "Edit and try again" in _buttons(bad)
    [app] = await applications(runtime, ALICE)
    assert len(app.rounds) == 1  # a bad field stores nothing

    assert bad.message is not None
    reopened = await fake.interact(
        make.press(_buttons(bad)["Edit and try again"], bad.message, user=ALICE)
    )
    # what was typed, to correct
    assert reopened.type == 9 and _inputs(reopened.data)["when"] == "whenever"
    values = {**{k: v or "" for k, v in filled.items()}, "kind": "final"}
    done = await fake.interact(make.submit(reopened.data["custom_id"], values, user=ALICE))
    assert done.embed["color"] != ERROR_COLOUR, done.embed
    assert "round 2 logged" in done.embed["title"]
    [app] = await applications(runtime, ALICE)
    assert [r.kind.value for r in sorted(app.rounds, key=lambda r: r.seq)] == ["interview", "final"]
    again = await fake.interact(
        make.slash_file("import", "file", "invite.ics", fixture("google_request.ics"), user=ALICE)
    )
    # the form kept the invitation: it is known as round 2
    assert "round 1 change 2" in again.embed["description"]

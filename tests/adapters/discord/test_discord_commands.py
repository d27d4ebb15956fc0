"""Every `/followup` and `/followup-group` subcommand through real discord.py: the core command
it builds (the same one the text parser builds), the reply (ephemeral in a server, normal in
DMs) and the stored state; autocomplete; mention injection; the export file."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.bootstrap import Runtime
from adapters.discord import DiscordAdapter
from adapters.discord.channels import GroupChannelCommands
from adapters.discord.slash_commands import FollowupGroup
from bot import commands as c
from bot.domain import EventKind, Status
from bot.service import Followup
from tests.adapters.discord.conftest import ALICE, BOB
from tests.adapters.discord.helpers import ERROR_COLOUR, applications, stored_user
from tests.fakes.discord_api import FakeDiscord, Interactions, dm_channel_id, message_payload
from tests.harness import FacadeProbe

ADD = {
    "company": "Acme",
    "role": "Data Engineer",
    "when": "today 09:00",
    "interviewer": "Jane Doe",
    "title": "Engineering Manager",
}

# (subcommand, options, the same command as text)
CASES: list[tuple[str, dict[str, Any], str]] = [
    ("help", {}, "help"),
    ("help", {"command": "add"}, "help add"),
    ("add", ADD, "add Acme; Data Engineer; today 09:00; Jane Doe, Engineering Manager"),
    (
        "add",
        {**ADD, "more_interviewers": "Sam Lee, Head of Data; Kim"},
        "add Acme; Data Engineer; today 09:00; Jane Doe, Engineering Manager; Sam Lee, Head of "
        "Data; Kim",
    ),
    (
        "add",
        {**ADD, "kind": "hiring-manager"},
        "add Acme; Data Engineer; today 09:00; hiring-manager; Jane Doe, Engineering Manager",
    ),
    (
        "round",
        {
            "id": 1,
            "when": "tomorrow 14:00-15:30",
            "kind": "hiring-manager",
            "interviewer": "Sam Lee",
            "title": "Head of Data",
        },
        "round 1; tomorrow 14:00-15:30; hiring-manager; Sam Lee, Head of Data",
    ),
    ("list", {}, "list"),
    ("show", {"id": 1}, "show 1"),
    ("today", {}, "today"),
    ("checklist", {"id": 1}, "checklist 1"),
    ("checklist", {"step": "value-add"}, "checklist value-add"),
    ("draft", {"id": 1}, "draft 1"),
    ("draft", {"id": 1, "name": "Jane"}, "draft 1 Jane"),
    (
        "review",
        {"id": 1, "text": "Hi Jane, thank you for your time today. When may I follow up?"},
        "review 1 Hi Jane, thank you for your time today. When may I follow up?",
    ),
    ("sent", {"id": 1}, "sent 1"),
    ("sent", {"id": 1, "next": "next friday"}, "sent 1 next next friday"),
    ("sent", {"id": 1, "name": "Jane Doe", "next": "friday"}, "sent 1 Jane Doe next friday"),
    ("heard", {"id": 1, "note": "Jane asked for references"}, "heard 1 Jane asked for references"),
    (
        "heard",
        {"id": 1, "note": "Jane was positive", "next": "monday"},
        "heard 1 next monday Jane was positive",
    ),
    ("snooze", {"id": 1, "until": "2d"}, "snooze 1 2d"),
    ("skip", {"id": 1}, "skip 1"),
    ("status", {"id": 1, "status": "rejected"}, "status 1 rejected"),
    ("settings", {}, "settings"),
    (
        "settings",
        {"tz": "Europe/Berlin", "hour": "08:30", "quiet": "21:00-07:30", "weekends": True},
        "settings tz Europe/Berlin hour 08:30 quiet 21:00-07:30 weekends on",
    ),
    ("export", {}, "export"),
    ("export", {"format": "ics"}, "export ics"),
    ("delete", {"id": 1}, "delete 1"),
    ("forget-me", {}, "forget-me"),
]

# The group-channel commands (`/followup-group`), typed in a server channel.
GROUP_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("channel", {}, "channel"),
    ("channel", {"state": "on"}, "channel on"),
    ("channel", {"state": "off"}, "channel off"),
    ("digest", {"weekday": "monday", "time": "09:00"}, "digest monday 09:00"),
    (
        "digest",
        {"weekday": "friday", "time": "17:30", "tz": "Europe/Berlin"},
        "digest fri 17:30 Europe/Berlin",
    ),
    ("digest-off", {}, "digest off"),
    ("share", {"id": 1}, "share 1"),
    ("share-off", {}, "share off"),
    ("board", {}, "board"),
]


@pytest.fixture
def seen(probe: FacadeProbe) -> list[c.Command]:
    """Every command the adapter hands the core (the real core still answers them)."""
    return probe.commands


async def _add(fake: FakeDiscord, make: Interactions, **options: Any) -> None:
    sent = await fake.interact(make.slash("add", {**ADD, **options}, user=ALICE))
    assert sent.embed["color"] != ERROR_COLOUR, sent.embed


def test_every_subcommand_is_covered() -> None:
    personal = {command.name for command in FollowupGroup.__discord_app_commands_group_children__}
    group = {
        command.name for command in GroupChannelCommands.__discord_app_commands_group_children__
    }
    attachments_only = {"import"}  # takes a file: tests/adapters/discord/test_discord_import.py
    assert {name for name, _, _ in CASES} | attachments_only == personal
    assert {name for name, _, _ in GROUP_CASES} == group


@pytest.mark.parametrize(
    ("sub", "options", "text"),
    GROUP_CASES,
    ids=[f"{s}-{i}" for i, (s, _, _) in enumerate(GROUP_CASES)],
)
async def test_group_subcommand_builds_the_parsers_command(
    adapter: DiscordAdapter,
    fake: FakeDiscord,
    make: Interactions,
    seen: list[c.Command],
    sub: str,
    options: dict[str, Any],
    text: str,
) -> None:
    await _add(fake, make)
    seen.clear()
    sent = await fake.interact(make.slash(sub, options, user=ALICE, command="followup-group"))
    assert seen == [Followup.parse(text)]
    assert sent.type == 4 and sent.ephemeral  # allowed or refused, the answer is the asker's alone
    assert sent.data["allowed_mentions"] == {"parse": []}


@pytest.mark.parametrize(
    ("sub", "options", "text"), CASES, ids=[f"{s}-{i}" for i, (s, _, _) in enumerate(CASES)]
)
async def test_subcommand_builds_the_parsers_command_and_replies_privately(
    adapter: DiscordAdapter,
    fake: FakeDiscord,
    make: Interactions,
    seen: list[c.Command],
    sub: str,
    options: dict[str, Any],
    text: str,
) -> None:
    await _add(fake, make)
    seen.clear()
    sent = await fake.interact(make.slash(sub, options, user=ALICE))
    assert seen == [Followup.parse(text)]
    assert sent.type == 4
    assert sent.ephemeral
    assert sent.embed["color"] != ERROR_COLOUR, sent.embed
    assert sent.data["allowed_mentions"] == {"parse": []}


async def test_state_changes_are_stored(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    await _add(fake, make)
    await fake.interact(
        make.slash(
            "round", {"id": 1, "when": "tomorrow 14:00", "kind": "hiring-manager"}, user=ALICE
        )
    )
    await fake.interact(make.slash("sent", {"id": 1, "next": "next friday"}, user=ALICE))
    await fake.interact(make.slash("heard", {"id": 1, "note": "they liked it"}, user=ALICE))
    await fake.interact(
        make.slash("settings", {"tz": "Europe/Berlin", "weekends": True}, user=ALICE)
    )
    [app] = await applications(runtime, ALICE)
    assert [r.kind.value for r in app.rounds] == ["interview", "hiring-manager"]
    assert [e.kind for e in app.events] == [EventKind.SENT, EventKind.HEARD]
    assert app.events[0].agreed_date is not None and app.events[1].note == "they liked it"
    user = await stored_user(runtime, ALICE)
    assert user is not None and user.settings.timezone == "Europe/Berlin" and user.settings.weekends

    await fake.interact(make.slash("status", {"id": 1, "status": "offer"}, user=ALICE))
    [app] = await applications(runtime, ALICE)
    assert app.status is Status.OFFER
    await fake.interact(make.slash("delete", {"id": 1}, user=ALICE))
    assert await applications(runtime, ALICE) == []


async def test_replies_in_dms_are_not_ephemeral_and_data_is_shared_with_servers(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions
) -> None:
    await _add(fake, make)
    sent = await fake.interact(make.slash("show", {"id": 1}, user=ALICE, guild_id=None))
    assert not sent.ephemeral
    assert sent.embed["title"] == "#1 Acme — Data Engineer"


async def test_first_use_asks_for_a_timezone_until_one_is_set(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions
) -> None:
    sent = await fake.interact(make.slash("list", user=ALICE))
    assert "until you set your timezone" in sent.embed["footer"]["text"]
    await fake.interact(make.slash("settings", {"tz": "America/New_York"}, user=ALICE))
    sent = await fake.interact(make.slash("list", user=ALICE))
    assert "footer" not in sent.embed


async def test_bad_input_says_what_was_wrong_and_stores_nothing(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> None:
    cases = [
        ("add", {**ADD, "when": "blorp the flimflam"}),
        ("add", {"company": "x" * 201, "role": "r", "when": "today 09:00"}),
        ("add", {"company": "Acme"}),
        ("show", {"id": 7}),
        ("checklist", {}),
        ("settings", {"tz": "Mars/Olympus"}),
    ]
    for sub, options in cases:
        sent = await fake.interact(make.slash(sub, options, user=ALICE))
        assert sent.embed["color"] == ERROR_COLOUR, (sub, sent.embed)
        assert "Example" in sent.embed.get("description", ""), sent.embed
        assert sent.ephemeral
    assert await applications(runtime, ALICE) == []


async def test_mentions_in_user_text_never_ping(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions
) -> None:
    sent = await fake.interact(
        make.slash(
            "add",
            {**ADD, "company": "@everyone Corp", "interviewer": "<@410000000000000002> @here"},
            user=ALICE,
        )
    )
    assert sent.data["allowed_mentions"] == {"parse": []}
    assert sent.embed["title"] == "#1 @everyone Corp — Data Engineer"
    assert "<@410000000000000002> @here" in sent.embed["description"]


async def test_application_ids_autocomplete_from_the_users_own_applications(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions
) -> None:
    await _add(fake, make)
    await _add(fake, make, company="Initech", role="Analyst")
    await fake.interact(make.slash("add", {**ADD, "company": "Globex"}, user=BOB))

    sent = await fake.interact(
        make.slash("show", {"id": ""}, user=ALICE, focused="id", focused_type=4)
    )
    assert sent.type == 8
    assert sent.data["choices"] == [
        {"name": "#1 Acme — Data Engineer", "value": 1},
        {"name": "#2 Initech — Analyst", "value": 2},
    ]
    sent = await fake.interact(
        make.slash("sent", {"id": "init"}, user=ALICE, focused="id", focused_type=4)
    )
    assert [choice["value"] for choice in sent.data["choices"]] == [2]
    sent = await fake.interact(
        make.slash("show", {"id": ""}, user=BOB, focused="id", focused_type=4)
    )
    assert [choice["name"] for choice in sent.data["choices"]] == ["#1 Globex — Data Engineer"]


async def test_timezone_and_duration_autocomplete(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions
) -> None:
    sent = await fake.interact(make.slash("settings", {"tz": "berl"}, user=ALICE, focused="tz"))
    assert {"name": "Europe/Berlin", "value": "Europe/Berlin"} in sent.data["choices"]
    assert len(sent.data["choices"]) <= 25
    sent = await fake.interact(
        make.slash("snooze", {"id": 1, "until": "1"}, user=ALICE, focused="until")
    )
    assert [choice["value"] for choice in sent.data["choices"]][:3] == ["1", "1d", "1w"]


async def test_export_is_sent_as_a_file(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions
) -> None:
    await _add(fake, make)
    sent = await fake.interact(make.slash("export", {"format": "ics"}, user=ALICE))
    [(name, content)] = sent.call.files
    assert name == "followups.ics"
    assert content.startswith(b"BEGIN:VCALENDAR")
    assert sent.data["attachments"][0]["filename"] == "followups.ics"
    csv = await fake.interact(make.slash("export", user=ALICE))
    assert csv.call.files[0][0] == "followup.csv" and b"Acme" in csv.call.files[0][1]


async def test_a_failure_on_our_side_is_told_not_swallowed(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, probe: FacadeProbe
) -> None:
    probe.fail = RuntimeError("database on fire")
    sent = await fake.interact(make.slash("list", user=ALICE))
    assert sent.embed["title"] == "Something went wrong on my side." and sent.ephemeral
    button = {"type": 2, "style": 1, "label": "Sent", "custom_id": "fu:sent:1"}
    message = message_payload(
        fake.snowflake(), dm_channel_id(ALICE.id), components=[{"type": 1, "components": [button]}]
    )
    pressed = await fake.interact(make.press("fu:sent:1", message, user=ALICE))
    assert pressed.embed["title"] == "Something went wrong on my side."
    assert pressed.ephemeral  # private even in a DM: it is about this press only

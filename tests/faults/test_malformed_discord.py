"""Malformed Discord interactions: unknown or garbled button ids, slash commands with missing
options, wrong option types or unknown subcommands, huge texts, payloads without a user, a
`data` or a token. Each gets a refusal (an error answer that says what was wrong) or, when
discord.py can't even tell what it is, is dropped without an answer; nothing in the database
changes, and the gateway connection lives on: no reconnect, and a valid command afterwards is
answered.

The fixtures are the Discord adapter tests' (`tests/adapters/discord/conftest.py`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select, text

from adapters.bootstrap import Runtime
from adapters.discord import DiscordAdapter
from bot import commands as c
from storage.models import Base
from tests.adapters.discord import conftest as discord_fixtures
from tests.adapters.discord.conftest import ALICE, BOB
from tests.adapters.discord.helpers import ERROR_COLOUR, applications
from tests.fakes.discord_api import (
    GUILD_ID,
    FakeDiscord,
    FakeUser,
    Interactions,
    Sent,
    dm_channel_id,
    message_payload,
)
from tests.harness import FacadeProbe

# The Discord adapter tests' fixtures, bound here so that they take precedence over the Slack
# ones this directory's conftest shares (both define `runtime` and `clock`).
restore_endpoints, probe, discord_options = (
    discord_fixtures.restore_endpoints,
    discord_fixtures.probe,
    discord_fixtures.discord_options,
)
fake, clock, runtime = discord_fixtures.fake, discord_fixtures.clock, discord_fixtures.runtime
start_adapter, adapter, make = (
    discord_fixtures.start_adapter,
    discord_fixtures.adapter,
    discord_fixtures.make,
)

ADD = {"company": "Acme", "role": "Data Engineer", "when": "today 09:00", "interviewer": "Jane Doe"}
UNREADABLE = "I couldn't read that command."
KINDS = {bool: 5, int: 4, float: 10, str: 3}


@dataclass(frozen=True)
class Snapshot:
    counts: dict[str, int]
    rows: list[str]


async def snapshot(runtime: Runtime) -> Snapshot:
    """Row counts of every table (as `tests/harness.py` `World.row_counts`) and every row."""
    await runtime.direct_channels.flush()  # DM ids found so far written, not landing in between
    counts, rows = {}, []
    async with runtime.database.sessions() as session:
        for table in Base.metadata.sorted_tables:
            counts[table.name] = (
                await session.execute(select(func.count()).select_from(table))
            ).scalar_one()
            rows += [
                f"{table.name}: {tuple(row)}"
                for row in (await session.execute(text(f"SELECT * FROM {table.name}"))).all()
            ]
    return Snapshot(counts, rows)


@pytest.fixture
async def before(
    adapter: DiscordAdapter, fake: FakeDiscord, make: Interactions, runtime: Runtime
) -> Snapshot:
    """Alice has logged one interview (#1) and got its nudge by DM; the database as it was then."""
    added = await fake.interact(make.slash("add", ADD, user=ALICE))
    assert added.embed["title"] == "#1 Acme — Data Engineer"
    assert (await runtime.dispatcher.run_once()).delivered == 1
    return await snapshot(runtime)


@pytest.fixture
def core(probe: FacadeProbe, before: Snapshot) -> FacadeProbe:
    """Everything the adapter handed the core (`seen`) once the scene was set (`before`)."""
    probe.seen.clear()
    probe.commands.clear()
    return probe


async def still_works(fake: FakeDiscord, make: Interactions, adapter: DiscordAdapter) -> None:
    """The same gateway connection (no second IDENTIFY) still answers a valid command."""
    shown = await fake.interact(make.slash("show", {"id": 1}, user=ALICE))
    assert shown.embed["title"] == "#1 Acme — Data Engineer"
    assert shown.embed["color"] != ERROR_COLOUR
    assert len(fake.identifies) == 1
    assert adapter.client is not None and not adapter.client.is_closed()


async def unchanged(runtime: Runtime, before: Snapshot) -> None:
    after = await snapshot(runtime)
    assert after.counts == before.counts
    assert after.rows == before.rows


def refused(sent: Sent, title: str | None = None) -> None:
    assert sent.type == 4, sent.call.json  # an answer of its own, never an edit of the message
    assert sent.embed["color"] == ERROR_COLOUR, sent.embed
    if title is not None:
        assert sent.embed["title"] == title


async def dropped(
    fake: FakeDiscord, make: Interactions, core: FacadeProbe, payload: dict[str, Any]
) -> None:
    """`payload` is sent and never answered, and the core never hears of it. discord.py handles
    events in order and schedules their handlers in order, so once a later valid command is
    answered, anything the malformed one set off has already reached the core."""
    core.seen.clear()
    await fake.dispatch("INTERACTION_CREATE", payload)
    probe = await fake.interact(make.slash("show", {"id": 1}, user=ALICE))
    assert probe.embed["title"] == "#1 Acme — Data Engineer"
    assert core.seen == [("command", c.Show(1))]
    assert not [
        call for call in fake.calls if call.path.startswith(f"/interactions/{payload.get('id')}/")
    ]


def with_button(fake: FakeDiscord, custom_id: Any, user: FakeUser = ALICE) -> dict[str, Any]:
    """A DM from the bot carrying one button with `custom_id` (a forged one, as anyone could
    craft: discord.py only runs a button that is on the message pressed)."""
    button = {"type": 2, "style": 1, "label": "Press", "custom_id": custom_id}
    return message_payload(
        fake.snowflake(), dm_channel_id(user.id), components=[{"type": 1, "components": [button]}]
    )


def slash(make: Interactions, sub: str, options: Any, *, user: FakeUser = ALICE) -> dict[str, Any]:
    """`/followup <sub>` in the server, with raw option payloads, as given."""
    payload = make.slash(sub, user=user)
    payload["data"]["options"][0]["options"] = options
    return payload


def option(name: str, value: Any, kind: int | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "type": KINDS.get(type(value), 3) if kind is None else kind,
        "value": value,
    }


# ---- buttons ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("custom_id", "title"),
    [
        ("fu:launch:1", "I don't know that button."),  # an unknown verb on Alice's own application
        ("fu:sent:999999999999", "That button isn't yours."),  # no such application
    ],
    ids=["unknown-verb", "unknown-application"],
)
async def test_buttons_with_unknown_actions_are_refused(
    adapter: DiscordAdapter,
    fake: FakeDiscord,
    make: Interactions,
    runtime: Runtime,
    before: Snapshot,
    custom_id: str,
    title: str,
) -> None:
    message = with_button(fake, custom_id)
    sent = await fake.interact(make.press(custom_id, message, user=ALICE))
    refused(sent, title)
    # the pressed message is left as it was
    assert not fake.calls_to("PATCH", r"/(channels|webhooks)/.*")
    await unchanged(runtime, before)
    await still_works(fake, make, adapter)


@pytest.mark.parametrize(
    "custom_id",
    [
        "fu:sent:",
        "x" * 100,
        "fu:sent:1" + "9" * 91,  # 100 characters that start like an action
        "fu:sent:1234567890123",  # a ref longer than any action id carries
        "fu:sent:-1",
        "FU:SENT:1",
        "fu:sent:1\n",
    ],
    ids=[
        "no-ref",
        "garbage-100",
        "long-ref-100",
        "ref-13-digits",
        "negative-ref",
        "upper-case",
        "trailing-newline",
    ],
)
async def test_buttons_with_malformed_ids_are_ignored(
    adapter: DiscordAdapter,
    fake: FakeDiscord,
    make: Interactions,
    runtime: Runtime,
    before: Snapshot,
    core: FacadeProbe,
    custom_id: str,
) -> None:
    await dropped(fake, make, core, make.press(custom_id, with_button(fake, custom_id), user=ALICE))
    await unchanged(runtime, before)
    await still_works(fake, make, adapter)


def _no_data(payload: dict[str, Any]) -> None:
    del payload["data"]


def _data_is_text(payload: dict[str, Any]) -> None:
    payload["data"] = "fu:sent:1"


def _custom_id_number(payload: dict[str, Any]) -> None:
    payload["data"]["custom_id"] = 42


def _custom_id_null(payload: dict[str, Any]) -> None:
    payload["data"]["custom_id"] = None


def _no_component_type(payload: dict[str, Any]) -> None:
    del payload["data"]["component_type"]


@pytest.mark.parametrize(
    "spoil",
    [_no_data, _data_is_text, _custom_id_number, _custom_id_null, _no_component_type],
    ids=["no-data", "data-is-text", "custom-id-number", "custom-id-null", "no-component-type"],
)
async def test_button_presses_with_wrong_shapes_are_dropped_and_the_gateway_lives_on(
    adapter: DiscordAdapter,
    fake: FakeDiscord,
    make: Interactions,
    runtime: Runtime,
    before: Snapshot,
    core: FacadeProbe,
    spoil: Any,
) -> None:
    payload = make.press("fu:sent:1", with_button(fake, "fu:sent:1"), user=ALICE)
    spoil(payload)
    await dropped(fake, make, core, payload)
    await unchanged(runtime, before)
    await still_works(fake, make, adapter)


async def test_someone_elses_button_is_refused_and_stores_nothing_about_them(
    adapter: DiscordAdapter,
    fake: FakeDiscord,
    make: Interactions,
    runtime: Runtime,
    before: Snapshot,
) -> None:
    [app] = await applications(runtime, ALICE)
    [dm] = [m for m in fake.messages.values() if m["channel_id"] == str(dm_channel_id(ALICE.id))]
    for verb in ("sent", "skip", "snooze"):
        sent = await fake.interact(make.press(f"fu:{verb}:{app.id}:r1:ty", dm, user=BOB))
        refused(sent, "That button isn't yours.")
    await unchanged(runtime, before)  # not even a row for Bob
    await still_works(fake, make, adapter)


# ---- slash commands -----------------------------------------------------------------------

SLASH_CASES: dict[str, tuple[str, Any]] = {
    # required options missing
    "show-without-id": ("show", []),
    "snooze-without-until": ("snooze", [option("id", 1)]),
    "digest-without-time": ("digest", [option("weekday", "monday")]),
    "status-without-status": ("status", [option("id", 1)]),
    # wrong types
    "id-as-text": ("show", [option("id", "1")]),
    "id-as-word": ("delete", [option("id", "abc")]),
    "id-as-boolean": ("delete", [option("id", True)]),  # True == 1 to Python: it would delete #1
    "id-as-float": ("sent", [option("id", 1.5)]),
    "id-null": ("show", [option("id", None, kind=4)]),
    "id-object": ("show", [option("id", {"id": 1}, kind=4)]),
    "id-typed-integer-but-text": ("skip", [option("id", "1", kind=4)]),
    "weekends-as-text": ("settings", [option("weekends", "yes")]),
    "weekends-as-number": ("settings", [option("weekends", 1)]),
    "company-as-number": (
        "add",
        [option("company", 5), option("role", "Engineer"), option("when", "today 09:00")],
    ),
    "note-as-list": ("heard", [option("id", 1), option("note", ["they", "liked", "it"], kind=3)]),
    # values outside the fixed choices
    "status-not-a-choice": ("status", [option("id", 1), option("status", "hired")]),
    "kind-not-a-choice": (
        "round",
        [option("id", 1), option("when", "tomorrow 10:00"), option("kind", "dinner")],
    ),
    "format-not-a-choice": ("export", [option("format", "pdf")]),
    "weekday-not-a-choice": ("digest", [option("weekday", "funday"), option("time", "09:00")]),
    # options that don't exist or come twice, and options that aren't options
    "unknown-option": ("show", [option("idd", 1)]),
    "repeated-option": ("delete", [option("id", 1), option("id", 1)]),
    "option-without-name": ("show", [{"type": 4, "value": 1}]),
    "option-is-text": ("show", ["id=1"]),
    "options-are-text": ("show", "id=1"),
    # subcommands that don't exist
    "unknown-subcommand": ("launch", []),
    "unknown-subcommand-like-a-real-one": ("forget-me-now", []),
}


@pytest.mark.parametrize(("sub", "options"), list(SLASH_CASES.values()), ids=list(SLASH_CASES))
async def test_slash_commands_with_missing_or_wrong_options_are_refused(
    adapter: DiscordAdapter,
    fake: FakeDiscord,
    make: Interactions,
    runtime: Runtime,
    before: Snapshot,
    core: FacadeProbe,
    sub: str,
    options: Any,
) -> None:
    sent = await fake.interact(slash(make, sub, options))
    refused(sent, UNREADABLE)
    assert sent.ephemeral
    assert core.seen == []  # refused before the core is asked
    await unchanged(runtime, before)
    await still_works(fake, make, adapter)


def _unknown_command(data: dict[str, Any]) -> None:
    data["name"] = "launch"


def _no_subcommand(data: dict[str, Any]) -> None:
    data["options"] = []


def _two_subcommands(data: dict[str, Any]) -> None:
    data["options"] = [
        {"name": "list", "type": 1, "options": []},
        {"name": "delete", "type": 1, "options": [option("id", 1)]},
    ]


def _subcommand_as_option(data: dict[str, Any]) -> None:
    data["options"] = [{"name": "delete", "type": 3, "value": "1"}]


@pytest.mark.parametrize(
    "spoil",
    [_unknown_command, _no_subcommand, _two_subcommands, _subcommand_as_option],
    ids=["unknown-command", "no-subcommand", "two-subcommands", "subcommand-as-option"],
)
async def test_commands_that_are_not_ours_or_have_no_subcommand_are_refused(
    adapter: DiscordAdapter,
    fake: FakeDiscord,
    make: Interactions,
    runtime: Runtime,
    before: Snapshot,
    core: FacadeProbe,
    spoil: Any,
) -> None:
    payload = make.slash("list", user=ALICE)
    spoil(payload["data"])
    refused(await fake.interact(payload), UNREADABLE)
    assert core.seen == []
    await unchanged(runtime, before)
    await still_works(fake, make, adapter)


# ---- huge texts ---------------------------------------------------------------------------

HUGE = 6_000


@pytest.mark.parametrize(
    ("sub", "options", "says"),
    [
        ("add", {**ADD, "company": "A" * HUGE}, "The company name is too long"),
        ("add", {**ADD, "interviewer": "J" * HUGE}, "too long"),
        ("add", {**ADD, "more_interviewers": "Sam Lee; " + "K" * HUGE}, "too long"),
        (
            "review",
            {"id": 1, "text": "Thank you for your time. " * (HUGE // 25)},
            "The draft is too long",
        ),
        ("heard", {"id": 1, "note": "n" * HUGE}, "The note is too long"),
        ("snooze", {"id": 1, "until": "2" * HUGE}, "too long"),
        ("settings", {"tz": "Europe/" + "B" * HUGE}, None),
    ],
    ids=["company", "interviewer", "more-interviewers", "review", "note", "snooze", "timezone"],
)
async def test_huge_texts_get_a_clear_refusal(
    adapter: DiscordAdapter,
    fake: FakeDiscord,
    make: Interactions,
    runtime: Runtime,
    before: Snapshot,
    sub: str,
    options: dict[str, Any],
    says: str | None,
) -> None:
    sent = await fake.interact(make.slash(sub, options, user=ALICE))
    refused(sent)
    if says is not None:
        assert says in sent.embed["title"], sent.embed
    assert len(str(sent.call.json)) < 10_000  # the answer doesn't echo the text back in full
    await unchanged(runtime, before)
    await still_works(fake, make, adapter)


async def test_a_huge_text_in_the_add_form_gets_a_clear_refusal(
    adapter: DiscordAdapter,
    fake: FakeDiscord,
    make: Interactions,
    runtime: Runtime,
    before: Snapshot,
) -> None:
    opened = await fake.interact(make.slash("add", user=ALICE))
    assert opened.type == 9
    values = {
        "company": "B" * HUGE,
        "role": "Engineer",
        "when": "today 09:00",
        "interviewers": "I" * HUGE,
    }
    sent = await fake.interact(make.submit(opened.data["custom_id"], values, user=ALICE))
    refused(sent)
    assert "is too long" in sent.embed["title"]
    # within Discord's limits
    assert all(len(field["value"]) <= 1024 for field in sent.embed.get("fields", []))
    await unchanged(runtime, before)
    await still_works(fake, make, adapter)


# ---- payloads without a user, a data or a token ---------------------------------------------


def _without(*keys: str) -> Any:
    def spoil(payload: dict[str, Any]) -> None:
        for key in keys:
            payload.pop(key, None)

    return spoil


@pytest.mark.parametrize(
    ("guild", "spoil"),
    [
        (True, _without("member")),
        (False, _without("user")),
        (True, _without("member", "user")),
        (True, _without("data")),
    ],
    ids=["guild-without-member", "dm-without-user", "guild-without-anyone", "without-data"],
)
async def test_commands_without_a_user_or_data_are_refused(
    adapter: DiscordAdapter,
    fake: FakeDiscord,
    make: Interactions,
    runtime: Runtime,
    before: Snapshot,
    core: FacadeProbe,
    guild: bool,
    spoil: Any,
) -> None:
    payload = make.slash("delete", {"id": 1}, user=ALICE, guild_id=GUILD_ID if guild else None)
    spoil(payload)
    refused(await fake.interact(payload), UNREADABLE)
    assert core.seen == []
    await unchanged(runtime, before)
    await still_works(fake, make, adapter)


async def test_a_button_press_without_a_user_is_refused(
    adapter: DiscordAdapter,
    fake: FakeDiscord,
    make: Interactions,
    runtime: Runtime,
    before: Snapshot,
) -> None:
    [app] = await applications(runtime, ALICE)
    custom_id = f"fu:sent:{app.id}"
    payload = make.press(custom_id, with_button(fake, custom_id), user=ALICE)
    del payload["user"]
    refused(await fake.interact(payload))
    await unchanged(runtime, before)
    await still_works(fake, make, adapter)


def _member_is_text(payload: dict[str, Any]) -> None:
    payload["member"] = "alice"


def _user_without_id(payload: dict[str, Any]) -> None:
    del payload["member"]["user"]["id"]


def _id_not_a_number(payload: dict[str, Any]) -> None:
    payload["id"] = "not-a-snowflake"


def _unknown_type(payload: dict[str, Any]) -> None:
    payload["type"] = 99


@pytest.mark.parametrize(
    "spoil",
    [
        _without("token"),
        _without("type"),
        _without("version"),
        _without("application_id"),
        _without("attachment_size_limit"),
        _member_is_text,
        _user_without_id,
        _id_not_a_number,
        _unknown_type,
    ],
    ids=[
        "no-token",
        "no-type",
        "no-version",
        "no-application-id",
        "no-size-limit",
        "member-is-text",
        "user-without-id",
        "id-not-a-number",
        "unknown-type",
    ],
)
async def test_interactions_discord_py_cannot_read_are_dropped_and_the_gateway_lives_on(
    adapter: DiscordAdapter,
    fake: FakeDiscord,
    make: Interactions,
    runtime: Runtime,
    before: Snapshot,
    core: FacadeProbe,
    spoil: Any,
) -> None:
    payload = make.slash("delete", {"id": 1}, user=ALICE)
    spoil(payload)
    await dropped(fake, make, core, payload)
    await unchanged(runtime, before)
    await still_works(fake, make, adapter)


async def test_a_burst_of_malformed_interactions_leaves_one_healthy_connection(
    adapter: DiscordAdapter,
    fake: FakeDiscord,
    make: Interactions,
    runtime: Runtime,
    before: Snapshot,
    core: FacadeProbe,
) -> None:
    """All of the above at once, each kind several times, then valid commands that store."""
    template = make.slash("delete", {"id": 1}, user=ALICE)
    for _ in range(5):
        for spoil in (
            _without("token"),
            _without("data"),
            _member_is_text,
            _id_not_a_number,
            _unknown_type,
        ):
            payload = copy.deepcopy(template)
            payload["id"] = str(fake.snowflake())
            spoil(payload)
            await fake.dispatch("INTERACTION_CREATE", payload)
        press = make.press("fu:sent:1", with_button(fake, "fu:sent:1"), user=ALICE)
        press["data"]["custom_id"] = 42
        await fake.dispatch("INTERACTION_CREATE", press)
    await still_works(fake, make, adapter)
    await unchanged(runtime, before)
    added = await fake.interact(make.slash("add", {**ADD, "company": "Initech"}, user=BOB))
    assert added.embed["title"] == "#1 Initech — Data Engineer"
    assert len(await applications(runtime, BOB)) == 1

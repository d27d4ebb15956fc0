"""The core's error boundary: whatever goes wrong inside a command, the person gets a short
answer that nothing was changed and to try again, with a reference; the log has one line
for it with the same request id and the traceback; nothing is stored.

Failures are real ones: dates at the very end of the calendar (arithmetic overflows unless
bounded first) and a database that refuses every write (a SQLite trigger standing in for a
full disk: the write statement fails inside the unit of work, as "disk I/O error" does).
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import aiohttp
import pytest
from sqlalchemy import text

from adapters.health import HealthCheck, HealthServer
from adapters.logs import configure_logging
from bot.messages import Message, Tone
from tests.harness import World, person

ALICE = person("alice")
END_OF_TIME = ("add X; Y; 9999-12-31 23:30", "round 1; 31 december 9999 11pm")


@pytest.fixture
def json_log(world: World) -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    before = list(root.handlers), root.level
    configure_logging(world.runtime.config, level=logging.INFO, stream=stream)
    try:
        yield stream
    finally:
        root.handlers[:], root.level = before[0], before[1]


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]


def assert_answered(reply: Message) -> None:
    assert isinstance(reply, Message)
    assert reply.tone is Tone.ERROR
    assert reply.title


@pytest.mark.parametrize("line", END_OF_TIME)
async def test_a_date_at_the_end_of_the_calendar_gets_an_answer_and_stores_nothing(
    world: World, line: str
) -> None:
    await world.say(ALICE, "add Acme; Engineer; tomorrow 10:00")
    before = await world.row_counts()
    reply = await world.say(ALICE, line)
    assert_answered(reply)
    assert await world.row_counts() == before
    # and the bot is still there for the next command
    assert (await world.say(ALICE, "list")).tone is not Tone.ERROR


async def refuse_writes(world: World, table: str) -> None:
    async with world.runtime.database.engine.begin() as connection:
        await connection.execute(text(
            f"CREATE TRIGGER full_disk_{table} BEFORE INSERT ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        ))


async def test_a_database_that_refuses_writes_gets_a_neutral_answer_with_the_request_id(
    world: World, json_log: io.StringIO
) -> None:
    await world.say(ALICE, "settings tz Europe/Berlin")
    await refuse_writes(world, "applications")
    before = await world.row_counts()
    reply = await world.say(ALICE, "add Acme; Engineer; tomorrow 10:00")
    assert_answered(reply)
    assert "Nothing was changed" in reply.as_text() and "try again" in reply.as_text()
    assert await world.row_counts() == before
    failed = [line for line in lines(json_log) if line.get("msg") == "command failed"]
    assert len(failed) == 1
    assert failed[0]["request_id"] and str(failed[0]["request_id"]) in reply.footer
    assert "database or disk is full" in str(failed[0]["error"])
    # no SQL parameter (the company typed) is in the log
    assert "Acme" not in json_log.getvalue()


async def test_home_and_suggestions_survive_a_broken_database(world: World) -> None:
    await world.say(ALICE, "add Acme; Engineer; tomorrow 10:00")
    async with world.runtime.database.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE applications RENAME TO applications_gone"))
    home = await world.runtime.followup.home(ALICE)
    assert_answered(home.summary)
    assert home.cards == ()
    assert await world.runtime.followup.application_choices(ALICE, "ac") == []
    assert_answered(await world.say(ALICE, "list"))


class _Sweeping:
    """A scheduler that is running and swept just now."""

    running = True

    @property
    def last_sweep_ok(self) -> datetime:
        return datetime.now(UTC)


async def test_healthz_reports_a_database_that_reads_but_cannot_be_written(world: World) -> None:
    server = HealthServer(HealthCheck(world.runtime.database, _Sweeping()), "127.0.0.1", 0)
    await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            url = f"http://127.0.0.1:{server.port}/healthz"
            async with session.get(url) as response:
                assert response.status == 200, await response.text()
            for table, when in (("request_receipts", "INSERT"), ("request_receipts", "UPDATE")):
                async with world.runtime.database.engine.begin() as connection:
                    await connection.execute(text(
                        f"CREATE TRIGGER full_{when.lower()} BEFORE {when} ON {table} "
                        "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
                    ))
            async with session.get(url) as response:
                body = await response.json()
                assert response.status == 503
                assert body["database"]["ok"] is False and body["database"]["writable"] is False
    finally:
        await server.stop()

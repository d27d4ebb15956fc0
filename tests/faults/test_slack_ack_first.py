"""A request is acknowledged before its repeat check touches the database: while another
connection holds SQLite's write lock (a sweep of another process, say), a slash command, a
button press and a Socket Mode envelope are all acked; their receipts are recorded once the
lock goes, and only then do they run — so a retry (`X-Slack-Retry-Num`) that arrived in the
meantime is still run once, not twice."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pytest
from sqlalchemy import func, select

from adapters.bootstrap import Runtime
from adapters.config import Config
from bot.domain import Identity
from storage.models import RequestReceiptRow
from tests.adapters.slack.conftest import slack_config
from tests.adapters.slack.driver import SlackDriver, application_id, sign, text_of
from tests.fakes.slack_api import FakeSlack

FORM = "application/x-www-form-urlencoded"
ADD = "add Acme; Engineer; tomorrow 10:00"


@pytest.fixture
def database_file(tmp_path: Path) -> Path:
    return tmp_path / "followup.db"


@pytest.fixture
def config(database_file: Path, fake_slack: FakeSlack) -> Config:
    return slack_config(f"sqlite+aiosqlite:///{database_file}", fake_slack)


class WriteLock:
    """SQLite's write lock, held by a connection of its own (`BEGIN IMMEDIATE`), as another
    process's sweep holds it."""

    def __init__(self, path: Path) -> None:
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.held = False

    def take(self) -> None:
        self._connection.execute("BEGIN IMMEDIATE")
        self.held = True

    def release(self) -> None:
        if self.held:
            self._connection.execute("ROLLBACK")
            self.held = False

    def close(self) -> None:
        self.release()
        self._connection.close()


@pytest.fixture
def write_lock(database_file: Path, runtime: Runtime) -> Iterator[WriteLock]:
    lock = WriteLock(database_file)  # the runtime has migrated the file by now
    try:
        yield lock
    finally:
        lock.close()


async def _receipts(runtime: Runtime) -> int:
    async with runtime.database.sessions() as session:
        return int(
            (
                await session.execute(select(func.count()).select_from(RequestReceiptRow))
            ).scalar_one()
        )


async def _applications(runtime: Runtime) -> int:
    async with runtime.database.unit_of_work() as uow:
        owner = await uow.users.find(Identity("slack", "T1", "U1"))
        return 0 if owner is None else len(await uow.applications.list_for_user(owner.id))


async def test_a_command_is_acked_while_the_write_lock_is_held_and_its_retry_still_runs_once(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, write_lock: WriteLock
) -> None:
    await slack.command("help")  # the user and their DM known: nothing left to look up first
    before = await _receipts(runtime)
    body = slack.command_body(ADD, hook="locked")
    headers = sign(body)
    write_lock.take()
    first = await slack.post(body, FORM, headers)
    retry = await slack.post(
        body, FORM, {**headers, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    assert (first.status, retry.status) == (200, 200)
    assert write_lock.held  # both acked with the lock still held ...
    assert not [h for h in fake_slack.hooks if h.name == "locked"]  # ... and neither has run yet
    write_lock.release()

    await fake_slack.wait_for_hook("locked")
    listing = await slack.command("list")
    assert text_of(listing.body).count("Acme") == 1
    assert await _applications(runtime) == 1
    assert len([h for h in fake_slack.hooks if h.name == "locked"]) == 1
    # the add's receipt (recorded, not skipped) and the list's
    assert await _receipts(runtime) == before + 2


async def test_a_button_press_is_acked_while_the_write_lock_is_held_and_runs_once(
    slack: SlackDriver, fake_slack: FakeSlack, runtime: Runtime, write_lock: WriteLock
) -> None:
    await slack.command("add Acme; Engineer; yesterday 10:00")
    sent = f"fu:sent:{await application_id(runtime)}"
    press = urlencode({"payload": json.dumps(slack.action_payload(sent, hook="locked-press"))})
    write_lock.take()
    statuses = [(await slack.post(press, FORM)).status for _ in range(2)]
    assert statuses == [200, 200] and write_lock.held
    write_lock.release()

    await fake_slack.wait_for_hook("locked-press")
    await slack.command("list")  # after this answer, a second run would have written already
    async with runtime.database.unit_of_work() as uow:
        owner = await uow.users.find(Identity("slack", "T1", "U1"))
        assert owner is not None
        app = await uow.applications.get_by_number(owner.id, 1)
        assert app is not None and len(app.events) == 1


async def test_a_socket_mode_envelope_is_acked_while_the_write_lock_is_held(
    socket_slack: SlackDriver, fake_slack: FakeSlack, database_file: Path
) -> None:
    driver = socket_slack  # on the same file (the Slack conftest's `sqlite_url`)
    lock = WriteLock(database_file)
    try:
        payload = dict(parse_qsl(driver.command_body(ADD, hook="sock-locked")))
        lock.take()
        # and a redelivery
        envelopes = [await fake_slack.send_envelope("slash_commands", payload) for _ in range(2)]
        for envelope in envelopes:
            await fake_slack.wait_for_ack(envelope)  # reached the fake Slack with the lock held
        assert lock.held and not [h for h in fake_slack.hooks if h.name == "sock-locked"]
        lock.release()
        await fake_slack.wait_for_hook("sock-locked")
    finally:
        lock.close()
    listing = dict(parse_qsl(driver.command_body("list", hook="sock-list")))
    await fake_slack.send_envelope("slash_commands", listing)
    assert text_of((await fake_slack.wait_for_hook("sock-list")).body).count("Acme") == 1
    assert len([h for h in fake_slack.hooks if h.name == "sock-locked"]) == 1

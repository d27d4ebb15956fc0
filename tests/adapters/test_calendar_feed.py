"""The subscription feed over HTTP against the running bot: content type, ETag/304, SEQUENCE
and LAST-MODIFIED as plans change, revocation by reset and forget-me, and secrets that never
work for anyone else."""

from __future__ import annotations

import hmac
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from icalendar import Calendar, Component
from multidict import CIMultiDict

from adapters.bootstrap import Runtime, bootstrap, platforms_from
from adapters.config import Config
from adapters.platforms import Bot
from bot import commands as c
from bot import feed as feeds
from bot.clock import SimulatedClock
from bot.domain import Identity
from tests.bot.calendar.fixtures import fixture
from tests.harness import START, person

PUBLIC = "https://followup.example.org/bot"
ALICE, BOB = person("alice"), person("bob")
URL = re.compile(re.escape(PUBLIC) + r"/calendar/([A-Za-z0-9_-]+)\.ics")


class Running:
    def __init__(
        self, runtime: Runtime, bot: Bot, clock: SimulatedClock, session: aiohttp.ClientSession
    ) -> None:
        self.runtime, self.bot, self.clock, self.session = runtime, bot, clock, session

    async def say(self, who: Identity, line: str) -> str:
        reply = await self.runtime.followup.handle_text(who, line)
        assert not reply.is_error, reply.as_text()
        return reply.as_text()

    async def subscribe(self, who: Identity, line: str = "export ics") -> str:
        found = URL.search(await self.say(who, line))
        assert found, "no subscription address in the reply"
        return found.group(1)

    async def get(self, secret: str, etag: str | None = None) -> tuple[int, CIMultiDict[str], str]:
        headers = {"If-None-Match": etag} if etag else {}
        async with self.session.get(
            f"http://127.0.0.1:{self.bot.http_port}/calendar/{secret}.ics", headers=headers
        ) as response:
            return response.status, CIMultiDict(response.headers), await response.text()


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    clock = SimulatedClock(START)
    config = Config(
        FOLLOWUP_DATABASE_URL=f"sqlite:///{tmp_path / 'feed.db'}",
        FOLLOWUP_HTTP_PORT=0,
        FOLLOWUP_HTTP_HOST="127.0.0.1",
        FOLLOWUP_PUBLIC_URL=PUBLIC,
    )
    runtime = await bootstrap(
        config, clock=clock, worker_id="feed", platforms=platforms_from(config)
    )
    bot = Bot(runtime)
    await bot.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield Running(runtime, bot, clock, session)
    finally:
        await bot.stop()
        await runtime.close()


def events(body: str) -> dict[str, Component]:
    return {str(e.get("uid")): e for e in Calendar.from_ical(body).walk("VEVENT")}


async def test_the_feed_is_the_export_kept_current(running: Running) -> None:
    await running.say(ALICE, "add Acme; Data Engineer; tomorrow 10:00; Jane Doe")
    secret = await running.subscribe(ALICE)
    assert len(secret) == 43
    status, headers, body = await running.get(secret)
    assert status == 200 and headers["Content-Type"] == "text/calendar; charset=utf-8"
    exported = await running.runtime.followup.handle_text(ALICE, "export ics")
    assert exported.attachment is not None
    feed, export = events(body), events(exported.attachment.content)
    assert feed.keys() == export.keys() and len(feed) == 1
    [(uid, event)] = feed.items()
    assert str(event.get("summary")) == str(export[uid].get("summary"))
    assert str(event.get("description")) == str(export[uid].get("description"))
    assert "Send by" in str(event.get("description"))
    assert int(event.get("sequence")) == 0
    etag = headers["ETag"]

    running.clock.advance(timedelta(hours=1))  # time alone changes nothing
    status, again, _ = await running.get(secret, etag)
    assert status == 304 and again["ETag"] == etag

    await running.say(ALICE, "snooze 1 2d")
    status, changed, body = await running.get(secret, etag)
    assert status == 200 and changed["ETag"] != etag
    moved = next(iter(events(body).values()))
    assert int(moved.get("sequence")) == 1
    assert moved.decoded("last-modified") == running.clock.now()
    status, _, same = await running.get(secret)
    assert status == 200 and same == body  # byte-for-byte stable while nothing changes


async def test_only_the_right_secret_works_and_reset_or_forget_revokes(running: Running) -> None:
    await running.say(ALICE, "add Acme; Data Engineer; tomorrow 10:00; Jane Doe")
    await running.say(BOB, "add Globex; Analyst; tomorrow 11:00; Wei Zhang")
    alice, bob = await running.subscribe(ALICE), await running.subscribe(BOB)
    status, _, body = await running.get(bob)
    assert status == 200 and "Globex" in body and "Acme" not in body and "Jane" not in body
    flipped = alice[:-1] + ("A" if alice[-1] != "A" else "B")
    for wrong in (
        flipped,
        feeds.new_secret(),
        "short",
        "x" * 43 + "/../..",
        alice.upper() if alice.upper() != alice else alice.lower(),
    ):
        status, headers, body = await running.get(wrong)
        assert status == 404 and "Acme" not in body and "ETag" not in headers

    reminder = await running.say(ALICE, "export ics")
    # only a fingerprint is kept
    assert URL.search(reminder) is None and "export ics reset" in reminder
    fresh = await running.subscribe(ALICE, "export ics reset")
    assert fresh != alice
    assert (await running.get(alice))[0] == 404 and (await running.get(fresh))[0] == 200

    await running.runtime.followup.handle_text(ALICE, "forget-me confirm")
    assert (await running.get(fresh))[0] == 404
    assert (await running.get(bob))[0] == 200


async def test_secrets_are_stored_hashed_and_compared_in_constant_time(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    await running.say(ALICE, "add Acme; Data Engineer; tomorrow 10:00; Jane Doe")
    secret = await running.subscribe(ALICE)
    async with running.runtime.database.sessions() as session:
        from sqlalchemy import text

        stored = (
            await session.execute(text("SELECT secret_hash FROM calendar_feeds"))
        ).scalar_one()
    assert stored == feeds.secret_hash(secret) and secret not in stored
    compared: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(feeds.hmac, "compare_digest", spy)
    assert (await running.get(secret))[0] == 200
    assert compared == [(stored, stored)]


async def test_an_imported_round_reaches_the_subscribed_calendar(running: Running) -> None:
    reply = await running.runtime.followup.handle_command(
        ALICE, c.ImportInvitation(data=fixture("apple_request.ics"))
    )
    assert reply.proposal is not None
    await running.runtime.followup.handle_command(ALICE, reply.proposal.command)
    secret = await running.subscribe(ALICE)
    _, _, body = await running.get(secret)
    [event] = events(body).values()
    assert "Acme Widgets — UX Designer" in str(event.get("summary"))
    # the thank-you falls after the round (Thu 10 Dec 14:00-16:00 in London)
    assert event.decoded("dtstart").isoformat() >= "2026-12-10T16:00:00+00:00"


async def test_without_a_public_address_there_is_no_subscription(tmp_path: Path) -> None:
    runtime = await bootstrap(
        Config(FOLLOWUP_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}"), clock=SimulatedClock(START)
    )
    try:
        reply = await runtime.followup.handle_text(ALICE, "export ics")
        assert reply.attachment is not None and "calendar/" not in reply.body
        reset = await runtime.followup.handle_text(ALICE, "export ics reset")
        assert reset.is_error and "no public address" in reset.title
    finally:
        await runtime.close()

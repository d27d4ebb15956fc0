"""The kept-alive connection pool under queued sends (`adapters.http1.Pool`), against a scripted
server: requests beyond the limit wait for a connection to come free and take it, a request
that gives up waiting leaves its turn to the next, and a pool of requests that are not safe to
send twice never sends one again after it was written."""

from __future__ import annotations

import asyncio

import pytest

from adapters.http1 import NoAnswer, NotConnected, Pool
from tests.fakes.scripted_http import Scripted, answer

REQUEST = b"POST /api/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}"


async def test_requests_beyond_the_limit_wait_and_reuse_the_connections_that_come_free() -> None:
    async with Scripted(lambda n: (answer(), 0.05)) as server:
        pool = Pool(server.base, peer="the fake", limit=3)
        answers = await asyncio.gather(*(pool.send(REQUEST) for _ in range(10)))
        assert [a.status for a in answers] == [200] * 10
        assert server.connections == 3 and len(server.requests) == 10
        pool.close()


async def test_a_request_that_gives_up_waiting_leaves_its_turn_to_the_next() -> None:
    async with Scripted(lambda n: (answer(), 0.1)) as server:
        pool = Pool(server.base, peer="the fake", limit=1)
        first = asyncio.create_task(pool.send(REQUEST))
        await asyncio.sleep(0.02)
        impatient = asyncio.create_task(pool.send(REQUEST))
        patient = asyncio.create_task(pool.send(REQUEST))
        await asyncio.sleep(0.02)
        impatient.cancel()
        assert (await first).status == 200 and (await patient).status == 200
        assert impatient.cancelled() and len(server.requests) == 2
        assert server.connections == 1
        pool.close()


async def test_with_no_room_within_the_connect_timeout_nothing_is_sent() -> None:
    async with Scripted(lambda n: "hold") as server:
        pool = Pool(server.base, peer="the fake", limit=1, connect_timeout=0.05)
        held = asyncio.create_task(pool.send(REQUEST))
        await asyncio.sleep(0.02)
        with pytest.raises(NotConnected, match="no connection to the fake within 0.05 s"):
            await pool.send(REQUEST)
        assert len(server.requests) == 1
        held.cancel()
        pool.close()


@pytest.mark.parametrize(("repeatable", "sent"), [(True, [0, 0, 1]), (False, [0, 0])])
async def test_a_request_cut_once_written_on_a_kept_connection_goes_again_only_if_repeatable(
    repeatable: bool, sent: list[int]
) -> None:
    script = {1: "close"}  # the second request meets the kept connection closing: no answer
    async with Scripted(lambda n: script.get(n, answer())) as server:
        pool = Pool(server.base, peer="the fake", repeatable=repeatable)
        await pool.send(REQUEST)
        if repeatable:
            assert (await pool.send(REQUEST)).status == 200
        else:
            with pytest.raises(NoAnswer, match="connection closed by the fake"):
                await pool.send(REQUEST)
        assert [c for c, _ in server.requests] == sent
        pool.close()

"""The REST path of queued sends (`adapters.discord.wire`): Discord's rate limits kept in the
logged-in client's buckets — a bucket its headers say is spent is waited out before the next
create, a global 429 pauses every request, a limit longer than the client waits is a transient
failure with its `retry_after` — against the fake Discord; and the HTTP itself against a
scripted server: kept-alive connections reused, one the server closed while idle replaced
without a second create, a timed-out request's connection dropped, a connection never made
(nothing sent) told from one cut before the answer (maybe sent), TLS verified, and any answer
read the same however it arrives in pieces."""

from __future__ import annotations

import asyncio
import gzip
import json
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.discord import DiscordAdapter
from adapters.discord.link import DiscordLink
from adapters.discord.notifier import DiscordNotifier
from adapters.discord.wire import Wire
from adapters.http1 import NoAnswer, NotConnected, read_answer
from bot.domain import DeliverySettings, User
from bot.messages import Message
from bot.ports import Delivery, TransientDeliveryError, UnknownDeliveryOutcome
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.scripted_http import Scripted, answer, self_signed_certificate

CREATES = r"/channels/\d+/messages"
CHANNEL = 950000000000000001


def _body(title: str, nonce: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"embeds": [{"title": title}], "allowed_mentions": {"parse": []}}
    return body if nonce is None else {**body, "nonce": nonce, "enforce_nonce": True}


@pytest.fixture
def wire(adapter: DiscordAdapter, fake: FakeDiscord) -> Wire:
    assert adapter.client is not None
    return Wire(adapter.client.http, fake.api_url)


async def test_a_bucket_its_headers_say_is_spent_is_waited_out_before_the_next_create(
    wire: Wire, fake: FakeDiscord
) -> None:
    fake.rate_limits = {"messages": (2, 0.4)}
    other = CHANNEL + 1
    sends = [wire.create_message(CHANNEL, _body(f"n{n}")) for n in range(3)]
    await asyncio.gather(*sends, wire.create_message(other, _body("elsewhere")))
    assert fake.limited["user"] == 0  # never sent into a spent bucket
    here = [c.at for c in fake.calls_to("POST", f"/channels/{CHANNEL}/messages")]
    there = [c.at for c in fake.calls_to("POST", f"/channels/{other}/messages")]
    assert len(here) == 3 and here[2] - here[0] >= 0.35  # the third waited for the window
    assert there[0] - here[0] < 0.3  # another channel's bucket did not wait
    assert len(fake.created) == 4


async def test_a_global_429_pauses_every_request_until_it_has_passed(
    wire: Wire, fake: FakeDiscord
) -> None:
    fake.global_limit = 3
    await asyncio.gather(*(wire.create_message(CHANNEL + n, _body(f"n{n}")) for n in range(8)))
    assert fake.limited["global"] >= 1
    assert sorted(m["embeds"][0]["title"] for m in fake.created) == [f"n{n}" for n in range(8)]
    calls = fake.calls_to("POST", CREATES)
    first_429 = calls[3].at  # the fourth request of the second was refused
    # Once refused, nothing more was sent before the rest of that second had passed.
    assert all(c.at - calls[0].at >= 0.95 for c in calls[3 + fake.limited["global"] :])
    assert first_429 - calls[0].at < 0.95


async def test_a_rate_limit_longer_than_the_client_waits_is_transient_with_its_retry_after(
    adapter: DiscordAdapter, fake: FakeDiscord
) -> None:
    assert adapter.client is not None
    link = DiscordLink()
    link.open(adapter.client)
    notifier = DiscordNotifier(link)
    person = User(
        id=1, platform="discord", workspace="discord", external_id="410000000000000005",
        display_name="Eve", settings=DeliverySettings(),
    )
    fake.rate_limit_next("POST", CREATES, retry_after=120.0)
    with pytest.raises(TransientDeliveryError) as raised:
        await notifier.send_direct(person, Message(title="Hello"), Delivery("k" * 21))
    assert raised.value.retry_after == 120.0
    assert fake.created == []
    link.close()


async def test_creates_one_after_another_share_one_connection(
    wire: Wire, fake: FakeDiscord
) -> None:
    for n in range(5):
        await wire.create_message(CHANNEL, _body(f"n{n}", nonce=f"nonce-{n}"))
    assert len({c.peer for c in fake.calls_to("POST", CREATES)}) == 1
    assert len(fake.created) == 5


# ---- against a scripted server ----------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


class _Http:
    """What `Wire` reads of discord.py's logged-in `HTTPClient`, with its real buckets."""

    def __init__(self) -> None:
        from discord.http import HTTPClient

        self.client = HTTPClient(asyncio.get_running_loop(), max_ratelimit_timeout=30.0)
        self.client.token = "test-token"
        self.client._global_over = asyncio.Event()
        self.client._global_over.set()


@pytest.fixture
async def http() -> AsyncIterator[Any]:
    yield _Http().client


def test_on_uvloop_as_followup_run_runs_it_requests_share_a_connection_plain_or_tls(
    certificate: tuple[Path, Path],
) -> None:
    uvloop = pytest.importorskip("uvloop")
    cert, key = certificate
    serving = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    serving.load_cert_chain(cert, key)
    trusting = ssl.create_default_context(cafile=str(cert))

    async def main(tls: ssl.SSLContext | None) -> list[int]:
        channel = json.dumps({"id": "960000000000000001", "type": 1}).encode()
        async with Scripted(lambda n: answer(body=channel), tls=tls) as server:
            wire = Wire(_Http().client, server.base, tls=trusting)
            for n in range(3):
                assert (await wire.open_dm(410000000000000001 + n))["id"] == "960000000000000001"
            await wire.create_message(CHANNEL, _body("on uvloop", "nonce-1"))
            wire.close()
            return [c for c, _ in server.requests]

    for tls in (None, serving):
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            assert runner.run(main(tls)) == [0, 0, 0, 0]


async def test_a_kept_connection_the_server_closed_while_idle_is_replaced_and_sent_once(
    http: Any,
) -> None:
    async with Scripted(lambda n: (answer(), "then close") if n == 0 else answer()) as server:
        wire = Wire(http, server.base)
        await wire.create_message(CHANNEL, _body("first", "nonce-1"))
        await asyncio.sleep(0.05)  # the server has closed the connection by now
        await wire.create_message(CHANNEL, _body("second", "nonce-2"))
        assert [c for c, _ in server.requests] == [0, 1]  # once each, on two connections
        wire.close()


async def test_a_kept_connection_closed_as_it_is_reused_sends_the_request_again_on_a_new_one(
    http: Any,
) -> None:
    script = {1: "close"}  # the second request meets a connection closing: no byte of answer
    async with Scripted(lambda n: script.get(n, answer())) as server:
        wire = Wire(http, server.base)
        await wire.create_message(CHANNEL, _body("first", "nonce-1"))
        await wire.create_message(CHANNEL, _body("second", "nonce-2"))
        assert [c for c, _ in server.requests] == [0, 0, 1]
        assert server.requests[1][1] == server.requests[2][1]  # the same nonce: created once
        wire.close()


async def test_over_tls_requests_share_a_verified_connection_and_one_closed_idle_is_replaced(
    http: Any, certificate: tuple[Path, Path]
) -> None:
    cert, key = certificate
    serving = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    serving.load_cert_chain(cert, key)
    trusting = ssl.create_default_context(cafile=str(cert))
    script = {1: (answer(), "then close")}
    async with Scripted(lambda n: script.get(n, answer()), tls=serving) as server:
        wire = Wire(http, server.base, tls=trusting)
        for n in range(3):
            await wire.create_message(CHANNEL, _body(f"n{n}", f"nonce-{n}"))
            await asyncio.sleep(0.05)
        assert [c for c, _ in server.requests] == [0, 0, 1]  # kept, then anew once closed
        wire.close()
        stranger = Wire(http, server.base)  # the system's certificates don't know this one
        with pytest.raises(NotConnected):
            await stranger.create_message(CHANNEL, _body("x", "nonce-x"))


async def test_a_connection_that_said_more_than_it_was_asked_is_not_sent_on_again(
    http: Any,
) -> None:
    def channel(n: str) -> bytes:
        return answer(body=json.dumps({"id": n, "type": 1}).encode())

    script = {0: channel("1") + channel("666"), 1: channel("2")}  # the first, and a stray one
    async with Scripted(lambda n: script.get(n, channel("3"))) as server:
        wire = Wire(http, server.base)
        assert (await wire.open_dm(410000000000000001))["id"] == "1"
        await asyncio.sleep(0.05)
        assert (await wire.open_dm(410000000000000002))["id"] == "2"  # never the stray "666"
        assert [c for c, _ in server.requests] == [0, 1]
        wire.close()


async def test_a_request_that_timed_out_leaves_its_connection_behind(http: Any) -> None:
    answers = {0: "hold"}
    async with Scripted(lambda n: answers.get(n, answer())) as server:
        wire = Wire(http, server.base)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await wire.create_message(CHANNEL, _body("slow", "nonce-1"))
        await wire.create_message(CHANNEL, _body("next", "nonce-2"))
        assert [c for c, _ in server.requests] == [0, 1]
        wire.close()


async def test_a_connection_never_made_is_told_from_one_cut_before_the_answer(
    http: Any,
) -> None:
    async with Scripted(lambda n: "close") as server:
        base = server.base
        wire = Wire(http, base)
        with pytest.raises(NoAnswer):
            await wire.create_message(CHANNEL, _body("cut", "nonce-1"))
        assert len(server.requests) == 1  # sent once: a fresh connection's cut is not retried
    wire = Wire(http, base)  # nothing listens there any more
    with pytest.raises(NotConnected):
        await wire.create_message(CHANNEL, _body("nowhere", "nonce-2"))

    from adapters.discord.notifier import classify

    assert isinstance(classify(NotConnected("refused")), TransientDeliveryError)
    assert isinstance(classify(NoAnswer("cut")), UnknownDeliveryOutcome)


async def test_dm_opens_answered_without_rate_limit_headers_go_at_once_not_one_by_one(
    http: Any,
) -> None:
    channel = json.dumps({"id": "960000000000000001", "type": 1}).encode()
    async with Scripted(lambda n: (answer(body=channel), 0.3)) as server:
        wire = Wire(http, server.base)
        await wire.open_dm(410000000000000001)  # the first: discord.py's bucket of one
        loop = asyncio.get_running_loop()
        started = loop.time()
        opened = await asyncio.gather(*(wire.open_dm(410000000000000002 + n) for n in range(5)))
        assert loop.time() - started < 0.9  # together, not 5 × 0.3 s one after another
        assert [o["id"] for o in opened] == ["960000000000000001"] * 5
        wire.close()


async def test_an_error_answer_is_discords_exception_with_its_code(http: Any) -> None:
    refused = json.dumps({"message": "Cannot send messages to this user", "code": 50007})
    async with Scripted(lambda n: answer(403, refused.encode())) as server:
        wire = Wire(http, server.base)
        import discord

        with pytest.raises(discord.Forbidden) as raised:
            await wire.create_message(CHANNEL, _body("x", "nonce-1"))
        assert raised.value.code == 50007 and raised.value.status == 403
        wire.close()


def _chunked(body: bytes, sizes: list[int]) -> bytes:
    out, at = b"", 0
    for size in sizes:
        part = body[at : at + size]
        if part:
            out += f"{len(part):x}\r\n".encode() + part + b"\r\n"
        at += size
    if at < len(body):
        out += f"{len(body) - at:x}\r\n".encode() + body[at:] + b"\r\n"
    return out + b"0\r\n\r\n"


@st.composite
def _answers(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """(an answer's bytes as Discord might frame them, the body they carry)."""
    body = json.dumps({"id": str(draw(st.integers(0, 2**63))), "t": draw(st.text())}).encode()
    framing = draw(st.sampled_from(["length", "chunked", "gzip"]))
    head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-RateLimit-Remaining: 4\r\n"
    if draw(st.booleans()):
        head = "HTTP/1.1 100 Continue\r\n\r\n" + head
    if framing == "length":
        return f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body, body
    if framing == "gzip":
        packed = gzip.compress(body)
        return (
            f"{head}Content-Encoding: gzip\r\nContent-Length: {len(packed)}\r\n\r\n".encode()
            + packed,
            body,
        )
    sizes = draw(st.lists(st.integers(1, 40), max_size=6))
    return f"{head}Transfer-Encoding: chunked\r\n\r\n".encode() + _chunked(body, sizes), body


@settings(max_examples=200, deadline=None)
@given(_answers(), st.lists(st.integers(1, 60), max_size=12), st.binary(max_size=30))
def test_an_answer_reads_the_same_however_it_arrives_in_pieces(
    answer: tuple[bytes, bytes], cuts: list[int], following: bytes
) -> None:
    raw, body = answer
    buffer = bytearray()
    at = 0
    read = None
    for size in [*cuts, len(raw)]:  # the pieces, then whatever remains
        piece = raw[at : at + size]
        at += len(piece)
        buffer += piece
        read = read_answer(buffer)
        if at < len(raw):
            assert read is None  # nothing is read before the whole answer is there
        if at >= len(raw):
            break
    buffer += following  # (the start of whatever comes next stays for the next read)
    assert read is not None and read.status == 200 and read.body == body and read.keeps
    assert read.headers.get("X-Ratelimit-Remaining") == "4"
    assert bytes(buffer) == following

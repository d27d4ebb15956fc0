"""Logs and health of a real `followup run`.

A child process runs the bot with known secrets (Slack bot, app, signing and client secrets,
a Discord token) against the fake Slack and fake Discord, at DEBUG level, and is made to
log as much as it can: signed and unsigned requests, commands, a nudge delivered after a
server error. ALL of its output is then searched for the secrets and for anything shaped
like a Slack token; the lines must be JSON and carry request and nudge ids. `/healthz`
answers on the same port as `/slack/events` in HTTP mode, and on a port of its own with
Socket Mode; in-process, it turns 503 when a platform drops or the database goes away.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.bootstrap import bootstrap, platforms_from
from adapters.config import Config
from adapters.health import HealthCheck
from adapters.logs import REDACTED, SLACK_TOKEN, RedactingFilter, Redactor, configure_logging
from adapters.platforms import Bot
from bot.tracing import nudge_scope, request_scope
from storage.database import Database
from tests.adapters.slack.driver import sign
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.slack_api import FakeSlack
from tests.faults.conftest import BOT_TOKEN, free_port

ROOT = Path(__file__).resolve().parents[2]
APP_TOKEN = "xapp-1-A1-3333-KnownAppTokenValue"
SIGNING_SECRET = "known-signing-secret-5f2a9c"
CLIENT_SECRET = "known-client-secret-77e1d0"
DISCORD_TOKEN = "MTIzNDU2.known-discord-token.abcdef"
SECRETS = (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, CLIENT_SECRET, DISCORD_TOKEN)
POLL_ROUNDS = 300  # × 0.1 s: how long the child may take to become ready




def tail(path: Path) -> str:
    return path.read_text()[-3000:]


async def healthz(session: aiohttp.ClientSession, port: int) -> tuple[int, dict[str, Any]]:
    async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
        return response.status, await response.json()


async def wait_healthy(
    session: aiohttp.ClientSession, port: int, child: asyncio.subprocess.Process, log: Path
) -> dict[str, Any]:
    for _ in range(POLL_ROUNDS):
        assert child.returncode is None, f"followup run exited: {tail(log)}"
        try:
            status, body = await healthz(session, port)
        except aiohttp.ClientError:
            status, body = 0, {}
        if status == 200:
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"never healthy; last answer {body}; log: {tail(log)}")


async def run_child(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "FOLLOWUP_"))
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "adapters.cli", "run", cwd=ROOT, env={**base, **env},
        stdin=asyncio.subprocess.DEVNULL, stdout=log.open("w"), stderr=asyncio.subprocess.STDOUT,
    )


async def stop_child(child: asyncio.subprocess.Process) -> int:
    if child.returncode is None:
        child.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(child.wait(), 20)
        except TimeoutError:
            child.kill()
            await child.wait()
    return child.returncode or 0


def assert_no_secrets(output: str) -> None:
    for secret in SECRETS:
        assert secret not in output, f"a secret leaked into the logs: {secret[:6]}…"
    assert not SLACK_TOKEN.search(output), SLACK_TOKEN.search(output)


async def test_followup_run_logs_no_secret_and_serves_healthz_beside_slack_events(
    tmp_path: Path, fakes: tuple[FakeSlack, FakeDiscord]
) -> None:
    fake_slack, fake_discord = fakes
    port, log = free_port(), tmp_path / "run.log"
    env = {
        "FOLLOWUP_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "FOLLOWUP_HTTP_PORT": str(port),
        "FOLLOWUP_HTTP_HOST": "127.0.0.1",
        "FOLLOWUP_LOG_LEVEL": "DEBUG",
        "FOLLOWUP_DISPATCH_INTERVAL": "1",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_API_URL": fake_slack.api_url,
        "DISCORD_TOKEN": DISCORD_TOKEN,
        "DISCORD_API_URL": fake_discord.api_url,
        "DISCORD_GATEWAY_URL": fake_discord.gateway_url,
    }
    child = await run_child(env, log)
    try:
        async with aiohttp.ClientSession() as session:
            body = await wait_healthy(session, port, child, log)
            assert body["database"]["ok"] and body["scheduler"]["running"]
            assert body["platforms"]["connected"] == {"slack": True, "discord": True}
            events = f"http://127.0.0.1:{port}/slack/events"  # the same port as /healthz

            async def command(text: str, hook: str, headers: dict[str, str] | None = None) -> int:
                form = {
                    "team_id": "T1",
                    "user_id": "U1",
                    "channel_id": "DU1",
                    "command": "/followup",
                    "text": text,
                    "response_url": fake_slack.response_url(hook),
                    "trigger_id": f"t-{hook}",
                }
                raw = "&".join(f"{k}={aiohttp.helpers.quote(v, safe='')}" for k, v in form.items())
                sent = {
                    "Content-Type": "application/x-www-form-urlencoded",
                    **(headers if headers is not None else {}),
                }
                if headers is None:
                    sent.update(sign(raw, secret=SIGNING_SECRET))
                async with session.post(events, data=raw.encode(), headers=sent) as response:
                    return response.status

            assert await command("help", "help") == 200
            await fake_slack.wait_for_hook("help", within=15)
            assert (
                await command(
                    "list",
                    "forged",
                    {"X-Slack-Signature": "v0=" + "0" * 64, "X-Slack-Request-Timestamp": "1"},
                )
                == 401
            )
            fake_slack.fail("chat.postMessage", status=500, times=1)
            assert await command("add Acme; Engineer; yesterday 10:00; Jane Doe", "add") == 200
            await fake_slack.wait_for_hook("add", within=15)
            await fake_slack.wait_for(
                lambda: bool(fake_slack.calls_to("chat.postMessage", ok_only=True)), within=30
            )
    finally:
        code = await stop_child(child)
    output = log.read_text()
    assert code == 0, output[-3000:]
    assert_no_secrets(output)
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert len(records) > 20 and all("level" in r and "msg" in r for r in records)
    handled = [r for r in records if r["msg"] == "command handled"]
    assert handled and all(r.get("request_id") for r in handled)
    arrived = {r.get("request_id") for r in records if r["msg"] == "slack request"}
    assert {r["request_id"] for r in handled} <= arrived  # the adapter's id is the core's id
    delivered = [r for r in records if r["msg"].startswith("nudge") and "delivered" in r["msg"]]
    assert delivered and all(isinstance(r.get("nudge_id"), int) for r in delivered)
    [ready] = [r for r in records if r["msg"] == "followup is ready"]
    assert ready["event_loop"] == "uvloop"  # installed with Followup on Linux: the bot runs on it


async def test_socket_mode_serves_healthz_on_its_own_port(
    tmp_path: Path, fakes: tuple[FakeSlack, FakeDiscord]
) -> None:
    fake_slack, _ = fakes
    port, log = free_port(), tmp_path / "socket.log"
    env = {
        "FOLLOWUP_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "FOLLOWUP_HTTP_PORT": str(port),
        "FOLLOWUP_HTTP_HOST": "127.0.0.1",
        "FOLLOWUP_LOG_LEVEL": "DEBUG",
        "FOLLOWUP_LOG_FORMAT": "kv",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": fake_slack.api_url,
    }
    child = await run_child(env, log)
    try:
        async with aiohttp.ClientSession() as session:
            body = await wait_healthy(session, port, child, log)
            assert body["platforms"]["connected"] == {"slack": True}
            async with session.post(f"http://127.0.0.1:{port}/slack/events", data=b"x") as response:
                assert response.status in (404, 405)  # Socket Mode: no events endpoint here
    finally:
        code = await stop_child(child)
    output = log.read_text()
    assert code == 0, output[-3000:]
    assert_no_secrets(output)
    assert "level=info" in output and 'msg="followup is ready"' in output


async def test_healthz_turns_503_when_a_platform_drops_or_the_database_goes(
    sqlite_url: str, fakes: tuple[FakeSlack, FakeDiscord]
) -> None:
    _, fake_discord = fakes
    config = Config(
        FOLLOWUP_DATABASE_URL=sqlite_url,
        FOLLOWUP_HTTP_PORT=0,
        FOLLOWUP_HTTP_HOST="127.0.0.1",
        DISCORD_TOKEN=DISCORD_TOKEN,
        DISCORD_API_URL=fake_discord.api_url,
        DISCORD_GATEWAY_URL=fake_discord.gateway_url,
    )
    runtime = await bootstrap(config, worker_id="health", platforms=platforms_from(config))
    bot = Bot(runtime)
    await bot.start()
    try:
        port = bot.http_port
        assert port is not None
        async with aiohttp.ClientSession() as session:
            for _ in range(POLL_ROUNDS):  # until Discord said READY and the first sweep ran
                status, body = await healthz(session, port)
                if status == 200:
                    break
                await asyncio.sleep(0.1)
            assert status == 200, body
            await bot.adapters[0].stop()
            status, body = await healthz(session, port)
            assert status == 503 and body["platforms"]["connected"] == {"discord": False}
        gone = Database.from_url("sqlite:////nonexistent-directory/followup.db")  # can't be opened
        try:
            status, body = await HealthCheck(gone, runtime.scheduler).report()
        finally:
            await gone.dispose()
        assert status == 503 and body["database"]["ok"] is False and body["scheduler"]["ok"] is True
    finally:
        await bot.stop()
        await runtime.close()


def test_the_redacting_filter_catches_secrets_wherever_they_are_logged() -> None:
    stream = io.StringIO()
    config = Config(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        SLACK_APP_TOKEN=APP_TOKEN,
        DISCORD_TOKEN=DISCORD_TOKEN,
    )
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging(config, level=logging.DEBUG, stream=stream)
        log = logging.getLogger("tests.faults.leaky")
        with request_scope("req-1"), nudge_scope(42):
            log.info("token %s and %s", BOT_TOKEN, {"secret": SIGNING_SECRET})
            log.warning(
                "headers",
                extra={"headers": {"Authorization": f"Bearer {DISCORD_TOKEN}"}, "app": APP_TOKEN},
            )
            try:
                raise RuntimeError(
                    f"auth failed for {CLIENT_SECRET} / xoxp-9999-unknown-user-token"
                )
            except RuntimeError:
                log.exception("it broke")
            log.debug("stack", stack_info=True, extra={"t": "xoxe.xoxp-1-refresh"})
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    output = stream.getvalue()
    assert_no_secrets(output)
    assert "xoxp-9999" not in output and output.count(REDACTED) >= 6
    first = json.loads(output.splitlines()[0])
    assert first["request_id"] == "req-1" and first["nudge_id"] == 42


def test_redactor_leaves_ordinary_text_alone() -> None:
    redact = Redactor(["abc", None, "", SIGNING_SECRET])  # too-short values are not secrets
    assert redact("abc def") == "abc def"
    assert redact(f"x {SIGNING_SECRET} y") == f"x {REDACTED} y"
    filtered = logging.LogRecord("x", logging.INFO, "x", 1, "%s", (BOT_TOKEN,), None)
    RedactingFilter(redact).filter(filtered)
    assert filtered.getMessage() == REDACTED


def test_a_line_with_nothing_token_shaped_is_not_searched_for_tokens(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    searched: list[str] = []

    class Counted:
        def sub(self, replacement: str, text: str) -> str:
            searched.append(text)
            return SLACK_TOKEN.sub(replacement, text)

    monkeypatch.setattr("adapters.logs.SLACK_TOKEN", Counted())
    redact = Redactor([SIGNING_SECRET])
    # the log line of every delivered nudge: the pattern's search cost more than the rest
    assert redact("nudge 12 delivered") == "nudge 12 delivered"
    assert redact(f"x {SIGNING_SECRET}") == f"x {REDACTED}"
    assert searched == []
    assert redact("xoxb-1-abc and xapp-1-def") == f"{REDACTED} and {REDACTED}"
    assert len(searched) == 1

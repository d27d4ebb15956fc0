"""`followup run` with a wrong setting ends at once, with one line naming the setting and the
fix and no traceback; what may come up later (a database, an API) is retried with a bounded,
logged backoff; SIGTERM ends it at every stage within 5 s. Each case is the real command in a
child process, against the fake Slack and fake Discord."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from tests.fakes.discord_api import FakeDiscord
from tests.fakes.slack_api import FakeSlack
from tests.faults.conftest import BOT_TOKEN, free_port

ROOT = Path(__file__).resolve().parents[2]
EXIT_WITHIN = 5.0  # seconds: a bound on a child process, not a timing of the bot




async def start(env: dict[str, str], tmp_path: Path) -> asyncio.subprocess.Process:
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "FOLLOWUP_"))
    }
    defaults = {
        "FOLLOWUP_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "FOLLOWUP_HTTP_PORT": "0",
        "FOLLOWUP_HTTP_HOST": "127.0.0.1",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters.cli",
        "run",
        cwd=ROOT,
        env={**base, **defaults, **env},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def finish(child: asyncio.subprocess.Process, within: float = 60) -> tuple[int, str]:
    out, err = await asyncio.wait_for(child.communicate(), within)
    return int(child.returncode or 0), (out + err).decode()


def the_line(output: str) -> str:
    """The one line that isn't a structured log line: what the operator reads."""
    plain = [line for line in output.splitlines() if line.strip() and not line.startswith("{")]
    assert len(plain) == 1, output
    assert "Traceback" not in output
    return plain[0]


async def fails_with(env: dict[str, str], tmp_path: Path, *names: str, code: int = 2) -> str:
    rc, output = await finish(await start(env, tmp_path))
    line = the_line(output)
    assert rc == code, output
    assert line.startswith("followup: ")
    for name in names:
        assert name in line, line
    return line


def discord_env(fake: FakeDiscord, token: str = "MTIz.fake.discord") -> dict[str, str]:
    return {
        "DISCORD_TOKEN": token,
        "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
    }


async def test_a_dispatch_interval_out_of_range(tmp_path: Path) -> None:
    line = await fails_with(
        {"DISCORD_TOKEN": "x", "FOLLOWUP_DISPATCH_INTERVAL": "99"},
        tmp_path,
        "FOLLOWUP_DISPATCH_INTERVAL=99",
        "at most 30",
    )
    assert "FOLLOWUP_DISPATCH_INTERVAL=15" in line  # the fix, as an example
    assert not (tmp_path / "bot.db").exists()


async def test_an_unknown_log_level_is_refused(tmp_path: Path) -> None:
    await fails_with(
        {"DISCORD_TOKEN": "x", "FOLLOWUP_LOG_LEVEL": "LOUD"}, tmp_path, "FOLLOWUP_LOG_LEVEL", "INFO"
    )


async def test_a_slack_bot_token_alone_is_refused_before_the_database_is_touched(
    tmp_path: Path,
) -> None:
    await fails_with(
        {"SLACK_BOT_TOKEN": BOT_TOKEN}, tmp_path, "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"
    )
    assert not (tmp_path / "bot.db").exists()  # no migration ran


async def test_a_sqlite_file_in_a_missing_directory_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "bot.db"
    await fails_with(
        {"DISCORD_TOKEN": "x", "FOLLOWUP_DATABASE_URL": f"sqlite:///{missing}"},
        tmp_path,
        "FOLLOWUP_DATABASE_URL",
        str(missing),
    )


async def test_postgresql_on_a_closed_port_is_retried_then_named(tmp_path: Path) -> None:
    url = f"postgresql://followup:secret-pw@127.0.0.1:{free_port()}/followup"
    rc, output = await finish(
        await start({"DISCORD_TOKEN": "x", "FOLLOWUP_DATABASE_URL": url}, tmp_path)
    )
    line = the_line(output)
    assert rc == 3, output
    assert "FOLLOWUP_DATABASE_URL" in line and "127.0.0.1" in line and "secret-pw" not in output
    retries = [
        json.loads(x) for x in output.splitlines() if x.startswith("{") and "trying again" in x
    ]
    assert 1 <= len(retries) <= 6  # bounded, and logged


async def test_a_rejected_discord_token_names_discord_token(
    tmp_path: Path, fakes: tuple[FakeSlack, FakeDiscord]
) -> None:
    _, fake = fakes
    fake.fail_next("GET", r"/users/@me", status=401, code=0, message="401: Unauthorized", times=10)
    await fails_with(discord_env(fake), tmp_path, "DISCORD_TOKEN")


async def test_a_rejected_slack_bot_token_names_slack_bot_token(
    tmp_path: Path, fakes: tuple[FakeSlack, FakeDiscord]
) -> None:
    slack, _ = fakes
    env = {
        "SLACK_BOT_TOKEN": "xoxb-not-known",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": slack.api_url,
    }
    await fails_with(env, tmp_path, "SLACK_BOT_TOKEN", "invalid_auth")


async def test_a_rejected_slack_app_token_names_slack_app_token(
    tmp_path: Path, fakes: tuple[FakeSlack, FakeDiscord]
) -> None:
    slack, _ = fakes
    slack.fail("apps.connections.open", error="invalid_auth", times=20)
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": "xapp-1-bad",
        "SLACK_API_URL": slack.api_url,
    }
    await fails_with(env, tmp_path, "SLACK_APP_TOKEN", "invalid_auth")


async def wait_for_line(
    child: asyncio.subprocess.Process, needle: str, within: float = 60
) -> list[str]:
    assert child.stderr is not None
    seen: list[str] = []
    async with asyncio.timeout(within):
        while True:
            raw = await child.stderr.readline()
            assert raw, f"exited before {needle!r}: {seen}"
            seen.append(raw.decode())
            if needle in seen[-1]:
                return seen


async def assert_sigterm_ends_it(child: asyncio.subprocess.Process) -> None:
    child.send_signal(signal.SIGTERM)
    assert child.stderr is not None
    seen: list[bytes] = []

    async def drain() -> None:  # reading on, so that no write of the child's blocks it
        assert child.stderr is not None
        while line := await child.stderr.readline():
            seen.append(line)
        await child.wait()

    try:
        await asyncio.wait_for(drain(), EXIT_WITHIN)
    except TimeoutError:
        child.kill()
        await child.wait()
        said = "".join(line.decode()[:300] for line in seen)
        raise AssertionError(f"SIGTERM did not end followup run within 5 s:\n{said}") from None


async def test_sigterm_ends_it_while_the_database_is_retried(tmp_path: Path) -> None:
    url = f"postgresql://followup@127.0.0.1:{free_port()}/followup"
    child = await start({"DISCORD_TOKEN": "x", "FOLLOWUP_DATABASE_URL": url}, tmp_path)
    await wait_for_line(child, "trying again")
    await assert_sigterm_ends_it(child)


async def test_sigterm_ends_socket_mode_while_slack_cannot_be_reached(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xapp-1-x", "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/"}
    child = await start(env, tmp_path)
    await wait_for_line(child, "trying again")
    await assert_sigterm_ends_it(child)


async def test_sigterm_ends_it_once_running(
    tmp_path: Path, fakes: tuple[FakeSlack, FakeDiscord]
) -> None:
    slack, _ = fakes
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": "xapp-1-x",
        "SLACK_API_URL": slack.api_url,
    }
    child = await start(env, tmp_path)
    await wait_for_line(child, "followup is ready")
    await assert_sigterm_ends_it(child)
    assert child.returncode == 0

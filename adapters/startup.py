"""Starting `followup run`: fail fast, in one line, or keep trying for a while — and stop on a
signal at every stage.

The order: read and validate the settings (`Config`, then the combinations each platform
needs), reach the database (and migrate it), connect the platforms (Slack's `auth.test` and
Discord's login check the tokens once). A wrong setting ends the process at once with one line
that names the variable and the fix (`StartupError`); the traceback is logged only at DEBUG.
A network failure (a database or an API that can't be reached yet) is retried with a bounded,
logged backoff, then reported the same way. SIGINT and SIGTERM end the process at any stage,
during a backoff pause included.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy.engine import make_url

from adapters.config import Config

log = logging.getLogger("followup")
T = TypeVar("T")
BACKOFF = (0.5, 1.0, 2.0, 4.0)  # seconds between attempts: five attempts in about 8 s
DATABASE_TIMEOUT = 10.0  # seconds one connection attempt may take
EXIT_SETTING = 2  # a wrong setting: fix it and start again
EXIT_UNREACHABLE = 3  # something still unreachable after the retries


class StartupError(Exception):
    """A start-up failure, already worded as the one line to print."""

    def __init__(self, line: str, exit_code: int = EXIT_SETTING) -> None:
        super().__init__(line)
        self.line = line
        self.exit_code = exit_code


class Stopped(Exception):
    """SIGINT or SIGTERM arrived before start-up finished."""


class Unreachable(Exception):
    """A failure worth retrying (the network, a server not up yet), with what to print if it
    persists."""

    def __init__(self, line: str) -> None:
        super().__init__(line)
        self.line = line


def _field_env_name(loc: Sequence[Any]) -> str:
    name = str(loc[0]) if loc else "a setting"
    field = Config.model_fields.get(name)
    return str(field.alias) if field is not None and field.alias else name


def read_config() -> Config:
    """The settings from the environment, or a StartupError naming the first wrong one."""
    try:
        return Config()
    except ValidationError as problem:
        first = problem.errors()[0]
        name = _field_env_name(first.get("loc", ()))
        reason = (
            "it isn't one of the accepted values"
            if first.get("type") == "string_pattern_mismatch"
            else first.get("msg", "unreadable")
        )
        value = first.get("input")
        shown = (
            f"={value}"
            if isinstance(value, str | int | float) and "TOKEN" not in name and "SECRET" not in name
            else ""
        )
        raise StartupError(
            f"{name}{shown} is not valid: {reason}. {HINTS.get(name, 'Fix it and start again.')}"
        ) from None


HINTS = {
    "FOLLOWUP_DISPATCH_INTERVAL": "Give a number of seconds above 0 and at most 30, e.g. "
    "FOLLOWUP_DISPATCH_INTERVAL=15.",
    "FOLLOWUP_HTTP_PORT": "Give a port number, e.g. FOLLOWUP_HTTP_PORT=3000.",
    "FOLLOWUP_LOG_LEVEL": "Use DEBUG, INFO, WARNING or ERROR, e.g. FOLLOWUP_LOG_LEVEL=INFO.",
    "FOLLOWUP_LOG_FORMAT": "Use json or kv, e.g. FOLLOWUP_LOG_FORMAT=kv.",
    "FOLLOWUP_HEALTH_STALE_AFTER": "Give a number of seconds above 0, e.g. "
    "FOLLOWUP_HEALTH_STALE_AFTER=120.",
    "DISCORD_GUILD_ID": "Give the server's numeric id (Developer Mode → Copy Server ID), or "
    "unset it.",
    "DISCORD_SHARDED": "Use true or false.",
    "DISCORD_REQUESTS_PER_SECOND": "Give your bot's global rate limit (50 unless Discord raised "
    "it), e.g. DISCORD_REQUESTS_PER_SECOND=50.",
}


def shown_url(url: str) -> str:
    """The database URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unreadable URL)"


def sqlite_problem(url: str) -> str | None:
    """For a SQLite file URL: what is wrong with its path before even opening it, if anything."""
    try:
        parsed = make_url(url)
    except Exception:
        return None
    if (
        parsed.get_backend_name() != "sqlite"
        or not parsed.database
        or parsed.database == ":memory:"
    ):
        return None
    path = Path(parsed.database)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        return (
            f"FOLLOWUP_DATABASE_URL points to {path}, but the directory {directory.resolve()} "
            f"doesn't exist: create it (mkdir -p {directory}) or use another path, e.g. "
            "FOLLOWUP_DATABASE_URL=sqlite:///followup.db."
        )
    return None


async def stoppable(stop: asyncio.Event, work: Awaitable[T]) -> T:
    """`work`, unless SIGINT/SIGTERM (`stop`) arrives first: then `work` is cancelled and
    `Stopped` raised."""
    task = asyncio.ensure_future(work)
    waiter = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(BaseException):
        await task
    raise Stopped


async def with_backoff(
    what: str,
    attempt: Callable[[], Awaitable[T]],
    stop: asyncio.Event,
    delays: Sequence[float] = BACKOFF,
) -> T:
    """`attempt()`, tried again after each pause in `delays` while it raises `Unreachable`;
    each failure is logged; the last one becomes a StartupError. A signal stops it at once."""
    for pause in (*delays, None):
        try:
            return await stoppable(stop, attempt())
        except Unreachable as problem:
            if pause is None:
                raise StartupError(problem.line, EXIT_UNREACHABLE) from None
            log.warning("%s: %s; trying again in %.0f s", what, problem.line, pause)
            await stoppable(stop, asyncio.sleep(pause))
    raise AssertionError("unreachable")


def _chain(problem: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = problem
    while current is not None and current not in seen:
        seen.append(current)
        orig = getattr(current, "orig", None)
        current = (
            orig if isinstance(orig, BaseException) else (current.__cause__ or current.__context__)
        )
    return seen


def _reason(problem: BaseException) -> str:
    text = str(problem).strip().splitlines()[0] if str(problem).strip() else ""
    return f"{type(problem).__name__}: {text}"[:200] if text else type(problem).__name__


NETWORK = (OSError, TimeoutError)


def database_failure(problem: BaseException, url: str) -> StartupError | Unreachable:
    """What to say about a database that couldn't be used, and whether to try again."""
    shown = shown_url(url)
    names = {type(p).__name__ for p in _chain(problem)}
    if names & {"InvalidPasswordError", "InvalidAuthorizationSpecificationError"}:
        return StartupError(
            f"FOLLOWUP_DATABASE_URL={shown}: the database refused the user or password; fix them "
            "in the URL."
        )
    if "InvalidCatalogNameError" in names:
        return StartupError(
            f"FOLLOWUP_DATABASE_URL={shown}: that database doesn't exist; create it (createdb) or "
            "fix its name in the URL."
        )
    for cause in _chain(problem):
        if isinstance(cause, NETWORK):
            return Unreachable(
                f"FOLLOWUP_DATABASE_URL={shown}: can't reach the database ({_reason(cause)}); "
                "check that it is running and the host and port are right"
            )
    return StartupError(
        f"FOLLOWUP_DATABASE_URL={shown}: can't use the database ({_reason(problem)}); check the "
        "URL, e.g. sqlite:///followup.db or postgresql://user@host/db."
    )


async def reach_database(url: str) -> None:
    """Connect once and run `SELECT 1`; raises StartupError or Unreachable."""
    from sqlalchemy import text

    from storage.engine import create_engine

    problem = sqlite_problem(url)
    if problem is not None:
        raise StartupError(problem)
    try:
        engine = create_engine(url)
    except Exception as unreadable:
        raise StartupError(
            f"FOLLOWUP_DATABASE_URL={shown_url(url)} isn't a database URL I can use "
            f"({_reason(unreadable)}); e.g. sqlite:///followup.db or postgresql://user@host/db."
        ) from None
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except Exception as failure:
        log.debug("database check failed", exc_info=True)
        raise database_failure(failure, url) from None
    finally:
        await engine.dispose()


def _is_network(problem: BaseException) -> BaseException | None:
    import aiohttp

    for cause in _chain(problem):
        if isinstance(cause, (*NETWORK, aiohttp.ClientError)):
            return cause
        status = getattr(cause, "status", None)
        if (
            type(cause).__module__.startswith("discord")
            and isinstance(status, int)
            and status >= 500
        ):
            return cause
    return None


def platform_failure(
    platform: str, problem: BaseException, config: Config
) -> StartupError | Unreachable:
    """What to say about a platform that didn't start, and whether to try again."""
    name = {"slack": "Slack", "discord": "Discord"}.get(platform, platform)
    if type(problem).__name__ in ("SlackConfigError", "StartupError"):
        return StartupError(str(problem))
    if type(problem).__name__ == "LoginFailure":
        return StartupError(
            f"DISCORD_TOKEN was refused by Discord ({problem}): copy the bot token again from the "
            "Developer Portal (your application → Bot → Reset Token)."
        )
    network = _is_network(problem)
    if network is not None:
        where = config.slack_api_url if platform == "slack" else config.discord_api_url
        setting = "SLACK_API_URL" if platform == "slack" else "DISCORD_API_URL"
        target = f"{setting}={where}" if where else f"{name}'s API"
        return Unreachable(
            f"{name}: can't reach {target} ({_reason(network)}); check the network or {setting}"
        )
    return StartupError(
        f"{name} couldn't start ({_reason(problem)}); run with FOLLOWUP_LOG_LEVEL=DEBUG for the "
        "details."
    )

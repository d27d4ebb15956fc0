"""The `followup` command line: run the bot, open the console, migrate the database, help."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import os
import sys
import threading
import time
from collections.abc import Sequence

from adapters.config import Config
from adapters.console.runner import ConsoleUsageError, data_location, default_data_dir, run_console
from adapters.logs import configure_logging
from adapters.startup import StartupError, read_config
from bot import commands as c
from bot.errors import BadInput
from bot.handlers.account import command_reference, help_message
from bot.parser import parse
from storage.migrate import upgrade_database

log = logging.getLogger("followup")

STRAGGLER_WAIT = 0.5  # seconds leftover threads may take, together, to finish after the bot stopped
CONSOLE_BANNER = "Followup — no Slack or Discord token set, so this is the local console."


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="followup",
        description="Followup coaches job seekers through the follow-up emails after an "
        "interview, on Slack, Discord or the console.",
        epilog="Configuration comes from the environment (FOLLOWUP_DATABASE_URL, SLACK_*, "
        "DISCORD_*): see README.md.",
    )
    sub = parser.add_subparsers(dest="command", metavar="{run,console,db,help}")
    sub.add_parser(
        "run",
        help="start the bot: Slack and/or Discord from the environment, else the console",
        description="Start the bot. Slack runs when SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and "
        "SLACK_CLIENT_SECRET) is set, Discord when DISCORD_TOKEN is set, both when both are; with "
        "neither, the console chat opens in this terminal. Migrations are applied first.",
    )
    console = sub.add_parser(
        "console",
        help="chat with the bot in this terminal",
        description="Chat with the bot in this terminal, or pipe commands in. Lines are bot "
        "commands (`help` lists them) or meta-commands (`:help` lists them). Your data lives in "
        f"{default_data_dir()} unless FOLLOWUP_DATABASE_URL says otherwise; with --now the clock "
        "is simulated and a temporary database is used, so your real data is never touched.",
    )
    console.add_argument("--user", default=None, help="who you are (default: your login name)")
    console.add_argument("--tz", default=None, help="your IANA timezone, e.g. Europe/Berlin")
    console.add_argument(
        "--now",
        default=None,
        help="simulate the clock from this ISO-8601 instant (enables :advance; uses a temporary "
        "database)",
    )
    console.add_argument(
        "--json",
        action="store_true",
        help="print every outgoing message as one JSON object per line",
    )
    db = sub.add_parser(
        "db",
        help="database maintenance",
        description="Database maintenance. `followup db upgrade` applies every migration to "
        "FOLLOWUP_DATABASE_URL (`run` and `console` also do it when they start).",
    )
    db.add_argument("action", choices=["upgrade"], help="upgrade: apply every migration")
    helper = sub.add_parser(
        "help",
        help="this help, and every bot command; `followup help <command>` for one",
        description="Without a topic: these subcommands and the bot's commands. With one: the "
        "subcommand's options (followup help console) or the bot command's form and example "
        "(followup help add).",
    )
    helper.add_argument(
        "topic",
        nargs="?",
        default=None,
        help="a subcommand (run, console, db) or a bot command (add, draft, …)",
    )
    return parser


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "me"


def _configure_logging(config: Config, quiet: bool) -> None:
    """The same redacting, structured logs as `followup run`; the console and `db upgrade` keep
    to warnings (unless FOLLOWUP_LOG_LEVEL=DEBUG) so they don't mix with what a person reads."""
    configured = getattr(logging, config.log_level.upper(), logging.INFO)
    level = max(configured, logging.WARNING) if quiet and configured > logging.DEBUG else configured
    configure_logging(config, level=level, stream=sys.stderr)


def _help(parser: argparse.ArgumentParser, topic: str | None) -> int:
    subcommands = _subcommands(parser)
    if topic is None:
        parser.print_help()
        for name, sub in subcommands.items():
            if name != "help":
                print(f"\n── followup {name} ──\n{sub.format_help()}", end="")
        print(
            "\n── the bot's commands (console, /followup in Slack and Discord) ──\n"
            + command_reference()
        )
        return 0
    if topic.lower() in subcommands:
        print(subcommands[topic.lower()].format_help(), end="")
        return 0
    try:
        command = parse(f"help {topic}")
        assert isinstance(command, c.Help)
        print(help_message(command).as_text())
    except BadInput as problem:
        print(
            f"followup help: {problem.problem} Try: followup help {problem.example or 'add'}",
            file=sys.stderr,
        )
        return 2
    return 0


async def _run_platforms(config: Config) -> int:
    from adapters.platforms import run_platforms

    return await run_platforms(config)


def _without_stragglers(code: int) -> int:
    """Return `code` — or, when a worker thread is still open after the bot stopped (a database
    connection whose opening was cancelled by the stop keeps its thread waiting, and Python
    waits for such threads before it exits), end the process now: it must stop on SIGTERM."""
    stragglers = [
        t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon
    ]
    deadline = time.monotonic() + STRAGGLER_WAIT
    for thread in stragglers:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in stragglers):
        log.warning(
            "stopped; exiting without waiting for %d idle worker thread(s)",
            sum(t.is_alive() for t in stragglers),
        )
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):  # os._exit skips the flush at exit
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    command = args.command or "help"
    if command == "help":
        return _help(parser, getattr(args, "topic", None))
    try:
        config = read_config()
    except StartupError as problem:
        print(f"followup: {problem.line}", file=sys.stderr)
        return problem.exit_code
    if command == "db":
        _configure_logging(config, quiet=True)
        asyncio.run(upgrade_database(config.database_url))
        print(f"Database is up to date: {data_location(config.database_url)}")
        return 0
    if command == "console" or not (config.slack_enabled or config.discord_enabled):
        _configure_logging(config, quiet=True)
        options = (
            args
            if command == "console"
            else argparse.Namespace(user=None, tz=None, now=None, json=False)
        )
        try:
            return _without_stragglers(asyncio.run(
                run_console(
                    config,
                    user=options.user or _login_name(),
                    timezone=options.tz,
                    now=options.now,
                    json_lines=options.json,
                    banner=None if command == "console" else CONSOLE_BANNER,
                )
            ))
        except ConsoleUsageError as problem:
            print(f"followup console: {problem}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            return 0
    _configure_logging(config, quiet=False)
    from adapters.platforms import run  # the bot's own loop (uvloop where installed)

    try:
        return _without_stragglers(run(_run_platforms(config)))
    except StartupError as problem:
        log.debug("start-up failed", exc_info=True)
        print(f"followup: {problem.line}", file=sys.stderr)
        return problem.exit_code
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Structured logs: one JSON object (or one `key=value` line) per record, carrying the ids that
tie a line to what caused it, with every secret redacted before anything is written.

- The request id (one per command, button press or form) and the nudge id bound by
  `bot.tracing` are added to every line logged while that work runs — in the core, the
  storage layer, slack-sdk or discord.py — across `await`s and into tasks started there.
- `Redactor` knows the configured secrets (Slack and Discord tokens, signing and client
  secrets) and anything shaped like a Slack token (`xoxb-…`, `xapp-…`, `xoxp-…`, …), and
  replaces them with `[redacted]`. `RedactingFilter` applies it to a record's message, its
  arguments, its extra fields and its traceback; the formatters apply it once more to the
  finished line, so no path around the filter leaks a secret.
- `QuietLibraries` drops the libraries' routine chatter (APScheduler's "Running job" lines,
  discord.py's notice that voice needs PyNaCl, which this bot never uses) unless the level is
  DEBUG, so a terminal shows what matters.
- `configure_logging(config)` installs one handler on the root logger with all of them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any

from bot.tracing import current_ids

REDACTED = "[redacted]"
SLACK_TOKEN = re.compile(r"\bx(?:ox[abpreo]|app)-[A-Za-z0-9][A-Za-z0-9-]*")
SHORTEST_SECRET = 6  # shorter configured values would redact ordinary words

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = frozenset(vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None))) | {
    "message",
    "asctime",
}


class Redactor:
    """Replaces known secret values, and anything that looks like a Slack token."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        known = {s for s in secrets if s and len(s) >= SHORTEST_SECRET}
        # Longest first, so a secret that contains another is removed whole.
        self._secrets = sorted(known, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        # Every token the pattern matches contains one of these: most lines skip the regex.
        if "xox" in text or "xapp" in text:
            return SLACK_TOKEN.sub(REDACTED, text)
        return text

    def value(self, value: Any) -> Any:
        """A redacted copy of a value logged as an extra field (strings, lists, dicts)."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value


def secrets_of(config: Any) -> list[str | None]:
    """The secret values in a `Config`."""
    names = (
        "slack_bot_token",
        "slack_app_token",
        "slack_signing_secret",
        "slack_client_secret",
        "discord_token",
    )
    return [getattr(config, name, None) for name in names]


class RedactingFilter(logging.Filter):
    """Redacts a record in place (message, arguments, extras, traceback) and adds the
    context's request and nudge ids. Attach it to handlers: a logger's own filters don't see
    records propagated from its children."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redact = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what we can
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD:
                setattr(record, key, self.redact.value(value))
        for key, value in current_ids().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class QuietLibraries(logging.Filter):
    """Drops APScheduler's records below ERROR and its report of a job cancelled because the
    scheduler is shutting down (a sweep interrupted by Ctrl-C or SIGTERM is not a failure: the
    dispatcher finishes and records what it had claimed), and discord.py's voice notice."""

    CHATTY = ("apscheduler",)
    NOTICES = (("discord.client", "PyNaCl is not installed"),)

    def filter(self, record: logging.LogRecord) -> bool:
        name = record.name
        if any(name == c or name.startswith(c + ".") for c in self.CHATTY):
            if record.levelno < logging.ERROR:
                return False
            if (
                record.exc_info
                and record.exc_info[0] is not None
                and issubclass(record.exc_info[0], asyncio.CancelledError)
            ):
                return False
        return not any(
            name == logger and str(record.msg).startswith(text) for logger, text in self.NOTICES
        )


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, the ids, any extras, and the error."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self._redact = redactor or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(_extras(record))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["error"] = record.exc_text
        return self._redact(json.dumps(entry, default=str, ensure_ascii=False))


class KeyValueFormatter(logging.Formatter):
    """`ts=… level=… logger=… request_id=… msg="…"`: for people reading a terminal."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self._redact = redactor or Redactor()

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        parts = [f"ts={ts}", f"level={record.levelname.lower()}", f"logger={record.name}"]
        parts += [f"{k}={_kv(v)}" for k, v in _extras(record).items()]
        parts.append(f"msg={json.dumps(record.getMessage(), ensure_ascii=False)}")
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        line = " ".join(parts)
        if record.exc_text:
            line += "\n" + record.exc_text
        return self._redact(line)


def _kv(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return (
        text
        if text and not any(ch in text for ch in ' "=')
        else json.dumps(text, ensure_ascii=False)
    )


def log_handler(
    config: Any, stream: IO[str] | None = None, fmt: str | None = None
) -> logging.Handler:
    """A stream handler that redacts `config`'s secrets and writes JSON or key=value lines."""
    redactor = Redactor(secrets_of(config))
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RedactingFilter(redactor))
    chosen = str(fmt or getattr(config, "log_format", None) or "json").lower()
    handler.setFormatter(
        KeyValueFormatter(redactor)
        if chosen in ("kv", "text", "logfmt")
        else JsonFormatter(redactor)
    )
    return handler


def configure_logging(
    config: Any, *, level: int | None = None, stream: IO[str] | None = None
) -> logging.Handler:
    """Replace the root logger's handlers with one redacting, structured handler."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    handler = log_handler(config, stream)
    chosen = (
        level
        if level is not None
        else getattr(logging, str(config.log_level).upper(), logging.INFO)
    )
    if chosen > logging.DEBUG:
        handler.addFilter(QuietLibraries())
    root.addHandler(handler)
    root.setLevel(chosen)
    return handler

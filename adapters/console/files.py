"""Where the console keeps a person's files, away from the working directory.

Everything lives in one per-user data directory: the operating system's convention, found by
platformdirs (`~/.local/share/followup` on Linux, honouring `XDG_DATA_HOME`;
`~/Library/Application Support/followup` on macOS; `%LOCALAPPDATA%\\followup` on Windows), or
`FOLLOWUP_DATA_DIR` when set:

    followup.db          the console's database (unless FOLLOWUP_DATABASE_URL names another)
    history/<name>       the lines each console user typed, for the arrow keys
    exports/             `export csv|ics` files: followup-<name>.csv, followup-<name>.ics

A name typed with `--user` or `:as` becomes a file name only through `slug`, so no name can
reach outside these folders.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import platformdirs

APP = "followup"
DATABASE_FILE = "followup.db"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
MAX_SLUG = 40


def data_dir(configured: str | None = None) -> Path:
    """The console's data directory (not created here)."""
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def database_url(directory: Path) -> str:
    return f"sqlite:///{directory / DATABASE_FILE}"


def slug(name: str) -> str:
    """A file-name-safe form of a user name: letters, digits, `-` and `_` only. A name that had
    to change gets a short hash of the original, so two different names never share a file."""
    safe = _UNSAFE.sub("-", name).strip("-_")[:MAX_SLUG] or "user"
    if safe == name:
        return safe
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{safe}-{digest}"


def history_file(directory: Path, user: str) -> Path:
    return directory / "history" / slug(user)


def export_file(directory: Path, user: str, filename: str) -> Path:
    """`followup-<slug>.<ext>` in `directory`, the extension taken from the core's file name."""
    ext = filename.rpartition(".")[2].lower()
    ext = ext if ext.isalnum() and len(ext) <= 5 else "txt"
    return directory / f"{APP}-{slug(user)}.{ext}"


def read_local_file(path: str) -> bytes:
    """The bytes of a file the console's user named (`import <path>`), read no further than
    the largest invitation the core accepts (plus one byte, so it can say the file is too big)."""
    from bot.errors import BadInput
    from bot.invitation import EXAMPLE, MAX_BYTES, USAGE

    target = Path(path).expanduser()
    try:
        if not target.is_file():
            raise BadInput(f"There is no file at {str(target)[:200]}.", USAGE, EXAMPLE)
        with target.open("rb") as handle:
            return handle.read(MAX_BYTES + 1)
    except OSError as problem:
        raise BadInput(
            f"I couldn't read {str(target)[:200]}: {problem.strerror or problem}.", USAGE, EXAMPLE
        ) from None

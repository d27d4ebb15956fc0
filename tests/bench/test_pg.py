"""`bench.pg.sqlite_then_postgres`, the one driver of the suites measured on both databases:
each SQLite run on a fresh file of its own, each PostgreSQL run on a scratch database of its
own (dropped afterwards), every figure named after its run, and PostgreSQL skipped with a reason
when no server answers."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

import bench.pg
from bench.pg import available, sqlite_then_postgres

URLS: list[str] = []


def _fresh(path: Path) -> bool:
    """A file not made yet, in a folder of its own that exists."""
    return path.parent.is_dir() and not path.exists()


def _removed(url: str) -> bool:
    return not Path(url.removeprefix("sqlite:///")).parent.exists()


async def _figures(url: str) -> Mapping[str, object]:
    URLS.append(url)
    if url.startswith("sqlite:///"):
        assert _fresh(Path(url.removeprefix("sqlite:///")))
    return {"n": len(URLS)}


async def test_each_run_gets_a_fresh_database_and_names_its_figures() -> None:
    reason = await available()
    if reason is not None:
        pytest.skip(reason)
    URLS.clear()
    figures = await sqlite_then_postgres(
        "test",
        [("sqlite a", _figures), ("sqlite a", _figures)],
        [("postgres b", _figures), ("postgres c", _figures)],
    )
    # the second "sqlite a" wins its key
    assert figures == {"sqlite a: n": 2, "postgres b: n": 3, "postgres c: n": 4}
    assert len(set(URLS)) == 4 and URLS[2].startswith("postgresql")
    assert all(_removed(url) for url in URLS[:2])  # removed afterwards


async def test_without_a_server_postgres_is_skipped_saying_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def unreachable() -> str:
        return "PostgreSQL unreachable at nowhere: OSError"

    monkeypatch.setattr(bench.pg, "available", unreachable)
    URLS.clear()
    figures = await sqlite_then_postgres(
        "test", [("sqlite a", _figures)], [("postgres b", _figures)]
    )
    assert figures == {
        "sqlite a: n": 1,
        "postgres": "skipped: PostgreSQL unreachable at nowhere: OSError",
    }
    assert len(URLS) == 1

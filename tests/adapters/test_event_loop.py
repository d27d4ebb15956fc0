"""The event loop `followup run` and the benchmarks run on: uvloop's where it is installed,
asyncio's own where it isn't."""

from __future__ import annotations

import asyncio
import sys

import pytest
import uvloop

from adapters.platforms import loop_name, run


async def _which() -> tuple[str, type[asyncio.AbstractEventLoop]]:
    return loop_name(), type(asyncio.get_running_loop())


def test_the_bot_runs_on_uvloop_where_it_is_installed() -> None:
    assert run(_which()) == ("uvloop", uvloop.Loop)


def test_without_uvloop_the_bot_runs_on_asyncios_own_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # `import uvloop` raises ImportError
    name, loop = run(_which())
    assert name == "asyncio" and issubclass(loop, asyncio.BaseEventLoop)
    assert not issubclass(loop, uvloop.Loop)


def test_what_the_coroutine_returns_or_raises_comes_back() -> None:
    async def fails() -> None:
        raise LookupError("kept")

    with pytest.raises(LookupError, match="kept"):
        run(fails())

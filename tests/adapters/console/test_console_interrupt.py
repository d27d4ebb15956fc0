"""Ctrl-C in the console with piped input (the plain reader): the line being answered finishes
(a command is never cut off halfway through its database work or a nudge it is sending), no
later line runs, and the console leaves."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

import pytest

from adapters.console.runner import _piped_loop

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "SIGINT") or os.name != "posix", reason="needs Unix signals"
)


class _HeldSession:
    """Stands in for the console session: each line waits until the test lets it finish."""

    finished = False

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.answered: list[str] = []

    async def handle_line(self, line: str) -> None:
        self.started.set()
        await self.release.wait()
        self.answered.append(line)


@contextmanager
def _piped(*lines: str) -> Iterator[TextIO]:
    """Standard input holding `lines`, then its end."""
    read_end, write_end = os.pipe()
    os.write(write_end, "".join(lines).encode())
    os.close(write_end)
    with os.fdopen(read_end, encoding="utf-8") as stdin:
        yield stdin


async def _let_the_loop_see_the_signal() -> None:
    # kill() to ourselves delivers the signal before it returns, and the loop's wake-up byte is
    # written then; a few passes of the loop read it and run the console's handler.
    for _ in range(10):
        await asyncio.sleep(0)


async def test_ctrl_c_lets_the_line_in_progress_finish_and_runs_no_other() -> None:
    session = _HeldSession()
    with _piped("list\n", "delete 1\n") as stdin:
        loop_done = asyncio.ensure_future(_piped_loop(session, stdin))  # type: ignore[arg-type]
        await session.started.wait()
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while "list" is being answered
        await _let_the_loop_see_the_signal()
        assert not loop_done.done()  # it did not cut the line off
        session.release.set()
        await asyncio.wait_for(loop_done, timeout=30)  # a ceiling, not a measurement
    assert session.answered == ["list\n"]


async def test_after_the_console_leaves_ctrl_c_is_ordinary_again() -> None:
    session = _HeldSession()
    session.release.set()
    with _piped("list\n") as stdin:
        await asyncio.wait_for(_piped_loop(session, stdin), timeout=30)  # type: ignore[arg-type]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

"""Settling after start-up: what start-up made is set aside from the garbage collector's full
passes for as long as the bot runs.

CPython's collector walks every object it tracks on each full (generation 2) pass, and holds
the event loop — every user of the process — while it does. Most of a running bot's heap is
what start-up made and keeps for good: modules, classes, SQLAlchemy's mappers and compiled
statements, bolt's and discord.py's tables. Work that allocates a lot at once (a board or
digest for a 10,000-member channel) sets off full passes, and each one walked that whole
heap: up to ~450 ms with the loop held, measured with `gc.callbacks` on the project's 2-core
machine. `settled()` collects once, then freezes what is left (`gc.freeze()`): later passes
walk only what was made since, and what was frozen is still freed by reference counting when
it is let go (only a reference cycle among frozen objects waits for the unfreeze).

`followup run` settles once its platforms are connected, the console once its bot is built;
leaving the block unfreezes, so a process that builds bots again and again (the tests) keeps
collecting what each one left behind.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger("followup")


@contextmanager
def settled() -> Iterator[int]:
    """Collect, freeze what is left for the block's duration (yields how many objects were
    frozen), and unfreeze on the way out."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.debug("start-up settled: %d objects set aside from full garbage collections", frozen)
    try:
        yield frozen
    finally:
        gc.unfreeze()

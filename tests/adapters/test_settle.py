"""Settling after start-up (`adapters.settle`): garbage made during start-up is collected, what
is left is set aside from full collections while the bot runs, and it is all handed back to
the collector when the block ends."""

from __future__ import annotations

import gc
import weakref

from adapters.settle import settled


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def _cycle() -> weakref.ref[Node]:
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def _tracked(obj: object) -> bool:
    """Whether a full collection would walk `obj` (the frozen are not among the generations)."""
    return any(o is obj for o in gc.get_objects())


def test_start_up_garbage_is_collected_not_frozen() -> None:
    gc.disable()  # no collection of its own may free the cycle before `settled` does
    try:
        garbage = _cycle()
        assert garbage() is not None
        with settled():
            assert garbage() is None
    finally:
        gc.enable()


def test_what_start_up_keeps_is_set_aside_while_settled_and_handed_back_after() -> None:
    kept = Node()
    assert _tracked(kept)
    with settled() as frozen:
        assert frozen > 0 and gc.get_freeze_count() > 0
        assert not _tracked(kept)
        made_later = Node()
        assert _tracked(made_later)
    assert gc.get_freeze_count() == 0
    assert _tracked(kept)


def test_a_cycle_made_after_settling_is_still_collected() -> None:
    with settled():
        later = _cycle()
        gc.collect()
        assert later() is None

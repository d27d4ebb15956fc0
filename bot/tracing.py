"""The ids a log line carries: which request (command, button press, form) and which nudge
it belongs to, bound in `contextvars` so they follow the work across `await`s and into the
tasks started from it, without being passed through every call.

The core binds them (`Followup` per request, `Dispatcher` per nudge); adapters may bind a
request id earlier, when a platform request arrives, and the core then keeps it. The log
formatting that prints them lives in `adapters/logs.py`; this module is plain stdlib.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

_request_id: ContextVar[str | None] = ContextVar("followup_request_id", default=None)
_nudge_id: ContextVar[int | None] = ContextVar("followup_nudge_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex[:12]


def current_request_id() -> str | None:
    return _request_id.get()


@contextlib.contextmanager
def request_scope(request_id: str | None = None) -> Iterator[str]:
    """Bind a request id for the block: the given one, the one already bound, or a new one."""
    rid = request_id or _request_id.get() or new_request_id()
    token = _request_id.set(rid)
    try:
        yield rid
    finally:
        _request_id.reset(token)


def bind_request_id(request_id: str | None = None) -> str:
    """Bind a request id in the current context until it ends (for entry points that can't
    wrap their work in a block, such as a web framework's middleware)."""
    rid = request_id or new_request_id()
    _request_id.set(rid)
    return rid


@contextlib.contextmanager
def nudge_scope(nudge_id: int) -> Iterator[None]:
    token = _nudge_id.set(nudge_id)
    try:
        yield
    finally:
        _nudge_id.reset(token)


def current_ids() -> dict[str, Any]:
    ids: dict[str, Any] = {}
    if (rid := _request_id.get()) is not None:
        ids["request_id"] = rid
    if (nid := _nudge_id.get()) is not None:
        ids["nudge_id"] = nid
    return ids

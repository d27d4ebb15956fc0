"""The error boundary of every bolt listener: run it; if it fails, log the failure once (with
the request id) and let the listener's owner tell the person (`tell_failure`), passing the
`ack` still to be given when the listener failed before acknowledging.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from bot.messages import Message
from bot.tracing import request_scope
from bot.views import unexpected

log = logging.getLogger("adapters.slack.listeners")
F = TypeVar("F", bound=Callable[..., Awaitable[None]])


class Tells(Protocol):
    async def tell_failure(self, kwargs: dict[str, Any], reply: Message, ack: Any) -> None: ...


def answering(listener: F) -> F:
    """Run the listener; if it fails, log it once and tell the person."""

    @functools.wraps(listener)
    async def guarded(self: Tells, *args: Any, **kwargs: Any) -> None:
        acked: list[bool] = []
        ack = kwargs.get("ack")
        if ack is not None:
            async def once(*a: Any, **k: Any) -> None:
                acked.append(True)
                await ack(*a, **k)

            kwargs["ack"] = once
        try:
            await listener(self, *args, **kwargs)
        except Exception:
            with request_scope() as request_id:
                log.exception("slack request failed", extra={"listener": listener.__name__})
                await self.tell_failure(kwargs, unexpected(request_id), ack if not acked else None)

    return guarded  # type: ignore[return-value]

"""What every bolt listener goes through: the ack, the repeat check, the error boundary.

- A listener that takes no `ack` is acknowledged here at once (bolt has already acked an
  event); a listener that takes `ack` (a form submission, which must know whether the core
  accepted the form before it closes it) gives it itself.
- Then the request's repeat check (`repeats`) is awaited, before anything runs: a repeat is
  dropped (a submission's is acked, closing the form), so a retry never runs twice, and the
  ack never waits for the database.
- Then the listener runs; if it fails, the failure is logged once (with the request id) and
  the listener's owner tells the person (`tell_failure`), passing the `ack` still to be given
  when the listener failed before acknowledging.

Every guarded listener takes bolt's `context` (where the ack and the repeat check are).
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from adapters.slack.repeats import repeated
from bot.messages import Message
from bot.tracing import request_scope
from bot.views import unexpected

log = logging.getLogger("adapters.slack.listeners")
F = TypeVar("F", bound=Callable[..., Awaitable[None]])


class Tells(Protocol):
    async def tell_failure(self, kwargs: dict[str, Any], reply: Message, ack: Any) -> None: ...


def answering(listener: F) -> F:
    """Ack (unless the listener does), drop a repeat, run the listener; if it fails, log it
    once and tell the person."""
    parameters = inspect.signature(listener).parameters
    if "context" not in parameters:
        raise TypeError(f"{listener.__name__} must take bolt's `context` to be guarded")
    acks_itself = "ack" in parameters

    @functools.wraps(listener)
    async def guarded(self: Tells, *args: Any, **kwargs: Any) -> None:
        context = kwargs["context"]
        ack: Any = kwargs.get("ack") if acks_itself else context.ack
        acked: list[bool] = []

        async def once(*a: Any, **k: Any) -> None:
            acked.append(True)
            await ack(*a, **k)

        if not acks_itself and ack is not None and ack.response is None:  # bolt acks events itself
            await once()
        if await repeated(context):
            if acks_itself and ack is not None:
                await once()
            return
        if acks_itself:
            kwargs["ack"] = once
        try:
            await listener(self, *args, **kwargs)
        except Exception:
            with request_scope() as request_id:
                log.exception("slack request failed", extra={"listener": listener.__name__})
                await self.tell_failure(
                    kwargs, unexpected(request_id), ack if acks_itself and not acked else None
                )

    return guarded  # type: ignore[return-value]

"""The bolt listeners of the Home tab's own controls: the page buttons (and, with the settings
modal, its button, its submission and its timezone suggestions).

Each acks first and answers on Home. It is also an error boundary: whatever fails is logged
once, with the request id, and the person's Home shows the core's neutral "nothing was
changed, try again" answer.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from slack_bolt.context.async_context import AsyncBoltContext

from adapters.slack.directory import People
from adapters.slack.home import HomeTab
from bot.service import Followup
from bot.tracing import request_scope
from bot.views import unexpected

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Awaitable[None]])


def answering_on_home(listener: F) -> F:
    """Run the listener; if it fails, log it once and say so on the person's Home."""

    @functools.wraps(listener)
    async def guarded(self: HomeListeners, *args: Any, **kwargs: Any) -> None:
        try:
            await listener(self, *args, **kwargs)
        except Exception:
            with request_scope() as request_id:
                log.exception("slack request failed", extra={"listener": listener.__name__})
                await self.tell_failure(kwargs, request_id)

    return guarded  # type: ignore[return-value]


def user_of(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id") or "")


def team_of(context: AsyncBoltContext, body: dict[str, Any]) -> str:
    team = context.team_id or context.enterprise_id or (body.get("team") or {}).get("id")
    return str(team or "")


class HomeListeners:
    def __init__(self, followup: Followup, people: People, home: HomeTab) -> None:
        self._followup = followup
        self._people = people
        self._home = home

    async def tell_failure(self, kwargs: dict[str, Any], request_id: str) -> None:
        body, client = kwargs.get("body") or {}, kwargs.get("client")
        try:
            if client is not None and user_of(body):
                await self._home.publish_failure(client, user_of(body), unexpected(request_id))
        except Exception as problem:  # Slack can't be reached either: the log line is all there is
            log.warning("couldn't tell the person about the failure: %s", type(problem).__name__)

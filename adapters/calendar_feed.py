"""`GET /calendar/<secret>.ics`: a person's private calendar subscription over HTTP.

Served by the bot's one HTTP server (Slack's aiohttp app in Slack HTTP mode, otherwise the
small app that serves `/healthz`), so subscribing needs no other process or port. The core
decides everything (`Followup.feed`); this only speaks HTTP: `text/calendar`, an `ETag` and
`Last-Modified`, `304 Not Modified` for a matching `If-None-Match`, and one plain 404 for
every secret that doesn't work — unknown, revoked, forgotten or malformed look the same.
Access logs are off on both servers, so the secret in the path is never written to a log.
"""

from __future__ import annotations

import logging
from email.utils import format_datetime

from aiohttp import web

from bot.feed import PATH_PREFIX
from bot.service import Followup

log = logging.getLogger(__name__)
ROUTE = PATH_PREFIX + "{secret}.ics"
CACHE = "private, max-age=900"


class CalendarFeed:
    def __init__(self, followup: Followup) -> None:
        self._followup = followup

    async def handle(self, request: web.Request) -> web.StreamResponse:
        try:
            document = await self._followup.feed(request.match_info.get("secret", ""))
        except Exception:
            log.exception("calendar feed failed")
            return web.Response(
                status=503,
                text="Try again later.\n",
                headers={"Retry-After": "60", "Cache-Control": "no-store"},
            )
        if document is None:
            return web.Response(
                status=404, text="No such calendar.\n", headers={"Cache-Control": "no-store"}
            )
        headers = {
            "ETag": document.etag,
            "Last-Modified": format_datetime(document.last_modified, usegmt=True),
            "Cache-Control": CACHE,
        }
        # weak comparison (RFC 9110): a proxy that compressed the feed hands out W/"…"
        wanted = [
            tag.strip().removeprefix("W/")
            for tag in request.headers.get("If-None-Match", "").split(",")
        ]
        if document.etag in wanted or "*" in wanted:
            return web.Response(status=304, headers=headers)
        return web.Response(
            body=document.body.encode("utf-8"),
            content_type="text/calendar",
            charset="utf-8",
            headers={**headers, "Content-Disposition": 'inline; filename="followups.ics"'},
        )

    def routes(self) -> list[web.RouteDef]:
        return [web.get(ROUTE, self.handle, allow_head=True)]

"""A fake Slack that can also stop answering: `hang(method, times)` makes the next calls to
`method` wait until the client gives up (its timeout) or the test calls `release()`."""

from __future__ import annotations

import asyncio
from collections import Counter

from aiohttp import web

from tests.fakes.slack_api import Call, FakeSlack


class FlakySlack(FakeSlack):
    def __post_init__(self) -> None:
        super().__post_init__()
        self._hangs: Counter[str] = Counter()
        self._released = asyncio.Event()
        self.hung = 0

    def hang(self, method: str, times: int = 1) -> None:
        self._hangs[method] += times

    def release(self) -> None:
        self._released.set()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if self._hangs[method] > 0 and not self._failures.get(method):
            self._hangs[method] -= 1
            self.hung += 1
            await self._record(Call(method, {}, None, status=504))
            await self._released.wait()
            return web.json_response({"ok": False, "error": "request_timeout"}, status=504)
        return await super()._api(request)

    async def close(self) -> None:
        self.release()
        await super().close()

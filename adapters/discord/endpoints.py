"""Where discord.py talks to: the REST base and the gateway.

discord.py keeps both in class attributes (`discord.http.Route.BASE`,
`DiscordWebSocket.DEFAULT_GATEWAY`), so they are process-wide: the adapter installs the
configured ones when it starts and puts the previous ones back when it stops.
"""

from __future__ import annotations

from dataclasses import dataclass

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import INTERNAL_API_VERSION, Route

from adapters.config import Config


@dataclass(frozen=True)
class Endpoints:
    api: str
    gateway: yarl.URL

    @classmethod
    def current(cls) -> Endpoints:
        return cls(Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)

    @classmethod
    def configured(cls, config: Config, fallback: Endpoints) -> Endpoints:
        """`DISCORD_API_URL` is the REST base; one without a path gets `/api/v10` appended
        (`http://proxy:8080` → `http://proxy:8080/api/v10`)."""
        api = fallback.api
        if config.discord_api_url:
            url = yarl.URL(config.discord_api_url.rstrip("/"))
            api = (
                str(url / "api" / f"v{INTERNAL_API_VERSION}") if url.path in ("", "/") else str(url)
            )
        gateway = (
            yarl.URL(config.discord_gateway_url) if config.discord_gateway_url else fallback.gateway
        )
        return cls(api, gateway)

    def install(self) -> None:
        # Not a public API, because discord.py has none: `Client` takes no base URL (`proxy=`
        # tunnels to discord.com, it doesn't replace it), `Route.__init__` builds every URL from
        # `Route.BASE`, and `DiscordWebSocket.from_client` falls back to `DEFAULT_GATEWAY`. Both are
        # class attributes, hence process-wide: `DiscordAdapter.stop` restores the previous ones.
        Route.BASE = self.api
        DiscordWebSocket.DEFAULT_GATEWAY = self.gateway

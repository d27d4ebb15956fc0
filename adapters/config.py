"""Configuration from the environment, read once by the composition root.

pydantic-settings does the reading and validation, so a bad value (a port that isn't a number)
fails at start with a clear message instead of deep inside an adapter.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///followup.db"


class Config(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    database_url: str = Field(DEFAULT_DATABASE_URL, alias="FOLLOWUP_DATABASE_URL")
    http_port: int = Field(3000, alias="FOLLOWUP_HTTP_PORT")
    dispatch_interval: float = Field(15.0, alias="FOLLOWUP_DISPATCH_INTERVAL", gt=0, le=30)
    # How long a claim on a nudge lasts unless its sender renews it (a dead sender's nudges
    # come back after this), and how long a send may wait for the platform's answer.
    delivery_lease: float = Field(15.0, alias="FOLLOWUP_DELIVERY_LEASE", ge=0.5, le=60)
    send_timeout: float = Field(15.0, alias="FOLLOWUP_SEND_TIMEOUT", gt=0, le=60)
    log_level: str = Field(
        "INFO", alias="FOLLOWUP_LOG_LEVEL", pattern="(?i)^(debug|info|warning|error|critical)$"
    )
    log_format: str = Field("json", alias="FOLLOWUP_LOG_FORMAT", pattern="^(json|kv)$")
    http_host: str = Field("0.0.0.0", alias="FOLLOWUP_HTTP_HOST")
    # The bot's address as the internet sees it (https://followup.example.org): turns on
    # private calendar subscriptions, served on the bot's HTTP server under /calendar/.
    public_url: str | None = Field(None, alias="FOLLOWUP_PUBLIC_URL", pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
    health_stale_after: float = Field(120.0, alias="FOLLOWUP_HEALTH_STALE_AFTER", gt=0)
    # The console's own files (its database, line history, exports); default: the per-user data
    # directory of the operating system (see adapters/console/files.py).
    data_dir: str | None = Field(None, alias="FOLLOWUP_DATA_DIR")

    slack_bot_token: str | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_app_token: str | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_signing_secret: str | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_client_id: str | None = Field(None, alias="SLACK_CLIENT_ID")
    slack_client_secret: str | None = Field(None, alias="SLACK_CLIENT_SECRET")
    slack_api_url: str | None = Field(None, alias="SLACK_API_URL")

    discord_token: str | None = Field(None, alias="DISCORD_TOKEN")
    discord_api_url: str | None = Field(None, alias="DISCORD_API_URL")
    discord_gateway_url: str | None = Field(None, alias="DISCORD_GATEWAY_URL")
    discord_guild_id: int | None = Field(None, alias="DISCORD_GUILD_ID")
    discord_sharded: bool = Field(False, alias="DISCORD_SHARDED")
    # Discord's global limit for the bot (50 unless Discord raised it): queued sends keep under it.
    discord_requests_per_second: int = Field(
        50, alias="DISCORD_REQUESTS_PER_SECOND", gt=0, le=100_000
    )

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token or (self.slack_client_id and self.slack_client_secret))

    @property
    def discord_enabled(self) -> bool:
        return bool(self.discord_token)

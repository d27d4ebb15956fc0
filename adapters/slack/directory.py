"""Who is talking and where to reach them, with small caches in front of the Web API.

- `People.identity`: the core's `Identity` for a (team, user), with the user's timezone and
  locale from `users.info` (`tz`, and `locale`, which Slack sends only when asked). Looked up on
  first contact and again after an hour; the core keeps a timezone the user set themselves, so the
  hint never overrides their choice.
- `DirectChannels.open`: the id of the bot's DM with a user, to post nudges and files there and
  to tell that DM apart from other conversations. Kept per person in the database
  (`storage.direct_channels`), so `conversations.open` is called once per person, not once per
  process: an id comes with the user (`User.direct_channel`, as nudges are sent), from memory,
  from the store, and only then from Slack. An id Slack refuses (`STALE`) is opened again once
  (`reopen`) and the fresh one kept.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Generic, TypeVar

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.webapi import open_conversation
from bot.domain import Identity
from storage.direct_channels import DirectChannelStore

log = logging.getLogger(__name__)
PLATFORM = "slack"
V = TypeVar("V")


class _Cache(Generic[V]):
    """A small LRU with an optional time-to-live (monotonic seconds)."""

    def __init__(self, size: int = 10_000, ttl: float | None = None) -> None:
        self._items: OrderedDict[tuple[str, str], tuple[float, V]] = OrderedDict()
        self._size = size
        self._ttl = ttl

    def get(self, key: tuple[str, str]) -> V | None:
        found = self._items.get(key)
        if found is None or (self._ttl is not None and time.monotonic() - found[0] > self._ttl):
            return None
        self._items.move_to_end(key)
        return found[1]

    def drop_team(self, team_id: str) -> None:
        for key in [k for k in self._items if k[0] == team_id]:
            del self._items[key]

    def drop(self, key: tuple[str, str]) -> None:
        self._items.pop(key, None)

    def put(self, key: tuple[str, str], value: V) -> None:
        self._items[key] = (time.monotonic(), value)
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)


@dataclass(frozen=True)
class Person:
    """What `users.info` says about someone: who they are, and whether they run the workspace."""

    identity: Identity
    is_manager: bool = False


class People:
    def __init__(self, ttl: float = 3600.0) -> None:
        self._cache: _Cache[Person] = _Cache(ttl=ttl)

    def forget_team(self, team_id: str) -> None:
        """Drop what is cached about a workspace's people (the app was removed there)."""
        self._cache.drop_team(team_id)

    async def identity(self, client: AsyncWebClient, team_id: str, user_id: str) -> Identity:
        return (await self._lookup(client, team_id, user_id)).identity

    async def can_manage(self, client: AsyncWebClient, team_id: str, user_id: str) -> bool:
        """A workspace admin or owner; False when Slack can't say (never more rights than known)."""
        return (await self._lookup(client, team_id, user_id)).is_manager

    async def _lookup(self, client: AsyncWebClient, team_id: str, user_id: str) -> Person:
        key = (team_id, user_id)
        known = self._cache.get(key)
        if known is not None:
            return known
        try:
            user = (await client.users_info(user=user_id, include_locale=True)).get("user") or {}
        except (SlackApiError, SlackClientError, OSError) as problem:
            log.warning("users.info failed for %s/%s: %s", team_id, user_id, problem)
            return Person(Identity(platform=PLATFORM, workspace=team_id, user_id=user_id))
        profile = user.get("profile") or {}
        name = profile.get("display_name") or user.get("real_name") or user.get("name") or ""
        found = Person(
            Identity(
                PLATFORM,
                team_id,
                user_id,
                display_name=str(name)[:80],
                timezone=user.get("tz") or None,
                locale=user.get("locale") or None,
            ),
            is_manager=bool(user.get("is_admin") or user.get("is_owner")),
        )
        self._cache.put(key, found)
        return found


# What `chat.postMessage` answers for a DM id that no longer takes posts: worth one fresh open.
STALE = frozenset({"channel_not_found", "not_in_channel", "is_archived"})


class DirectChannels:
    def __init__(self, store: DirectChannelStore | None = None) -> None:
        self._cache: _Cache[str] = _Cache()
        self._store = store
        # Opens in flight: a person with several nudges in one batch is sent them at once,
        # and every send waits for the same `conversations.open` instead of making its own.
        self._opening: dict[tuple[str, str], asyncio.Future[tuple[str, bool]]] = {}

    def forget_team(self, team_id: str) -> None:
        self._cache.drop_team(team_id)

    async def flush(self) -> None:
        """Wait until every id found so far is stored."""
        if self._store is not None:
            await self._store.flush()

    async def open(self, client: AsyncWebClient, team_id: str, user_id: str) -> str:
        """The DM channel id; raises SlackApiError when Slack refuses."""
        return (await self.find(client, team_id, user_id))[0]

    async def find(
        self,
        client: AsyncWebClient,
        team_id: str,
        user_id: str,
        *,
        read: bool = False,
        known: str | None = None,
    ) -> tuple[str, bool]:
        """The DM channel id, and whether Slack gave it just now (`conversations.open`). `read`:
        the caller has read the stored id with the user (`known`, None when there is none), so
        the store isn't asked again — and an id known here that the row lacks (found before the
        person had a row: a DM before their first command) is stored now."""
        key = (team_id, user_id)
        cached = self._cache.get(key)
        if cached is not None:
            if read and cached != known and self._store is not None:
                self._store.remember(PLATFORM, team_id, user_id, cached)
            return cached, False
        if known:
            self._cache.put(key, known)
            return known, False
        return await self._shared(client, key, stored=not read)

    async def reopen(self, client: AsyncWebClient, team_id: str, user_id: str, refused: str) -> str:
        """A fresh id from Slack in place of `refused`, kept instead of it."""
        key = (team_id, user_id)
        if self._cache.get(key) == refused:
            self._cache.drop(key)
        return (await self._shared(client, key, stored=False))[0]

    async def _shared(
        self, client: AsyncWebClient, key: tuple[str, str], stored: bool
    ) -> tuple[str, bool]:
        opening = self._opening.get(key)
        if opening is None:
            opening = self._opening[key] = asyncio.ensure_future(self._open(client, key, stored))
            opening.add_done_callback(lambda _: self._opening.pop(key, None))
        # Shielded: one waiter giving up (a timeout, a shutdown) doesn't cancel it for the others.
        return await asyncio.shield(opening)

    async def _open(
        self, client: AsyncWebClient, key: tuple[str, str], stored: bool
    ) -> tuple[str, bool]:
        team_id, user_id = key
        if stored and self._store is not None:
            found = await self._store.lookup(PLATFORM, team_id, user_id)
            if found:
                self._cache.put(key, found)
                return found, False
        response = await open_conversation(client, user_id)
        channel = str((response.get("channel") or {}).get("id") or "")
        if not channel:
            raise SlackClientError(f"conversations.open gave no channel for {user_id}")
        self._cache.put(key, channel)
        if self._store is not None:
            self._store.remember(PLATFORM, team_id, user_id, channel)
        return channel, True

    async def is_direct(
        self, client: AsyncWebClient, team_id: str, user_id: str, channel_id: str
    ) -> bool:
        """Whether `channel_id` is the bot's own DM with the user (not a DM between people)."""
        if not channel_id.startswith("D"):
            return False
        try:
            return await self.open(client, team_id, user_id) == channel_id
        except (SlackApiError, SlackClientError, OSError):
            return False

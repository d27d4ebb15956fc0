"""The private calendar subscription: an address only its owner knows, serving the same
events as their `export ics`, kept current as plans change.

The secret is 32 random bytes (`secrets.token_urlsafe`: 43 characters). Only its SHA-256 is
stored, so a copy of the database can't be turned into working addresses; a request's hash is
looked up by the index and then compared with `hmac.compare_digest`, so the answer's timing
says nothing about how much of a guess was right. A secret of the wrong shape is refused
before the database is asked. `export ics reset` replaces the secret (the old address stops
at once); `forget-me` deletes it with everything else.

Each event keeps the UID of `export ics`; when what it shows changes (its time, its text), its
SEQUENCE goes up and LAST-MODIFIED moves to that moment. Nothing else in the feed depends on
the time of the request, so an unchanged feed is byte-for-byte the same and its ETag lets a
calendar ask "anything new?" cheaply (`If-None-Match` → 304).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from bot.domain import FeedRevision
from bot.export import CalendarEntry, calendar_entries, calendar_text
from bot.method import plan
from bot.ports import UnitOfWork

SECRET_BYTES = 32
_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")
PATH_PREFIX = "/calendar/"


@dataclass(frozen=True)
class FeedDocument:
    body: str
    etag: str
    last_modified: datetime


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii", "replace")).hexdigest()


def well_formed(secret: str) -> bool:
    return bool(_SHAPE.match(secret))


def feed_url(public_url: str, secret: str) -> str:
    return f"{public_url.rstrip('/')}{PATH_PREFIX}{secret}.ics"


def _revise(
    entries: list[CalendarEntry], seen: dict[str, FeedRevision], now: datetime
) -> tuple[dict[str, FeedRevision], list[FeedRevision]]:
    """Every entry's revision, and those that are new or changed since subscribers last looked."""
    current: dict[str, FeedRevision] = {}
    changed: list[FeedRevision] = []
    for entry in entries:
        before = seen.get(entry.uid)
        if before is not None and before.fingerprint == entry.fingerprint:
            current[entry.uid] = before
            continue
        revision = FeedRevision(
            entry.uid, entry.fingerprint, before.sequence + 1 if before else 0, now
        )
        current[entry.uid] = revision
        changed.append(revision)
    return current, changed


async def read_feed(uow: UnitOfWork, secret: str, now: datetime) -> FeedDocument | None:
    """The feed for `secret`, or None when no feed has that secret (never issued, reset,
    forgotten). Records new revisions; the caller commits."""
    if not well_formed(secret):
        return None
    wanted = secret_hash(secret)
    found = await uow.calendar.feed_owner(wanted)
    if found is None or not hmac.compare_digest(found[1], wanted):
        return None
    user = await uow.users.get(found[0])
    if user is None:
        return None
    apps = await uow.applications.list_for_user(user.id, active_only=False)
    planned = [(app, plan(app, user.settings, now)) for app in apps]
    entries = calendar_entries(planned, f"u{user.id}", user.settings)
    seen = await uow.calendar.feed_revisions(user.id)
    current, changed = _revise(entries, seen, now)
    gone = set(seen) - set(current)
    if changed or gone:
        await uow.calendar.save_feed_revisions(user.id, changed, gone)
    issued = await uow.calendar.feed_issued_at(user.id)
    stamps = [r.modified_at for r in current.values()] + ([issued] if issued else [])
    last_modified = max(stamps) if stamps else now
    body = calendar_text(entries, last_modified, current)
    etag = '"' + hashlib.sha256(body.encode("utf-8")).hexdigest()[:32] + '"'
    return FeedDocument(body, etag, last_modified)

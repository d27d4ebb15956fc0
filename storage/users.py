"""`SqlUserRepository`: users and their delivery settings."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import DateOrder, DeliverySettings, Identity, TimezoneSource, User
from storage.models import UNREPORTED_FAILURES, UserRow
from storage.sql import ID_CHUNK, dialect_name, insert_or_ignore


class SqlUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # The rows this unit of work loaded (the session only holds weak references), so a
        # write right after the command's first look-up needn't load the row again.
        self._rows: dict[int, UserRow] = {}

    async def get_or_create(self, identity: Identity, now: datetime) -> User:
        """The user for this identity, created on first contact (safe when several processes
        race: the unique key decides, the loser reads the winner's row). A valid timezone hint
        is taken on creation, and later while the user has not chosen a timezone themselves."""
        hint = valid_timezone(identity.timezone)
        locale = valid_locale(identity.locale)
        row = await self._find_row(identity)
        if row is None:
            defaults = DeliverySettings()
            stmt = (
                insert_or_ignore(self._session, UserRow, ["platform", "workspace", "external_id"])
                .values(
                    platform=identity.platform,
                    workspace=identity.workspace,
                    external_id=identity.user_id,
                    display_name=identity.display_name,
                    timezone=hint or defaults.timezone,
                    timezone_source=(
                        TimezoneSource.PLATFORM if hint else TimezoneSource.DEFAULT
                    ).value,
                    nudge_hour=defaults.nudge_hour,
                    quiet_start=defaults.quiet_start,
                    quiet_end=defaults.quiet_end,
                    weekends=defaults.weekends,
                    locale=locale,
                    next_number=1,
                    created_at=now,
                )
                .returning(UserRow)
            )
            # Nothing comes back when another process inserted the same person first.
            row = (await self._session.execute(stmt)).scalar_one_or_none()
            if row is None:
                row = await self._find_row(identity)
            if row is None:
                raise RuntimeError(f"user {identity} vanished right after it was created")
            self._rows[row.id] = row
        return await self._refresh(row, identity)

    async def known(self, identity: Identity) -> User | None:
        """The user for this identity with the platform's latest hints taken, as
        `get_or_create` takes them; None for someone unknown (nothing is stored about them)."""
        row = await self._find_row(identity)
        return await self._refresh(row, identity) if row else None

    async def _refresh(self, row: UserRow, identity: Identity) -> User:
        """Take the platform's timezone hint (while the user hasn't chosen one), locale and
        display name when they changed."""
        hint = valid_timezone(identity.timezone)
        locale = valid_locale(identity.locale)
        if hint and row.timezone_source != TimezoneSource.USER and row.timezone != hint:
            row.timezone = hint
            row.timezone_source = TimezoneSource.PLATFORM.value
        if locale and row.locale != locale:
            row.locale = locale
        if identity.display_name and row.display_name != identity.display_name:
            row.display_name = identity.display_name
        await self._session.flush()
        return user_from_row(row)

    async def get(self, user_id: int) -> User | None:
        row = await self._get_row(user_id)
        return user_from_row(row) if row else None

    async def get_many(self, user_ids: Collection[int]) -> dict[int, User]:
        """Several users by id (missing ids are left out): only the columns a `User` is made
        of, as plain rows — a dispatch batch reads hundreds and keeps none in the session."""
        ids = sorted(set(user_ids))
        found: dict[int, User] = {}
        for start in range(0, len(ids), ID_CHUNK):
            chunk = {"ids": ids[start : start + ID_CHUNK]}
            for row in await self._session.execute(_USERS_BY_IDS, chunk):
                found[row.id] = _user(row, row.has_unreported_failures)
        return found

    async def find(self, identity: Identity) -> User | None:
        row = await self._find_row(identity)
        return user_from_row(row) if row else None

    async def update_settings(
        self, user_id: int, settings: DeliverySettings, source: TimezoneSource
    ) -> User:
        # SQLite: the transaction began IMMEDIATE and holds the write lock, so a row this unit
        # of work loaded is current.
        cached = self._rows.get(user_id) if dialect_name(self._session) == "sqlite" else None
        row = cached or await self._get_row(user_id)
        if row is None:
            raise LookupError(f"no user with id {user_id}")
        row.timezone = settings.timezone
        row.timezone_source = TimezoneSource(source).value
        row.nudge_hour = settings.nudge_hour
        row.quiet_start = settings.quiet_start
        row.quiet_end = settings.quiet_end
        row.weekends = settings.weekends
        row.date_order = settings.date_order.value if settings.date_order else None
        await self._session.flush()
        return user_from_row(row)

    async def forget(self, user_id: int) -> None:
        """Delete the user; the database cascades to applications, rounds, interviewers,
        events, nudges, channel memberships (with their opt-ins) and shared milestones, and
        leaves the channels they turned group mode on for without an owner."""
        await self._session.execute(delete(UserRow).where(UserRow.id == user_id))

    async def forget_workspace(self, platform: str, workspace: str) -> int:
        """`forget` for every user of one workspace (the app was uninstalled there); returns
        how many were forgotten."""
        stmt = select(UserRow.id).where(
            UserRow.platform == platform, UserRow.workspace == workspace
        )
        ids = list((await self._session.execute(stmt)).scalars().all())
        for user_id in ids:
            await self.forget(user_id)
        return len(ids)

    async def _get_row(self, user_id: int) -> UserRow | None:
        return (await self._session.execute(_BY_ID, {"user_id": user_id})).scalar_one_or_none()

    async def _find_row(self, identity: Identity) -> UserRow | None:
        values = {
            "platform": identity.platform,
            "workspace": identity.workspace,
            "external_id": identity.user_id,
        }
        row = (await self._session.execute(_BY_IDENTITY, values)).scalar_one_or_none()
        if row is not None:
            self._rows[row.id] = row
        return row


# Every command's first statement, built once (with its cache key) rather than per call.
_BY_IDENTITY = (
    select(UserRow)
    .where(
        UserRow.platform == bindparam("platform"),
        UserRow.workspace == bindparam("workspace"),
        UserRow.external_id == bindparam("external_id"),
    )
    .execution_options(populate_existing=True)
)
_BY_ID = (
    select(UserRow)
    .where(UserRow.id == bindparam("user_id"))
    .execution_options(populate_existing=True)
)


def valid_timezone(name: str | None) -> str | None:
    """The name if it is a known IANA zone, else None."""
    if not name or len(name) > 64:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    return name


def valid_locale(locale: str | None) -> str | None:
    """A locale tag as platforms send them ("en-GB", "pt-BR", "de"), else None."""
    if (
        not locale
        or len(locale) > 35
        or not re.fullmatch(r"[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*", locale)
    ):
        return None
    return locale


def user_from_row(row: UserRow) -> User:
    # Read from the loaded row only: a row just inserted has no failures, and touching an
    # unloaded attribute would mean lazy I/O, which async sessions forbid.
    return _user(row, bool(row.__dict__.get("has_unreported_failures", False)))


_USERS = cast(Table, UserRow.__table__)
_USER_FIELDS = select(_USERS, UNREPORTED_FAILURES)
_USERS_BY_IDS = _USER_FIELDS.where(_USERS.c.id.in_(bindparam("ids", expanding=True)))


def _user(row: Any, has_unreported_failures: bool) -> User:
    """A user from a row of `users` (an ORM row or a plain one with the same names)."""
    return User(
        id=row.id,
        platform=row.platform,
        workspace=row.workspace,
        external_id=row.external_id,
        display_name=row.display_name,
        settings=DeliverySettings(
            timezone=row.timezone,
            nudge_hour=row.nudge_hour,
            quiet_start=row.quiet_start,
            quiet_end=row.quiet_end,
            weekends=row.weekends,
            date_order=DateOrder(row.date_order) if row.date_order in {"dmy", "mdy"} else None,
        ),
        locale=row.locale,
        direct_channel=row.direct_channel,
        timezone_source=TimezoneSource(row.timezone_source),
        has_unreported_failures=has_unreported_failures,
    )

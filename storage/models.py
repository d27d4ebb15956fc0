"""The tables, as SQLAlchemy 2 typed declarative models.

One `metadata` with a naming convention, so constraint names are stable across backends and
migrations. Enum-like domain values are stored as their string values; instants as naive UTC
through `UtcDateTime`. Child rows are deleted by the database (`ON DELETE CASCADE`).
Relationships raise on lazy load: repositories load what they need with `selectinload`.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
    and_,
    case,
    exists,
    literal_column,
    or_,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, column_property, mapped_column, relationship

from storage.columns import UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Base(DeclarativeBase):
    metadata = metadata
    type_annotation_map = {datetime: UtcDateTime()}


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("platform", "workspace", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(128))
    external_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    timezone_source: Mapped[str] = mapped_column(String(16), default="default")
    nudge_hour: Mapped[time] = mapped_column(Time)
    quiet_start: Mapped[time] = mapped_column(Time)
    quiet_end: Mapped[time] = mapped_column(Time)
    weekends: Mapped[bool] = mapped_column(Boolean, default=False)
    date_order: Mapped[str | None] = mapped_column(String(3))  # "dmy" | "mdy" as the person chose
    locale: Mapped[str | None] = mapped_column(String(35))  # as the platform reports it
    # The bot's direct-message channel with the person, as the platform last gave it.
    direct_channel: Mapped[str | None] = mapped_column(String(128))
    next_number: Mapped[int] = mapped_column(Integer, default=1)
    failures_reported_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class ApplicationRow(Base):
    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("user_id", "number"),
        Index("ix_applications_user_id_status", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    company: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # The earliest due time among the nudges of the plan as last worked out (NOTHING_PLANNED
    # when it had none; NULL when never recorded). As time passes a plan only drops nudges, so
    # no later plan has anything due before it: `today` reads only applications due soon.
    plan_due_at: Mapped[datetime | None]

    rounds: Mapped[list[RoundRow]] = relationship(
        order_by="RoundRow.seq",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
    )
    events: Mapped[list[EventRow]] = relationship(
        order_by="EventRow.seq",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
    )


class RoundRow(Base):
    __tablename__ = "rounds"
    __table_args__ = (
        UniqueConstraint("application_id", "seq"),
        # Boards and digests count a week's interviews across a channel's members.
        Index("ix_rounds_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]

    interviewers: Mapped[list[InterviewerRow]] = relationship(
        order_by="InterviewerRow.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
    )


class InterviewerRow(Base):
    __tablename__ = "interviewers"
    __table_args__ = (UniqueConstraint("round_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("application_id", "seq"),
        # Boards and digests count a week's events across a channel's members.
        Index("ix_events_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    cycle: Mapped[str] = mapped_column(String(64))
    step: Mapped[str | None] = mapped_column(String(32))
    agreed_date: Mapped[date | None] = mapped_column(Date)
    until: Mapped[datetime | None]
    status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    person: Mapped[str | None] = mapped_column(Text)
    task: Mapped[str | None] = mapped_column(String(64))


class NudgeRow(Base):
    __tablename__ = "nudges"
    __table_args__ = (
        UniqueConstraint("application_id", "key"),
        # (Sweeps use the partial indexes below; a plain (state, due_at) index would tempt
        # SQLite to read every pending row instead.)
        Index("ix_nudges_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The user's platform, copied when the nudge is planned (a user never changes platform):
    # a sweep claims only what its process can deliver without joining users.
    platform: Mapped[str] = mapped_column(String(32), server_default="")
    key: Mapped[str] = mapped_column(String(255))
    step: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    cycle: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime]
    send_by: Mapped[datetime | None]
    no_agreed_date: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(64))
    claimed_by: Mapped[str | None] = mapped_column(String(255))
    lease_until: Mapped[datetime | None]
    attempted_at: Mapped[datetime | None]  # when the current (or last) attempt began
    unknown_since: Mapped[datetime | None]  # an attempt from then on may have reached the platform
    delivered_at: Mapped[datetime | None]
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # SQLite: bytes a waiting row holds for what its first claim writes, emptied by the claim,
    # so the row keeps its size and its page (the default is in the schema; migration 0015).
    claim_room: Mapped[bytes | None] = mapped_column(LargeBinary)


# Sweeps read pending nudges in the order they become claimable (the later of due and retry
# time, the same expression as `storage.sql.ready_at`) and claimed ones by lease end: partial
# indexes hold just those rows, so a sweep costs what is due, not what is stored.
Index(
    "ix_nudges_pending_ready_at",
    case(
        (
            and_(NudgeRow.retry_at.is_not(None), NudgeRow.retry_at > NudgeRow.due_at),
            NudgeRow.retry_at,
        ),
        else_=NudgeRow.due_at,
    ),
    postgresql_where=text("state = 'pending'"),
    sqlite_where=text("state = 'pending'"),
)
Index(
    "ix_nudges_claimed_lease_until",
    NudgeRow.lease_until,
    postgresql_where=text("state = 'claimed'"),
    sqlite_where=text("state = 'claimed'"),
)
# A sender renews its leases by claim token. Only claimed rows are in the index: one of every
# row holds each pending row under a NULL token, spread like the rows themselves, so a claim
# would read and write one more page for each row it takes.
Index(
    "ix_nudges_claimed_claim_token",
    NudgeRow.claim_token,
    postgresql_where=text("state = 'claimed'"),
    sqlite_where=text("state = 'claimed'"),
)

# Whether the user has failed nudges not yet reported to them, read with the user row itself
# so no command needs a query of its own: a correlated EXISTS answered from a partial index of
# failed nudges alone (the state is written into the SQL, so the index visibly applies).
# Spelled on the tables, so that plain (Core) reads of users can select it too.
_nudges, _users = NudgeRow.__table__.c, UserRow.__table__.c
Index(
    "ix_nudges_failed_user_id",
    _nudges.user_id,
    _nudges.failed_at,
    postgresql_where=text("state = 'failed'"),
    sqlite_where=text("state = 'failed'"),
)
UNREPORTED_FAILURES = (
    exists()
    .where(
        _nudges.user_id == _users.id,
        _nudges.state == literal_column("'failed'"),
        or_(_users.failures_reported_at.is_(None), _nudges.failed_at > _users.failures_reported_at),
    )
    .correlate_except(NudgeRow.__table__)
    .label("has_unreported_failures")
)
UserRow.has_unreported_failures = column_property(UNREPORTED_FAILURES)


class GroupChannelRow(Base):
    """A group channel. The owner is who turned group mode on; forgetting them leaves
    the channel without an owner rather than deleting the group's settings."""

    __tablename__ = "group_channels"
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(128))
    channel_id: Mapped[str] = mapped_column(String(128))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    enabled_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ChannelMemberRow(Base):
    """Someone who used the bot in a group channel, and whether they agreed to be named there."""

    __tablename__ = "channel_members"

    channel_id: Mapped[int] = mapped_column(
        ForeignKey("group_channels.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    opted_in: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime]
    opted_in_at: Mapped[datetime | None]


class ChannelShareRow(Base):
    """A milestone a member posted to a channel. `mark` names the milestone within the
    application, so the same one is not posted twice."""

    __tablename__ = "channel_shares"
    __table_args__ = (
        UniqueConstraint("channel_id", "application_id", "mark"),
        Index("ix_channel_shares_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("group_channels.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    mark: Mapped[str] = mapped_column(String(128))
    shared_at: Mapped[datetime]


class ChannelDigestRow(Base):
    """A channel's weekly digest: its schedule and its next due time, one row per channel, so
    a channel can never have two digests pending. A leased-queue row like a nudge
    (`storage.leases`): `pending` or `claimed`, with the same claim and attempt columns."""

    __tablename__ = "channel_digests"
    __table_args__ = (Index("ix_channel_digests_due_at", "due_at"),)

    channel_id: Mapped[int] = mapped_column(
        ForeignKey("group_channels.id", ondelete="CASCADE"), primary_key=True
    )
    weekday: Mapped[int] = mapped_column(Integer)
    at: Mapped[time] = mapped_column(Time)
    timezone: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), server_default="pending")
    retry_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim_token: Mapped[str | None] = mapped_column(String(64))
    claimed_by: Mapped[str | None] = mapped_column(String(255))
    lease_until: Mapped[datetime | None]
    attempted_at: Mapped[datetime | None]  # when the current (or last) attempt began
    unknown_since: Mapped[datetime | None]  # an attempt from then on may have reached the platform
    last_due_at: Mapped[datetime | None]
    last_posted_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class RequestReceiptRow(Base):
    """A platform request already taken (a Slack trigger or event id), kept for the replay
    window so a retried or replayed request is acknowledged without running again — by any
    process sharing the database. Also the row `/healthz` writes to prove the database takes
    writes (key `health:<worker>`)."""

    __tablename__ = "request_receipts"
    __table_args__ = (Index("ix_request_receipts_received_at", "received_at"),)

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime] = mapped_column()


class InvitationLinkRow(Base):
    """Which round an imported calendar invitation became, so its update or cancellation
    finds it. `key` is a hash of the invitation's UID (the UID itself is not kept)."""

    __tablename__ = "invitation_links"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    round_seq: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    linked_at: Mapped[datetime]


class CalendarFeedRow(Base):
    """A person's private calendar subscription: only the SHA-256 of its secret is stored,
    so the database alone can't be used to read anyone's feed."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime]


class FeedEventRow(Base):
    """What subscribers last saw of one event of a person's feed: a changed event gets a
    higher SEQUENCE and a new LAST-MODIFIED, as calendar clients expect."""

    __tablename__ = "feed_events"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    uid: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    modified_at: Mapped[datetime]

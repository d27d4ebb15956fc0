"""The ports: what the core needs from the outside world, as `Protocol`s.

`storage/` implements the unit of work and repositories; each adapter implements a
`Notifier` (direct messages) and a `ChannelPoster` (posts for a group channel). The core is
handed these and never builds them itself.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Protocol, TypeVar

from bot.domain import (
    Application,
    DeliverySettings,
    Event,
    FeedRevision,
    Identity,
    InvitationLink,
    NewRound,
    Nudge,
    NudgeState,
    PlannedNudge,
    TimezoneSource,
    User,
)
from bot.groups import (
    ActivityCount,
    ChannelRef,
    ClaimedDigest,
    DigestSchedule,
    GroupChannel,
    Member,
    MilestoneKind,
)
from bot.messages import Message


class UserRepository(Protocol):
    async def get_or_create(self, identity: Identity, now: datetime) -> User:
        """The user for this identity, created on first contact. A valid platform timezone hint
        is taken on creation, and later too while the user has not chosen one themselves."""
        ...

    async def get(self, user_id: int) -> User | None: ...

    async def get_many(self, user_ids: Collection[int]) -> dict[int, User]: ...

    async def find(self, identity: Identity) -> User | None: ...

    async def known(self, identity: Identity) -> User | None:
        """`find`, taking the platform's latest hints as `get_or_create` does; never creates."""
        ...

    async def update_settings(
        self, user_id: int, settings: DeliverySettings, source: TimezoneSource
    ) -> User: ...

    async def forget(self, user_id: int) -> None:
        """Delete every row about the user: applications, rounds, events, nudges, channel
        memberships, opt-ins and shares, the user; channels they own are left without an owner."""
        ...

    async def forget_workspace(self, platform: str, workspace: str) -> int:
        """`forget` for every user of the workspace; returns how many there were."""
        ...


class ApplicationRepository(Protocol):
    async def create(
        self, user_id: int, company: str, role: str, first_round: NewRound, now: datetime
    ) -> Application:
        """Store a new application with its first round; numbers are per user, from 1."""
        ...

    async def get(self, application_id: int) -> Application | None: ...

    async def get_many(self, application_ids: Collection[int]) -> dict[int, Application]:
        """Several applications by id, in a few queries; missing ids are left out."""
        ...

    async def get_by_number(self, user_id: int, number: int) -> Application | None: ...

    async def list_for_user(
        self, user_id: int, *, active_only: bool = False, due_by: datetime | None = None
    ) -> list[Application]:
        """The user's applications by number; with `due_by`, only those whose plan, when last
        worked out, had a nudge due by then (none with anything due by then is left out)."""
        ...

    async def set_plan_due(self, dues: Mapping[int, datetime | None]) -> None:
        """Record, for each application id, the earliest due time of its plan just worked out
        (None: it has no nudges)."""
        ...

    async def add_round(
        self, application_id: int, new_round: NewRound, now: datetime
    ) -> Application: ...

    async def replace_round(
        self, application_id: int, seq: int, new_round: NewRound, now: datetime
    ) -> Application:
        """Correct round `seq` (its kind, times and interviewers); its number stays."""
        ...

    async def remove_round(self, application_id: int, seq: int, now: datetime) -> Application:
        """Remove round `seq`; the other rounds keep their numbers."""
        ...

    async def add_event(self, application_id: int, event: Event) -> Application:
        """Append an event; a STATUS event also sets the application's status."""
        ...

    async def delete(self, application_id: int) -> None: ...


T_co = TypeVar("T_co", covariant=True)


class LeasedRepository(Protocol[T_co]):
    """A leased queue's rows (nudges, digests), as `bot.leased_queue` works them: claimed with
    a short lease and a fresh token, renewed while they are sent, and finished only by the
    holder of the token. A `platforms` filter keeps a process to what it can deliver; a
    `people` filter (external ids) to the people it serves (a console), where items belong to
    people at all."""

    async def next_due_at(
        self, platforms: Collection[str] | None = None, people: Collection[str] | None = None
    ) -> datetime | None:
        """The earliest time at which a row can be claimed: a waiting one's due (or retry)
        time, or a claimed one's lease end."""
        ...

    async def claim_due(
        self,
        now: datetime,
        worker: str,
        lease: timedelta,
        limit: int,
        platforms: Collection[str] | None = None,
        people: Collection[str] | None = None,
    ) -> Sequence[T_co]:
        """Atomically claim up to `limit` due rows (waiting and due, or claimed with an expired
        lease) for `worker`, until `now + lease`. Never hands one row to two workers whose
        leases overlap; a row taken over from an expired lease comes with `unknown_since` set."""
        ...

    async def renew(self, claim_tokens: Collection[str], lease_until: datetime) -> set[str]:
        """Extend the leases still held under these claim tokens; returns the tokens that hold."""
        ...

    async def mark_retry(
        self, item_id: int, claim_token: str, retry_at: datetime, error: str
    ) -> bool:
        """Waiting again from `retry_at`, the attempt counted; False if the claim was lost."""
        ...

    async def mark_unknown(
        self, item_id: int, claim_token: str, verify_at: datetime, error: str
    ) -> bool:
        """The attempt's outcome is unknown: waiting again from `verify_at`, to be verified."""
        ...


class NudgeRepository(LeasedRepository[Nudge], Protocol):
    async def sync(
        self, application: Application, planned: Sequence[PlannedNudge], now: datetime
    ) -> None:
        """Make the application's pending nudges match the plan: insert new keys, move changed
        due times, delete pending nudges the plan no longer has. Keys already delivered or
        failed are never inserted again. A new nudge whose due time has passed is due `now`."""
        ...

    async def sync_many(
        self, plans: Sequence[tuple[Application, Sequence[PlannedNudge]]], now: datetime
    ) -> None:
        """`sync` for each application with its plan, in a few statements for them all."""
        ...

    async def for_application(self, application_id: int) -> list[Nudge]: ...

    async def for_user(self, user_id: int, state: NudgeState | None = None) -> list[Nudge]: ...

    async def get(self, nudge_id: int) -> Nudge | None: ...

    async def mark_delivered_many(
        self, deliveries: Sequence[tuple[int, str, bool]], at: datetime
    ) -> set[int]:
        """Record many (nudge id, claim token, late) deliveries; returns the ids recorded."""
        ...

    async def mark_failed(
        self, nudge_id: int, claim_token: str, at: datetime, error: str
    ) -> bool: ...

    async def unreported_failures(self, user_id: int) -> list[Nudge]:
        """Failed nudges the user has not been told about yet."""
        ...

    async def mark_failures_reported(self, user_id: int, at: datetime) -> None: ...


class GroupRepository(Protocol):
    """Group channels, their members and opt-ins, and the milestones members shared."""

    async def get(self, ref: ChannelRef) -> GroupChannel | None: ...

    async def get_by_id(self, channel_id: int) -> GroupChannel | None: ...

    async def enable(self, ref: ChannelRef, owner_id: int, now: datetime) -> GroupChannel:
        """Turn group mode on (creating the channel on first use); `owner_id` becomes the owner."""
        ...

    async def disable(self, channel_id: int, now: datetime) -> GroupChannel:
        """Turn group mode off and drop the digest schedule: no digest is posted after this."""
        ...

    async def drop(
        self, platform: str, workspace: str, channel_ids: Collection[str] | None = None
    ) -> int:
        """Delete the workspace's group channels (only `channel_ids` when given) with their
        members, opt-ins, shares and digest schedules; returns how many channels went."""
        ...

    async def join(self, channel_id: int, user_id: int, now: datetime) -> None:
        """Record the user as a member (idempotent, safe under concurrent first use)."""
        ...

    async def set_opt_in(
        self, channel_id: int, user_id: int, opted_in: bool, now: datetime
    ) -> None: ...

    async def members(self, channel_id: int) -> list[Member]: ...

    async def record_share(
        self,
        channel_id: int,
        user_id: int,
        application_id: int,
        kind: MilestoneKind,
        mark: str,
        now: datetime,
    ) -> bool:
        """Remember a posted milestone (`mark` identifies it within the application); False if
        this very milestone was already shared in the channel."""
        ...


    async def activity(
        self, channel_id: int, since: datetime, until: datetime
    ) -> list[ActivityCount]:
        """What the channel's members did in (since, until], counted per member: interviews
        held, follow-ups sent per step, replies heard, offers. Counts only: no company, role or
        person is read."""
        ...


class DigestRepository(LeasedRepository[ClaimedDigest], Protocol):
    """The digest schedule: one row per channel with a digest, a leased queue like nudges
    (`people` narrows nothing: a digest belongs to a channel)."""

    async def set_schedule(
        self, channel_id: int, schedule: DigestSchedule | None, due_at: datetime | None
    ) -> None:
        """Set (or with None, remove) the channel's digest; a claim in flight loses its hold."""
        ...

    async def schedules(self) -> list[GroupChannel]:
        """Every enabled channel with a digest schedule (to rebuild wake-up jobs on start)."""
        ...

    async def mark_posted(
        self, channel_id: int, claim_token: str, at: datetime, next_due: datetime
    ) -> bool:
        """Record the post and move the schedule on to `next_due`; False if the claim was lost."""
        ...

    async def mark_skipped(
        self, channel_id: int, claim_token: str, error: str, next_due: datetime | None
    ) -> bool:
        """Give up on this week's digest (recording why) and move on to `next_due` (with None,
        the digest is removed)."""
        ...


class CalendarRepository(Protocol):
    """Calendar links: which round an imported invitation became, and the person's private
    subscription feed (only a hash of its secret) with what subscribers last saw of each event."""

    async def invitation(self, user_id: int, key: str) -> InvitationLink | None: ...

    async def link_invitation(self, user_id: int, link: InvitationLink, now: datetime) -> None:
        """Remember (or update) which round invitation `link.key` is."""
        ...

    async def unlink_invitation(self, user_id: int, key: str) -> None: ...

    async def feed_issued_at(self, user_id: int) -> datetime | None:
        """When the person's current subscription secret was issued, or None without one."""
        ...

    async def issue_feed(self, user_id: int, secret_hash: str, now: datetime) -> None:
        """Store a new secret's hash, replacing (revoking) any earlier one."""
        ...


    async def feed_owner(self, secret_hash: str) -> tuple[int, str] | None:
        """(user id, stored hash) of the feed with this hash, or None."""
        ...

    async def feed_revisions(self, user_id: int) -> dict[str, FeedRevision]: ...

    async def save_feed_revisions(
        self, user_id: int, revisions: Sequence[FeedRevision], gone: Collection[str]
    ) -> None:
        """Store changed or new revisions, and drop those of events no longer in the feed."""
        ...


class UnitOfWork(Protocol):
    users: UserRepository
    applications: ApplicationRepository
    nudges: NudgeRepository
    groups: GroupRepository
    digests: DigestRepository
    calendar: CalendarRepository

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""
        ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class DeliveryError(Exception):
    """A platform refused or failed to deliver a message."""


class TransientDeliveryError(DeliveryError):
    """Worth retrying: rate limits, server errors, timeouts."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class UnknownDeliveryOutcome(DeliveryError):
    """The message may or may not have arrived: the platform never answered (a timeout, the
    connection cut after the request was written). Verified before any new attempt, never
    simply sent again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PermanentDeliveryError(DeliveryError):
    """Not worth retrying: the user left, blocked the bot, the token was revoked."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Delivery:
    """What makes one send (a nudge, a digest) recognisable when it is made again."""

    key: str  # the same on every attempt at this item, different for every other item
    unknown_since: datetime | None = None  # an attempt from then on may have arrived unseen
    kind: str = "nudge"  # what is delivered ("nudge", "digest"): names the key where it is kept


class Notifier(Protocol):
    """Delivers a direct message to a user on one platform.

    A notifier may say how many sends its platform's rate limits make worth running at once
    (an int attribute `max_in_flight`); the dispatcher claims no more nudges than that for the
    platform at a time (`bot.leased_queue.DEFAULT_IN_FLIGHT` otherwise)."""

    async def send_direct(
        self, user: User, message: Message, delivery: Delivery | None = None
    ) -> None:
        """Deliver, or raise TransientDeliveryError / PermanentDeliveryError /
        UnknownDeliveryOutcome. With `delivery`, the send carries its key where the platform
        can recognise it, and when `delivery.unknown_since` is set the notifier first looks
        for a message already delivered (returning without sending if it finds one)."""
        ...


class ChannelPoster(Protocol):
    """Posts a message for everyone in a channel on one platform (a shared milestone, the
    board, a weekly digest). The message is public: `message.private` is False."""

    async def post(
        self, channel: ChannelRef, message: Message, delivery: Delivery | None = None
    ) -> None:
        """Post, or raise TransientDeliveryError / PermanentDeliveryError. A permanent error's
        `reason` is shown to the person who asked (e.g. "invite me first: /invite @Followup").

        With `delivery` (a queued post: a weekly digest) the post is made recognisable like a
        nudge (`Notifier.send_direct`): it may also raise UnknownDeliveryOutcome, and when
        `delivery.unknown_since` is set the poster first looks for the post already made.
        A poster may say how many posts to run at once (`max_in_flight`), like a notifier."""
        ...

"""The person's dashboard (Slack's App Home): one card per application that is still in play,
each with what it is, where it stands, when the next nudge comes and the buttons that act on
it; a summary line on top and the delivery settings below.

When there are many, the cards come in pages (`bot.paging.HOME`: at most 15 a page, within a
weight that a Home tab's 100 blocks and its text hold), with Previous and Next buttons
(`fu:page:<user>:home.<n>`) that the core checks and clamps like every page button.

The cards are the same applications `list` shows (active ones, and any other with an email
still owed), ordered by what needs the person first: the soonest-due email at the top, then
the ones with nothing scheduled, by number. A card's buttons are bound to its current step
(`fu:<verb>:<ref>:<task>`), so a press acts on that step only; the core checks on every press
that the presser owns the application.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot import commands as c
from bot import formatting, paging, views
from bot.actions import LABELS, Verb, action
from bot.domain import Application, Plan, Status
from bot.handlers import account
from bot.handlers.context import Context
from bot.messages import Action, Field, Message, Page
from bot.paging import View

CARD_VERBS = (Verb.SENT, Verb.SNOOZE, Verb.DRAFT, Verb.CHECKLIST, Verb.SHOW, Verb.SKIP, Verb.DELETE)
UNBOUND = (Verb.SHOW, Verb.DELETE)  # about the application, not one of its steps


@dataclass(frozen=True)
class Card:
    """One application on the dashboard; every string is as the person typed it or as the
    core words it, in the person's timezone."""

    number: int
    company: str
    role: str
    step: str  # "thank-you to Jane Doe" or the status when nothing is owed
    due: str  # "due now, send by tomorrow 12:00", "Thu 26 Nov 09:00" or ""
    next_nudge: str  # when the bot next writes about it, or ""
    actions: tuple[Action, ...]

    @property
    def label(self) -> str:
        return f"#{self.number} {self.company} — {self.role}"


@dataclass(frozen=True)
class Dashboard:
    """`summary`: the welcome for someone new, the error when the dashboard couldn't be read,
    or a short overview (its footer carries the core's notices); `cards` (this page's) and
    `settings` are empty in the first two cases. `page`, `pager` (Previous / Next) and
    `page_note` ("Page 2 of 3.") are set only when the cards come in pages."""

    summary: Message
    cards: tuple[Card, ...] = ()
    settings: tuple[Field, ...] = ()
    page: Page | None = None
    pager: tuple[Action, ...] = ()
    page_note: str = ""


def _step(app: Application, plan: Plan) -> str:
    current = plan.current
    if current is None:
        return app.status.value
    if current.variant.is_thank_you and current.everyone:
        return f"{current.variant.label} to {views.recipients(current)}"
    return current.variant.label


def _next_nudge(plan: Plan, now: datetime, ctx: Context) -> str:
    coming = [n.due_at for n in plan.nudges if n.due_at > now]
    return formatting.when(min(coming), ctx.settings, now) if coming else ""


@dataclass(frozen=True)
class _Face:
    """A card before its buttons are made: what it says, and so what it weighs. Every card is
    weighed to cut the pages, but only the cards of the page shown get their buttons."""

    app: Application
    plan: Plan
    step: str
    due: str
    next_nudge: str

    @property
    def verbs(self) -> tuple[Verb, ...]:
        return UNBOUND if self.plan.current is None else CARD_VERBS

    def weight(self) -> int:
        return _weigh(
            f"{self.app.label}{self.step}{self.due}{self.next_nudge}", _BUTTONS_WEIGHT[self.verbs]
        )

    def card(self) -> Card:
        app, current = self.app, self.plan.current
        buttons = tuple(
            action(verb, app.id, None if current is None or verb in UNBOUND else current.key)
            for verb in self.verbs
        )
        return Card(
            app.number, app.company, app.role, self.step, self.due, self.next_nudge, buttons
        )


def _face(app: Application, plan: Plan, ctx: Context) -> _Face:
    due = views.due_phrase(plan.current, ctx.settings, ctx.now) if plan.current is not None else ""
    return _Face(app, plan, _step(app, plan), due, _next_nudge(plan, ctx.now, ctx))


def _order(face: _Face) -> tuple[int, float, int]:
    current = face.plan.current
    return (
        (0, current.due_at.timestamp(), face.app.number)
        if current is not None
        else (1, 0.0, face.app.number)
    )


CARD_FRAME = 40  # what a card's layout adds to its text, weighed like text


def _buttons_weight(labels: Iterable[str]) -> int:
    return sum(paging.weight(label) for label in labels)


_BUTTONS_WEIGHT: dict[tuple[Verb, ...], int] = {
    verbs: _buttons_weight(LABELS[verb] for verb in verbs) for verbs in (CARD_VERBS, UNBOUND)
}


def _weigh(text: str, buttons: int) -> int:
    return paging.weight(text) + buttons + CARD_FRAME


def weight(item: Card) -> int:
    """What a card may weigh once a platform has escaped it (`bot.paging.weight`)."""
    return _weigh(
        f"{item.label}{item.step}{item.due}{item.next_nudge}",
        _buttons_weight(a.label for a in item.actions),
    )


async def build(ctx: Context, page: int = 1) -> Dashboard:
    """The dashboard with page `page` of the cards (clamped to the pages there are)."""
    shown = [(app, ctx.plan(app)) for app in await ctx.applications()]
    faces = sorted(
        (_face(app, plan, ctx) for app, plan in shown if app.status is Status.ACTIVE or plan.tasks),
        key=_order,
    )
    due = sum(
        1 for face in faces if face.plan.current is not None and face.plan.current.due_at <= ctx.now
    )
    settings = (await account.settings(c.Settings(), ctx)).fields
    if not faces:
        summary = Message(
            title="No applications in play", body="Log an interview and its follow-ups appear here."
        )
        return Dashboard(summary=summary, settings=settings)
    waiting = f"{due} email{'s' if due != 1 else ''} due now" if due else "nothing due now"
    summary = Message(
        title=f"Your applications ({len(faces)} active)",
        body=f"{waiting} · {formatting.absolute(ctx.now, ctx.settings)}",
    )
    pages = paging.paginate(faces, _Face.weight, paging.HOME)
    if len(pages) == 1:
        return Dashboard(
            summary=summary, cards=tuple(face.card() for face in faces), settings=settings
        )
    count = min(len(pages), paging.MOST_PAGES)
    number = paging.clamp(page, count)
    return Dashboard(
        summary=summary,
        cards=tuple(face.card() for face in pages[number - 1]),
        settings=settings,
        page=Page(View.HOME.value, number, count),
        pager=paging.page_actions(View.HOME, ctx.user.id, number, count),
        page_note=paging.page_footer(number, count),
    )


def as_message(board: Dashboard) -> Message:
    """The dashboard's page as one message: the answer to a Home page button (the adapter
    shows that page of its own dashboard) and what a platform without one could show."""
    lines = [
        f"{item.label} · {item.step}" + (f" · {item.due}" if item.due else "")
        for item in board.cards
    ]
    footer = "\n".join(part for part in (board.summary.footer, board.page_note) if part)
    page = board.page or Page(View.HOME.value, 1, 1)
    summary = board.summary
    return Message(
        title=summary.title,
        body="\n".join(lines) or summary.body,
        fields=board.settings,
        footer=footer,
        actions=board.pager,
        tone=summary.tone,
        page=page,
    )

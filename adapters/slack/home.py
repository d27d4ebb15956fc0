"""The App Home tab as a dashboard, published with `views.publish`.

Layout, top to bottom: a header (the core's summary title), a toolbar ("Log an interview"
opens the add form, "Settings" the settings modal), the result of the last press on Home
(its title, with the tone's emoji, and for a read — a draft, a checklist, `show` — its whole
text), the summary line and the core's notices, then one card per application: a section
(company and role, current step and when it is due, when the next nudge comes, all in the
person's timezone) with its own buttons right under it, then the page buttons and the
delivery settings. The pages and their Previous / Next buttons are the core's (`bot.paging`,
through `bot.dashboard`); the view remembers its page in `private_metadata`, so a press on
page 3 comes back to page 3.

Every piece of user text is `plain_text` and escaped (`blocks.safe`), as everywhere on Slack:
a company typed as `*Acme* <!here>` arrives as typed and pings nobody. Someone the bot doesn't
know (including right after `forget-me`) gets the core's welcome, and nothing is stored.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError, SlackObjectFormationError
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import (
    HEADER_TEXT,
    SECTION_TEXT,
    TONE_EMOJI,
    Block,
    action_blocks,
    button,
    content_blocks,
    context,
    plain,
    section,
)
from adapters.slack.escape import safe
from bot.content import word
from bot.dashboard import Card, Dashboard
from bot.domain import Identity
from bot.messages import Field, Message
from bot.service import Followup

log = logging.getLogger(__name__)

OPEN_ADD_FORM = "followup:add-form"  # the toolbar's "Log an interview" button
OPEN_SETTINGS = "followup:settings"  # the toolbar's "Settings" button
HOME_CALLBACK = "followup-home"
HOME_VIEW = "home"  # the core's name for Home's pages (`bot.paging.View.HOME`)
SURFACE_BLOCKS = 100  # Slack's limit for a Home view
RESULT_BLOCKS = 24  # the most a press's result may take at the top
DIVIDER: Block = {"type": "divider"}


def _toolbar(known: bool) -> list[Block]:
    add = {
        "type": "button",
        "text": plain(word("home", "log-interview")),
        "action_id": OPEN_ADD_FORM,
        "value": "add",
        "style": "primary",
    }
    elements = [add]
    if known:
        elements.append(
            {
                "type": "button",
                "text": plain(word("home", "settings")),
                "action_id": OPEN_SETTINGS,
                "value": "settings",
            }
        )
    return [{"type": "actions", "block_id": "fu-home-toolbar", "elements": elements}]


def _result(message: Message, shown: set[str]) -> list[Block]:
    """The answer to the last press: its title always, its text for a read, and any of its
    buttons the page doesn't already carry (say, "Yes, I sent it")."""
    title = safe(TONE_EMOJI.get(message.tone, "") + message.title, SECTION_TEXT)
    blocks: list[Block] = [section("fu-result", title)]
    blocks += [b for b in content_blocks(message) if b["block_id"] != "fu-title"]
    buttons = action_blocks(
        [a for a in message.actions if a.id not in shown], prefix="fu-result-actions"
    )
    blocks = blocks[: RESULT_BLOCKS - len(buttons)] + buttons
    return blocks + [DIVIDER]


def card_text(card: Card) -> str:
    step = (
        word("home", "step-due", step=card.step, due=card.due)
        if card.due
        else word("home", "step", step=card.step)
    )
    lines = [card.label, step]
    lines.append(
        word("home", "next-nudge", when=card.next_nudge)
        if card.next_nudge
        else word("home", "no-nudge")
    )
    return "\n".join(lines)


def _card(card: Card) -> list[Block]:
    text = section(f"fu-card-{card.number}", safe(card_text(card), SECTION_TEXT))
    buttons = {
        "type": "actions",
        "block_id": f"fu-card-{card.number}-actions",
        "elements": [button(a) for a in card.actions],
    }
    return [text, buttons, DIVIDER]


def _pager(board: Dashboard) -> list[Block]:
    """The core's Previous / Next, and where this page is."""
    if not board.pager:
        return []
    return [
        {
            "type": "actions",
            "block_id": "fu-home-pages",
            "elements": [button(a) for a in board.pager],
        },
        context("fu-home-page", safe(board.page_note, SECTION_TEXT)),
    ]


def _settings(fields: tuple[Field, ...]) -> list[Block]:
    if not fields:
        return []
    lines = "\n".join(f"{f.label}: {f.value}" for f in fields)
    return [
        section(
            "fu-home-settings", safe(word("home", "your-settings", settings=lines), SECTION_TEXT)
        )
    ]


def home_view(board: Dashboard, *, result: Message | None = None) -> View:
    """The Home tab for the dashboard's page, with `result` (the last press's answer) on top."""
    summary = board.summary
    known = bool(board.settings)
    shown = {a.id for card in board.cards for a in card.actions}
    blocks: list[Block] = []
    if known:
        blocks.append(
            {
                "type": "header",
                "block_id": "fu-title",
                "text": plain(safe(summary.title, HEADER_TEXT)),
            }
        )
    blocks += _toolbar(known)
    if result is not None:
        blocks += _result(result, shown)
    if known:
        overview = "\n".join(part for part in (summary.body, summary.footer) if part)
        if overview:
            blocks.append(context("fu-home-summary", safe(overview, SECTION_TEXT)))
        blocks.append(DIVIDER)
    else:  # the welcome, or why the dashboard can't be shown
        blocks += content_blocks(summary)
    for item in board.cards:
        blocks += _card(item)
    tail = _pager(board) + _settings(board.settings)
    blocks = blocks[: SURFACE_BLOCKS - len(tail)] + tail
    page = board.page.number if board.page else 1
    return View(
        type="home",
        callback_id=HOME_CALLBACK,
        blocks=blocks,
        private_metadata=json.dumps({"page": page}),
    )


def page_of(body: dict[str, Any]) -> int:
    """The page the Home view pressed in was showing (1 when it can't be read; the core
    clamps a page that no longer exists)."""
    view = body.get("view")
    try:
        page = (
            json.loads(str(view.get("private_metadata") or "{}")).get("page", 1)
            if isinstance(view, dict)
            else 1
        )
    except (ValueError, AttributeError):
        return 1
    return page if isinstance(page, int) and not isinstance(page, bool) and 1 <= page <= 9999 else 1


def is_home(body: dict[str, Any]) -> bool:
    """Whether a press came from the Home tab (rather than a message or a modal)."""
    view, container = body.get("view"), body.get("container")
    return (
        isinstance(view, dict)
        and view.get("type") == "home"
        and (not isinstance(container, dict) or container.get("type") == "view")
    )


class HomeTab:
    def __init__(self, followup: Followup) -> None:
        self._followup = followup

    async def publish(
        self, client: AsyncWebClient, who: Identity, *, result: Message | None = None, page: int = 1
    ) -> bool:
        """Publish page `page` of the person's Home (with `result` at the top); False when
        Slack refused."""
        return await self._send(
            client, who.user_id, home_view(await self._followup.home(who, page), result=result)
        )

    async def answer(
        self, client: AsyncWebClient, who: Identity, reply: Message, page: int
    ) -> bool:
        """Answer a press made on Home, on Home: a page button's answer is that page; any other
        answer goes on top of the page the press was made on. False when Slack refused."""
        if reply.page is not None and reply.page.view == HOME_VIEW and not reply.is_error:
            return await self.publish(client, who, page=reply.page.number)
        return await self.publish(client, who, result=reply, page=page)

    async def publish_failure(self, client: AsyncWebClient, user_id: str, reply: Message) -> bool:
        """Home when even reading the dashboard failed: the failure and the toolbar."""
        return await self._send(client, user_id, home_view(Dashboard(reply)))

    async def after(self, client: AsyncWebClient, who: Identity, reply: Message) -> None:
        """Refresh the Home tab when the reply says the user's data changed."""
        if reply.changed and not reply.is_error:
            await self.publish(client, who)

    @staticmethod
    async def _send(client: AsyncWebClient, user_id: str, view: View) -> bool:
        try:
            await client.views_publish(user_id=user_id, view=view)
        except (SlackApiError, SlackClientError, SlackObjectFormationError, OSError) as problem:
            log.warning("views.publish failed for %s: %s", user_id, problem)
            return False
        return True


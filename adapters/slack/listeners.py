"""The bolt listeners: translate a Slack payload into a core call, then answer.

Each listener is acked first (Slack wants an answer within 3 seconds; the core's reply goes out
afterwards through `respond`/`response_url`), by the guard (`guard.answering`), which then
drops a repeated request before anything runs; except the form submission, which must know
whether the core accepted the form before it can close it or show inline errors, and so takes
`ack` and gives it itself.

A command typed in a channel carries a `Place` whose `can_manage` says whether the person is a
workspace admin or owner (`People.can_manage`); the core decides what that allows. When the
bot itself joins a channel (`member_joined_channel`), it posts its group-mode intro there.

A press on the Home tab (a card's button, a page button) and a form opened from there are
answered on Home itself (`HomeTab`: published again with the answer on top), by DM only when
Slack refuses to publish it. Home's settings have their own listeners (`home_listeners`).

A message typed in the bot's DM (`message.im`) is a command line, like `/followup` without
the slash: it runs and is answered in the message's thread. Messages from bots (this one
included), edits, deletions and other subtypes are ignored.

The core says what kind of answer it gives (`Message.reply`), and the listeners follow it: a
form to open (`add`, `round <id>`, `review <id>` alone; the message is the answer when Slack
won't open it), an edit of the message whose button was pressed (its new state, the next page
of a long `list`, `today` or `show`, the answer to a question), or a new message. "Log an
interview" and "Log as an interview" (shortcuts.py) and an imported invitation's "Edit first"
open forms of their own.

When the app is removed from a workspace (`app_uninstalled`, or `tokens_revoked` for its bot
token), the installation goes from bolt's store (bolt's own revocation listeners do it) and
everything about the workspace's people is erased (`Followup.erase_workspace`).

Every listener is also an error boundary for what happens outside the core (looking people
up, opening forms, answering, publishing App Home): whatever fails there is logged once, with
the request id, and the person gets the core's neutral "nothing was changed, try again"
answer when Slack still lets us reach them — in the form itself for a form submission.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.listener.async_builtins import AsyncTokenRevocationListeners
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.directory import PLATFORM, DirectChannels, People
from adapters.slack.escape import typed
from adapters.slack.groups import joined_intro, post_to_channel
from adapters.slack.guard import answering
from adapters.slack.home import HomeTab, is_home, page_of
from adapters.slack.home_listeners import HomeListeners
from adapters.slack.invitations import FileTooBig, download, edit_form, no_form, share_failed
from adapters.slack.invitations import decode as decode_proposal
from adapters.slack.modal import (
    REVIEW_FORM,
    Origin,
    add_form,
    core_errors,
    read_add,
    read_review,
    read_round_form,
    review_errors,
    review_form,
    round_form,
)
from adapters.slack.replies import Replies
from adapters.slack.shortcuts import calendar_files, form_not_opened, message_text
from bot import commands as c
from bot.domain import Identity, Place
from bot.messages import Form, FormKind, Message, Reply
from bot.ports import DeliveryError
from bot.service import Followup

log = logging.getLogger(__name__)


COMMAND_PREFIX = "/followup"


def typed_by_a_person(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """A plain message a person typed in a DM with the bot: no subtype (edits, deletions,
    joins, bot posts all have one), no bot behind it, not our own, with text to run."""
    if (
        event.get("channel_type") != "im"
        or event.get("subtype")
        or event.get("bot_id")
        or event.get("bot_profile")
    ):
        return False
    user, text = event.get("user"), event.get("text")
    if not isinstance(user, str) or not user or user == bot_user_id:
        return False
    return (
        isinstance(text, str)
        and bool(text.strip())
        and isinstance(event.get("channel"), str)
        and isinstance(event.get("ts"), str)
    )


def team_of(context: AsyncBoltContext, body: dict[str, Any]) -> str:
    team = (
        context.team_id
        or context.enterprise_id
        or body.get("team_id")
        or (body.get("team") or {}).get("id")
    )
    return str(team or "")


class Listeners:
    def __init__(
        self,
        followup: Followup,
        people: People,
        channels: DirectChannels,
        replies: Replies,
        home: HomeTab,
        installations: AsyncInstallationStore | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self._followup = followup
        self._session = session  # downloads of files shared with the bot
        self._people = people
        self._channels = channels
        self._replies = replies
        self._home = home
        self.home_screen = HomeListeners(followup, people, home)  # Home's own controls
        self._revocations = (
            AsyncTokenRevocationListeners(installations) if installations is not None else None
        )

    async def tell_failure(self, kwargs: dict[str, Any], reply: Message, ack: Any) -> None:
        body = kwargs.get("command") or kwargs.get("body") or {}
        try:
            view = kwargs.get("view")
            if ack is not None and isinstance(view, dict):
                values = (view.get("state") or {}).get("values") or {}
                errors = (
                    review_errors(reply)
                    if view.get("callback_id") == REVIEW_FORM
                    else core_errors(reply, values)
                )
                await ack(response_action="errors", errors=errors)
                return
            if ack is not None:
                await ack()
            user = body.get("user_id") or (body.get("user") or {}).get("id")
            client, context = kwargs.get("client"), kwargs.get("context")
            if (
                user
                and client is not None
                and is_home(body)
                and await self._home.publish_failure(client, user, reply)
            ):
                return
            if not user or client is None or context is None or kwargs.get("event") is not None:
                return
            await self._replies.answer(
                client,
                team_of(context, body),
                user,
                reply,
                response_url=body.get("response_url"),
                direct=True,
            )
        except Exception as problem:  # Slack can't be reached either: the log line is all there is
            log.warning("couldn't tell the person about the failure: %s", type(problem).__name__)

    @answering
    async def on_command(
        self, command: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        team, user, channel = (
            team_of(context, command),
            command["user_id"],
            command.get("channel_id", ""),
        )
        who = await self._people.identity(client, team, user)
        direct = await self._channels.is_direct(client, team, user, channel)
        reply = await self._followup.handle_text(
            who, command.get("text") or "", await self._place(client, team, user, channel, direct)
        )
        if reply.form is not None and await self._open_view(
            client, command.get("trigger_id"), self._view(reply.form, command, direct, who)
        ):
            return
        await self._replies.answer(
            client, team, user, reply, response_url=command.get("response_url"), direct=direct
        )
        await self._home.after(client, who, reply)

    @answering
    async def on_action(
        self,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        team, user, channel, who, direct = await self._presser(client, context, body)
        place = await self._place(client, team, user, channel, direct)
        # "Yes, log it" under an imported invitation carries the proposal in its value
        proposal = decode_proposal(action.get("value"))
        reply = await self._followup.handle_action(who, action["action_id"], place, proposal)
        # answered on Home itself, in place; by DM only if Home can't be published
        if is_home(body):
            if not await self._home.answer(client, who, reply, page_of(body)):
                await self._replies.answer(
                    client, team, user, reply, response_url=None, direct=True
                )
            return
        in_place = reply.reply is Reply.EDIT
        await self._replies.answer(
            client,
            team,
            user,
            reply,
            response_url=body.get("response_url"),
            direct=direct,
            replace_original=in_place,
        )
        await self._home.after(client, who, reply)

    @answering
    async def on_message(
        self,
        event: dict[str, Any],
        body: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        if not typed_by_a_person(event, context.bot_user_id):
            return
        team, user, channel = team_of(context, body), str(event["user"]), str(event["channel"])
        text = typed(str(event.get("text") or "")).strip()
        text = (
            text.removeprefix(COMMAND_PREFIX).strip() if text.startswith(COMMAND_PREFIX) else text
        )
        who = await self._people.identity(client, team, user)
        reply = await self._followup.handle_text(who, text, Place(channel, True))
        thread = (channel, str(event.get("thread_ts") or event.get("ts") or ""))
        await self._replies.answer(
            client, team, user, reply, response_url=None, direct=True, thread=thread
        )
        await self._home.after(client, who, reply)

    @answering
    async def on_open_form(
        self, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        """The Home tab's "Log an interview" button, and the global shortcut of that name."""
        team, user = team_of(context, body), (body.get("user") or {}).get("id", "")
        who = await self._people.identity(client, team, user)
        home = is_home(body)
        if await self._open_view(
            client, body.get("trigger_id"), add_form(Origin(None, True, home=home), who.timezone)
        ):
            return
        if not (
            home
            and await self._home.publish(client, who, result=form_not_opened(), page=page_of(body))
        ):
            await self._replies.answer(
                client, team, user, form_not_opened(), response_url=None, direct=True
            )

    @answering
    async def on_submit(
        self,
        ack: Any,
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        values = (view.get("state") or {}).get("values") or {}
        origin = Origin.load(view.get("private_metadata"))
        command = read_add(values, origin)
        if isinstance(command, dict):
            await ack(response_action="errors", errors=command)
            return
        team, user = team_of(context, body), body["user"]["id"]
        who = await self._people.identity(client, team, user)
        reply = await self._followup.handle_command(who, command, Place(None, origin.direct))
        if reply.is_error:
            await ack(response_action="errors", errors=core_errors(reply, values))
            return
        await ack()
        # opened from Home: answered there
        if origin.home and await self._home.publish(client, who, result=reply):
            return
        await self._replies.answer(
            client,
            team,
            user,
            reply,
            response_url=origin.response_url,
            direct=origin.direct,
            replace_original=origin.replace,
        )
        await self._home.after(client, who, reply)

    @answering
    async def on_round_submit(
        self,
        ack: Any,
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        values = (view.get("state") or {}).get("values") or {}
        origin = Origin.load(view.get("private_metadata"))
        command = read_round_form(values, origin)
        if isinstance(command, dict):
            await ack(response_action="errors", errors=command)
            return
        team, user = team_of(context, body), body["user"]["id"]
        who = await self._people.identity(client, team, user)
        reply = await self._followup.handle_command(who, command, Place(None, origin.direct))
        if reply.is_error:
            await ack(response_action="errors", errors=core_errors(reply, values))
            return
        await ack()
        await self._replies.answer(
            client,
            team,
            user,
            reply,
            response_url=origin.response_url,
            direct=origin.direct,
            replace_original=origin.replace,
        )
        await self._home.after(client, who, reply)

    @answering
    async def on_review_submit(
        self,
        ack: Any,
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        origin = Origin.load(view.get("private_metadata"))
        command = read_review((view.get("state") or {}).get("values") or {}, origin)
        if isinstance(command, dict):
            await ack(response_action="errors", errors=command)
            return
        team, user = team_of(context, body), body["user"]["id"]
        who = await self._people.identity(client, team, user)
        reply = await self._followup.handle_command(who, command, Place(None, origin.direct))
        if reply.is_error:
            await ack(response_action="errors", errors=review_errors(reply))
            return
        await ack()
        await self._replies.answer(
            client, team, user, reply, response_url=origin.response_url, direct=origin.direct
        )

    @answering
    async def on_file_share(
        self,
        event: dict[str, Any],
        body: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        """A file shared in the bot's DM: a calendar invitation is read and proposed."""
        if event.get("channel_type") != "im" or event.get("bot_id") or not event.get("user"):
            return
        files = calendar_files(event)
        if not files:
            return
        team, user = team_of(context, body), str(event["user"])
        who = await self._people.identity(client, team, user)
        reply = await self._propose(client, who, files[0])
        await self._replies.answer(client, team, user, reply, response_url=None, direct=True)

    @answering
    async def on_message_shortcut(
        self, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        """"Log as an interview" on a message: its invitation proposed, or the add form
        filled in from its text (see shortcuts.py)."""
        team, user, _, who, direct = await self._presser(client, context, body)
        message = body.get("message") or {}
        files = calendar_files(message)
        if files:
            reply = await self._propose(client, who, files[0])
        else:
            draft = await self._followup.draft_from(who, message_text(message))
            form = add_form(
                Origin(body.get("response_url"), direct), who.timezone, draft, source="the message"
            )
            if await self._open_view(client, body.get("trigger_id"), form):
                return
            reply = form_not_opened()
        await self._replies.answer(
            client, team, user, reply, response_url=body.get("response_url"), direct=direct
        )

    @answering
    async def on_edit_proposal(
        self,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        """"Edit first" under an imported invitation: the add or round form, filled in."""
        team, user, _, who, direct = await self._presser(client, context, body)
        form = edit_form(
            decode_proposal(action.get("value")),
            Origin(body.get("response_url"), direct),
            who.timezone,
        )
        if form is not None and await self._open_view(client, body.get("trigger_id"), form):
            return
        reply = no_form() if form is None else form_not_opened()
        await self._replies.answer(
            client, team, user, reply, response_url=body.get("response_url"), direct=direct
        )

    async def _presser(
        self, client: AsyncWebClient, context: AsyncBoltContext, body: dict[str, Any]
    ) -> tuple[str, str, str, Identity, bool]:
        """Who pressed (a button, a shortcut) and where: team, user, channel, identity, and
        whether it was in their DM with the bot (no channel: a Home tab or a global shortcut)."""
        team, user = team_of(context, body), body["user"]["id"]
        channel = str((body.get("channel") or {}).get("id") or "")
        who = await self._people.identity(client, team, user)
        direct = await self._channels.is_direct(client, team, user, channel) if channel else True
        return team, user, channel, who, direct

    async def _propose(
        self, client: AsyncWebClient, who: Identity, file: dict[str, Any]
    ) -> Message:
        """The core's proposal for a shared invitation file, or why it couldn't be fetched."""
        try:
            if self._session is None:
                raise RuntimeError("no HTTP session")
            name, data = await download(client, self._session, str(file["id"]))
        except (
            FileTooBig,
            SlackApiError,
            aiohttp.ClientError,
            TimeoutError,
            RuntimeError,
        ) as problem:
            return await share_failed(problem)
        return await self._followup.handle_command(
            who, c.ImportInvitation(data=data, filename=name[:200])
        )

    @answering
    async def on_home_opened(
        self,
        event: dict[str, Any],
        body: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        if event.get("tab") != "home":
            return
        who = await self._people.identity(client, team_of(context, body), event["user"])
        await self._home.publish(client, who)

    @answering
    async def on_member_joined(
        self, event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        """The bot was added to a channel: introduce group mode there. Others joining: nothing."""
        channel = str(event.get("channel") or "")
        if not channel or not context.bot_user_id or event.get("user") != context.bot_user_id:
            return
        try:
            await post_to_channel(client, channel, joined_intro())
        except DeliveryError as problem:
            log.warning("couldn't post the group intro in %s: %s", channel, problem)

    @answering
    async def on_app_uninstalled(self, body: dict[str, Any], context: AsyncBoltContext) -> None:
        if self._revocations is not None:
            await self._revocations.handle_app_uninstalled_events(context)
        await self._erase(team_of(context, body))

    @answering
    async def on_tokens_revoked(
        self, event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        """Revoked user tokens alone change nothing for us (we hold none); a revoked bot token
        means the app can no longer act in the workspace: the same as an uninstall."""
        if self._revocations is not None:
            await self._revocations.handle_tokens_revoked_events(event, context)
        if (event.get("tokens") or {}).get("bot"):
            await self._erase(team_of(context, body))

    async def _erase(self, team: str) -> None:
        if not team:
            log.warning("an uninstall without a workspace id: nothing erased")
            return
        self._channels.forget_team(team)
        self._people.forget_team(team)
        await self._followup.erase_workspace(PLATFORM, team)

    async def _place(
        self, client: AsyncWebClient, team: str, user: str, channel: str, direct: bool
    ) -> Place:
        """Where the person typed: their DM with the bot, or a channel (with whether they manage
        the workspace; only looked up for a channel)."""
        if direct or not channel:
            return Place(channel or None, direct)
        return Place(channel, False, can_manage=await self._people.can_manage(client, team, user))

    @staticmethod
    def _view(form: Form, command: dict[str, Any], direct: bool, who: Identity) -> View:
        """The modal for the form the core asked for, answering where the command was typed;
        its time pickers in the user's Slack timezone."""
        origin = Origin(command.get("response_url"), direct, number=form.number)
        if form.kind is FormKind.ROUND:
            return round_form(origin, who.timezone)
        return (
            review_form(origin) if form.kind is FormKind.REVIEW else add_form(origin, who.timezone)
        )

    async def _open_view(self, client: AsyncWebClient, trigger_id: str | None, view: View) -> bool:
        """Open a modal; False when Slack refused (say, the trigger expired)."""
        if not trigger_id:
            return False
        try:
            await client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as refusal:
            log.warning("views.open refused: %s", refusal.response.get("error"))
            return False
        return True

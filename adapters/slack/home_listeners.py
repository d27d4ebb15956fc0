"""The bolt listeners of the Home tab's settings: the "Settings" button (it opens the settings
modal), the timezone select's options (`block_suggestion`) and the modal's submission.

Each answers on Home. Each is also an error boundary: whatever fails is logged once, with the
request id, and the person gets the core's neutral "nothing was changed, try again" answer —
in the modal for a submission (under its first field), on Home otherwise.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.directory import People
from adapters.slack.guard import answering
from adapters.slack.home import HomeTab, page_of
from adapters.slack.settings_modal import (
    OPTIONS_LIMIT,
    read_settings,
    settings_errors,
    settings_form,
    timezone_options,
)
from bot.messages import Message, Tone
from bot.service import Followup

log = logging.getLogger(__name__)

NOT_OPENED = Message(
    title="I couldn't open the settings.",
    body="Slack didn't let the form open (it waits only a few seconds). Press Settings again, "
    "or type `settings` in our DM.",
    tone=Tone.ERROR,
)


def user_of(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id") or "")


def team_of(context: AsyncBoltContext, body: dict[str, Any]) -> str:
    team = context.team_id or context.enterprise_id or (body.get("team") or {}).get("id")
    return str(team or "")


class HomeListeners:
    def __init__(self, followup: Followup, people: People, home: HomeTab) -> None:
        self._followup = followup
        self._people = people
        self._home = home

    async def tell_failure(self, kwargs: dict[str, Any], reply: Message, ack: Any) -> None:
        body, client = kwargs.get("body") or {}, kwargs.get("client")
        try:
            if ack is not None and kwargs.get("view") is not None:  # a submission: in the modal
                await ack(response_action="errors", errors=settings_errors(reply))
                return
            if ack is not None:
                await ack()
            if client is not None and user_of(body):
                await self._home.publish_failure(client, user_of(body), reply)
        except Exception as problem:  # Slack can't be reached either: the log line is all there is
            log.warning("couldn't tell the person about the failure: %s", type(problem).__name__)

    @answering
    async def on_open_settings(
        self, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        """Home's "Settings" button: the settings modal, filled with the person's settings."""
        who = await self._people.identity(client, team_of(context, body), user_of(body))
        form = settings_form(await self._followup.delivery_settings(who))
        try:
            await client.views_open(trigger_id=str(body.get("trigger_id") or ""), view=form)
        except SlackApiError as refusal:
            log.warning("views.open refused: %s", refusal.response.get("error"))
            await self._home.publish(client, who, result=NOT_OPENED, page=page_of(body))

    async def on_timezone_options(self, ack: Any, body: dict[str, Any]) -> None:
        """Slack asks for the timezone select's options as the person types."""
        try:
            names = self._followup.timezone_choices(str(body.get("value") or ""), OPTIONS_LIMIT)
        except Exception:  # no suggestions rather than a select that never loads
            log.exception("timezone suggestions failed")
            names = []
        await ack(options=timezone_options(names))

    @answering
    async def on_settings_submit(
        self,
        ack: Any,
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        """Saved through the core's `settings` command: a refusal goes under its field and
        nothing changes; once saved, the modal closes and Home shows the new settings."""
        command = read_settings(
            (view.get("state") or {}).get("values") or {}, view.get("private_metadata")
        )
        who = await self._people.identity(client, team_of(context, body), user_of(body))
        reply = await self._followup.handle_command(who, command)
        if reply.is_error:
            await ack(response_action="errors", errors=settings_errors(reply))
            return
        await ack()
        await self._home.publish(client, who, result=reply)

"""Drives the real Slack adapter like Slack does: signed HTTP requests (slash commands,
button presses, form submissions, events) to its `/slack/events`, with answers read back
from the fake Slack's recorded hooks and Web API calls."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from adapters.bootstrap import Runtime
from adapters.slack import SlackAdapter
from bot.domain import Identity
from tests.fakes.slack_api import FakeSlack, Hook

SECRET = "test-signing-secret"
LISTENER_TASK = "run_ack_function_asynchronously"  # bolt runs each listener as a task so named


def sign(body: str, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature or ""}


async def application_id(runtime: Runtime, user: str = "U1", number: int = 1) -> int:
    """The stored id of a user's application (what button action ids carry)."""
    async with runtime.database.unit_of_work() as uow:
        owner = await uow.users.find(Identity("slack", "T1", user))
        assert owner is not None
        app = await uow.applications.get_by_number(owner.id, number)
        assert app is not None
        return app.id


def home_element(view: dict[str, Any], action_id: str) -> dict[str, Any] | None:
    """The block id, type and value a press on `action_id` in `view` carries."""
    for block in view.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == action_id:
                return {
                    "block_id": block["block_id"],
                    "type": element["type"],
                    "value": element.get("value", ""),
                }
    return None


def text_of(body: dict[str, Any]) -> str:
    """The plain-text fallback of a message body (what a notification shows)."""
    return str(body.get("text", ""))


@dataclass
class SlackDriver:
    adapter: SlackAdapter
    fake: FakeSlack
    session: aiohttp.ClientSession
    team: str = "T1"
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.adapter.http_port}/slack/events"

    async def post(
        self, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> aiohttp.ClientResponse:
        sent = {"Content-Type": content_type, **(headers if headers is not None else sign(body))}
        async with self.session.post(self.url, data=body.encode(), headers=sent) as response:
            await response.read()
            return response

    def command_body(
        self,
        text: str,
        *,
        user: str = "U1",
        channel: str | None = None,
        hook: str = "",
        team: str | None = None,
    ) -> str:
        return urlencode(
            {
                "token": "legacy",
                "team_id": team or self.team,
                "team_domain": "acme",
                "channel_id": channel or f"D{user}",
                "channel_name": "directmessage"
                if (channel or f"D{user}").startswith("D")
                else "jobs",
                "user_id": user,
                "user_name": user.lower(),
                "command": "/followup",
                "text": text,
                "api_app_id": "A1",
                "is_enterprise_install": "false",
                "response_url": self.fake.response_url(hook),
                "trigger_id": f"trigger-{hook}",
            }
        )

    async def command(
        self, text: str, *, user: str = "U1", channel: str | None = None, team: str | None = None
    ) -> Hook:
        """Send `/followup text` and return the answer posted to its response_url."""
        hook = f"cmd-{next(self._ids)}"
        response = await self.post(
            self.command_body(text, user=user, channel=channel, hook=hook, team=team),
            "application/x-www-form-urlencoded",
        )
        assert response.status == 200, response.status
        return await self.fake.wait_for_hook(hook)

    def action_payload(
        self,
        action_id: str,
        *,
        user: str = "U1",
        channel: str | None = None,
        hook: str | None = "",
        view: bool = False,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": self.team, "domain": "acme"},
            "user": {"id": user, "team_id": self.team},
            "api_app_id": "A1",
            "trigger_id": f"trigger-{hook}-{next(self._ids)}",
            "is_enterprise_install": False,
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "fu-actions-0",
                    "value": action_id,
                    "action_ts": "1700000000.1",
                }
            ],
        }
        if view:
            payload["container"] = {"type": "view", "view_id": "V1"}
            payload["view"] = {"id": "V1", "type": "home"}
        else:
            channel = channel or f"D{user}"
            payload["container"] = {
                "type": "message",
                "message_ts": "1700000000.000001",
                "channel_id": channel,
                "is_ephemeral": False,
            }
            payload["channel"] = {"id": channel, "name": "directmessage"}
            payload["message"] = {"ts": "1700000000.000001", "text": "nudge"}
            payload["response_url"] = self.fake.response_url(hook or "")
        return payload

    async def press(self, action_id: str, *, user: str = "U1", channel: str | None = None) -> Hook:
        """Press a button on a message and return the answer posted to its response_url."""
        hook = f"press-{next(self._ids)}"
        payload = self.action_payload(action_id, user=user, channel=channel, hook=hook)
        response = await self.post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )
        assert response.status == 200, response.status
        return await self.fake.wait_for_hook(hook)

    async def press_on_home(self, action_id: str, *, user: str = "U1") -> int:
        """Press a button on the person's Home tab as Slack sends it: with the view as it was
        last published (its id and `private_metadata`), and the button's block and value
        when the view has it (a forged id is sent as is)."""
        payload = self.action_payload(action_id, user=user, view=True)
        published = self.fake.home.get(user)
        if published is not None:
            payload["view"] = {**published, "type": "home"}
            payload["container"]["view_id"] = published["id"]
            found = home_element(published, action_id)
            if found is not None:
                payload["actions"][0].update(found)
        response = await self.post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )
        return response.status

    def options_payload(
        self, action_id: str, value: str, *, user: str = "U1", block_id: str = ""
    ) -> dict[str, Any]:
        """What Slack sends when someone types in an `external_select` of a modal."""
        return {
            "type": "block_suggestion",
            "user": {"id": user, "team_id": self.team},
            "team": {"id": self.team, "domain": "acme"},
            "api_app_id": "A1",
            "token": "legacy",
            "action_id": action_id,
            "block_id": block_id,
            "value": value,
            "container": {"type": "view", "view_id": "VMODAL"},
            "is_enterprise_install": False,
            "view": {
                "id": "VMODAL",
                "type": "modal",
                "callback_id": "followup-settings",
                "private_metadata": "",
                "state": {"values": {}},
            },
        }

    async def options(
        self, action_id: str, value: str, *, user: str = "U1", block_id: str = ""
    ) -> tuple[int, dict[str, Any]]:
        """Ask for a select's options as Slack does (signed, like every request); returns the
        HTTP status and the JSON answer."""
        body = urlencode(
            {
                "payload": json.dumps(
                    self.options_payload(action_id, value, user=user, block_id=block_id)
                )
            }
        )
        sent = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
        async with self.session.post(self.url, data=body.encode(), headers=sent) as response:
            raw = await response.text()
            return response.status, (json.loads(raw) if raw else {})

    async def submit(
        self,
        values: dict[str, Any],
        *,
        user: str = "U1",
        metadata: str = "",
        callback_id: str = "followup-add",
    ) -> tuple[int, dict[str, Any]]:
        """Submit a form (the add form unless `callback_id` names another); returns Slack's
        view of the HTTP answer (status, JSON or {})."""
        state = {
            block: {
                "value": value
                if isinstance(value, dict)
                else {"type": "plain_text_input", "value": value}
            }
            for block, value in values.items()
        }
        payload = {
            "type": "view_submission",
            "team": {"id": self.team, "domain": "acme"},
            "user": {"id": user, "team_id": self.team},
            "api_app_id": "A1",
            "trigger_id": f"trigger-view-{next(self._ids)}",
            "is_enterprise_install": False,
            "view": {
                "id": "VMODAL",
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": metadata,
                "state": {"values": state},
            },
        }
        body = urlencode({"payload": json.dumps(payload)})
        sent = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
        async with self.session.post(self.url, data=body.encode(), headers=sent) as response:
            raw = await response.text()
            return response.status, (json.loads(raw) if raw else {})

    async def event(
        self, event: dict[str, Any], *, team: str | None = None, event_id: str | None = None
    ) -> int:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": team or self.team,
                "api_app_id": "A1",
                "event": event,
                "type": "event_callback",
                "event_id": event_id or f"Ev{next(self._ids)}",
                "event_time": int(time.time()),
                "authorizations": [
                    {"team_id": team or self.team, "user_id": "UBOT", "is_bot": True}
                ],
            }
        )
        response = await self.post(body, "application/json")
        return response.status

    async def settled(self, within: float = 5.0) -> None:
        """Until every listener the requests so far started has finished: bolt acks an event
        (and the guard a command or a press) before its listener has run."""
        async with asyncio.timeout(within):
            while running := [
                t
                for t in asyncio.all_tasks()
                if not t.done() and LISTENER_TASK in getattr(t.get_coro(), "__qualname__", "")
            ]:
                await asyncio.wait(running)

    async def interact(self, payload: dict[str, Any]) -> int:
        """Send an interactive payload (a shortcut, a press) as Slack does; returns the status."""
        response = await self.post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )
        return response.status

    def shortcut_payload(self, callback_id: str, *, user: str = "U1") -> dict[str, Any]:
        """A global shortcut (the lightning menu, the search bar): no channel, no response_url."""
        return {
            "type": "shortcut",
            "token": "legacy",
            "action_ts": "1700000000.2",
            "team": {"id": self.team, "domain": "acme"},
            "user": {"id": user, "username": user.lower(), "team_id": self.team},
            "is_enterprise_install": False,
            "callback_id": callback_id,
            "trigger_id": f"trigger-shortcut-{next(self._ids)}",
        }

    def message_shortcut_payload(
        self,
        callback_id: str,
        message: dict[str, Any],
        *,
        user: str = "U1",
        channel: str = "C1",
        hook: str = "",
    ) -> dict[str, Any]:
        """A message shortcut (a message's ⋯ menu) on `message`, with its response_url."""
        return {
            "type": "message_action",
            "token": "legacy",
            "action_ts": "1700000000.3",
            "team": {"id": self.team, "domain": "acme"},
            "user": {"id": user, "username": user.lower(), "team_id": self.team},
            "channel": {"id": channel, "name": "jobs"},
            "is_enterprise_install": False,
            "callback_id": callback_id,
            "trigger_id": f"trigger-message-{next(self._ids)}",
            "response_url": self.fake.response_url(hook),
            "message_ts": message.get("ts", "1700000000.000200"),
            "message": {"type": "message", "user": "U2", "ts": "1700000000.000200", **message},
        }

"""Building the bolt `AsyncApp` and attaching the listeners to it.

Nothing is read from the environment here: the caller passes the client (already pointing
at `SLACK_API_URL`), the signing secret and, for multi-workspace installs, the OAuth settings.

Three checks stand in front of the listeners:
- `request_gate`, an aiohttp middleware on `/slack/events`, verifies the signature (401 when
  it is missing, wrong or stale) and then refuses with 400 a payload that is not JSON, not an
  object, or lacks the fields the listeners need — before bolt parses it (bolt answers some
  of those with a 500 from inside its own middleware). It is the only signature check: bolt's
  own `RequestVerification` is switched off, so each request's HMAC is computed once.
- `Tracer`, a bolt middleware (so it also sees Socket Mode payloads), binds a request id
  (`bot.tracing`) that every log line of the request carries, logs what arrived (kind, team,
  user; never the text), and applies the same shape check;
- and then starts the repeat check: a request whose trigger id (slash commands, button
  presses, form submissions) or event id (events) was already taken within the replay window
  is acknowledged and not run again. Slack retries an event it thinks went unanswered
  (`X-Slack-Retry-Num`), Socket Mode may redeliver an envelope, and a captured signed request
  stays valid for five minutes: none of these may log an interview twice. The receipts are in
  the database (`storage.receipts`), so this holds across processes sharing it. The check is
  only started here and awaited by the listener after the ack (`repeats`): the ack never
  waits for the database.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.home import OPEN_ADD_FORM, OPEN_SETTINGS
from adapters.slack.invitations import EDIT_PROPOSAL
from adapters.slack.listeners import Listeners
from adapters.slack.modal import ADD_FORM, REVIEW_FORM, ROUND_FORM
from adapters.slack.repeats import CONTEXT_KEY as REPEAT_CHECK
from adapters.slack.repeats import Receipts, RepeatCheck
from adapters.slack.settings_modal import SETTINGS_FORM, TIMEZONE_ACTION
from adapters.slack.shortcuts import LOG_FROM_MESSAGE, LOG_INTERVIEW
from bot.clock import Clock
from bot.tracing import bind_request_id

log = logging.getLogger(__name__)

COMMAND = "/followup"
CORE_ACTIONS = re.compile(r"^fu:")
# Slack refuses a signature older than five minutes; receipts are kept twice that.
REPLAY_WINDOW = timedelta(minutes=10)


def build_app(
    client: AsyncWebClient,
    listeners: Listeners,
    *,
    signing_secret: str | None,
    oauth: AsyncOAuthSettings | None = None,
    receipts: Receipts | None = None,
    clock: Clock | None = None,
) -> AsyncApp:
    app = AsyncApp(
        name="followup",
        client=client,
        signing_secret=signing_secret or "",
        oauth_settings=oauth,
        installation_store_bot_only=True if oauth else None,
        request_verification_enabled=False,  # request_gate checks every signature, once
    )
    app.middleware(Tracer(receipts, clock))
    app.command(COMMAND)(listeners.on_command)
    app.action(CORE_ACTIONS)(listeners.on_action)
    app.action(OPEN_ADD_FORM)(listeners.on_open_form)
    app.action(OPEN_SETTINGS)(listeners.home_screen.on_open_settings)
    app.options(TIMEZONE_ACTION)(listeners.home_screen.on_timezone_options)
    app.view(SETTINGS_FORM)(listeners.home_screen.on_settings_submit)
    app.action(EDIT_PROPOSAL)(listeners.on_edit_proposal)
    app.global_shortcut(LOG_INTERVIEW)(listeners.on_open_form)
    app.message_shortcut(LOG_FROM_MESSAGE)(listeners.on_message_shortcut)
    app.view(ADD_FORM)(listeners.on_submit)
    app.view(REVIEW_FORM)(listeners.on_review_submit)
    app.view(ROUND_FORM)(listeners.on_round_submit)
    app.event("app_home_opened")(listeners.on_home_opened)
    # A shared .ics file first: bolt runs the first listener that matches.
    app.event({"type": "message", "subtype": "file_share"})(listeners.on_file_share)
    app.event("message")(listeners.on_message)
    app.event("app_uninstalled")(listeners.on_app_uninstalled)
    app.event("tokens_revoked")(listeners.on_tokens_revoked)
    return app


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def malformed(body: dict[str, Any]) -> str | None:
    """What is wrong with an incoming payload's shape, or None when the listeners can use it."""
    if body.get("command") is not None:
        if not (_text(body.get("command")) and _text(body.get("user_id"))):
            return "a slash command without its command or user"
        return (
            None
            if isinstance(body.get("text", ""), str)
            else "a slash command whose text isn't text"
        )
    kind = body.get("type")
    if kind in ("block_actions", "view_submission"):
        user = body.get("user")
        if not (isinstance(user, dict) and _text(user.get("id"))):
            return f"a {kind} payload without a user"
    if kind == "block_actions":
        actions = body.get("actions")
        if not (
            isinstance(actions, list)
            and actions
            and all(isinstance(a, dict) and _text(a.get("action_id")) for a in actions)
        ):
            return "a button press without an action id"
    if kind == "view_submission" and not isinstance(body.get("view"), dict):
        return "a form submission without its form"
    if kind is None and "event" not in body and body.get("ssl_check") is None:
        return "a payload of no known kind"
    return None


def _id(body: dict[str, Any], flat: str, nested: str) -> str:
    value = body.get(flat)
    if not value and isinstance(body.get(nested), dict):
        value = body[nested].get("id")
    return str(value or "")[:40]


def identity_key(body: dict[str, Any]) -> str | None:
    """What makes this request one of a kind: its trigger id (slash commands, button presses,
    form submissions) or its event id; None when it carries neither."""
    team = _id(body, "team_id", "team")
    for field in ("trigger_id", "event_id"):
        value = body.get(field)
        if isinstance(value, str) and value:
            return f"slack:{team}:{field}:{value[:120]}"
    return None


class Tracer:
    """The bolt middleware described above: request id, log line, shape check, repeat check
    started."""

    def __init__(self, receipts: Receipts | None = None, clock: Clock | None = None) -> None:
        self._receipts = receipts
        self._clock = clock

    async def __call__(
        self, body: dict[str, Any], context: AsyncBoltContext, next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        request_id = bind_request_id()
        if not isinstance(body, dict):
            log.warning("slack request refused: not an object")
            return BoltResponse(status=400, body=f"Malformed request; request id {request_id}.")
        kind = (
            "command"
            if body.get("command") is not None
            else str(body.get("type") or "unknown")[:40]
        )
        problem = malformed(body)
        if problem is not None:
            log.warning("slack request refused: %s", problem, extra={"kind": kind})
            return BoltResponse(
                status=400, body=f"Malformed request ({problem}); request id {request_id}."
            )
        log.info(
            "slack request",
            extra={
                "kind": kind,
                "team": _id(body, "team_id", "team"),
                "user": _id(body, "user_id", "user"),
            },
        )
        key = identity_key(body)
        if key is not None and self._receipts is not None and self._clock is not None:
            context[REPEAT_CHECK] = RepeatCheck.start(self._receipts, key, self._clock.now(), kind)
        await next()
        return None


def parse_payload(body: str, content_type: str) -> Any:
    """The payload bolt would see (a JSON body, a form's `payload`, or a slash command's
    form fields); None when it can't be read."""
    try:
        if content_type == "application/json":
            return json.loads(body)
        form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
        return json.loads(form["payload"]) if "payload" in form else form
    except (ValueError, TypeError):
        return None


def request_gate(signing_secret: str | None, path: str) -> Any:
    """An aiohttp middleware guarding `path`: signature first (401), then shape (400). With no
    signing secret (Socket Mode serving only OAuth pages) every request to `path` is refused."""
    verifier = SignatureVerifier(signing_secret) if signing_secret else None

    @web.middleware
    async def gate(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path != path or request.method != "POST":
            return await handler(request)
        body = (await request.read()).decode("utf-8", "replace")
        try:
            signed = verifier is not None and verifier.is_valid(
                body,
                request.headers.get("X-Slack-Request-Timestamp"),
                request.headers.get("X-Slack-Signature"),
            )
        except ValueError:  # a timestamp that isn't a number
            signed = False
        if not signed:
            log.warning("slack request refused: missing, wrong or stale signature")
            return web.Response(status=401, text="Invalid request signature.")
        payload = parse_payload(body, request.content_type)
        problem = (
            malformed(payload)
            if isinstance(payload, dict)
            else "a payload that isn't a JSON object"
        )
        if problem is not None:
            log.warning("slack request refused: %s", problem)
            return web.Response(status=400, text=f"Malformed request: {problem}.")
        return await handler(request)

    return gate

"""`manifest.yml` is a valid Slack app manifest (checked against Slack's JSON schema) and
declares exactly the bot scopes the adapter's code needs."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.app import COMMAND
from adapters.slack.scopes import BOT_SCOPES, EVENT_SCOPES, METHOD_SCOPES
from adapters.slack.shortcuts import LOG_FROM_MESSAGE, LOG_INTERVIEW

ROOT = Path(__file__).resolve().parents[3]
SCHEMAS = ROOT.parent / "shared" / "vendor" / "slack-manifest-schema"
REMOTE = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"
ADAPTER = ROOT / "adapters" / "slack"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "manifest.yml").read_text()))


def schema_errors(manifest: dict[str, Any]) -> list[str]:
    """What Slack's manifest schema says is wrong with `manifest`."""
    if not SCHEMAS.is_dir():
        pytest.skip(f"Slack's manifest schema is not vendored at {SCHEMAS}")
    resources = {
        f"{REMOTE}{name}": Resource.from_contents(json.loads((SCHEMAS / name).read_text()))
        for name in ("manifest.schema.1.0.0.json", "manifest.schema.2.0.0.json")
    }
    schema = json.loads((SCHEMAS / "manifest.schema.json").read_text())
    validator = Draft7Validator(schema, registry=Registry().with_resources(resources.items()))
    return sorted(str(e.message) for e in validator.iter_errors(manifest))


def test_the_manifest_matches_slacks_schema(manifest: dict[str, Any]) -> None:
    assert schema_errors(manifest) == []


def test_the_http_mode_variant_the_docs_describe_matches_slacks_schema(
    manifest: dict[str, Any],
) -> None:
    """Socket Mode off, every request to /slack/events: slash command, interactivity, the
    settings form's options load URL (its timezone select) and events."""
    url = "https://followup.example.org/slack/events"
    http = json.loads(json.dumps(manifest))
    http["settings"]["socket_mode_enabled"] = False
    http["settings"]["interactivity"].update(request_url=url, message_menu_options_url=url)
    http["settings"]["event_subscriptions"]["request_url"] = url
    for command in http["features"]["slash_commands"]:
        command["url"] = url
    assert schema_errors(http) == []
    broken = json.loads(json.dumps(http))
    broken["settings"]["interactivity"]["message_menu_options_url"] = 42
    assert schema_errors(broken) != []


def test_the_manifest_declares_what_the_app_uses(manifest: dict[str, Any]) -> None:
    features, settings = manifest["features"], manifest["settings"]
    assert [c["command"] for c in features["slash_commands"]] == [COMMAND]
    assert features["slash_commands"][0]["usage_hint"]
    assert features["app_home"]["home_tab_enabled"] and features["app_home"]["messages_tab_enabled"]
    assert features["bot_user"]["display_name"]
    shortcuts = {s["callback_id"]: s["type"] for s in features["shortcuts"]}
    assert shortcuts == {LOG_INTERVIEW: "global", LOG_FROM_MESSAGE: "message"}
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["event_subscriptions"]["bot_events"] == [
        "app_home_opened",
        "app_uninstalled",
        "member_joined_channel",
        "message.im",
        "tokens_revoked",
    ]
    assert sorted(settings["event_subscriptions"]["bot_events"]) == sorted(EVENT_SCOPES)
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)


def web_api_calls() -> set[str]:
    """Every AsyncWebClient method the adapter's code calls."""
    methods = {name for name in dir(AsyncWebClient) if not name.startswith("_")}
    called = set()
    for source in ADAPTER.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in methods
            ):
                called.add(node.func.attr)
                if node.func.attr == "api_call" and node.args:
                    # `api_call("chat.postMessage", …)` is the method `chat_postMessage`
                    named = node.args[0]
                    assert isinstance(named, ast.Constant) and isinstance(named.value, str)
                    called.add(named.value.replace(".", "_"))
    return called - {"api_call"}


def test_every_web_api_method_the_code_calls_has_its_scope_declared(
    manifest: dict[str, Any],
) -> None:
    called = web_api_calls()
    assert {
        "chat_postMessage",
        "users_info",
        "conversations_open",
        "views_publish",
        "views_open",
        "files_upload_v2",
    } <= called
    assert called <= set(METHOD_SCOPES), (
        f"add these to adapters/slack/scopes.py: {called - set(METHOD_SCOPES)}"
    )
    needed = {scope for m in called for scope in METHOD_SCOPES[m]}
    assert needed <= set(manifest["oauth_config"]["scopes"]["bot"])


def test_every_subscribed_event_has_its_scopes_declared(manifest: dict[str, Any]) -> None:
    """Slack only sends `member_joined_channel` with `channels:read` (public channels) and
    `groups:read` (private ones)."""
    assert EVENT_SCOPES["member_joined_channel"] == ("channels:read", "groups:read")
    needed = {
        scope
        for event in manifest["settings"]["event_subscriptions"]["bot_events"]
        for scope in EVENT_SCOPES[event]
    }
    assert needed <= set(manifest["oauth_config"]["scopes"]["bot"])

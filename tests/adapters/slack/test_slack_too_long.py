"""An answer Slack refuses for its length (`msg_blocks_too_long`, from chat.postMessage or a
response_url) is sent again as its short version, pointing to `export`, in the same place.
The pages keep answers far below the limit; this is for what still gets through. The real
slack-sdk clients against the fake Slack, which refuses long blocks as Slack does."""

from __future__ import annotations

from typing import Any

import aiohttp
from hypothesis import given
from hypothesis import strategies as st

from adapters.slack.blocks import TOO_LONG_NOTE, payload
from adapters.slack.clients import web_client
from adapters.slack.directory import DirectChannels
from adapters.slack.replies import Replies
from bot.messages import Action, Field, Message
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlack, block_text

LONG = Message(
    title="#1 Acme — Data Engineer",
    body="\n".join(
        f"Round {i}: panel with Person {i}, Title {i} — planned thank-you on day {i}"
        for i in range(200)
    ),
    fields=tuple(Field(f"Field {i}", "value " * 20) for i in range(8)),
    actions=(Action("fu:sent:1", "Sent", "primary"),),
)


async def test_a_refused_post_goes_again_short(fake_slack: FakeSlack) -> None:
    assert block_text(payload(LONG)["blocks"]) > fake_slack.block_text_limit
    async with aiohttp.ClientSession() as session:
        client = web_client(fake_slack.api_url, DEFAULT_TOKEN, session)
        await Replies(DirectChannels(), session).answer(
            client, "T1", "U1", LONG, response_url=None, direct=True
        )
    first, second = fake_slack.calls_to("chat.postMessage")
    assert (first.params["channel"], second.params["channel"]) == ("DU1", "DU1")
    [posted] = fake_slack.messages()  # the first was refused, nothing of it shown
    assert (
        TOO_LONG_NOTE in posted["text"]
        and "Round 0:" in posted["text"]
        and "Round 199" not in posted["text"]
    )
    assert block_text(posted["blocks"]) < fake_slack.block_text_limit
    assert any(b["type"] == "actions" for b in posted["blocks"])  # its buttons stay


async def test_a_refused_response_url_answer_goes_again_short_to_the_same_url(
    fake_slack: FakeSlack,
) -> None:
    fake_slack.hook_text_limit = 4000
    async with aiohttp.ClientSession() as session:
        client = web_client(fake_slack.api_url, DEFAULT_TOKEN, session)
        await Replies(DirectChannels(), session).answer(
            client, "T1", "U1", LONG, response_url=fake_slack.response_url("long"), direct=False
        )
    assert [h.name for h in fake_slack.refused_hooks] == ["long"]
    hook = await fake_slack.wait_for_hook("long")
    assert TOO_LONG_NOTE in hook.body["text"] and hook.body["response_type"] == "ephemeral"
    assert fake_slack.calls_to("chat.postMessage") == []  # not moved to the DM


async def test_an_answer_that_fits_goes_as_it_is(fake_slack: FakeSlack) -> None:
    short = Message(title="Done", body="All good.")
    async with aiohttp.ClientSession() as session:
        client = web_client(fake_slack.api_url, DEFAULT_TOKEN, session)
        await Replies(DirectChannels(), session).answer(
            client, "T1", "U1", short, response_url=None, direct=True
        )
    [posted] = fake_slack.messages()
    assert TOO_LONG_NOTE not in posted["text"] and len(fake_slack.calls_to("chat.postMessage")) == 1


def _text_in(blocks: Any) -> int:
    """What the fake counts against Slack's limit, as defined: every string under a `text` key,
    wherever it is nested."""
    if isinstance(blocks, dict):
        own = len(blocks["text"]) if isinstance(blocks.get("text"), str) else 0
        return own + sum(
            _text_in(v) for k, v in blocks.items() if k != "text" or not isinstance(v, str)
        )
    if isinstance(blocks, list):
        return sum(_text_in(b) for b in blocks)
    return 0


BLOCKISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["text", "type", "elements", "fields", "x"]), inner),
    max_leaves=25,
)


@given(BLOCKISH)
def test_the_fake_counts_every_text_in_the_blocks(blocks: Any) -> None:
    assert block_text(blocks) == _text_in(blocks)

"""Block Kit rendering: escaping, Slack's limits, splitting, the fallback text; every layout the
dict builders emit parses through slack_sdk's models (which check Slack's limits) to the same
JSON."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from adapters.slack.blocks import MESSAGE_BLOCKS, payload, render
from adapters.slack.escape import clip, escape, safe
from bot.actions import nudge_actions
from bot.messages import Action, Confirm, Field, Message, Page, Tone

MENTIONS = ("<!channel>", "<!here>", "<@U123>", "<!subteam^S1>")


def test_escape_turns_control_characters_into_entities() -> None:
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"


def test_clip_never_cuts_an_entity_in_half() -> None:
    text = escape("ab<cd")  # ab&lt;cd
    assert clip(text, 5) == "ab…"
    assert clip(text, 100) == text


def test_a_full_message_has_every_part_in_order() -> None:
    message = Message(
        title="Time for your thank-you",
        body="Send it to Jane.",
        checklist=("Thank them", "Ask when you may follow up"),
        fields=(Field("Application", "#1 Acme"),),
        footer="Times are in UTC",
        actions=nudge_actions(7),
        tone=Tone.WARNING,
    )
    blocks = render(message)
    assert [b["type"] for b in blocks] == [
        "header",
        "section",
        "section",
        "section",
        "context",
        "actions",
    ]
    assert blocks[0]["text"]["text"] == "⏰ Time for your thank-you"
    assert "☐ Thank them" in blocks[2]["text"]["text"]
    assert [e["action_id"] for e in blocks[-1]["elements"]] == [
        f"fu:{v}:7" for v in ("sent", "snooze", "checklist", "draft", "skip")
    ]
    assert blocks[-1]["elements"][0]["style"] == "primary"


def test_a_long_checklist_is_split_into_sections_of_ten() -> None:
    message = Message(title="Checklist", checklist=tuple(f"item {i}" for i in range(25)))
    sections = [b for b in render(message) if b["type"] == "section"]
    assert [s["text"]["text"].count("☐") for s in sections] == [10, 10, 5]


def test_a_huge_body_fits_slacks_limits_and_keeps_its_buttons() -> None:
    body = "\n".join("x" * 2500 for _ in range(80))
    message = Message(title="t" * 400, body=body, actions=(Action("fu:sent:1", "Sent"),))
    blocks = render(message)
    assert same_through_slack_sdk(blocks)  # slack_sdk's models check every limit
    assert len(blocks) == MESSAGE_BLOCKS
    assert blocks[-1]["type"] == "actions"
    assert len(blocks[0]["text"]["text"]) <= 150
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")


def test_repeated_buttons_appear_once() -> None:
    message = Message(title="Due", actions=nudge_actions(1) + nudge_actions(1) + nudge_actions(2))
    ids = [
        e["action_id"]
        for b in payload(message)["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert len(ids) == len(set(ids)) == 10


def test_the_fallback_text_is_the_plain_message_escaped() -> None:
    message = Message(
        title="Hi <!here>",
        body="A & B",
        checklist=("one",),
        actions=(Action("fu:draft:1", "Draft"),),
    )
    assert payload(message)["text"] == "Hi &lt;!here&gt;\nA &amp; B\n☐ one\n[Draft]"


@given(st.text(max_size=400), st.sampled_from(MENTIONS))
def test_no_user_text_ever_reaches_slack_unescaped(text: str, mention: str) -> None:
    hostile = f"{text}{mention}{text}"
    message = Message(
        title=hostile, body=hostile, checklist=(hostile,), fields=(Field(hostile, hostile),),
        footer=hostile, actions=(Action("fu:sent:1", hostile),),
    )
    sent = json.dumps(payload(message), ensure_ascii=False)
    assert mention not in sent
    assert "<" not in sent.replace("\\u003c", "") and ">" not in sent


@given(st.text(max_size=300), st.integers(min_value=2, max_value=200))
def test_safe_text_fits_and_is_escaped(text: str, limit: int) -> None:
    out = safe(text, limit)
    assert len(out) <= limit
    assert "<" not in out and ">" not in out


def test_a_message_that_breaks_block_kit_still_goes_out_as_text() -> None:
    # action ids ≤ 255
    message = Message(title="Pick", actions=(Action("x" * 300, "Too long an id"),))
    assert payload(message) == {
        "text": "Pick\n[Too long an id]",
        "unfurl_links": False,
        "unfurl_media": False,
    }


def same_through_slack_sdk(blocks: list[dict[str, object]]) -> bool:
    """Each block parsed into slack_sdk's model and back (`to_dict` validates its limits) is the
    same JSON."""
    return [Block.parse(b).to_dict() for b in blocks] == blocks  # type: ignore[union-attr]


DELETE = Confirm("Delete #3?", "This removes the application and its nudges.", "Delete", "Keep it")
LAYOUTS = {
    "nudge": Message(
        title="Time for your thank-you email — Acme",
        body="Send it to Jane today.",
        actions=nudge_actions(3),
        footer="Times are in Europe/Berlin",
        tone=Tone.WARNING,
    ),
    "title only": Message(title="Done"),
    "body only": Message(title="", body="just text"),
    "fields": Message(
        title="#1 Acme", fields=tuple(Field(f"label {i}", f"value {i}") for i in range(23))
    ),
    "checklist": Message(
        title="Checklist", checklist=tuple(f"item {i}" for i in range(12)), tone=Tone.SUCCESS
    ),
    "confirm and styles": Message(
        title="Sure?",
        actions=(
            Action("fu:delete:3", "Delete", "danger", DELETE),
            Action("fu:show:3", "Show", "primary"),
            Action("fu:list", "List"),
        ),
    ),
    "pages": Message(
        title="Your applications",
        body="\n".join(f"#{i} Co {i}" for i in range(40)),
        page=Page("list", 2, 5),
        actions=(Action("fu:page:list:1", "‹ Previous"), Action("fu:page:list:3", "Next ›")),
    ),
    "many buttons": Message(
        title="Pick",
        actions=tuple(Action(f"fu:show:{i}", f"#{i}") for i in range(60)),
        tone=Tone.ERROR,
    ),
    "shortened": Message(
        title="t" * 400,
        body="\n".join("x" * 2900 for _ in range(70)),
        actions=(Action("fu:sent:1", "Sent"),),
    ),
}


@pytest.mark.parametrize("message", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_every_layout_parses_through_slack_sdk_to_the_same_json(message: Message) -> None:
    blocks = payload(message)["blocks"]
    assert blocks and same_through_slack_sdk(blocks)


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=120)
labels = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs")), min_size=1, max_size=90)
confirms = st.builds(Confirm, labels, labels, labels, labels)
actions = st.builds(Action, st.from_regex(r"fu:[a-z]{1,8}:[0-9]{1,6}", fullmatch=True), labels,
                    st.sampled_from([None, "primary", "danger", "other"]), st.none() | confirms)
messages = st.builds(
    Message,
    texts,
    body=texts,
    checklist=st.lists(texts, max_size=14).map(tuple),
    fields=st.lists(st.builds(Field, labels, texts), max_size=12).map(tuple),
    actions=st.lists(actions, max_size=30).map(tuple),
    footer=texts,
    tone=st.sampled_from(Tone),
)


@given(messages)
def test_any_message_parses_through_slack_sdk_to_the_same_json(message: Message) -> None:
    assert same_through_slack_sdk(payload(message).get("blocks", []))

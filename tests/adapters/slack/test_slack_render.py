"""Block Kit rendering: escaping, Slack's limits, splitting, the fallback text."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from adapters.slack.blocks import MESSAGE_BLOCKS, payload, render
from adapters.slack.escape import clip, escape, safe
from bot.actions import nudge_actions
from bot.messages import Action, Field, Message, Tone

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
    blocks = [b.to_dict() for b in render(message)]
    assert [b["type"] for b in blocks] == ["header", "section", "section", "section", "context", "actions"]
    assert blocks[0]["text"]["text"] == "⏰ Time for your thank-you"
    assert "☐ Thank them" in blocks[2]["text"]["text"]
    assert [e["action_id"] for e in blocks[-1]["elements"]] == [f"fu:{v}:7" for v in ("sent", "snooze", "checklist", "draft", "skip")]
    assert blocks[-1]["elements"][0]["style"] == "primary"


def test_a_long_checklist_is_split_into_sections_of_ten() -> None:
    message = Message(title="Checklist", checklist=tuple(f"item {i}" for i in range(25)))
    sections = [b.to_dict() for b in render(message) if b.to_dict()["type"] == "section"]
    assert [s["text"]["text"].count("☐") for s in sections] == [10, 10, 5]


def test_a_huge_body_fits_slacks_limits_and_keeps_its_buttons() -> None:
    body = "\n".join("x" * 2500 for _ in range(80))
    message = Message(title="t" * 400, body=body, actions=(Action("fu:sent:1", "Sent"),))
    blocks = [b.to_dict() for b in render(message)]  # to_dict validates every limit
    assert len(blocks) == MESSAGE_BLOCKS
    assert blocks[-1]["type"] == "actions"
    assert len(blocks[0]["text"]["text"]) <= 150
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")


def test_repeated_buttons_appear_once() -> None:
    message = Message(title="Due", actions=nudge_actions(1) + nudge_actions(1) + nudge_actions(2))
    ids = [e["action_id"] for b in payload(message)["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert len(ids) == len(set(ids)) == 10


def test_the_fallback_text_is_the_plain_message_escaped() -> None:
    message = Message(title="Hi <!here>", body="A & B", checklist=("one",), actions=(Action("fu:draft:1", "Draft"),))
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
    message = Message(title="Pick", actions=(Action("x" * 300, "Too long an id"),))  # action ids ≤ 255
    assert payload(message) == {"text": "Pick\n[Too long an id]", "unfurl_links": False, "unfurl_media": False}

"""The neutral message within Discord's limits: embed sizes, button rows, files; the plain JSON
of a queued send, as discord.py would make it."""

from __future__ import annotations

import json

import discord
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.discord.render import (
    _NOT_A_HEADING,
    FULL_TEXT,
    _checklist,
    literal,
    outgoing,
    render,
    view_for,
)
from adapters.discord.sending import parameters
from bot.actions import Verb, action, nudge_actions
from bot.messages import Action, Attachment, Field, Message, Tone
from bot.ports import Delivery


def _size(embed: dict[str, object]) -> int:
    total = len(str(embed.get("title", ""))) + len(str(embed.get("description", "")))
    total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))  # type: ignore[attr-defined]
    footer = embed.get("footer")
    return total + (len(footer["text"]) if isinstance(footer, dict) else 0)


def test_a_nudge_renders_title_checklist_fields_and_five_buttons_in_one_row() -> None:
    message = Message(
        title="Time for your thank-you email — Acme",
        body="Send it to Jane.",
        checklist=("Thank them", "Ask when you may follow up"),
        fields=(
            Field("Application", "#1 Acme — Data Engineer"),
            Field("Budget", "2 follow-ups left"),
        ),
        actions=nudge_actions(7),
        tone=Tone.WARNING,
    )
    shown = render(message)
    embed = shown.embed.to_dict()
    assert embed["title"] == message.title
    assert (
        embed["description"]
        == "Send it to Jane.\n\n**Checklist**\n☐ Thank them\n☐ Ask when you may follow up"
    )
    assert [f["name"] for f in embed["fields"]] == ["Application", "Budget"]
    assert shown.files == [] and not shown.truncated
    assert shown.view is not None and shown.view.timeout is None and shown.view.is_persistent()
    rows = shown.view.to_components()
    assert len(rows) == 1
    assert [b["custom_id"] for b in rows[0]["components"]] == [a.id for a in nudge_actions(7)]
    assert rows[0]["components"][0]["style"] == 1  # Sent is the primary button


def test_a_steps_checklist_is_made_once_for_every_nudge_of_that_step() -> None:
    """Nudges of one step differ in their title and body, not their checklist: its text is
    remembered, and each description is still the body followed by it."""
    checklist = ("Thank *each* of them", "Ask when you may follow up")
    first, second = (
        outgoing(Message(title=f"Thank-you — {company}", body=f"To {who}.", checklist=checklist))
        for company, who in (("Acme", "Jane"), ("Initech", "Bob"))
    )
    before = _checklist.cache_info()
    again = outgoing(Message(title="Thank-you — Umbrella", body="", checklist=checklist))
    after = _checklist.cache_info()
    assert (after.hits, after.misses) == (before.hits + 1, before.misses)
    shown = "**Checklist**\n☐ Thank \\*each\\* of them\n☐ Ask when you may follow up"
    assert first.body["embeds"][0]["description"] == f"To Jane.\n\n{shown}"
    assert second.body["embeds"][0]["description"] == f"To Bob.\n\n{shown}"
    assert again.body["embeds"][0]["description"] == shown


def test_too_many_buttons_fill_five_rows_of_five() -> None:
    actions = tuple(action(Verb.DRAFT, n) for n in range(1, 31))
    shown = render(Message(title="t", actions=actions))
    assert shown.view is not None
    rows = shown.view.to_components()
    assert [len(r["components"]) for r in rows] == [5, 5, 5, 5, 5]


def test_actions_that_are_not_ours_are_left_out() -> None:
    shown = render(
        Message(
            title="t", actions=(Action("x" * 120, "Too long"), Action("http://example.com", "Link"))
        )
    )
    assert shown.view is None


def test_an_export_is_attached_as_its_file() -> None:
    shown = render(
        Message(
            title="Your data", attachment=Attachment("followup.csv", "text/csv", "company\nAcme\n")
        )
    )
    [file] = shown.files
    assert file.filename == "followup.csv"
    assert file.fp.read() == b"company\nAcme\n"


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(max_size=400),
    body=st.text(max_size=9000),
    checklist=st.lists(st.text(max_size=300), max_size=40),
    fields=st.lists(st.tuples(st.text(max_size=300), st.text(max_size=1500)), max_size=40),
    footer=st.text(max_size=3000),
)
def test_any_message_fits_discords_limits_and_nothing_is_lost(
    title: str, body: str, checklist: list[str], fields: list[tuple[str, str]], footer: str
) -> None:
    message = Message(
        title=title,
        body=body,
        checklist=tuple(checklist),
        fields=tuple(Field(a, b) for a, b in fields),
        footer=footer,
    )
    shown = render(message)
    embed = shown.embed.to_dict()
    assert 0 < len(embed["title"]) <= 256
    assert len(embed.get("description", "")) <= 4096
    assert len(embed.get("fields", [])) <= 25
    assert all(
        len(f["name"]) <= 256 and 0 < len(f["value"]) <= 1024 for f in embed.get("fields", [])
    )
    assert len(embed.get("footer", {}).get("text", "")) <= 2048
    assert _size(embed) <= 6000
    if shown.truncated:
        [file] = shown.files
        assert file.filename == FULL_TEXT
        assert file.fp.read().decode() == message.as_text()


_texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)


@settings(max_examples=60, deadline=None)
@given(
    title=_texts,
    body=st.text(max_size=5000),
    fields=st.lists(st.tuples(_texts, _texts), max_size=30),
    footer=_texts,
    tone=st.sampled_from(list(Tone)),
    verbs=st.lists(st.sampled_from(["sent", "snooze", "skip", "draft", "checklist"]), max_size=12),
    styles=st.lists(
        st.sampled_from([None, "primary", "danger", "unknown"]), min_size=12, max_size=12
    ),
)
def test_a_queued_sends_json_is_what_discord_py_makes_of_the_same_message(
    title: str,
    body: str,
    fields: list[tuple[str, str]],
    footer: str,
    tone: Tone,
    verbs: list[str],
    styles: list[str | None],
) -> None:
    """The plain JSON a nudge or digest is posted as reads back through discord.py's own
    models unchanged, and its buttons are exactly the persistent view an answer would carry."""
    actions = tuple(
        Action(f"fu:{verb}:{n}:r1:ty", verb.title(), styles[n]) for n, verb in enumerate(verbs)
    )
    message = Message(
        title=title,
        body=body,
        fields=tuple(Field(a, b) for a, b in fields),
        footer=footer,
        tone=tone,
        actions=actions,
    )
    sent = outgoing(message)
    [embed] = sent.body["embeds"]
    parsed = discord.Embed.from_dict(embed).to_dict()
    parsed.pop("flags", None)  # a field Discord sends, never one a bot sets
    assert parsed == embed
    view = view_for(message)
    assert sent.body.get("components", []) == (view.to_components() if view is not None else [])
    assert sent.body["allowed_mentions"] == discord.AllowedMentions.none().to_dict()
    assert outgoing(message, buttons=False).body.get("components") is None
    assert [f.filename for f in sent.files] == [f.filename for f in render(message).files]


def test_a_send_with_files_is_a_form_of_its_json_and_files_with_the_nonce() -> None:
    message = Message(
        title="Export", attachment=Attachment("followup.csv", "text/csv", "a,b\n1,2\n")
    )
    form = parameters(outgoing(message), Delivery("n0123456789abcdef0123"))
    assert form.payload is None and form.files is not None and form.multipart is not None
    payload = json.loads(form.multipart[0]["value"])
    assert payload["nonce"] == "n0123456789abcdef0123" and payload["enforce_nonce"] is True
    assert payload["attachments"] == [{"id": 0, "filename": "followup.csv"}]
    assert [part["name"] for part in form.multipart] == ["payload_json", "files[0]"]
    plain = parameters(outgoing(Message(title="Hi")), None)
    assert plain.files is None and plain.payload is not None and "nonce" not in plain.payload


MARKDOWN_TEXT = st.lists(
    st.sampled_from([*"ab #-_*~|`>[]()\\:/.\n\t 1", "https://x.io/a_b", "<a:/b>", "\u2003"]),
    max_size=30,
).map("".join)


@settings(max_examples=500)
@given(text=st.one_of(MARKDOWN_TEXT, st.text(max_size=30)))
def test_text_left_as_it_is_is_what_escaping_it_gives(text: str) -> None:
    """`literal` skips the escaping of text with nothing markdown could act on: the result is
    the same as escaping it with discord.py's `escape_markdown`."""
    escaped = _NOT_A_HEADING.sub(r"\1", discord.utils.escape_markdown(text))
    assert literal.__wrapped__(text) == escaped

"""The neutral message within Discord's limits: embed sizes, button rows, files."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.discord.render import FULL_TEXT, render
from bot.actions import Verb, action, nudge_actions
from bot.messages import Action, Attachment, Field, Message, Tone


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
        fields=(Field("Application", "#1 Acme — Data Engineer"), Field("Budget", "2 follow-ups left")),
        actions=nudge_actions(7),
        tone=Tone.WARNING,
    )
    shown = render(message)
    embed = shown.embed.to_dict()
    assert embed["title"] == message.title
    assert embed["description"] == "Send it to Jane.\n\n**Checklist**\n☐ Thank them\n☐ Ask when you may follow up"
    assert [f["name"] for f in embed["fields"]] == ["Application", "Budget"]
    assert shown.files == [] and not shown.truncated
    assert shown.view is not None and shown.view.timeout is None and shown.view.is_persistent()
    rows = shown.view.to_components()
    assert len(rows) == 1
    assert [b["custom_id"] for b in rows[0]["components"]] == [a.id for a in nudge_actions(7)]
    assert rows[0]["components"][0]["style"] == 1  # Sent is the primary button


def test_too_many_buttons_fill_five_rows_of_five() -> None:
    actions = tuple(action(Verb.DRAFT, n) for n in range(1, 31))
    shown = render(Message(title="t", actions=actions))
    assert shown.view is not None
    rows = shown.view.to_components()
    assert [len(r["components"]) for r in rows] == [5, 5, 5, 5, 5]


def test_actions_that_are_not_ours_are_left_out() -> None:
    shown = render(Message(title="t", actions=(Action("x" * 120, "Too long"), Action("http://example.com", "Link"))))
    assert shown.view is None


def test_an_export_is_attached_as_its_file() -> None:
    shown = render(Message(title="Your data", attachment=Attachment("followup.csv", "text/csv", "company\nAcme\n")))
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
    message = Message(title=title, body=body, checklist=tuple(checklist), fields=tuple(Field(a, b) for a, b in fields), footer=footer)
    shown = render(message)
    embed = shown.embed.to_dict()
    assert 0 < len(embed["title"]) <= 256
    assert len(embed.get("description", "")) <= 4096
    assert len(embed.get("fields", [])) <= 25
    assert all(len(f["name"]) <= 256 and 0 < len(f["value"]) <= 1024 for f in embed.get("fields", []))
    assert len(embed.get("footer", {}).get("text", "")) <= 2048
    assert _size(embed) <= 6000
    if shown.truncated:
        [file] = shown.files
        assert file.filename == FULL_TEXT
        assert file.fp.read().decode() == message.as_text()

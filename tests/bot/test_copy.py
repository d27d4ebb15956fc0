"""The copy file's shape: every variant of every step has its guide and its draft, with the
fields the code reads and only the placeholders it fills, so a copy editor (or a translator
adding a language) can change the words without reading Python."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.content import COPY_DIR, copy_text, draft_for, guide_for
from bot.domain import Variant

GUIDE_KEYS = {"title", "purpose", "words", "limits", "checklist", "ask"}
DRAFT_KEYS = {"subject", "body", "open", "ask"}
DRAFT_FIELDS = {"name", "company", "role", "sender", "met", "open", "ask", "insight"}
CHECKLIST_FIELDS = {"length", "ask"}
FIELD = re.compile(r"\{([a-z_-]+)\}")
CHOICES = {"agreed", "no-date"}


def _languages() -> list[str]:
    return sorted(path.stem for path in COPY_DIR.glob("*.toml"))


def test_there_is_an_english_copy() -> None:
    assert "en" in _languages()


@pytest.mark.parametrize("language", _languages())
@pytest.mark.parametrize("variant", list(Variant))
def test_every_variant_has_a_complete_guide(language: str, variant: Variant) -> None:
    entry: dict[str, Any] = copy_text(language)["guide"][variant.value]
    assert set(entry) <= GUIDE_KEYS and {"title", "purpose", "words", "limits", "checklist"} <= set(
        entry
    )
    low, high = entry["words"]
    floor, ceiling = entry["limits"]
    assert 0 < floor <= low < high <= ceiling, "a draft on target is never flagged for its length"
    assert 5 <= len(entry["checklist"]) <= 8
    assert "{length}" in entry["checklist"]
    for item in entry["checklist"]:
        assert set(FIELD.findall(item)) <= CHECKLIST_FIELDS, item
    if "{ask}" in entry["checklist"]:
        assert set(entry["ask"]) == CHOICES
    else:
        assert "ask" not in entry


@pytest.mark.parametrize("language", _languages())
@pytest.mark.parametrize("variant", list(Variant))
def test_every_variant_has_a_draft_with_known_fields(language: str, variant: Variant) -> None:
    text = copy_text(language)
    entry: dict[str, Any] = text["draft"][variant.value]
    assert set(entry) <= DRAFT_KEYS and {"subject", "body"} <= set(entry)
    used = set(FIELD.findall(entry["subject"] + entry["body"]))
    assert used <= DRAFT_FIELDS, used - DRAFT_FIELDS
    assert {"name", "sender"} <= used, "every draft greets someone and is signed"
    for nested in ("open", "ask"):
        assert (nested in used) == (nested in entry), nested
        if nested in entry:
            assert set(entry[nested]) == CHOICES
    if "insight" in used:
        assert "insight" in text["fragments"]


@pytest.mark.parametrize("variant", list(Variant))
def test_what_the_code_builds_from_the_copy_has_no_placeholder_left(variant: Variant) -> None:
    for no_date in (False, True):
        g = guide_for(variant, no_agreed_date=no_date)
        d = draft_for(
            variant,
            company="Acme",
            role="Analyst",
            interviewer=None,
            sender_name="Kim",
            no_agreed_date=no_date,
        )
        for text in (g.title, g.purpose, *g.checklist, d.subject, d.body):
            assert not FIELD.search(text), text


def test_nudge_sentences_use_only_the_fields_the_code_fills() -> None:
    known = {
        "step",
        "company",
        "role",
        "number",
        "who",
        "purpose",
        "send_by",
        "due_day",
        "due_time",
        "weeks",
        "close_in",
    }
    for key, sentence in copy_text()["nudge"].items():
        assert set(FIELD.findall(sentence)) <= known, key


def test_destructive_buttons_ask_first_within_every_platforms_limits() -> None:
    from bot.actions import CONFIRMS, LABELS, Verb, action

    entries = copy_text()["confirm"]
    assert set(entries) == set(CONFIRMS.values())
    for entry in entries.values():
        assert set(entry) == {"title", "text", "confirm", "deny"}
        assert len(entry["title"]) <= 100 and len(entry["text"]) <= 300  # Slack's confirm object
        assert 0 < len(entry["confirm"]) <= 30 and 0 < len(entry["deny"]) <= 30
    for verb in LABELS:
        confirm = action(verb, 1).confirm
        assert (confirm is not None) == (verb in (Verb.DELETE, Verb.SKIP, Verb.FORGET)), verb
    assert set(copy_text()["pages"]) == {"next", "previous", "footer", "whole"}


ADAPTERS = Path(__file__).resolve().parents[2] / "adapters"
WORD_CALL = re.compile(r"\bword\(")
WORD_KEY = re.compile(r'\bword\(\s*"([a-z_]+)",\s*"([a-z-]+)"')
# words only adapters place
ADAPTER_SECTIONS = {"home", "settings_form", "interview_form", "review_form"}


def _adapter_words() -> set[tuple[str, str]]:
    used: set[tuple[str, str]] = set()
    for source in sorted(ADAPTERS.rglob("*.py")):
        text = source.read_text(encoding="utf-8")
        keys = WORD_KEY.findall(text)
        assert len(keys) == len(WORD_CALL.findall(text)), (
            f"{source.name}: name the copy's section and key as plain strings"
        )
        used |= set(keys)
    return used


def test_every_word_an_adapter_places_is_in_the_copy_and_every_one_is_placed() -> None:
    text = copy_text()
    used = _adapter_words()
    missing = {(section, key) for section, key in used if key not in text.get(section, {})}
    assert not missing, missing
    assert {section for section, _ in used} <= ADAPTER_SECTIONS | set(text)
    unused = {(s, k) for s in ADAPTER_SECTIONS for k in text[s]} - used
    assert not unused, unused


def test_form_words_fit_every_platform_that_shows_them() -> None:
    text = copy_text()
    for section in ("interview_form", "review_form", "settings_form"):
        for key, value in text[section].items():
            assert isinstance(value, str) and value.strip(), (section, key)
            assert "<" not in value and "*" not in value, "plain words, no markup"
            if key.endswith("placeholder"):
                assert len(value) <= 100, key  # Discord's placeholder (Slack's is 150)
            elif key in ("pick-day", "pick-start", "lost", "empty"):
                assert len(value) <= 300, key  # an error under a field (Slack's inline error)
            elif key in ("filled", "found-nothing"):
                assert len(value) <= 1900, key  # with its {source}, cut to Slack's context line
            elif section == "settings_form" or (section, key) == ("review_form", "draft"):
                assert len(value) <= 2000, key  # Slack only: a label or hint
            else:
                assert len(value) <= 45, key  # Discord's label and title (Slack's label is 2000)
    for order in ("auto", "dmy", "mdy"):
        assert len(text["settings_form"][f"dates-{order}"]) <= 75  # a Slack option's text

"""Tests for the coaching content: step guides, checklists and email drafts."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

from bot.content import (
    GAP_CLOSE,
    GAP_OPEN,
    StepGuide,
    draft_email,
    first_name,
    gap,
    guide,
    word_limits,
    word_target,
)
from bot.domain import Interviewer, Step
from tests.bot.drafts import IDS, JANE, VARIANTS, fill, make_draft

# The source article sits beside the repository (`../shared/seed`); CI must have it.
SEED_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "seed"
BOT_DIR = Path(__file__).resolve().parents[2] / "bot"

GAP_RE = re.compile(f"{GAP_OPEN}([^{GAP_OPEN}{GAP_CLOSE}]*){GAP_CLOSE}")


def guide_for(step: Step, flags: dict[str, bool]) -> StepGuide:
    return guide(step, **flags)


def all_user_facing_strings() -> list[str]:
    strings: list[str] = []
    for step, flags in VARIANTS:
        g = guide_for(step, flags)
        strings += [g.title, g.purpose, *g.checklist]
        for interviewer in (JANE, None):
            d = make_draft(step, flags, interviewer=interviewer)
            strings += [d.subject, d.body]
    return strings


# --------------------------------------------------------------------------- gap


def test_gap_marks_text() -> None:
    assert gap("a number that shows the result") == "⟨a number that shows the result⟩"


def test_gap_never_nests_markers() -> None:
    assert gap("⟨name⟩") == "⟨name⟩"


# --------------------------------------------------------------------------- guides


@pytest.mark.parametrize(("step", "flags"), VARIANTS, ids=IDS)
def test_every_guide_has_five_to_eight_items(step: Step, flags: dict[str, bool]) -> None:
    g = guide_for(step, flags)
    assert g.step is step
    assert g.title and g.purpose
    assert 5 <= len(g.checklist) <= 8
    assert all(item.strip() for item in g.checklist)
    assert len(set(g.checklist)) == len(g.checklist)


@pytest.mark.parametrize("step", list(Step))
def test_guide_accepts_every_step_with_defaults(step: Step) -> None:
    assert guide(step).step is step
    assert guide(step.value).step is step  # type: ignore[arg-type]


def test_thank_you_guide_covers_the_method() -> None:
    text = " ".join(guide(Step.THANK_YOU).checklist).lower()
    assert "thank" in text
    assert "encouraged" in text and "interested" in text
    assert "permission" in text and "when you may follow up" in text
    assert "each person" in text  # one email per interviewer


def test_value_add_guide_asks_for_numbers_and_forwarding() -> None:
    text = " ".join(guide(Step.VALUE_ADD).checklist).lower()
    assert "resume" in text
    assert "percentage" in text and "money" in text and "place" in text
    assert "forwarded" in text
    assert "next date" in text


def test_no_agreed_date_changes_value_add_checklist() -> None:
    plain = guide(Step.VALUE_ADD)
    pushed = guide(Step.VALUE_ADD, no_agreed_date=True)
    assert plain.checklist != pushed.checklist
    assert "no agreed date" in " ".join(pushed.checklist).lower()


def test_insight_guide_for_hiring_manager_thanks_too() -> None:
    plain = guide(Step.INSIGHT)
    manager = guide(Step.INSIGHT, hiring_manager=True)
    assert "vice-president" in " ".join(plain.checklist).lower()
    assert "thank" in " ".join(manager.checklist).lower()
    assert "hiring manager" in manager.title.lower()
    assert plain.title != manager.title


def test_close_loop_guides_differ_for_rejection_and_silence() -> None:
    rejected = guide(Step.CLOSE_LOOP, after_rejection=True)
    dark = guide(Step.CLOSE_LOOP)
    assert rejected.title != dark.title
    assert rejected.checklist != dark.checklist
    rejected_text = " ".join(rejected.checklist).lower()
    dark_text = " ".join(dark.checklist).lower()
    assert "success" in rejected_text and "needs change" in rejected_text
    assert "experience" in dark_text and "culture" in dark_text and "connection" in dark_text
    assert "six weeks" in dark.purpose.lower()


def test_check_back_guide_has_the_numbers() -> None:
    g = guide(Step.CHECK_BACK)
    text = " ".join(g.checklist)
    assert "90 days" in text
    assert "80%" in text and "50%" in text and "six months" in text
    assert "gloating" in text.lower()


def test_seed_facts_are_present() -> None:
    text = " ".join(
        part
        for step, flags in VARIANTS
        for part in (guide_for(step, flags).purpose, *guide_for(step, flags).checklist)
    ).lower()
    for fact in ("80%", "50%", "six months", "permission", "90 days", "six weeks"):
        assert fact in text, fact
    assert "forward" in text


@pytest.mark.parametrize(("step", "flags"), VARIANTS, ids=IDS)
def test_checklist_quotes_the_word_target(step: Step, flags: dict[str, bool]) -> None:
    low, high = word_target(step, after_rejection=flags.get("after_rejection", False))
    assert any(f"{low}–{high} words" in item for item in guide_for(step, flags).checklist)


def test_word_targets_sit_inside_review_limits() -> None:
    for step, flags in VARIANTS:
        rejected = flags.get("after_rejection", False)
        low, high = word_target(step, after_rejection=rejected)
        min_words, max_words = word_limits(step, after_rejection=rejected)
        assert min_words < low < high < max_words


# --------------------------------------------------------------------------- drafts


@pytest.mark.parametrize(("step", "flags"), VARIANTS, ids=IDS)
def test_draft_fills_names_company_role(step: Step, flags: dict[str, bool]) -> None:
    d = make_draft(step, flags)
    text = d.as_text()
    assert d.body.startswith("Hi Jane,")
    assert "Acme Corp" in d.subject or "Data Engineer" in d.subject
    assert "Acme Corp" in d.body and "Data Engineer" in d.body
    assert d.body.rstrip().endswith("Sam Lee")
    assert "Doe" not in text  # first name only
    for placeholder in ("{name}", "{company}", "{role}", "{sender}", "{open}", "{ask}"):
        assert placeholder not in text


@pytest.mark.parametrize(("step", "flags"), VARIANTS, ids=IDS)
def test_draft_gaps_are_marked_and_listed_in_order(step: Step, flags: dict[str, bool]) -> None:
    d = make_draft(step, flags)
    in_text: list[str] = []
    for item in GAP_RE.findall(d.as_text()):
        if item not in in_text:
            in_text.append(item)
    assert d.gaps == tuple(in_text)
    assert d.gaps, "every draft leaves the user something personal to add"
    assert d.as_text().count(GAP_OPEN) == d.as_text().count(GAP_CLOSE)


@pytest.mark.parametrize(("step", "flags"), VARIANTS, ids=IDS)
def test_filled_draft_is_within_word_target(step: Step, flags: dict[str, bool]) -> None:
    text = fill(make_draft(step, flags))
    low, high = word_target(step, after_rejection=flags.get("after_rejection", False))
    words = len(text.split())
    assert low - 20 <= words <= high, words


def test_thank_you_draft_is_about_120_to_180_words() -> None:
    words = len(fill(make_draft(Step.THANK_YOU, {})).split())
    assert 115 <= words <= 185


def test_draft_as_text_format() -> None:
    d = make_draft(Step.THANK_YOU, {})
    assert d.as_text() == f"Subject: {d.subject}\n\n{d.body}"
    assert "\n" not in d.subject


def test_missing_interviewer_and_fields_become_gaps() -> None:
    d = draft_email(Step.VALUE_ADD, company=" ", role="", interviewer=None, sender_name="")
    assert d.body.startswith("Hi ⟨name⟩,")
    for item in ("name", "company", "role", "your name"):
        assert item in d.gaps
        assert gap(item) in d.as_text()
    assert d.gaps.count("company") == 1
    assert d.gaps.index("role") < d.gaps.index("name")  # the subject comes first


def test_blank_interviewer_name_is_a_gap() -> None:
    d = make_draft(Step.THANK_YOU, {}, interviewer=Interviewer("   "))
    assert d.body.startswith("Hi ⟨name⟩,")
    assert "name" in d.gaps


def test_honorific_greets_with_surname() -> None:
    d = make_draft(Step.THANK_YOU, {}, interviewer=Interviewer("Dr. Amara Okafor"))
    assert d.body.startswith("Hi Dr. Okafor,")
    assert first_name("Priya") == "Priya"
    assert first_name("") is None


def test_user_text_is_inserted_literally() -> None:
    d = make_draft(
        Step.VALUE_ADD,
        {"no_agreed_date": True},
        company="Brace {role} & <Co>",
        role="*Lead* _Dev_",
        sender_name="Zoë O'Brien",
    )
    assert "Brace {role} & <Co>" in d.body
    assert "*Lead* _Dev_" in d.subject
    assert d.body.rstrip().endswith("Zoë O'Brien")
    assert "role" not in d.gaps


def test_thank_you_draft_asks_when_to_follow_up() -> None:
    body = make_draft(Step.THANK_YOU, {}).body.lower()
    assert "thank you" in body
    assert "encouraged" in body and "very interested" in body
    assert "when would be a good time for me to follow up" in body


def test_no_agreed_date_changes_value_add_draft() -> None:
    agreed = make_draft(Step.VALUE_ADD, {})
    missing = make_draft(Step.VALUE_ADD, {"no_agreed_date": True})
    assert agreed.body != missing.body
    assert "did not set a date" in missing.body
    assert "did not set a date" not in agreed.body
    assert len(missing.gaps) > len(agreed.gaps)
    for d in (agreed, missing):
        assert "forward" in d.body.lower() or "share this note" in d.body.lower()
        assert "?" in d.body


def test_insight_draft_for_hiring_manager_thanks_and_asks() -> None:
    plain = make_draft(Step.INSIGHT, {})
    manager = make_draft(Step.INSIGHT, {"hiring_manager": True})
    assert plain.body != manager.body
    assert "encouraged" in manager.body and "Thank you for meeting" in manager.body
    assert "follow up with you?" in manager.body
    for d in (plain, manager):
        assert "trend" in d.body


def test_close_loop_drafts_differ() -> None:
    rejected = make_draft(Step.CLOSE_LOOP, {"after_rejection": True})
    dark = make_draft(Step.CLOSE_LOOP, {})
    assert rejected.body != dark.body and rejected.subject != dark.subject
    assert "every success" in rejected.body and "future roles" in rejected.body
    assert "experience" in dark.body and "still very interested" in dark.subject


def test_check_back_draft_offers_help() -> None:
    body = make_draft(Step.CHECK_BACK, {}).body
    assert "three months" in body
    assert "part of the solution" in body


def test_no_draft_is_a_bare_check_in() -> None:
    for text in all_user_facing_strings():
        lowered = text.lower()
        if "just checking in" in lowered:
            # Only the checklists may name the phrase, and only to warn against it.
            assert '"just checking in"' in lowered or "“just checking in”" in lowered


# --------------------------------------------------------------------------- originality


def _words(text: str) -> list[str]:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text)


def _seed_text() -> str:
    files = sorted(SEED_DIR.glob("*.txt")) if SEED_DIR.is_dir() else []
    if not files:
        if os.environ.get("CI"):
            pytest.fail(f"the source article is missing from {SEED_DIR}: CI must check originality")
        pytest.skip(f"the source article is not available in {SEED_DIR}")
    return "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in files)


def every_text_in_the_core() -> list[str]:
    """Every string the core could say: its string literals (the constant parts of f-strings
    included) and its data files, whichever module or file they live in."""
    texts: list[str] = []
    for path in sorted(BOT_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                texts.append(node.value)
    for path in sorted(BOT_DIR.rglob("*.toml")):
        texts.append(path.read_text(encoding="utf-8"))
    return texts


def test_no_user_facing_string_copies_the_article() -> None:
    seed = _words(_seed_text())
    size = 8
    runs = {tuple(seed[i : i + size]) for i in range(len(seed) - size + 1)}
    copied: list[str] = []
    for text in all_user_facing_strings() + every_text_in_the_core():
        words = _words(text)
        for i in range(len(words) - size + 1):
            run = tuple(words[i : i + size])
            if run in runs:
                copied.append(" ".join(run))
    assert not copied, copied


def test_no_distinctive_phrases_from_the_article() -> None:
    text = " ".join(all_user_facing_strings() + every_text_in_the_core()).lower()
    for phrase in ("gift of their time", "san antonio", "crickets", "verbal contract", "flipped"):
        assert phrase not in text, phrase

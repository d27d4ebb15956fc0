"""The judged corpus: emails we wrote and judged as a recruiter would (tests/bot/review_corpus/),
and how often `review` agrees with the judgement, per step.

Fails when overall agreement drops below 90%, or when any email whose tone would hurt the
candidate is called "Ready to send". The agreement table is printed (run with `-s`) and
reported in the failure message.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.domain import Step
from bot.review import VARIANTS, ReviewResult, review_draft

CORPUS = Path(__file__).with_name("review_corpus")
THRESHOLD = 0.90
STEP_OF = {
    "thank-you": (Step.THANK_YOU, False, False),
    "value-add": (Step.VALUE_ADD, False, False),
    "insight": (Step.INSIGHT, False, False),
    "insight-hm": (Step.INSIGHT, False, True),
    "close-loop-rejected": (Step.CLOSE_LOOP, True, False),
    "close-loop-dark": (Step.CLOSE_LOOP, False, False),
    "check-back": (Step.CHECK_BACK, False, False),
}


@dataclass(frozen=True)
class Judged:
    id: str
    variant: str
    company: str
    role: str
    ready: bool
    tone: bool
    text: str


def load() -> list[Judged]:
    emails = []
    for path in sorted(CORPUS.glob("*.toml")):
        with path.open("rb") as handle:
            for entry in tomllib.load(handle)["email"]:
                assert entry["verdict"] in ("ready", "not ready"), entry["id"]
                emails.append(
                    Judged(
                        entry["id"], entry["variant"], entry["company"], entry["role"],
                        entry["verdict"] == "ready", entry["tone"], entry["text"],
                    )
                )
    return emails


def review(email: Judged) -> ReviewResult:
    step, rejected, manager = STEP_OF[email.variant]
    return review_draft(
        step, email.text, after_rejection=rejected, hiring_manager=manager,
        company=email.company, role=email.role,
    )


def agreement_table(emails: list[Judged]) -> tuple[float, str, list[str]]:
    per: dict[str, list[bool]] = defaultdict(list)
    misses = []
    for email in emails:
        result = review(email)
        agrees = result.ready == email.ready
        per[email.variant].append(agrees)
        if not agrees:
            said = (
                "ready"
                if result.ready
                else "not ready: " + ", ".join(f.rule for f in result.missing)
            )
            misses.append(
                f"{email.id}: judged {'ready' if email.ready else 'not ready'}, review said {said}"
            )
    lines = [f"{'variant':<22}{'emails':>7}{'agree':>7}"]
    for variant in VARIANTS:
        got = per[variant]
        lines.append(f"{variant:<22}{len(got):>7}{sum(got) / len(got):>7.0%}")
    total = [a for got in per.values() for a in got]
    overall = sum(total) / len(total)
    lines.append(f"{'all':<22}{len(total):>7}{overall:>7.0%}")
    return overall, "\n".join(lines + misses), misses


def test_the_corpus_covers_every_variant_good_and_bad() -> None:
    emails = load()
    assert len(emails) >= 40
    assert len({e.id for e in emails}) == len(emails)
    for variant in VARIANTS:
        judged = {e.ready for e in emails if e.variant == variant}
        assert judged == {True, False}, f"{variant} needs good and bad emails"
    assert any(e.tone for e in emails)
    assert sum("\n\n" in e.text for e in emails) == len(emails), "every email has paragraphs"


def test_review_agrees_with_the_judgement() -> None:
    overall, table, _ = agreement_table(load())
    print("\n" + table)
    assert overall >= THRESHOLD, table


@pytest.mark.parametrize("email", [e for e in load() if e.tone], ids=lambda e: e.id)
def test_no_email_with_a_tone_problem_is_ready(email: Judged) -> None:
    result = review(email)
    assert not result.ready
    assert result.tone_problems, [f.rule for f in result.missing]
    assert result.missing[0].kind == "tone", "tone problems are listed first"


@pytest.mark.parametrize("email", [e for e in load() if not e.tone], ids=lambda e: e.id)
def test_no_tone_alarm_on_an_email_judged_gracious(email: Judged) -> None:
    assert not review(email).tone_problems

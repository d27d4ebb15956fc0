"""Tests for `review_draft`: every check fires on a bad draft and passes on a good one."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.content import draft_email, word_limits
from bot.domain import Interviewer, Step
from bot.review import MAX_SCAN_CHARS, ReviewFinding, ReviewResult, count_words, review_draft
from tests.bot.drafts import VARIANTS, fill, make_draft

GOOD_THANK_YOU = """Subject: Thank you — Data Engineer interview at Acme Corp

Hi Jane,

Thank you for taking an hour today to talk with me about the Data Engineer role at Acme Corp.
Hearing how your team is moving its reporting from nightly batches to streaming gave me a clear
picture of where the role is heading.

I left our conversation encouraged and very interested. I spent the last three years building
streaming pipelines for a retailer, so the migration you described is work I know well and
enjoy. I would be glad to bring that experience to Acme Corp.

I know your diary is full, so I will keep my notes short and only write when I have something
useful to add. When would be a good time for me to follow up with you about the next steps?

Best regards,
Sam Lee"""

GOOD_VALUE_ADD = """Subject: Data Engineer at Acme Corp — one more relevant result

Hi Jane,

Thank you again for our conversation about the Data Engineer position at Acme Corp. Since we
spoke I have been thinking about the slow month-end reports you described, and there is one
part of my background the resume does not show.

At Northwind Retail I rebuilt the finance data pipeline for our Benelux stores. Within six
months it cut the month-end close from 9 days to 2 and saved about $140,000 a year in
contractor costs. I would expect to bring the same approach to your reporting at Acme Corp.

Please feel free to share this note with anyone else involved in the decision. Could you tell
me a good date for me to get in touch next about the process?

Best regards,
Sam Lee"""

GOOD_INSIGHT = """Subject: An industry observation for the Data Engineer role at Acme Corp

Hi Jane,

Thank you for your time during the process for the Data Engineer position at Acme Corp. I would
like to share one observation from eight years in retail analytics that may be useful as Acme
Corp expands its online store.

Over the past two years I have watched customers move from weekly to daily buying decisions,
driven by price-comparison apps. At Northwind Retail I responded by moving our demand forecasts
from weekly to hourly refreshes, which lifted promotion margins by 6%. For Acme Corp, I believe
this trend means stock and pricing data need to be fresh within the hour.

In brief: I am a data engineer who has built real-time retail pipelines end to end, and I would
welcome the chance to apply this experience as your Data Engineer. Please feel free to pass
this note on to colleagues involved in the hire.

Would it be all right if I got in touch again on 14 March?

Best regards,
Sam Lee"""

GOOD_REJECTED = """Subject: Thank you — Data Engineer at Acme Corp

Hi Jane,

Thank you for letting me know your decision on the Data Engineer position, and for the time you
and the team at Acme Corp gave me. I especially valued the whiteboard session with your
architects.

I wish you and your new colleague every success. As Acme Corp grows and your needs change, I
would be very glad to talk again about future roles.

Best wishes,
Sam Lee"""

GOOD_DARK = """Subject: Data Engineer at Acme Corp — still very interested

Hi Jane,

Thank you again for considering me for the Data Engineer position at Acme Corp. I know hiring
takes time and priorities move, so I will keep this short.

One point I could have made clearer: although my title was analyst, for the last two years I
ran our Spark cluster of 40 nodes and owned its on-call rota.

I remain very interested in the role and in Acme Corp. If the timing is not right at the
moment, I would welcome the chance to reconnect whenever your needs change. May I get in touch
again in early May?

Best regards,
Sam Lee"""

GOOD_CHECK_BACK = """Subject: Data Engineer at Acme Corp — glad to help

Hi Jane,

It has been about three months since we spoke about the Data Engineer position at Acme Corp,
and I hope the team is doing well.

Since then I have finished a migration of 300 reports to a new warehouse, and my interest in
Acme Corp is as strong as it was. Teams and priorities often shift in the first months after a
hire. If yours have, or you need extra help on the streaming work, I would be glad to be part
of the solution.

Would a short conversation in the next few weeks be welcome?

Best regards,
Sam Lee"""

GOOD: list[tuple[Step, bool, str]] = [
    (Step.THANK_YOU, False, GOOD_THANK_YOU),
    (Step.VALUE_ADD, False, GOOD_VALUE_ADD),
    (Step.INSIGHT, False, GOOD_INSIGHT),
    (Step.CLOSE_LOOP, True, GOOD_REJECTED),
    (Step.CLOSE_LOOP, False, GOOD_DARK),
    (Step.CHECK_BACK, False, GOOD_CHECK_BACK),
]
GOOD_IDS = [f"{step.value}{'-rejected' if rejected else ''}" for step, rejected, _ in GOOD]


def finding(result: ReviewResult, rule: str) -> ReviewFinding:
    matches = [f for f in result.findings if f.rule == rule]
    assert matches, f"no {rule!r} check in {[f.rule for f in result.findings]}"
    return matches[0]


def assert_fails(result: ReviewResult, rule: str) -> ReviewFinding:
    found = finding(result, rule)
    assert not found.ok, found
    assert found in result.missing
    assert not result.passed
    assert found.detail and found.why and found.fix
    return found


def only_missing(result: ReviewResult) -> list[str]:
    return [f.rule for f in result.missing]


# --------------------------------------------------------------------------- good drafts


@pytest.mark.parametrize(("step", "rejected", "text"), GOOD, ids=GOOD_IDS)
def test_good_draft_passes(step: Step, rejected: bool, text: str) -> None:
    result = review_draft(
        step, text, after_rejection=rejected, company="Acme Corp", role="Data Engineer"
    )
    assert result.passed, [(f.label, f.detail) for f in result.missing]
    assert result.missing == ()
    assert result.step is step
    assert all(f.ok and f.detail for f in result.findings)


@pytest.mark.parametrize(("step", "flags"), VARIANTS)
@pytest.mark.parametrize("filler", ["a 12% rise in repeat orders", "€40,000 saved in 2023"])
def test_generated_drafts_pass_their_own_review(
    step: Step, flags: dict[str, bool], filler: str
) -> None:
    text = fill(make_draft(step, flags, interviewer=Interviewer("Jane Doe")), filler)
    result = review_draft(
        step,
        text,
        after_rejection=flags.get("after_rejection", False),
        hiring_manager=flags.get("hiring_manager", False),
        company="Acme Corp",
        role="Data Engineer",
    )
    assert result.passed, [(f.label, f.detail) for f in result.missing]


@pytest.mark.parametrize(("step", "flags"), VARIANTS)
def test_unfilled_generated_drafts_report_their_gaps(step: Step, flags: dict[str, bool]) -> None:
    draft = draft_email(
        step, company="Acme", role="Analyst", interviewer=None, sender_name="Sam", **flags
    )
    result = review_draft(
        step, draft.as_text(), after_rejection=flags.get("after_rejection", False)
    )
    gaps = assert_fails(result, "gaps")
    assert "⟨name⟩" in gaps.detail or "more" in gaps.detail


# --------------------------------------------------------------------------- each check


def test_missing_thanks_is_flagged() -> None:
    text = GOOD_THANK_YOU.replace("Thank you for taking", "I enjoyed taking").replace(
        "Thank you — ", ""
    )
    result = review_draft(Step.THANK_YOU, text)
    assert_fails(result, "thanks")
    assert only_missing(result) == ["thanks"]


@pytest.mark.parametrize("word", ["Thanks so much for", "I appreciated", "I am grateful for"])
def test_thanks_in_other_words_counts(word: str) -> None:
    text = GOOD_THANK_YOU.replace("Thank you for taking", f"{word} taking").replace(
        "Thank you — ", ""
    )
    assert finding(review_draft(Step.THANK_YOU, text), "thanks").ok


def test_missing_permission_ask_is_flagged() -> None:
    text = GOOD_THANK_YOU.replace(
        "When would be a good time for me to follow up with you about the next steps?",
        "I look forward to hearing from you.",
    )
    result = review_draft(Step.THANK_YOU, text)
    found = assert_fails(result, "permission")
    assert "e.g." in found.fix
    assert only_missing(result) == ["permission"]


@pytest.mark.parametrize(
    "ask",
    [
        "May I follow up with you next Tuesday?",
        "When may I get in touch again?",
        "Would it be all right if I contacted you on Friday?",
        "What date would suit you for our next conversation?",
        "Would you mind if I called you next week?",
        "Could you let me know when I may be in touch again?",
    ],
)
def test_permission_asks_in_other_words(ask: str) -> None:
    text = GOOD_THANK_YOU.replace(
        "When would be a good time for me to follow up with you about the next steps?", ask
    )
    assert finding(review_draft(Step.THANK_YOU, text), "permission").ok


def test_value_add_without_a_number_is_flagged() -> None:
    text = GOOD_VALUE_ADD.replace(
        "Within six\nmonths it cut the month-end close from 9 days to 2 and saved about $140,000 a "
        "year in\ncontractor costs.",
        "It made the month-end close much faster and cheaper.",
    )
    assert "140,000" not in text
    result = review_draft(Step.VALUE_ADD, text)
    assert_fails(result, "result")
    assert only_missing(result) == ["result"]


def test_a_date_alone_is_not_a_number() -> None:
    text = (
        "Thank you for the Data Engineer interview at Acme Corp. I improved our reporting a lot. "
        "May I get in touch on 14 March, or on 2025-03-21 at 10:00? " + "More detail here. " * 20
    )
    assert not finding(review_draft(Step.VALUE_ADD, text), "result").ok


@pytest.mark.parametrize(
    "quantity", ["grew sales 18%", "saved $1.2M", "cut costs by 40 percent", "doubled the leads"]
)
def test_quantities_count_as_numbers(quantity: str) -> None:
    text = GOOD_VALUE_ADD.replace(
        "Within six\nmonths it cut the month-end close from 9 days to 2 and saved about $140,000 a "
        "year in\ncontractor costs.",
        f"It {quantity}.",
    )
    assert finding(review_draft(Step.VALUE_ADD, text), "result").ok


def test_number_check_applies_only_to_value_add() -> None:
    rules = [f.rule for f in review_draft(Step.THANK_YOU, GOOD_THANK_YOU).findings]
    assert "result" not in rules


@pytest.mark.parametrize(
    "phrase",
    [
        "I am just checking in on my application.",
        "Just following up on our chat.",
        "I wanted to touch base about the role.",
        "Touching base on the role.",
        "Circling back on the Data Engineer role.",
        "Just wanted to check where things stand.",
        "Any updates?",
        "Following up on my last email.",
    ],
)
@pytest.mark.parametrize(("step", "rejected", "text"), GOOD, ids=GOOD_IDS)
def test_filler_is_flagged(step: Step, rejected: bool, text: str, phrase: str) -> None:
    bad = text.replace("Hi Jane,\n", f"Hi Jane,\n\n{phrase}\n")
    result = review_draft(step, bad, after_rejection=rejected)
    found = assert_fails(result, "filler")
    assert "“" in found.detail
    assert only_missing(result) == ["filler"]


def test_filler_split_across_lines_and_curly_quotes() -> None:
    bad = GOOD_THANK_YOU.replace("Hi Jane,\n", "Hi Jane,\nJust   checking\nin — I’m keen.\n")
    assert not finding(review_draft(Step.THANK_YOU, bad), "filler").ok


def test_too_short_is_flagged_with_the_word_count() -> None:
    text = "Thank you for the Data Engineer interview. When may I follow up?"
    result = review_draft(Step.THANK_YOU, text)
    found = assert_fails(result, "length")
    assert result.word_count == 12
    assert "Too short" in found.detail and "12 words" in found.detail


def test_too_long_is_flagged_with_the_word_count() -> None:
    extra = " I also led many more projects that I would like to describe at length." * 30
    text = GOOD_THANK_YOU.replace("Best regards,", extra + "\n\nBest regards,")
    result = review_draft(Step.THANK_YOU, text)
    found = assert_fails(result, "length")
    assert "Too long" in found.detail and f"{result.word_count} words" in found.detail
    assert result.word_count > word_limits(Step.THANK_YOU)[1]


def test_length_bounds_depend_on_the_step() -> None:
    assert word_limits(Step.CLOSE_LOOP, after_rejection=True) != word_limits(Step.INSIGHT)
    ok = finding(review_draft(Step.CLOSE_LOOP, GOOD_REJECTED, after_rejection=True), "length")
    assert ok.ok and "words" in ok.detail


@pytest.mark.parametrize(
    ("change", "expect"),
    [
        (("Hi Jane,", "Hey Jane,"), "casual greeting"),
        (("I left our", "Gonna be honest, I left our"), "slang"),
        (("I left our", "Tbh I left our"), "slang"),
        (("Best regards,", "Thx u rock :)\n\nBest regards,"), "slang"),
        (("very interested.", "very interested 🚀."), "emoji"),
        (("I left our", "As I said, I left our"), "only the two of you"),
        (("I left our", "Like I mentioned, I left our"), "only the two of you"),
    ],
)
def test_unforwardable_wording_is_flagged(change: tuple[str, str], expect: str) -> None:
    bad = GOOD_THANK_YOU.replace(*change)
    assert bad != GOOD_THANK_YOU
    result = review_draft(Step.THANK_YOU, bad)
    found = assert_fails(result, "forwardable")
    assert expect in found.detail
    assert only_missing(result) == ["forwardable"]


def test_email_that_does_not_stand_alone_is_flagged() -> None:
    text = (
        "Hi Jane,\n\nThank you for today. I came away encouraged and very interested, and I "
        "enjoyed hearing about the migration. My three years of streaming work fit it well. "
        "I will keep my notes short and useful. When would be a good time for me to follow up "
        "with you?\n\nBest regards,\nSam"
    )
    result = review_draft(Step.THANK_YOU, text)
    found = assert_fails(result, "forwardable")
    assert "stand on its own" in found.detail


def test_named_company_and_role_are_checked_when_given() -> None:
    ok = review_draft(Step.THANK_YOU, GOOD_THANK_YOU, company="Acme Corp", role="Data Engineer")
    assert finding(ok, "names").ok
    bad = review_draft(Step.THANK_YOU, GOOD_THANK_YOU, company="Globex", role="Product Owner")
    found = assert_fails(bad, "names")
    assert "Product Owner position at Globex" in found.fix
    rules = [f.rule for f in review_draft(Step.THANK_YOU, GOOD_THANK_YOU).findings]
    assert "names" not in rules


def test_unfilled_gaps_are_flagged() -> None:
    bad = GOOD_THANK_YOU.replace("Hearing how", "Hearing about ⟨one specific thing⟩ and how")
    result = review_draft(Step.THANK_YOU, bad)
    found = assert_fails(result, "gaps")
    assert "⟨one specific thing⟩" in found.detail and "1 gap " in found.detail
    assert only_missing(result) == ["gaps"]


def test_stray_gap_marker_is_flagged() -> None:
    bad = GOOD_THANK_YOU.replace("Hearing how", "Hearing ⟨how")
    assert_fails(review_draft(Step.THANK_YOU, bad), "gaps")


def test_gap_text_does_not_satisfy_other_checks() -> None:
    text = GOOD_VALUE_ADD.replace(
        "Within six\nmonths it cut the month-end close from 9 days to 2 and saved about $140,000 a "
        "year in\ncontractor costs.",
        "It produced ⟨the result: 25% or $10,000⟩.",
    )
    result = review_draft(Step.VALUE_ADD, text)
    assert_fails(result, "result")
    assert_fails(result, "gaps")


def test_insight_without_an_industry_observation_is_flagged() -> None:
    text = (
        "Subject: Data Engineer role at Acme Corp\n\nHi Jane,\n\nI would like to add one thing "
        "about myself for the Data Engineer position at Acme Corp. I am a careful, reliable "
        "engineer with eight years of experience, and I work well with people. I have built many "
        "pipelines and I enjoy learning new tools. My colleagues say I explain things clearly and "
        "that I keep projects on time. I would welcome the chance to bring this to your team, "
        "and I am happy to share more detail about any of my projects or my approach.\n\n"
        "Would it be all right if I got in touch again next week?\n\nBest regards,\nSam Lee"
    )
    result = review_draft(Step.INSIGHT, text)
    assert_fails(result, "insight")
    assert only_missing(result) == ["insight"]
    assert finding(review_draft(Step.INSIGHT, GOOD_INSIGHT), "insight").ok


def test_insight_for_hiring_manager_requires_thanks() -> None:
    text = GOOD_INSIGHT.replace("Thank you for your time during", "I enjoyed")
    assert review_draft(Step.INSIGHT, text).passed
    result = review_draft(Step.INSIGHT, text, hiring_manager=True)
    # both parts of a thank-you are wanted there: the thanks and the interest
    assert only_missing(result) == ["thanks", "interest"]
    keen = text.replace("Over the past", "I left encouraged and very interested. Over the past")
    assert only_missing(review_draft(Step.INSIGHT, keen, hiring_manager=True)) == ["thanks"]


def test_rejection_without_best_wishes_is_flagged() -> None:
    text = GOOD_REJECTED.replace("I wish you and your new colleague every success. ", "").replace(
        "Best wishes,", "Regards,"
    )
    result = review_draft(Step.CLOSE_LOOP, text, after_rejection=True)
    assert_fails(result, "best-wishes")
    assert only_missing(result) == ["best-wishes"]


def test_rejection_without_openness_is_flagged() -> None:
    text = GOOD_REJECTED.replace(
        "As Acme Corp grows and your needs change, I\nwould be very glad to talk again about "
        "future roles.",
        "It was a pleasure to meet the team at Acme Corp.",
    )
    assert text != GOOD_REJECTED
    result = review_draft(Step.CLOSE_LOOP, text, after_rejection=True)
    assert_fails(result, "open-door")
    assert only_missing(result) == ["open-door"]


def test_rejection_and_silence_are_reviewed_differently() -> None:
    rejected = review_draft(Step.CLOSE_LOOP, GOOD_DARK, after_rejection=True)
    dark = review_draft(Step.CLOSE_LOOP, GOOD_DARK)
    assert {f.rule for f in rejected.findings} != {f.rule for f in dark.findings}
    assert "best-wishes" in only_missing(rejected)
    assert dark.passed


def test_dark_close_loop_complaint_is_flagged() -> None:
    bad = GOOD_DARK.replace(
        "I know hiring\ntakes time", "I haven't heard back in six weeks. I know hiring\ntakes time"
    )
    result = review_draft(Step.CLOSE_LOOP, bad)
    assert_fails(result, "silence")
    assert only_missing(result) == ["silence"]


def test_dark_close_loop_needs_interest() -> None:
    bad = GOOD_DARK.replace("I remain very interested in the role and in Acme Corp.", "").replace(
        " — still very interested", ""
    )
    result = review_draft(Step.CLOSE_LOOP, bad)
    assert only_missing(result) == ["interest"]


def test_check_back_without_an_offer_to_help_is_flagged() -> None:
    text = GOOD_CHECK_BACK.replace(
        "If yours have, or you need extra help on the streaming work, I would be glad to be part\n"
        "of the solution.",
        "I still think about our conversation.",
    ).replace(" — glad to help", "")
    assert text != GOOD_CHECK_BACK
    result = review_draft(Step.CHECK_BACK, text)
    assert_fails(result, "offer-help")
    assert only_missing(result) == ["offer-help"]


def test_check_back_gloating_is_flagged() -> None:
    bad = GOOD_CHECK_BACK.replace(
        "and I hope the team is doing well.",
        "and I heard the new hire didn't work out.",
    )
    result = review_draft(Step.CHECK_BACK, bad)
    assert_fails(result, "gloating")
    assert only_missing(result) == ["gloating"]


# --------------------------------------------------------------------------- result shape


def test_result_properties() -> None:
    result = review_draft(Step.VALUE_ADD, "")
    assert result.word_count == 0
    assert not result.passed
    rules = [f.rule for f in result.missing]
    assert {"result", "permission", "length", "forwardable"} <= set(rules)
    assert all(isinstance(f, ReviewFinding) for f in result.findings)
    assert review_draft("thank-you", GOOD_THANK_YOU).step is Step.THANK_YOU  # type: ignore[arg-type]


def test_count_words_ignores_punctuation_only_tokens() -> None:
    assert count_words("Hi Jane — thank you! 3 items, 40% more.") == 8
    assert count_words("") == 0


# --------------------------------------------------------------------------- robustness

ADVERSARIAL = [
    "",
    "\x00\x01\x02" * 7000,
    "⟨" * 25_000,
    "⟨" + "a" * 25_000,
    "would a " * 3000,
    "just " * 5000,
    "1 may " * 4000,
    ("Thank you " * 3000) + "⟩",
    "😀" * 20_000,
    "a" * 200_000,
    "\n" * 50_000,
    "next date " * 3000,
    ("é" * 500 + " ") * 50,
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=range(len(ADVERSARIAL)))
@pytest.mark.parametrize("step", list(Step))
def test_adversarial_text_gets_a_result(step: Step, text: str) -> None:
    # How fast review is on long and hostile text is measured in `make bench` (review suite).
    result = review_draft(step, text, after_rejection=True)
    assert isinstance(result, ReviewResult)
    assert result.findings


def test_only_the_first_chars_are_scanned() -> None:
    text = GOOD_THANK_YOU.replace("Best regards,", "x " * MAX_SCAN_CHARS + "just checking in")
    result = review_draft(Step.THANK_YOU, text)
    assert finding(result, "filler").ok
    assert result.word_count <= MAX_SCAN_CHARS


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    step=st.sampled_from(list(Step)),
    text=st.text(alphabet=st.characters(codec="utf-8"), max_size=3000),
    rejected=st.booleans(),
    manager=st.booleans(),
)
def test_any_text_gets_a_result(step: Step, text: str, rejected: bool, manager: bool) -> None:
    result = review_draft(step, text, after_rejection=rejected, hiring_manager=manager)
    assert result.step is step
    assert result.word_count >= 0
    assert result.findings
    assert all(f.label and f.detail for f in result.findings)
    assert result.passed == (not result.missing)


HOSTILE_PIECES = [
    *"⟨⟩ :)\n\t\x00$%",
    "just checking in ",
    "thank you ",
    "may i ",
    "12% ",
    "hey ",
    "would a ",
    "next date ",
    "as i said ",
    "🚀",
    "1 may ",
]


@settings(max_examples=100, deadline=None)
@given(pieces=st.lists(st.sampled_from(HOSTILE_PIECES), max_size=200))
def test_long_hostile_text_gets_a_result(pieces: list[str]) -> None:
    text = "".join(pieces) * 60
    result = review_draft(Step.VALUE_ADD, text)
    assert result.word_count >= 0 and result.findings


# --------------------------------------------------------------------------- rules one by one

VALUE_ADD_FRAME = (
    "Subject: Data Engineer at Acme Corp\n\nHi Jane,\n\nThank you again for our conversation about "
    "the Data Engineer position at Acme Corp. Since we spoke I have thought about the reporting "
    "delays you described. {sentence} I would expect to bring the same approach to Acme Corp.\n\n"
    "Please feel free to share this note with anyone involved. May I get in touch again next "
    "week?\n\nBest regards,\nSam Lee\n{signature}"
)


def value_add(sentence: str, signature: str = "") -> ReviewResult:
    return review_draft(
        Step.VALUE_ADD, VALUE_ADD_FRAME.format(sentence=sentence, signature=signature)
    )


@pytest.mark.parametrize(
    "sentence",
    [
        "At Northwind I cut the month-end close from 9 days to 2.",
        "I rebuilt our pipeline, which saved about $140,000 a year.",
        "My team and I lifted on-time reports by 35%.",
        "I led a team of 12 engineers that shipped the new warehouse.",
        "I reduced the close from three weeks to four days.",
        "We doubled the number of reports delivered on time.",
        "I migrated 300 reports to the new warehouse in our Benelux stores.",
    ],
)
def test_a_result_the_writer_produced_counts(sentence: str) -> None:
    assert finding(value_add(sentence), "result").ok


@pytest.mark.parametrize(
    ("sentence", "signature", "reason"),
    [
        (
            "I improved the reporting a lot.",
            "Tel: +1 (415) 555 0134",
            "phone number in your signature",
        ),
        ("I improved the reporting a lot, call me on 555-0134.", "", "a phone number"),
        ("In 2019 I improved the reporting a lot.", "", "a year"),
        ("On 14 March I improved the reporting a lot.", "", "a date"),
        ("I improved the reporting a lot at 10:30 every day.", "", "a time of day"),
        ("I improved the reporting at our office at 221 Baker Street.", "", "a street address"),
        ("I know your team has 40 engineers and 3 regions.", "", "about them"),
        ("I have spent 3 years on reporting.", "", "a length of time"),
        ("I improved the reporting a lot.", "221 Baker Street, Suite 4", "in your signature"),
    ],
)
def test_figures_that_measure_nothing_the_writer_did_do_not_count(
    sentence: str, signature: str, reason: str
) -> None:
    found = assert_fails(value_add(sentence, signature), "result")
    assert reason in found.detail, found.detail


@pytest.mark.parametrize(
    "ask",
    [
        "Is there a date that works for you for me to check in again?",
        "Would it make sense for me to get in touch again after your offsite?",
        "Please let me know when it would suit you for me to follow up.",
        "Shall I check back with you at the end of the month?",
        "Would you be open to a short call in two weeks?",
        "If that's all right with you, I'll follow up on Monday; does that work?",
        "Could we find a time next week for me to hear about the next steps?",
    ],
)
def test_permission_in_any_phrasing(ask: str) -> None:
    text = GOOD_THANK_YOU.replace(
        "When would be a good time for me to follow up with you about the next steps?", ask
    )
    assert finding(review_draft(Step.THANK_YOU, text), "permission").ok, ask


@pytest.mark.parametrize(
    "not_an_ask",
    [
        "I look forward to hearing from you.",
        "Let me know if you have any questions.",
        "When will you make your decision?",
        "Do you have any update for me?",
    ],
)
def test_questions_that_ask_nothing_about_the_next_contact_are_not_permission(
    not_an_ask: str,
) -> None:
    text = GOOD_THANK_YOU.replace(
        "When would be a good time for me to follow up with you about the next steps?", not_an_ask
    )
    assert not finding(review_draft(Step.THANK_YOU, text), "permission").ok, not_an_ask


TONE = [
    ("ultimatum", "I need your decision by Friday."),
    ("ultimatum", "If I don't hear back by Monday I will withdraw."),
    ("ultimatum", "I would be grateful for an answer before the 15th."),
    ("leverage", "I have two other offers at the moment."),
    ("leverage", "Several other companies are interested in my profile."),
    ("silence", "I still haven't heard back from anyone."),
    ("silence", "You never replied to my last two emails."),
    ("silence", "The process is taking far too long."),
    ("bitterness", "You made the wrong decision."),
    ("bitterness", "I regret the time I spent on your process."),
    ("bitterness", "Frankly, the whole process was unfair."),
    ("gloating", "I heard the person you hired has already left."),
    ("gloating", "I told you so: it didn't work out."),
    ("gloating", "I noticed the job has been reposted."),
    ("demands", "Please send me my scores from each interview."),
    ("demands", "I expect detailed feedback on why I was rejected."),
    ("demands", "Explain why I was not selected."),
    ("demands", "I'd love to hear how I scored."),
    ("leverage", "I am in final rounds with two other firms."),
    ("leverage", "I'm also interviewing elsewhere, so time matters."),
    ("silence", "I trust you will not keep me waiting like last time."),
    ("silence", "My emails have been ignored."),
    ("silence", "Thank you for finally getting back to me."),
    ("bitterness", "I hope your new hire works out better than your process did."),
]


@pytest.mark.parametrize(
    ("rule", "sentence"), TONE, ids=[f"{r}-{i}" for i, (r, _) in enumerate(TONE)]
)
@pytest.mark.parametrize(("step", "rejected", "text"), GOOD, ids=GOOD_IDS)
def test_each_tone_rule_fires_on_every_step(
    step: Step, rejected: bool, text: str, rule: str, sentence: str
) -> None:
    bad = text.replace("Best regards,", f"{sentence}\n\nBest regards,").replace(
        "Best wishes,", f"{sentence}\n\nBest wishes,"
    )
    result = review_draft(step, bad, after_rejection=rejected)
    found = assert_fails(result, rule)
    assert found.kind == "tone" and result.missing[0].kind == "tone"


@pytest.mark.parametrize(
    "gracious",
    [
        "I know the January deadline is close for your team.",
        "I was disappointed, of course, but I valued the process.",
        "I know hiring takes time, so I will keep this short.",
        "If you ever have a moment for a word of advice, I would value it.",
        "I would welcome any thoughts you are able to share.",
        "My clients often set a deadline for their own reviews, and I plan around it.",
        "Our customers were ignored by the old process, so I rebuilt it.",
        "Students now expect instant feedback, so I changed my lessons.",
    ],
)
def test_gracious_sentences_raise_no_tone_alarm(gracious: str) -> None:
    bad = GOOD_THANK_YOU.replace("Best regards,", f"{gracious}\n\nBest regards,")
    assert not review_draft(Step.THANK_YOU, bad).tone_problems


def test_an_insight_of_trend_words_only_is_flagged_and_says_so() -> None:
    text = (
        "Hi Jane,\n\nThank you for your time during the process for the Data Engineer role at Acme "
        "Corp. The industry is going through a digital transformation, and cutting-edge platforms "
        "create synergy across the market. Companies that leverage innovative paradigms will lead "
        "the future of data, and Acme Corp is well placed to be a game-changer in this new normal "
        "for every customer.\n\nMay I follow up with you next week?\n\nBest regards,\nSam Lee"
    )
    found = assert_fails(review_draft(Step.INSIGHT, text), "insight")
    assert "what you saw or did yourself" in found.detail
    assert "broad words" in found.detail and "synergy" in found.detail


def test_a_check_back_needs_something_new() -> None:
    stale = GOOD_CHECK_BACK.replace(
        "Since then I have finished a migration of 300 reports to a new warehouse, and my",
        "My",
    )
    assert stale != GOOD_CHECK_BACK
    assert only_missing(review_draft(Step.CHECK_BACK, stale)) == ["news"]
    lately = stale.replace(
        "My interest", "Last month I led the launch of a 40-store pilot, and my interest"
    )
    assert finding(review_draft(Step.CHECK_BACK, lately), "news").ok


def test_the_rule_table_is_complete() -> None:
    from bot.review import CHECKS, KINDS, VARIANTS, rule_book

    book = rule_book()
    for rule in book.rules:
        assert rule.check in CHECKS and rule.kind in KINDS
        assert rule.label and rule.problem and rule.fix and rule.why.get("all")
        assert set(rule.why) <= {"all", *VARIANTS}
    for variant in VARIANTS:
        names = {r.name for r in book.for_variant(variant)}
        assert {"ultimatum", "leverage", "silence", "bitterness", "gloating", "demands"} <= names
        assert {"filler", "length", "forwardable", "gaps"} <= names
    assert {r.name for r in book.for_variant("insight-hm")} >= {
        "thanks",
        "interest",
        "insight",
        "permission",
    }

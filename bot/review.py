"""Reviewing a draft against its step's checklist.

`review_draft` runs simple, fast checks: thanks present, a permission ask, a number in a
value-add, no "just checking in" filler, a sensible length, wording that survives being
forwarded, no ⟨gaps⟩ left unfilled, and the step's own must-haves (an industry observation,
best wishes, an offer to help). Any text gets an answer in milliseconds: only the first
`MAX_SCAN_CHARS` characters are read, and every pattern is a plain alternation or uses
bounded repetition, so nothing can backtrack catastrophically.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.content import GAP_CLOSE, GAP_OPEN, word_limits
from bot.domain import Step

MAX_SCAN_CHARS = 20_000


@dataclass(frozen=True)
class ReviewFinding:
    """One check: whether it passed, what it checks, and what was found or what to do."""

    ok: bool
    label: str
    detail: str


@dataclass(frozen=True)
class ReviewResult:
    step: Step
    findings: tuple[ReviewFinding, ...]
    word_count: int

    @property
    def missing(self) -> tuple[ReviewFinding, ...]:
        """The checks that failed, in order."""
        return tuple(f for f in self.findings if not f.ok)

    @property
    def passed(self) -> bool:
        return not self.missing


# --------------------------------------------------------------------------- patterns


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


_THANKS = _any(r"\bthank", r"\bgrateful\b", r"\bappreciat", r"\bgratitude\b")

_PERMISSION = _any(
    r"\bwhen (?:may|can|could|should|might|would it suit you for) i\b",
    r"\b(?:may|can|could|might) i (?:follow|get|be|reach|contact|check|write|stay|keep|call|"
    r"send|email|touch|come back|ask for|suggest|schedule|set)\b",
    r"\bwould it be (?:all right|alright|ok|okay|fine|possible|convenient)\b",
    r"\bis it (?:all right|alright|ok|okay|fine)\b",
    r"\b(?:do|would) you mind if i\b",
    r"\bwhen would (?:be|it be|suit|work)\b",
    r"\b(?:what|which) (?:date|day|time|week)s? (?:would|works|suits|is)\b",
    r"\b(?:good|best|convenient|right|suitable) (?:date|day|time|week) (?:for me )?to\b",
    r"\b(?:next|follow-up|follow up) (?:date|call|conversation|contact)\b[^.!?]{0,80}\?",
    r"\bwould (?:a|an|it|you)\b[^.!?]{0,80}\b(?:welcome|suit you|work for you|be helpful|"
    r"be useful|be open|be willing|be interested|be available)\b",
    r"\blet me know (?:when|if i may|whether i may|a good)\b",
    r"\bwith your permission\b",
)

_FILLER = _any(
    r"\bjust (?:checking|check) in\b",
    r"\bchecking in (?:to see|on|about|with you)\b",
    r"\bjust (?:following|follow) up\b",
    r"\bjust wanted to (?:follow|check|touch|see|reach)\b",
    r"\btouch(?:ing)? base\b",
    r"\bcircl(?:e|ing) back\b",
    r"\bbump(?:ing)? this\b",
    r"\bany updates?\s?\?",
    r"\bfollowing up on my (?:last|previous|earlier) (?:email|message|note)\b",
    r"\bwanted to see if there (?:is|are|were|was) any (?:update|news)\b",
)

_GREETING_SLANG = _any(r"\bhey\b", r"\bhiya\b", r"\byo\b", r"\bsup\b", r"\bhowdy\b")
_SLANG = _any(
    r"\b(?:gonna|wanna|gotta|kinda|sorta|dunno|lol|lmao|rofl|omg|btw|tbh|imo|imho|thx|pls|plz|"
    r"haha|hahaha|xoxo|dude|bro|yeah|yep|nope|ya|ur|cuz|coz|k thx|awesomesauce)\b",
    r"(?<![\w.])u(?![\w.'])",
    r"(?:^|\s)[:;]-?[()dp](?=\s|$)",
    r"(?:^|\s)<3(?=\s|$)",
)
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\U0001fb00-\U0001fbff\ufe0f]")
_CONTEXT_REFS = _any(
    r"\bas i (?:said|mentioned|told you|noted)\b",
    r"\blike i (?:said|mentioned|told you)\b",
    r"\bas (?:mentioned|discussed|noted) (?:earlier|before|above|previously)\b",
    r"\bper my (?:last|previous|earlier) (?:email|message|note)\b",
    r"\bremember when\b",
    r"\byou know what i mean\b",
    r"\bthat thing (?:we|you|i)\b",
    r"\binside joke\b",
)
_STANDS_ALONE = _any(
    r"\b(?:role|position|job|opening|vacancy|opportunity|post)\b",
)

_GAP = re.compile(f"{GAP_OPEN}[^{GAP_OPEN}{GAP_CLOSE}]{{0,300}}{GAP_CLOSE}")

_MONTHS = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b\.?"
)
_DATES = _any(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?(?: of)? {_MONTHS}",
    rf"\b{_MONTHS} \d{{1,2}}(?:st|nd|rd|th)?\b",
    r"\b\d{4}-\d{1,2}-\d{1,2}\b",
    r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b",
    r"\b\d{1,2}[:.]\d{2}\b",
    r"\b\d{1,2} ?(?:am|pm)\b",
)
_QUANTITY = _any(
    r"\d",
    r"%",
    r"[$€£¥₹]",
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|sixty|seventy|eighty|ninety|hundred|hundreds|thousand|thousands|million|"
    r"millions|billion|dozen|dozens|half|double|doubled|tripled|triple|quadrupled|percent|"
    r"per cent)\b",
)
_INDUSTRY = _any(
    r"\btrends?\b",
    r"\bindustr(?:y|ies)\b",
    r"\bmarkets?\b",
    r"\bsector\b",
    r"\bclients?\b",
    r"\bcustomers?\b",
    r"\bbuyers?\b",
    r"\bshift(?:s|ing|ed)?\b",
    r"\bdisrupt",
    r"\bcompetitors?\b",
    r"\bregulat",
    r"\badoption\b",
    r"\bincreasingly\b",
)
_BEST_WISHES = _any(
    r"\bbest wishes\b",
    r"\b(?:i|we) wish (?:you|the|your)\b",
    r"\bwishing you\b",
    r"\ball the best\b",
    r"\bevery success\b",
    r"\bgood luck\b",
    r"\bcongratulat",
)
_FUTURE = _any(
    r"\bfuture\b",
    r"\b(?:talk|speak|chat|meet) again\b",
    r"\breconnect\b",
    r"\b(?:stay|keep) in touch\b",
    r"\bneeds (?:change|grow|evolve|shift)\b",
    r"\bdown the (?:road|line)\b",
    r"\bother (?:roles|positions|openings|opportunities)\b",
    r"\blater (?:on|date|point|stage)\b",
    r"\bif (?:anything|something) (?:changes|opens)\b",
)
_HELP = _any(
    r"\bhelp\b",
    r"\bglad to\b",
    r"\bhappy to\b",
    r"\bsolution\b",
    r"\bstep in\b",
    r"\bavailable\b",
    r"\bcontribute\b",
    r"\bsupport\b",
    r"\bassist\b",
    r"\blend a hand\b",
    r"\bpitch in\b",
)
_GLOATING = _any(
    r"\btold you so\b",
    r"\bwrong (?:choice|decision|person|candidate|hire)\b",
    r"\bbad hire\b",
    r"\b(?:didn't|did not|hasn't|has not|isn't|is not|not) work(?:ed|ing)? out\b",
    r"\b(?:was|were|got) (?:fired|let go)\b",
    r"\bregret\b",
    r"\bi knew\b",
)
_COMPLAINT = _any(
    r"\b(?:haven't|have not|never) heard\b",
    r"\bno (?:response|reply|answer)\b",
    r"\bstill waiting\b",
    r"\bignored\b",
    r"\bdidn't (?:reply|respond|answer)\b",
    r"\bdid not (?:reply|respond|answer)\b",
)


# --------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class _Text:
    """The text once, in the forms the checks need."""

    raw: str  # capped original (for gaps and emoji)
    plain: str  # lower-cased, apostrophes straightened, whitespace collapsed, gaps removed


def _prepare(text: str) -> _Text:
    raw = text[:MAX_SCAN_CHARS]
    lowered = raw.lower().replace("\u2019", "'").replace("\u2018", "'")
    without_gaps = _GAP.sub(" ", lowered)
    plain = " ".join(without_gaps.split())
    return _Text(raw=raw, plain=plain)


def _quote(match: re.Match[str]) -> str:
    return f"\u201c{match.group(0).strip()}\u201d"


def _found(ok_label: str, pattern: re.Pattern[str], text: str, fail: str) -> ReviewFinding:
    match = pattern.search(text)
    if match:
        return ReviewFinding(True, ok_label, f"Found {_quote(match)}.")
    return ReviewFinding(False, ok_label, fail)


def _absent(label: str, pattern: re.Pattern[str], text: str, ok: str, fail: str) -> ReviewFinding:
    match = pattern.search(text)
    if match:
        return ReviewFinding(False, label, fail.format(found=_quote(match)))
    return ReviewFinding(True, label, ok)


def _check_thanks(t: _Text) -> ReviewFinding:
    return _found(
        "Thanks",
        _THANKS,
        t.plain,
        "Thank them for their time, e.g. \u201cThank you for meeting with me today about the "
        "role.\u201d",
    )


def _check_permission(t: _Text) -> ReviewFinding:
    return _found(
        "Permission to follow up",
        _PERMISSION,
        t.plain,
        "Ask when you may get in touch next, e.g. \u201cWhen would be a good time for me to "
        "follow up with you?\u201d",
    )


def _check_number(t: _Text) -> ReviewFinding:
    without_dates = _DATES.sub(" ", t.plain)
    return _found(
        "A number",
        _QUANTITY,
        without_dates,
        "Quantify the experience you add: a count, an amount of money, a percentage, a "
        "timeframe or a place, e.g. \u201cgrew repeat orders by 18% in two quarters\u201d.",
    )


def _check_filler(t: _Text) -> ReviewFinding:
    return _absent(
        "No filler",
        _FILLER,
        t.plain,
        "No \u201cjust checking in\u201d style phrases.",
        "Cut {found}: say what you are adding instead, so the email earns its place.",
    )


def _check_length(step: Step, after_rejection: bool, words: int) -> ReviewFinding:
    low, high = word_limits(step, after_rejection=after_rejection)
    if words < low:
        return ReviewFinding(
            False,
            "Length",
            f"Too short: {words} words. Aim for at least {low}; say what you add and ask for the "
            "next contact.",
        )
    if words > high:
        return ReviewFinding(
            False,
            "Length",
            f"Too long: {words} words. Trim to {high} or fewer; busy readers skim.",
        )
    return ReviewFinding(True, "Length", f"{words} words, within {low}\u2013{high}.")


def _check_forwardable(t: _Text) -> ReviewFinding:
    problems: list[str] = []
    for pattern, what in (
        (_GREETING_SLANG, "a casual greeting"),
        (_SLANG, "slang"),
        (_CONTEXT_REFS, "a reference only the two of you would understand"),
    ):
        match = pattern.search(t.plain)
        if match:
            problems.append(f"{what} ({_quote(match)})")
    if _EMOJI.search(t.raw):
        problems.append("an emoji")
    if not _STANDS_ALONE.search(t.plain):
        problems.append("no mention of the role or position, so it doesn't stand on its own")
    if problems:
        return ReviewFinding(
            False,
            "Forwardable wording",
            "Write it so it can be forwarded unchanged to someone senior. Fix: "
            + "; ".join(problems)
            + ".",
        )
    return ReviewFinding(
        True, "Forwardable wording", "Stands on its own if it is forwarded up the chain."
    )


def _check_names(t: _Text, company: str | None, role: str | None) -> ReviewFinding | None:
    wanted = [w.strip().lower() for w in (company, role) if w and w.strip()]
    if not wanted:
        return None
    plain = t.plain
    if any(" ".join(w.split()) in plain for w in wanted):
        return ReviewFinding(True, "Names the role and company", "The role or company is named.")
    return ReviewFinding(
        False,
        "Names the role and company",
        "Name the role and the company, e.g. \u201cthe "
        + (role or "role").strip()
        + " position at "
        + (company or "your company").strip()
        + "\u201d, so a reader who wasn't in the interview knows what this is about.",
    )


def _check_gaps(t: _Text) -> ReviewFinding:
    gaps = _GAP.findall(t.raw)
    if gaps:
        shown = ", ".join(gaps[:3]) + (f" and {len(gaps) - 3} more" if len(gaps) > 3 else "")
        noun = "gap" if len(gaps) == 1 else "gaps"
        return ReviewFinding(False, "Gaps filled", f"{len(gaps)} {noun} still to fill in: {shown}.")
    if GAP_OPEN in t.raw or GAP_CLOSE in t.raw:
        return ReviewFinding(
            False,
            "Gaps filled",
            f"A stray {GAP_OPEN} or {GAP_CLOSE} is left: finish or remove that gap.",
        )
    return ReviewFinding(True, "Gaps filled", "No gaps left to fill.")


def _check_insight(t: _Text) -> ReviewFinding:
    return _found(
        "Industry insight",
        _INDUSTRY,
        t.plain,
        "Share something about the industry they may not know: how clients behave, or a "
        "disruptive trend you lived through.",
    )


def _check_best_wishes(t: _Text) -> ReviewFinding:
    return _found(
        "Best wishes",
        _BEST_WISHES,
        t.plain,
        "Wish them well, e.g. \u201cI wish you and your new colleague every success.\u201d",
    )


def _check_future(t: _Text) -> ReviewFinding:
    return _found(
        "Open to future roles",
        _FUTURE,
        t.plain,
        "Leave the door open, e.g. \u201cAs your needs change, I would be glad to talk again "
        "about future roles.\u201d",
    )


def _check_interest(t: _Text) -> ReviewFinding:
    return _found(
        "Still interested",
        re.compile(r"\binterest|\bkeen\b|\benthusias|\bexcited\b"),
        t.plain,
        "Say you are still interested in the role and the company.",
    )


def _check_no_complaint(t: _Text) -> ReviewFinding:
    return _absent(
        "Gracious tone",
        _COMPLAINT,
        t.plain,
        "No complaint about the silence.",
        "Drop {found}: pointing at the silence reads as a complaint. Stay gracious.",
    )


def _check_help(t: _Text) -> ReviewFinding:
    return _found(
        "Offer to help",
        _HELP,
        t.plain,
        "Offer yourself as the answer if their needs have changed, e.g. \u201cIf your plans "
        "have shifted, I would be glad to help.\u201d",
    )


def _check_no_gloating(t: _Text) -> ReviewFinding:
    return _absent(
        "No gloating",
        _GLOATING,
        t.plain,
        "Nothing about how their hire is doing.",
        "Remove {found}: never hint that the person they hired has failed.",
    )


def count_words(text: str) -> int:
    """Words in the first `MAX_SCAN_CHARS` characters: tokens with a letter or digit."""
    return sum(1 for token in text[:MAX_SCAN_CHARS].split() if any(c.isalnum() for c in token))


def review_draft(
    step: Step,
    text: str,
    *,
    after_rejection: bool = False,
    hiring_manager: bool = False,
    company: str | None = None,
    role: str | None = None,
) -> ReviewResult:
    """Check a draft against the step's checklist. `after_rejection` selects the close-loop
    after a no (otherwise the one after silence); `hiring_manager` marks an insight email that
    is also the thank-you to the hiring manager (thanks required); `company` and `role`, when
    given, must be named so the email stands alone."""
    step = Step(step)
    text = text if isinstance(text, str) else str(text)
    t = _prepare(text)
    words = count_words(text)
    rejected = after_rejection and step is Step.CLOSE_LOOP

    checks: list[Callable[[_Text], ReviewFinding]] = []
    if step is Step.THANK_YOU:
        checks += [_check_thanks, _check_permission]
    elif step is Step.VALUE_ADD:
        checks += [_check_number, _check_permission]
    elif step is Step.INSIGHT:
        if hiring_manager:
            checks.append(_check_thanks)
        checks += [_check_insight, _check_permission]
    elif step is Step.CLOSE_LOOP and rejected:
        checks += [_check_thanks, _check_best_wishes, _check_future]
    elif step is Step.CLOSE_LOOP:
        checks += [_check_thanks, _check_interest, _check_permission, _check_no_complaint]
    else:
        checks += [_check_help, _check_permission, _check_no_gloating]

    findings = [check(t) for check in checks]
    findings.append(_check_filler(t))
    findings.append(_check_length(step, rejected, words))
    findings.append(_check_forwardable(t))
    named = _check_names(t, company, role)
    if named is not None:
        findings.append(named)
    findings.append(_check_gaps(t))
    return ReviewResult(step=step, findings=tuple(findings), word_count=words)

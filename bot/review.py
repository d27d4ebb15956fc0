"""Reviewing a draft against its step: a table of named rules applied to the whole text.

The rules and every word they say live in `review_rules.toml` (read once with `tomllib`):
each rule names the variants of a step it applies to (a thank-you, a value-add, an insight,
an insight that is also the thank-you to the hiring manager, a close-loop after a no or after
silence, a check-back), how it tests the text, why it matters for that variant and how to fix
it. This module keeps only the small functions that test text (`CHECKS`), one per kind of
test, shared by every rule of that kind.

Any text gets an answer in milliseconds: only the first `MAX_SCAN_CHARS` characters are read,
and every pattern is an alternation with bounded repetition, so nothing can backtrack
catastrophically.
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from bot.content import GAP_CLOSE, GAP_OPEN, word_limits
from bot.domain import Step

MAX_SCAN_CHARS = 20_000
RULES_FILE = Path(__file__).with_name("review_rules.toml")
VARIANTS = (
    "thank-you",
    "value-add",
    "insight",
    "insight-hm",
    "close-loop-rejected",
    "close-loop-dark",
    "check-back",
)
KINDS = ("tone", "content", "form")


def variant_of(step: Step, *, after_rejection: bool = False, hiring_manager: bool = False) -> str:
    """The name of the step's variant the rules are keyed by."""
    step = Step(step)
    if step is Step.INSIGHT and hiring_manager:
        return "insight-hm"
    if step is Step.CLOSE_LOOP:
        return "close-loop-rejected" if after_rejection else "close-loop-dark"
    return step.value


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ReviewFinding:
    """One rule's verdict: whether it passed, what was found, why it matters, how to fix it."""

    ok: bool
    label: str
    detail: str
    rule: str = ""
    kind: str = "content"
    why: str = ""
    fix: str = ""


@dataclass(frozen=True)
class ReviewResult:
    step: Step
    findings: tuple[ReviewFinding, ...]
    word_count: int
    variant: str = ""

    @property
    def missing(self) -> tuple[ReviewFinding, ...]:
        """The checks that failed, tone problems first, then in table order."""
        failed = [f for f in self.findings if not f.ok]
        return tuple(sorted(failed, key=lambda f: KINDS.index(f.kind)))

    @property
    def passed(self) -> bool:
        return not self.missing

    @property
    def ready(self) -> bool:
        """Ready to send: every rule for this step passed."""
        return self.passed

    @property
    def tone_problems(self) -> tuple[ReviewFinding, ...]:
        return tuple(f for f in self.missing if f.kind == "tone")


# --------------------------------------------------------------------------- the rule table


@dataclass(frozen=True)
class Rule:
    name: str
    label: str
    kind: str
    check: str
    steps: frozenset[str]
    patterns: re.Pattern[str]
    problem: str
    fix: str
    why: Mapping[str, str]
    messages: Mapping[str, str] = field(default_factory=dict)

    def applies_to(self, variant: str) -> bool:
        return "all" in self.steps or variant in self.steps

    def why_for(self, variant: str) -> str:
        return self.why.get(variant) or self.why.get("all", "")


_NEVER = r"(?!)"


def _compile(patterns: Any) -> re.Pattern[str]:
    """One alternation of a list of patterns: a single scan of the text finds the first of
    them (scanning once per pattern would cost several times as much)."""
    if isinstance(patterns, str):
        patterns = [patterns]
    for pattern in patterns:
        re.compile(pattern)  # each must be valid on its own, so an error names the pattern
    return re.compile("|".join(f"(?:{p})" for p in patterns) or _NEVER)


@dataclass(frozen=True)
class Words:
    """The word lists the checks share, compiled once."""

    ask: re.Pattern[str]
    contact: re.Pattern[str]
    people: re.Pattern[str]
    not_asking: re.Pattern[str]
    person: re.Pattern[str]
    writer: frozenset[str]
    change: re.Pattern[str]
    achievement: re.Pattern[str]
    time_units: frozenset[str]
    number_word: re.Pattern[str]
    multipliers: re.Pattern[str]
    not_counted: frozenset[str]
    sign_off: re.Pattern[str]
    industry: re.Pattern[str]
    experience: re.Pattern[str]
    specific_change: re.Pattern[str]
    buzzwords: re.Pattern[str]
    news_done: re.Pattern[str]
    news_since: re.Pattern[str]
    news_action: re.Pattern[str]
    news_not: frozenset[str]
    casual_greeting: re.Pattern[str]
    slang: re.Pattern[str]
    private: re.Pattern[str]
    stands_alone: re.Pattern[str]


@dataclass(frozen=True)
class RuleBook:
    rules: tuple[Rule, ...]
    words: Words

    def for_variant(self, variant: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.applies_to(variant))


def load_rules(path: Path = RULES_FILE) -> RuleBook:
    """Read and check the rule table: every rule has a known check, known variants, and the
    words it needs; a mistake in the file fails here, at start, not in a user's review."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    rules = []
    for entry in data["rule"]:
        steps = frozenset(entry["steps"])
        unknown = steps - set(VARIANTS) - {"all"}
        if unknown or entry["check"] not in CHECKS or entry["kind"] not in KINDS:
            raise ValueError(f"review rule {entry.get('name')!r} is malformed: {entry}")
        rules.append(
            Rule(
                name=entry["name"],
                label=entry["label"],
                kind=entry["kind"],
                check=entry["check"],
                steps=steps,
                patterns=_compile(entry.get("patterns", [])),
                problem=entry["problem"],
                fix=entry["fix"],
                why=dict(entry["why"]),
                messages=dict(entry.get("messages", {})),
            )
        )
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise ValueError("review rule names must be unique")
    w = data["words"]
    words = Words(
        ask=_compile(w["ask"]),
        contact=_compile(w["contact"]),
        people=_compile(w["people"]),
        not_asking=_compile(w["not"]),
        person=re.compile(r"\b(?:" + "|".join(w["writer"] + w["others"]) + r")\b"),
        writer=frozenset(w["writer"]),
        change=re.compile(w["change"]),
        achievement=re.compile(w["achievement"]),
        time_units=frozenset(w["time_units"]),
        number_word=re.compile(r"\b(" + "|".join(w["number_words"]) + r")\b"),
        multipliers=re.compile(w["multipliers"]),
        not_counted=frozenset(w["not_counted"]),
        sign_off=re.compile("(?:" + "|".join(w["sign_offs"]) + r")[,.!]?"),
        industry=_compile(w["industry"]),
        experience=_compile(w["experience"]),
        specific_change=_compile(w["specific_change"]),
        buzzwords=_compile(w["buzzwords"]),
        news_done=_compile(w["news_done"]),
        news_since=_compile(w["news_since"]),
        news_action=re.compile(w["news_action"]),
        news_not=frozenset(w["news_not"]),
        casual_greeting=_compile(w["casual_greeting"]),
        slang=_compile(w["slang"]),
        private=_compile(w["private"]),
        stands_alone=_compile(w["stands_alone"]),
    )
    return RuleBook(tuple(rules), words)


@cache
def rule_book() -> RuleBook:
    return load_rules()


# --------------------------------------------------------------------------- the text


_GAP = re.compile(f"{GAP_OPEN}[^{GAP_OPEN}{GAP_CLOSE}]{{0,300}}{GAP_CLOSE}")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
_CONTACT_LINE = re.compile(
    r"@\S|\bwww\.|https?://|linkedin\.com|\b(?:tel|phone|mobile|cell|fax)\b\.?:?\s{0,3}[+(\d]", re.I
)
CONTACT_LINE_CHARS = 100  # a longer line is prose, even if it mentions a phone
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\U0001fb00-\U0001fbff\ufe0f]")


def _folded(text: str) -> tuple[str, str]:
    """The text with apostrophes straightened, gaps removed and whitespace folded, lower-cased
    for matching and as typed for quoting (the same when lower-casing changes the length)."""
    straight = text.replace("\u2019", "'").replace("\u2018", "'")
    shown = " ".join(_GAP.sub(" ", straight).split())
    lowered = shown.lower()
    return lowered, shown if len(shown) == len(lowered) else lowered


def _sentences(plain: str) -> tuple[tuple[int, int], ...]:
    spans, start = [], 0
    for end in _SENTENCE_END.finditer(plain):
        spans.append((start, end.end()))
        start = end.end()
    if start < len(plain):
        spans.append((start, len(plain)))
    return tuple(spans)


@dataclass(frozen=True)
class Text:
    """The draft once, in the forms the checks need."""

    raw: str  # the capped original (for gaps and emoji)
    plain: str  # lower-cased, apostrophes straightened, whitespace folded, gaps removed
    body: str  # `plain` without the signature and contact lines (where figures are read)
    signature: str  # the sign-off and what follows it, plain
    sentences: tuple[tuple[int, int], ...]  # spans of `body`'s sentences
    plain_shown: str  # `plain` and `body` as typed, to quote what was found
    body_shown: str

    def quote(self, match: re.Match[str]) -> str:
        """What `match` (in `plain` or `body`) found, quoted as the user typed it."""
        source = self.body_shown if match.string is self.body else self.plain_shown
        return _quote(source[match.start() : match.end()])

    def sentence_at(self, index: int) -> int:
        return max(0, bisect_right(self.starts, index) - 1)

    @cached_property
    def starts(self) -> list[int]:
        return [start for start, _ in self.sentences]

    def sentence(self, i: int) -> str:
        if 0 <= i < len(self.sentences):
            start, end = self.sentences[i]
            return self.body[start:end]
        return ""

    def sentence_shown(self, i: int) -> str:
        start, end = self.sentences[i]
        return _quote(self.body_shown[start:end])


def prepare(text: str, words: Words) -> Text:
    raw = text[:MAX_SCAN_CHARS]
    lines = raw.splitlines()
    cut = len(lines)
    for i in range(len(lines) - 1, 0, -1):
        if words.sign_off.fullmatch(lines[i].strip().lower().replace("\u2019", "'")):
            cut = i
            break
    contact = [
        len(line) < CONTACT_LINE_CHARS and bool(_CONTACT_LINE.search(line)) for line in lines[:cut]
    ]
    body_lines = [line for line, drop in zip(lines[:cut], contact, strict=True) if not drop]
    signature_lines = lines[cut:] + [
        line for line, drop in zip(lines[:cut], contact, strict=True) if drop
    ]
    body, body_shown = _folded("\n".join(body_lines))
    plain, plain_shown = _folded(raw)
    return Text(
        raw=raw,
        plain=plain,
        body=body,
        signature=_folded("\n".join(signature_lines))[0],
        sentences=_sentences(body),
        plain_shown=plain_shown,
        body_shown=body_shown,
    )


def _quote(found: str) -> str:
    return f"\u201c{found.strip()}\u201d"


def _first(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    return pattern.search(text)


# --------------------------------------------------------------------------- figures


_MONTHS = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b\.?"
)
_NOT_A_MEASURE = (
    (
        "a date",
        re.compile(
            rf"\b\d{{1,2}}(?:st|nd|rd|th)?(?: of)? {_MONTHS}|\b{_MONTHS} \d{{1,2}}(?:st|nd|rd|"
            r"th)?\b"
            r"|\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\bq[1-4]\b"
        ),
    ),
    ("a time of day", re.compile(r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,2} ?(?:am|pm)\b")),
    (
        "a street address",
        re.compile(
            r"\b\d{1,5}(?: [a-z]+){1,3} (?:street|st|avenue|ave|road|rd|lane|ln|boulevard|blvd|"
            r"drive|dr|way|court|ct|place|pl|square|sq|terrace|crescent|close)\b"
            r"|\b(?:suite|floor|apt|apartment|unit|room|building|no\.?|#) ?\d+"
        ),
    ),
    (
        "a phone number",
        re.compile(r"(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,5}(?:[\s.-]\d{2,5}){1,4}"),
    ),
)
_NUMBER = re.compile(r"(?<![\w.,])([$€£¥₹] ?)?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?")
_AFTER = re.compile(
    r"\s?(?P<pct>%|percent\b|per cent\b|percentage points?\b|pp\b)"
    r"|(?P<mult>x\b| times\b)"
    r"|(?P<money>(?:k|m|bn|million|billion|thousand)\b|\s(?:dollars|euros|pounds|usd|eur|gbp)\b)"
    r"|(?P<suffix>[a-z]+)"
    r"|\s(?P<word>[a-z][\w'-]{0,30})"
)



@dataclass(frozen=True)
class Figures:
    """The figures in the body that measure the writer's work, and the ones that don't (each
    with why not)."""

    measures: tuple[tuple[int, str], ...]  # (position in the body, the figure as written)
    ignored: tuple[tuple[str, str], ...]  # (why it doesn't count, the figure as written)


class _Context:
    """What `_classify` asks about the body, computed once per review: who is named where,
    and which sentences say the writer changed or achieved something."""

    def __init__(self, text: Text, words: Words) -> None:
        self.text, self.words = text, words
        found = [(m.start(), m.group(0)) for m in words.person.finditer(text.body)]
        self.person_at = [at for at, _ in found]
        self.person = [who for _, who in found]
        self._change: dict[int, bool] = {}
        self._did: dict[int, bool] = {}

    def last_person(self, sentence_no: int, at: int) -> str | None:
        """Whose figure this is: the last person named before it in its sentence (or, if
        none, in the sentence before): "i"/"our"… for the writer, "your"/"their"… for others."""
        i = bisect_right(self.person_at, at - 1) - 1
        if i < 0 or not self.text.sentences:
            return None
        first = self.text.sentences[max(0, sentence_no - 1)][0]
        return self.person[i] if self.person_at[i] >= first else None

    def changed(self, sentence_no: int) -> bool:
        if sentence_no not in self._change:
            self._change[sentence_no] = bool(
                self.words.change.search(self.text.sentence(sentence_no))
            )
        return self._change[sentence_no]

    def did(self, sentence_no: int) -> bool:
        if sentence_no not in self._did:
            sentence = self.text.sentence(sentence_no)
            self._did[sentence_no] = self.changed(sentence_no) or bool(
                self.words.achievement.search(sentence)
            )
        return self._did[sentence_no]


def _classify(ctx: _Context, start: int, end: int, digits: str, money: bool) -> str | None:
    """Why the figure at [start, end) doesn't measure the writer's work, or None if it does."""
    words = ctx.words
    after = _AFTER.match(ctx.text.body, end)
    sentence_no = ctx.text.sentence_at(start)
    year = len(digits) == 4 and digits[:2] in ("19", "20") and digits.isdigit() and not money
    following = after.group("word") if after is not None else None
    if year and (not following or following in words.not_counted):
        return "a year"
    if ctx.last_person(sentence_no, start) not in words.writer:
        return "a figure about them, not about your work"
    if money:
        return None
    if after is not None:
        if after.group("pct") or after.group("mult") or after.group("money"):
            return None
        if after.group("suffix"):
            return "a bare number"
        following = after.group("word")
        if following in words.time_units:
            return None if ctx.changed(sentence_no) else "a length of time, not a result"
        if following and following not in words.not_counted and not year:
            return None if ctx.did(sentence_no) else "a count that doesn't say what you did"
    if year:
        return "a year"
    if len(digits) >= 2 and ctx.changed(sentence_no):
        return None
    return "a bare number"


def figures(text: Text, words: Words) -> Figures:
    body, shown_body = text.body, text.body_shown
    ctx = _Context(text, words)
    # for each character of the body, the span that shows it isn't a measure (dates first)
    cover: list[tuple[str, str] | None] = [None] * len(body)
    for reason, pattern in _NOT_A_MEASURE:
        for match in pattern.finditer(body):
            if reason == "a phone number" and sum(c.isdigit() for c in match.group(0)) < 7:
                continue
            span = (reason, shown_body[match.start() : match.end()])
            for i in range(match.start(), match.end()):
                cover[i] = cover[i] or span
    measures: list[tuple[int, str]] = []
    ignored: list[tuple[str, str]] = []

    def masked_as(start: int, end: int) -> tuple[str, str] | None:
        return next((cover[i] for i in range(start, end) if cover[i]), None)

    def snippet(start: int, end: int) -> str:
        return " ".join(shown_body[start : end + 24].split(" ")[:3]).rstrip(",.;:?!")

    for match in _NUMBER.finditer(body):
        start, end = match.start(), match.end()
        hidden = masked_as(start, end)
        if hidden is not None:
            ignored.append(hidden)
            continue
        digits = match.group(2).replace(",", "")
        why_not = _classify(ctx, start, end, digits, bool(match.group(1)))
        if why_not is None:
            measures.append((start, snippet(start, end)))
        else:
            ignored.append((why_not, shown_body[start:end]))
    for match in words.number_word.finditer(body):
        if _classify(ctx, match.start(), match.end(), match.group(1), False) is None:
            measures.append((match.start(), snippet(match.start(), match.end())))
    for match in words.multipliers.finditer(body):
        measures.append((match.start(), shown_body[match.start() : match.end()]))
    signature = text.signature
    for reason, pattern in _NOT_A_MEASURE:
        for match in pattern.finditer(signature):
            if reason == "a phone number" and sum(c.isdigit() for c in match.group(0)) < 7:
                continue
            ignored.append((f"{reason} in your signature", match.group(0)))
            signature = signature.replace(match.group(0), " ")
    for match in _NUMBER.finditer(signature):
        ignored.append(("a number in your signature", match.group(0)))
    return Figures(tuple(sorted(measures)), tuple(ignored))


# --------------------------------------------------------------------------- the checks


@dataclass(frozen=True)
class Subject:
    """What a check is applied to: the text and what we know about the email."""

    text: Text
    words: Words
    step: Step
    variant: str
    word_count: int
    company: str | None
    role: str | None

    @cached_property
    def figures(self) -> Figures:
        return figures(self.text, self.words)


def _finding(
    rule: Rule, subject: Subject, ok: bool, detail: str, fix: str | None = None
) -> ReviewFinding:
    return ReviewFinding(
        ok=ok,
        label=rule.label,
        detail=detail,
        rule=rule.name,
        kind=rule.kind,
        why=rule.why_for(subject.variant),
        fix=rule.fix if fix is None else fix,
    )


def _present(rule: Rule, s: Subject) -> ReviewFinding:
    match = _first(rule.patterns, s.text.plain)
    if match:
        return _finding(rule, s, True, f"Found {s.text.quote(match)}.")
    return _finding(rule, s, False, rule.problem)


def _absent(rule: Rule, s: Subject) -> ReviewFinding:
    match = _first(rule.patterns, s.text.plain)
    if match:
        return _finding(rule, s, False, rule.problem.format(found=s.text.quote(match)))
    return _finding(rule, s, True, "Nothing of the kind.")


def _asks(sentence: str, w: Words) -> bool:
    return bool(
        _first(w.ask, sentence)
        and _first(w.contact, sentence)
        and _first(w.people, sentence)
        and not _first(w.not_asking, sentence)
    )


def _permission(rule: Rule, s: Subject) -> ReviewFinding:
    match = _first(rule.patterns, s.text.body)
    if match:
        return _finding(rule, s, True, f"Found {s.text.quote(match)}.")
    for i in range(len(s.text.sentences)):
        if _asks(s.text.sentence(i), s.words):
            return _finding(rule, s, True, f"Found {s.text.sentence_shown(i)}.")
    return _finding(rule, s, False, rule.problem)


def _ignored_list(ignored: tuple[tuple[str, str], ...]) -> str:
    by_reason: dict[str, str] = {}
    for reason, shown in ignored:
        by_reason.setdefault(reason, shown)
    return ", ".join(f"{reason} ({_quote(shown)})" for reason, shown in list(by_reason.items())[:3])


def _result(rule: Rule, s: Subject) -> ReviewFinding:
    found = s.figures
    if found.measures:
        return _finding(rule, s, True, f"Found {_quote(found.measures[0][1])}.")
    if found.ignored:
        only = rule.messages["only_ignored"].format(ignored=_ignored_list(found.ignored))
        return _finding(rule, s, False, f"{rule.problem} {only}")
    return _finding(rule, s, False, rule.problem)


def _insight(rule: Rule, s: Subject) -> ReviewFinding:
    w, plain = s.words, s.text.plain
    industry = _first(w.industry, plain)
    experience = _first(w.experience, s.text.body)
    specific = bool(s.figures.measures) or _first(w.specific_change, s.text.body)
    if industry and experience and specific:
        found = f"Found {s.text.quote(experience)} and {s.text.quote(industry)}."
        return _finding(rule, s, True, found)
    gaps = []
    if not industry:
        gaps.append(rule.messages["no_industry"])
    if not experience:
        gaps.append(rule.messages["no_experience"])
    if not specific:
        gaps.append(rule.messages["no_specific"])
    broad = [s.text.quote(m) for m in w.buzzwords.finditer(plain)]
    if broad:
        gaps.append(rule.messages["buzzwords"].format(buzzwords=", ".join(broad[:3])))
    return _finding(rule, s, False, f"{rule.problem} In it, " + "; ".join(gaps) + ".")


def _news(rule: Rule, s: Subject) -> ReviewFinding:
    w, text = s.words, s.text
    done = _first(w.news_done, text.body)
    if done:
        return _finding(rule, s, True, f"Found {text.quote(done)}.")
    for i in range(len(text.sentences)):
        sentence = text.sentence(i)
        if not _first(w.news_since, sentence):
            continue
        start, end = text.sentences[i]
        if any(start <= at < end for at, _ in s.figures.measures):
            return _finding(rule, s, True, f"Found {text.sentence_shown(i)}.")
        for action in w.news_action.finditer(sentence):
            if action.group("verb") not in w.news_not:
                return _finding(rule, s, True, f"Found {text.sentence_shown(i)}.")
    return _finding(rule, s, False, rule.problem)


def _length(rule: Rule, s: Subject) -> ReviewFinding:
    low, high = word_limits(s.step, after_rejection=s.variant == "close-loop-rejected")
    values = {"words": s.word_count, "low": low, "high": high}
    if s.word_count < low:
        return _finding(
            rule, s, False, rule.messages["short"].format(**values), rule.messages["short_fix"]
        )
    if s.word_count > high:
        return _finding(
            rule, s, False, rule.messages["long"].format(**values), rule.messages["long_fix"]
        )
    return _finding(rule, s, True, rule.messages["ok"].format(**values))


def _forwardable(rule: Rule, s: Subject) -> ReviewFinding:
    w, plain, m = s.words, s.text.plain, rule.messages
    problems: list[str] = []
    for patterns, what in (
        (w.casual_greeting, m["greeting"]),
        (w.slang, m["slang"]),
        (w.private, m["private"]),
    ):
        match = _first(patterns, plain)
        if match:
            problems.append(f"{what} ({s.text.quote(match)})")
    if _EMOJI.search(s.text.raw):
        problems.append(m["emoji"])
    role = " ".join((s.role or "").lower().split())
    if not _first(w.stands_alone, plain) and not (role and role in plain):
        problems.append(m["alone"])
    if problems:
        return _finding(rule, s, False, rule.problem.format(problems="; ".join(problems)))
    return _finding(rule, s, True, "It stands on its own if it is forwarded.")


def _names(rule: Rule, s: Subject) -> ReviewFinding | None:
    wanted = [" ".join(x.lower().split()) for x in (s.company, s.role) if x and x.strip()]
    if not wanted:
        return None
    if any(x in s.text.plain for x in wanted):
        return _finding(rule, s, True, "The role or company is named.")
    fix = rule.fix.format(
        role=(s.role or "role").strip(), company=(s.company or "your company").strip()
    )
    return _finding(rule, s, False, rule.problem, fix)


def _gaps(rule: Rule, s: Subject) -> ReviewFinding:
    raw = s.text.raw
    found = _GAP.findall(raw)
    if found:
        shown = ", ".join(found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")
        noun = "gap" if len(found) == 1 else "gaps"
        return _finding(
            rule, s, False, rule.problem.format(count=len(found), noun=noun, shown=shown)
        )
    if GAP_OPEN in raw or GAP_CLOSE in raw:
        return _finding(rule, s, False, rule.messages["stray"])
    return _finding(rule, s, True, "No gaps left to fill.")


Check = Callable[[Rule, Subject], "ReviewFinding | None"]
CHECKS: dict[str, Check] = {
    "present": _present,
    "absent": _absent,
    "permission": _permission,
    "result": _result,
    "insight": _insight,
    "news": _news,
    "length": _length,
    "forwardable": _forwardable,
    "names": _names,
    "gaps": _gaps,
}


# --------------------------------------------------------------------------- review


_ALNUM = re.compile(r"[^\W_]")


def count_words(text: str) -> int:
    """Words in the first `MAX_SCAN_CHARS` characters: tokens with a letter or digit."""
    return sum(1 for token in text[:MAX_SCAN_CHARS].split() if _ALNUM.search(token))


def review_draft(
    step: Step,
    text: str,
    *,
    after_rejection: bool = False,
    hiring_manager: bool = False,
    company: str | None = None,
    role: str | None = None,
) -> ReviewResult:
    """Apply every rule of the step's variant to the whole draft. `after_rejection` selects the
    close-loop after a no (otherwise the one after silence); `hiring_manager` marks an insight
    email that is also the thank-you after a first round with the hiring manager; `company` and
    `role`, when given, must be named so the email stands alone."""
    step = Step(step)
    text = text if isinstance(text, str) else str(text)
    book = rule_book()
    variant = variant_of(step, after_rejection=after_rejection, hiring_manager=hiring_manager)
    subject = Subject(
        text=prepare(text, book.words),
        words=book.words,
        step=step,
        variant=variant,
        word_count=count_words(text),
        company=company,
        role=role,
    )
    findings = []
    for rule in book.for_variant(variant):
        finding = CHECKS[rule.check](rule, subject)
        if finding is not None:
            findings.append(finding)
    return ReviewResult(
        step=step, findings=tuple(findings), word_count=subject.word_count, variant=variant
    )

"""The answer to `review`: the verdict first, then each finding with why it matters for this
step and how to fix it, then what is already good.

Kept apart from the rules (`bot.review`) so the same result can be shown anywhere; the
words of the findings come from the rule table, the frame around them from here.
"""

from __future__ import annotations

from bot import commands as c
from bot.domain import Application
from bot.messages import Field, Message, Tone
from bot.review import ReviewFinding, ReviewResult

READY = "Ready to send"
NOT_READY = "Not ready yet"
CHECKED_AS = {
    "thank-you": "the thank-you email",
    "value-add": "the value-add follow-up",
    "insight": "the insight email",
    "insight-hm": "the thank-you + insight email to the hiring manager",
    "close-loop-rejected": "the close-the-loop email after a no",
    "close-loop-dark": "the close-the-loop email after silence",
    "check-back": "the check-back",
}


def verdict_line(result: ReviewResult, app: Application) -> str:
    verdict = READY if result.ready else NOT_READY
    return f"{verdict} — checked as {CHECKED_AS[result.variant]} for {app.label}"


def _finding_lines(finding: ReviewFinding) -> list[str]:
    return [
        f"✗ {finding.label}: {finding.detail}",
        f"   Why it matters: {finding.why}",
        f"   How to fix it: {finding.fix}",
    ]


def review_message(result: ReviewResult, app: Application) -> Message:
    missing = result.missing
    good = " · ".join(f.label for f in result.findings if f.ok)
    if missing:
        count = len(missing)
        lines = [f"{count} thing{'s' if count != 1 else ''} to fix before you send it:", ""]
        for finding in missing:
            lines += [*_finding_lines(finding), ""]
        if good:
            lines.append(f"Already good: {good}.")
        footer = f"Fix these, then check the new text with `review {app.number}`."
    else:
        lines = [f"It does everything this step needs: {good}."]
        footer = f"Once it is sent, record it with `sent {app.number}`."
    return Message(
        title=verdict_line(result, app),
        body="\n".join(lines).strip(),
        fields=(Field("Words", str(result.word_count)),),
        footer=footer,
        tone=Tone.SUCCESS if result.ready else Tone.WARNING,
    )


def review_form(cmd: c.ReviewForm, _: object = None) -> Message:
    """The answer to `review <id>` with no draft where no form can open."""
    number = cmd.number
    return Message(
        title="Paste the draft you want me to check",
        body=(
            f"Send `review {number}` followed by your email, on the same line or on the lines "
            "below it; paragraphs and your signature can stay as they are."
        ),
    )

"""`review` on Slack with a real email: several paragraphs and a signature after
`/followup review <id>` (on the same line or the next), or pasted into the form that
`/followup review <id>` alone opens; and drafts that keep their line breaks."""

from __future__ import annotations

import json
from typing import Any

from adapters.slack.modal import MAX_DRAFT, Origin
from tests.adapters.slack.driver import SlackDriver, text_of
from tests.fakes.slack_api import FakeSlack

ADD = "add Acme Corp; Data Engineer; tomorrow 10:00; Jane Doe, Engineering Manager"

EMAIL = """Hi Jane,

Thank you for the time you spent with me today talking about the Data Engineer role at Acme Corp.
Hearing how your team is moving its reports from nightly batches to streaming was the best part.

I came away encouraged and very interested in the position. I have spent three years building
streaming pipelines, and I would be glad to bring that to Acme Corp. I will keep my notes short.

Would it make sense for me to get in touch again once you have met the other candidates?

Best regards,
Sam Lee
+49 30 1234 5678"""

PUSHY = EMAIL.replace(
    "I will keep my notes short.", "I have two other offers, so please decide by Friday."
)


def sections(body: dict[str, Any]) -> str:
    return "\n".join(
        b["text"]["text"] for b in body["blocks"] if b["type"] == "section" and "text" in b
    )


async def test_the_email_on_the_lines_after_the_command_is_reviewed_whole(
    slack: SlackDriver,
) -> None:
    await slack.command(ADD)
    hook = await slack.command("review 1\n" + EMAIL)
    assert hook.body["blocks"][0]["text"]["text"].endswith(
        "Ready to send — checked as the thank-you email for #1 Acme Corp — Data Engineer"
    )
    assert (
        text_of(hook.body).splitlines()[0]
        == "Ready to send — checked as the thank-you email for #1 Acme Corp — Data Engineer"
    )


async def test_the_email_on_the_same_line_works_too_and_problems_come_with_why_and_how(
    slack: SlackDriver,
) -> None:
    await slack.command(ADD)
    hook = await slack.command("review 1 " + PUSHY)
    assert text_of(hook.body).startswith("Not ready yet — checked as the thank-you email")
    shown = sections(hook.body)
    assert "✗ No ultimatum" in shown and "decide by Friday" in shown
    assert "Why it matters:" in shown and "How to fix it:" in shown


async def test_review_alone_opens_a_form_with_a_multi_line_field(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    await slack.command(ADD)
    body = slack.command_body("review 1", hook="review-form")
    response = await slack.post(body, "application/x-www-form-urlencoded")
    assert response.status == 200
    call = await fake_slack.wait_for_call("views.open")
    assert call.params["trigger_id"] == "trigger-review-form"
    view = call.params["view"]
    assert view["callback_id"] == "followup-review"
    [field] = view["blocks"]
    assert field["element"]["multiline"] is True
    assert field["element"]["max_length"] == MAX_DRAFT
    metadata = json.loads(view["private_metadata"])
    assert metadata["number"] == 1
    assert not [h for h in fake_slack.hooks if h.name == "review-form"]

    status, answer = await slack.submit(
        {"draft": PUSHY}, metadata=view["private_metadata"], callback_id="followup-review"
    )
    assert (status, answer) == (200, {})
    hook = await fake_slack.wait_for_hook("review-form")
    assert text_of(hook.body).startswith("Not ready yet — checked as the thank-you email for #1")
    assert "competing offers" in sections(hook.body)


async def test_a_form_for_someone_elses_or_a_missing_application_answers_under_the_field(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    await slack.command(ADD)
    metadata = Origin(fake_slack.response_url("elsewhere"), True, 7).dump()
    status, answer = await slack.submit(
        {"draft": EMAIL}, metadata=metadata, callback_id="followup-review"
    )
    assert status == 200
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"draft"} and "#7" in answer["errors"]["draft"]
    status, answer = await slack.submit(
        {"draft": "  "}, metadata=metadata, callback_id="followup-review"
    )
    assert answer["response_action"] == "errors" and "Paste" in answer["errors"]["draft"]


async def test_if_the_form_cannot_open_the_answer_says_how_to_paste_the_draft(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    await slack.command(ADD)
    fake_slack.fail("views.open", error="expired_trigger_id")
    hook = await slack.command("review 1")
    assert "review 1" in text_of(hook.body) and "lines" in text_of(hook.body)


async def test_a_draft_keeps_its_paragraphs_for_copy_and_paste(slack: SlackDriver) -> None:
    await slack.command(ADD)
    hook = await slack.command("draft 1")
    shown = sections(hook.body)
    assert "Hi Jane,\n\nThank you for the time you spent" in shown
    assert "\n\nBest regards,\n" in shown

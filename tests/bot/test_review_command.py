"""`review` as a command: a draft of several paragraphs arrives whole (the email may start on
the line after the id), the verdict comes first, and each finding says why and how."""

from __future__ import annotations

from bot import commands as c
from bot.messages import Tone
from bot.parser import parse
from tests.harness import World, person

ALICE = person("alice")
ADD = "add Acme Corp; Data Engineer; tomorrow 10:00; Jane Doe, Engineering Manager"

GOOD = """Hi Jane,

Thank you for the time you spent with me today talking about the Data Engineer role at Acme Corp.
Hearing how your team is moving its reports from nightly batches to streaming was the best part.

I came away encouraged and very interested in the position. I have spent three years building
streaming pipelines, and I would be glad to bring that to Acme Corp. I will keep my notes short.

Is there a date that works for you for me to check in again?

Best regards,
Alice
+49 30 1234 5678"""

PUSHY = GOOD.replace(
    "I will keep my notes short.",
    "I have two other offers, so I need your decision by Friday.",
)


def test_the_draft_may_start_on_the_next_line_and_keeps_its_line_breaks() -> None:
    for line in (
        "review 1\nHi Jane,\n\nThanks",
        "review 1 Hi Jane,\n\nThanks",
        "review #1\r\nHi Jane,\n\nThanks",
    ):
        command = parse(line)
        assert isinstance(command, c.Review), line
        assert command.number == 1
        assert command.text.startswith("Hi Jane,") and "\n\nThanks" in command.text


def test_review_without_a_draft_asks_for_it() -> None:
    assert parse("review 3") == c.ReviewForm(3)
    assert parse("/followup review #3  ") == c.ReviewForm(3)


async def test_a_multi_paragraph_draft_is_ready_to_send(world: World) -> None:
    await world.say(ALICE, ADD)
    reply = await world.say(ALICE, "review 1\n" + GOOD)
    assert (
        reply.title
        == "Ready to send — checked as the thank-you email for #1 Acme Corp — Data Engineer"
    )
    assert reply.as_text().splitlines()[0] == reply.title
    assert reply.tone is Tone.SUCCESS
    assert "sent 1" in reply.footer


async def test_a_pushy_draft_is_not_ready_and_says_why_and_how(world: World) -> None:
    await world.say(ALICE, ADD)
    before = await world.row_counts()
    reply = await world.say(ALICE, "review 1\n" + PUSHY)
    assert reply.title.startswith("Not ready yet — checked as the thank-you email for #1")
    assert reply.tone is Tone.WARNING
    body = reply.body.splitlines()
    assert body[0] == "2 things to fix before you send it:"
    assert body[2].startswith("✗ No ultimatum: ") and "by Friday" in body[2]
    assert body[3].startswith("   Why it matters: ") and body[4].startswith("   How to fix it: ")
    assert any(line.startswith("✗ No competing offers as leverage") for line in body)
    assert await world.row_counts() == before  # a review stores nothing


async def test_review_without_a_draft_explains_how_to_paste_it(world: World) -> None:
    await world.say(ALICE, ADD)
    reply = await world.say(ALICE, "review 1")
    assert reply.tone is not Tone.ERROR
    assert "review 1" in reply.body and "lines" in reply.body


async def test_review_checks_the_step_that_is_due(world: World) -> None:
    await world.say(ALICE, ADD.replace("tomorrow", "yesterday"))
    sent = await world.say(ALICE, "sent 1")
    assert "marked sent" in sent.title
    reply = await world.say(ALICE, "review 1\n" + GOOD)
    assert "checked as the value-add follow-up" in reply.title
    assert reply.title.startswith("Not ready yet")
    assert "A result in numbers" in reply.body
    assert "phone number" in reply.body or "signature" in reply.body

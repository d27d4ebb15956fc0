"""The core says what kind of reply it gives (`Message.reply`): a form to open, an edit of the
message whose button was pressed, or a new message. Every platform follows it."""

from __future__ import annotations

import pytest

from bot.messages import Form, FormKind, Message, Reply
from tests.harness import World, person

ALICE, BOB = person("alice"), person("bob")
ADD = "add Acme Corp; Data Engineer; yesterday 10:00; Jane Doe"


async def test_add_alone_opens_the_add_form_at_once_and_stores_nothing(world: World) -> None:
    reply = await world.say(ALICE, "add")
    assert (reply.reply, reply.form) == (Reply.FORM, Form(FormKind.ADD))
    assert "Example:" in reply.body  # the answer where no form can open
    assert (await world.row_counts())["users"] == 0


async def test_review_alone_opens_the_review_form_for_that_application(world: World) -> None:
    reply = await world.say(ALICE, "review 3")
    assert (reply.reply, reply.form) == (Reply.FORM, Form(FormKind.REVIEW, 3))


async def test_round_alone_opens_the_round_form_only_for_ones_own_application(world: World) -> None:
    await world.say(ALICE, ADD)
    own = await world.say(ALICE, "round 1")
    assert (own.reply, own.form) == (Reply.FORM, Form(FormKind.ROUND, 1))
    other = await world.say(BOB, "round 1")
    assert other.is_error and (other.reply, other.form) == (Reply.NEW, None)


async def test_a_press_that_changed_something_replaces_its_message(world: World) -> None:
    added = await world.say(ALICE, ADD)
    [checklist] = [a for a in added.actions if a.label == "Checklist"]
    listed = await world.press(ALICE, checklist.id)
    assert not listed.is_error and listed.reply is Reply.NEW  # the nudge stays as it was
    sent = await world.press(ALICE, checklist.id.replace(":checklist:", ":sent:"))
    assert sent.changed and sent.reply is Reply.EDIT


async def test_a_refused_press_is_a_new_message_and_an_answer_to_a_question_replaces_it(
    world: World,
) -> None:
    await world.say(ALICE, ADD)
    asked = await world.say(ALICE, "forget-me")
    cancel = next(a for a in asked.actions if a.label == "Cancel")
    refused = await world.press(BOB, cancel.id)
    assert refused.is_error and refused.reply is Reply.NEW
    kept = await world.press(ALICE, cancel.id)
    assert not kept.changed and kept.reply is Reply.EDIT


async def test_a_page_turn_replaces_the_page(world: World) -> None:
    for n in range(60):
        await world.say(ALICE, f"add Company {n:02d}; Analyst; tomorrow 10:00; Jane Doe, Director")
    first = await world.say(ALICE, "list")
    assert first.reply is Reply.NEW
    turned = await world.press(ALICE, next(a.id for a in first.actions if a.label == "Next ›"))
    assert turned.page is not None and turned.reply is Reply.EDIT


def test_a_message_opens_a_form_exactly_when_its_reply_says_so() -> None:
    with pytest.raises(ValueError):
        Message(title="x", reply=Reply.FORM)
    with pytest.raises(ValueError):
        Message(title="x", form=Form(FormKind.ADD))

"""Buttons that destroy something carry the question to ask first; the press itself is still
checked against the presser."""

from __future__ import annotations

from tests.harness import World, person

ALICE, BOB = person("alice"), person("bob")


async def test_the_delete_button_asks_first_and_deletes_only_the_pressers_own(world: World) -> None:
    assert not (
        await world.say(ALICE, "add Company 00; Analyst; tomorrow 10:00; Jane Doe")
    ).is_error
    show = await world.say(ALICE, "show 1")
    delete = next(a for a in show.actions if a.label == "Delete")
    assert delete.confirm is not None and delete.style == "danger"
    assert (await world.press(BOB, delete.id)).is_error
    assert "Company 00" in (await world.say(ALICE, "list")).body
    gone = await world.press(ALICE, delete.id)
    assert gone.changed and gone.title.startswith("Deleted #1")
    assert (await world.say(ALICE, "list")).title == "No active applications"


async def test_skip_and_forget_buttons_ask_first_and_typed_commands_run_as_typed(
    world: World,
) -> None:
    added = await world.say(ALICE, "add Acme; Analyst; tomorrow 10:00; Jane Doe")
    assert all(a.confirm is None for a in added.actions)  # Checklist, Draft: nothing to ask
    question = await world.say(ALICE, "forget-me")
    erase = question.actions[0]
    assert erase.confirm is not None and erase.confirm.title == "Erase everything about you?"
    assert question.actions[1].confirm is None  # Cancel destroys nothing
    skipped = await world.say(ALICE, "skip 1")  # typed with its id: deliberate, runs at once
    assert skipped.changed and "skipped" in skipped.title

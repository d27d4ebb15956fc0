"""One user never sees or changes another's data, whatever id they type or button they press."""

from __future__ import annotations

from bot.actions import Verb, action
from bot.messages import Tone
from tests.harness import World, person

ALICE, BOB = person("alice"), person("bob")


async def test_ids_reach_only_your_own_applications(world: World) -> None:
    await world.say(ALICE, "add Acme; Engineer; tomorrow 10:00; Jane")
    for line in (
        "show 1",
        "sent 1",
        "draft 1",
        "delete 1",
        "status 1 offer",
        "heard 1",
        "snooze 1 1d",
        "skip 1",
    ):
        reply = await world.say(BOB, line)
        assert reply.tone is Tone.ERROR and "You have no application #1" in reply.title
        assert "Acme" not in reply.as_text()
    assert "Acme" in (await world.say(ALICE, "show 1")).title


async def test_someone_elses_button_changes_nothing(world: World) -> None:
    added = await world.say(ALICE, "add Acme; Engineer; tomorrow 10:00; Jane")
    await world.say(BOB, "add Beta; Analyst; tomorrow 11:00; Kim")  # bob has his own #1
    before = await world.dump()
    alices_app = int(added.actions[0].id.split(":")[2])
    for verb in (Verb.SENT, Verb.SKIP, Verb.SNOOZE, Verb.DRAFT, Verb.CHECKLIST, Verb.HEARD):
        reply = await world.press(BOB, action(verb, alices_app).id)
        assert reply.title == "That button isn't yours."
        assert "Acme" not in reply.as_text()
    forget = await world.say(ALICE, "forget-me")
    assert (await world.press(BOB, forget.actions[0].id)).title == "That button isn't yours."
    assert await world.dump() == before


async def test_malformed_and_unknown_actions_are_refused(world: World) -> None:
    for action_id in ("fu:launch:1", "fu:sent:", "fu:sent:1:2", "x" * 500, "", "fu:sent:99999"):
        reply = await world.press(ALICE, action_id)
        assert reply.tone is Tone.ERROR


async def test_autocomplete_lists_only_your_own_applications(world: World) -> None:
    await world.say(ALICE, "add Acme; Engineer; tomorrow 10:00")
    await world.say(BOB, "add Beta; Analyst; tomorrow 11:00")
    assert await world.runtime.followup.application_choices(ALICE, "") == [
        (1, "#1 Acme — Engineer")
    ]
    assert await world.runtime.followup.application_choices(BOB, "ac") == []

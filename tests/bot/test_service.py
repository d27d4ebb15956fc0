"""Commands end to end through the service layer, on a real database and a simulated clock."""

from __future__ import annotations

from datetime import timedelta

from bot.domain import NudgeState
from bot.messages import Tone
from tests.harness import World, person

ALICE = person("alice")
BOB = person("bob")
ADD = "add Acme Corp; Data Engineer; tomorrow 10:00; Jane Doe, Engineering Manager"


async def pending(world: World, number: int = 1) -> list[tuple[str, str]]:
    async with world.runtime.database.unit_of_work() as uow:
        user = await uow.users.find(ALICE)
        assert user is not None
        app = await uow.applications.get_by_number(user.id, number)
        assert app is not None
        nudges = await uow.nudges.for_application(app.id)
    berlin = ALICE.timezone or "UTC"
    from zoneinfo import ZoneInfo

    return [
        (n.key.split(":", 1)[1], n.due_at.astimezone(ZoneInfo(berlin)).strftime("%a %d %H:%M"))
        for n in nudges
        if n.state is NudgeState.PENDING
    ]


async def test_add_replies_with_id_and_plan_and_stores_nudges(world: World) -> None:
    reply = await world.say(ALICE, ADD)
    assert reply.tone is Tone.SUCCESS
    assert reply.title == "#1 Acme Corp — Data Engineer"
    assert "Thu 26 Nov 10:00 with Jane Doe (Engineering Manager)" in reply.body
    assert "tomorrow 12:00   thank-you to Jane Doe — send by Fri 27 Nov 12:00" in reply.body
    assert [a.label for a in reply.actions] == ["Checklist", "Draft"]
    # The thank-you, then what follows if it is never sent: value-add, the 3-week check and
    # the 6-week close-loop, counted from the round (nothing was sent yet).
    assert await pending(world) == [
        ("ty:due", "Thu 26 12:00"),
        ("ty:overdue", "Fri 27 12:00"),
        ("fu1@e0:due", "Mon 07 09:00"),
        ("e0.s0:check:due", "Thu 17 09:00"),
        ("e0.s0:close:due", "Thu 07 09:00"),
    ]


async def test_ids_are_per_user_and_numbered_from_one(world: World) -> None:
    assert (await world.say(ALICE, ADD)).title.startswith("#1 ")
    assert (await world.say(ALICE, "add Beta; PM; friday 15:00")).title.startswith("#2 ")
    assert (await world.say(person("bob"), "add Gamma; QA; friday 15:00")).title.startswith("#1 ")


async def test_sent_with_agreed_date_replans_the_value_add(world: World) -> None:
    await world.say(ALICE, ADD)
    await world.advance(timedelta(days=1, hours=4))  # Thu 26 13:00 UTC
    reply = await world.say(ALICE, "sent 1 next 2026-12-02")
    assert "thank-you marked sent" in reply.title
    assert "Wed 2 Dec" in reply.body
    assert await pending(world) == [
        ("fu1@e0:due", "Wed 02 09:00"),
        ("e0.s1:check:due", "Wed 23 09:00"),  # silence counts from the agreed date
        ("e0.s1:close:due", "Wed 13 09:00"),
    ]


async def test_every_change_replans_so_nothing_stale_remains(world: World) -> None:
    await world.say(ALICE, ADD)
    await world.say(ALICE, "skip 1")
    assert [k for k, _ in await pending(world)] == [
        "fu1@e0:due",
        "e0.s0:check:due",
        "e0.s0:close:due",
    ]
    await world.say(ALICE, "snooze 1 2026-12-10")
    assert (await pending(world))[0] == ("fu1@e0:snooze1", "Thu 10 09:00")
    await world.say(ALICE, "round 1; 2026-12-01 14:00-15:30; hiring-manager; Sam Lee, Head of Data")
    # Round 1's value-add stays planned until round 2 starts; then round 2's own plan runs.
    assert await pending(world) == [
        ("ty:due", "Tue 01 16:30"),
        ("ty:overdue", "Wed 02 12:00"),
        ("fu1@e0:due", "Thu 10 09:00"),
        ("e0.s0:check:due", "Tue 22 09:00"),
        ("e0.s0:close:due", "Tue 12 09:00"),
    ]
    await world.say(ALICE, "status 1 offer")
    assert await pending(world) == []


async def test_rejection_plans_close_loop_next_morning(world: World) -> None:
    await world.say(ALICE, ADD)
    reply = await world.say(ALICE, "status 1 rejected")
    assert "close the loop" in reply.body
    assert await pending(world) == [("close-loop:due", "Thu 26 09:00")]


async def test_heard_restores_budget_and_show_explains_it(world: World) -> None:
    await world.say(ALICE, ADD)
    for hours in (28, 7 * 24, 7 * 24):  # the thank-you, value-add and insight, each when due
        await world.advance(timedelta(hours=hours))
        await world.say(ALICE, "sent 1")
    shown = await world.say(ALICE, "show 1")
    assert "No follow-ups left" in next(f.value for f in shown.fields if f.label == "Budget")
    await world.say(ALICE, "heard 1 Jane asked for references")
    shown = await world.say(ALICE, "show 1")
    assert (
        next(f.value for f in shown.fields if f.label == "Budget")
        == "2 follow-ups left before you should wait for a reply."
    )
    assert "heard back: Jane asked for references" in shown.body


async def test_settings_change_moves_planned_nudges(world: World) -> None:
    await world.say(ALICE, ADD)
    await world.advance(timedelta(days=1, hours=4))
    await world.say(ALICE, "sent 1 next 2026-12-02")
    reply = await world.say(ALICE, "settings hour 07:30 quiet 22:00-07:00 weekends on")
    assert reply.tone is Tone.SUCCESS
    assert (await pending(world))[0] == ("fu1@e0:due", "Wed 02 07:30")
    shown = await world.say(ALICE, "settings")
    assert {f.label: f.value for f in shown.fields}["Quiet hours"] == "22:00–07:00"


async def test_list_today_checklist_draft_review(world: World) -> None:
    await world.say(ALICE, ADD)
    listing = await world.say(ALICE, "list")
    assert (
        "#1 Acme Corp — Data Engineer · thank-you · next: thank-you tomorrow 12:00" in listing.body
    )
    await world.advance(timedelta(days=1, hours=3))
    today = await world.say(ALICE, "today")
    assert "#1 Acme Corp: thank-you to Jane Doe — due now, send by tomorrow 12:00" in today.body
    assert today.body.count("Acme") == 1  # one line per email, not one per nudge
    checklist = await world.say(ALICE, "checklist 1")
    assert 5 <= len(checklist.checklist) <= 8
    by_step = await world.say(ALICE, "checklist value-add")
    assert 5 <= len(by_step.checklist) <= 8
    draft = await world.say(ALICE, "draft 1")
    assert "Hi Jane" in draft.body and "Acme Corp" in draft.body and "⟨" in draft.body
    review = await world.say(ALICE, "review 1 hey, just checking in!")
    assert review.title.startswith("Not ready yet"), "a bad draft must say it is not ready"
    assert "How to fix it" in review.body


async def test_delete_removes_application_and_its_nudges(world: World) -> None:
    await world.say(ALICE, ADD)
    reply = await world.say(ALICE, "delete 1")
    assert reply.title.startswith("Deleted #1")
    counts = await world.row_counts()
    assert counts["applications"] == 0 and counts["nudges"] == 0


async def test_help_fits_one_screen_and_names_every_command(world: World) -> None:
    from bot.catalogue import COMMANDS, GROUP_COMMANDS

    reply = await world.say(ALICE, "help")
    assert len(reply.as_text().splitlines()) <= 20
    for spec in COMMANDS + GROUP_COMMANDS:
        assert spec.name in reply.body
        detail = (await world.say(ALICE, f"help {spec.name}")).body
        assert f"Form: {spec.usage}" in detail and f"Example: {spec.example}" in detail
    assert "Form: sent <id> [name] [next <when>]" in (await world.say(ALICE, "help sent")).body
    assert "value-add" in (await world.say(ALICE, "help method")).body


async def test_a_mistyped_command_gets_a_did_you_mean(world: World) -> None:
    reply = await world.say(ALICE, "lsit")
    assert reply.tone is Tone.ERROR
    assert "Did you mean “list”?" in reply.as_text()
    assert "Did you mean “forget-me”?" in (await world.say(ALICE, "forget-mee")).as_text()
    assert "Did you mean" not in (await world.say(ALICE, "zzzz")).as_text()
    assert "Did you mean “draft”?" in (await world.say(ALICE, "help darft")).as_text()


async def test_timezone_notice_until_the_user_sets_one(world: World) -> None:
    nomad = person("nomad", tz=None)
    reply = await world.say(nomad, "list")
    assert "Times are in UTC until you set your timezone" in reply.footer
    await world.say(nomad, "settings tz America/New_York")
    assert "Times are in" not in (await world.say(nomad, "list")).footer


async def test_forget_me_asks_then_deletes_everything(world: World) -> None:
    await world.say(ALICE, ADD)
    await world.say(person("bob"), "add Beta; PM; friday 15:00; Kim")
    ask = await world.say(ALICE, "forget-me")
    assert [a.label for a in ask.actions] == ["Yes, delete everything", "Cancel"]
    assert (await world.press(ALICE, ask.actions[1].id)).title == "Nothing was deleted."
    done = await world.press(ALICE, ask.actions[0].id)
    assert done.title.startswith("Done")
    dump = await world.dump()
    assert "alice" not in dump.lower() and "Acme" not in dump and "Jane" not in dump
    assert "Beta" in dump  # bob's data is untouched


async def test_home_welcomes_strangers_without_storing_them(world: World) -> None:
    stranger = person("stranger")
    home = await world.runtime.followup.home(stranger)
    assert home.summary.title == "Welcome to Followup" and home.cards == ()
    assert (await world.row_counts())["users"] == 0


async def test_home_has_a_card_per_application_with_its_own_buttons_soonest_due_first(
    world: World,
) -> None:
    await world.say(ALICE, "add Beta; PM; 2026-12-01 10:00")
    await world.say(ALICE, ADD)
    await world.advance(timedelta(days=1, hours=3))  # Acme's thank-you is due, Beta's is not
    home = await world.runtime.followup.home(ALICE)
    acme, beta = home.cards
    assert (acme.number, acme.company, acme.role, beta.company) == (
        2,
        "Acme Corp",
        "Data Engineer",
        "Beta",
    )
    assert acme.step == "thank-you to Jane Doe" and acme.due.startswith("due now")
    assert not beta.due.startswith("due now") and beta.next_nudge
    assert [a.label for a in acme.actions] == [
        "Sent",
        "Snooze 1 day",
        "Draft",
        "Checklist",
        "Show",
        "Skip",
        "Delete",
    ]
    assert [a.label for a in acme.actions if a.confirm is not None] == ["Skip", "Delete"]
    assert {a.id.split(":")[2] for a in acme.actions}.isdisjoint(
        {a.id.split(":")[2] for a in beta.actions}
    )
    assert (
        home.summary.title == "Your applications (2 active)"
        and "1 email due now" in home.summary.body
    )
    assert {f.label for f in home.settings} >= {"Timezone", "Nudge hour"}
    shown = await world.press(ALICE, next(a.id for a in acme.actions if a.label == "Show"))
    assert shown.title == "#2 Acme Corp — Data Engineer"
    assert (await world.press(BOB, acme.actions[0].id)).title == "That button isn't yours."

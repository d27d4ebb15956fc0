"""How many statements each command sends to SQLite (BEGIN included), through the whole bot,
with the clock moving between commands as it does in use: at most 8 (a round, 9: it writes
two tables more), one more the first time someone writes, and as many for settings that
replan twenty applications as for one."""

from __future__ import annotations

from datetime import timedelta

from tests.bot.test_person_views import statements
from tests.harness import World, person

ALICE = person("alice")
MOST = 8
MOST_FOR = {"round": 9}  # the round and its interviewers, with the application's own writes
WRITES = (
    "add Acme Corp; Data Engineer; today 10:00; Jane Doe, Manager; Bo Li",
    "add Globex; Analyst; tomorrow 14:00; Sam Roe",
    "snooze 1 2d",
    "sent 1 Jane",
    "sent 1",
    "heard 1 they replied",
    "skip 1",
    "round 1; next tuesday 14:00-15:00; hiring-manager; Kim Lee",
    "round 1 change 2; next wednesday 14:00",
    "status 2 rejected",
    "status 2 active",
    "settings tz Europe/Paris",
    "delete 2",
)
READS = ("list", "show 1", "today", "checklist 1", "draft 1", "review 1 Thank you", "export")


async def _sent(world: World, line: str) -> int:
    await world.advance(timedelta(minutes=7))
    with statements(world) as sent:
        answer = await world.say(ALICE, line)
    assert not answer.is_error, (line, answer.as_text())
    return len(sent)


async def test_no_command_sends_more_than_eight_statements(world: World) -> None:
    await world.say(ALICE, "help")  # first contact: see below
    counts = {line: await _sent(world, line) for line in (*WRITES[:2], *READS, *WRITES[2:])}
    over = {
        line: n for line, n in counts.items() if n > MOST_FOR.get(line.split()[0], MOST)
    }
    assert not over, over


async def test_first_contact_costs_one_statement_more(world: World) -> None:
    first = await _sent(world, "settings")
    again = await _sent(world, "settings")
    assert (first, again) == (3, 2)  # BEGIN, the look-up, (the insert, returning the row)


async def test_settings_send_as_many_statements_for_one_application_as_for_twenty(
    world: World,
) -> None:
    await world.say(ALICE, WRITES[0])
    one = await _sent(world, "settings hour 08:00")
    for n in range(19):
        await world.say(ALICE, f"add Initech {n}; Analyst; 2026-12-{n + 1:02d} 10:00; Pat {n}")
    twenty = await _sent(world, "settings hour 09:00")
    assert twenty == one <= MOST, (one, twenty)

"""The method as a new user meets it in the console (`--now`, `:advance`, `--json`): every round
and every interviewer gets a thank-you, no plan goes quiet, deadlines can be met, buttons act on
their own step. Each test reproduces a defect people hit in their first week."""

from __future__ import annotations

import io
import json
from pathlib import Path

from adapters.config import Config
from adapters.console.runner import run_console

NOW = "2026-11-04T10:30:00+01:00"  # Wednesday, Berlin


async def console(tmp_path: Path, script: str, now: str = NOW) -> list[dict]:
    out = io.StringIO()
    config = Config(FOLLOWUP_DATABASE_URL=f"sqlite:///{tmp_path / 'console.db'}")
    await run_console(
        config,
        user="alice",
        timezone="Europe/Berlin",
        now=now,
        json_lines=True,
        stdin=io.StringIO(script),
        stdout=out,
    )
    return [json.loads(line) for line in out.getvalue().splitlines()]


def dms(records: list[dict]) -> list[dict]:
    return [r for r in records if r["kind"] == "dm"]


def titles(records: list[dict]) -> list[str]:
    return [r["text"].splitlines()[0] for r in records]


def replies(records: list[dict]) -> list[dict]:
    return [r for r in records if r["kind"] == "reply"]


async def test_an_ignored_value_add_does_not_silence_the_plan(tmp_path: Path) -> None:
    records = await console(
        tmp_path,
        "add Acme; Data Engineer; 2026-11-04 09:00; Jane Doe\n"
        ":advance 3h\n"
        ":press Sent\n"  # the thank-you, from its nudge
        ":advance 60d\n"  # the value-add nudge comes and is ignored
        "today\n"
        "show 1\n",
    )
    arrived = titles(dms(records))
    assert arrived[0].startswith("Time for your thank-you email")
    assert any(t.startswith("Time for your value-add email") for t in arrived)
    assert any(t.startswith("Still silent at Acme?") for t in arrived)
    assert any(t.startswith("Time for your close-the-loop email") for t in arrived)
    today = replies(records)[-2]["text"]
    assert "value-add" not in today and "insight" not in today  # nothing "due" two months ago


async def test_every_round_gets_its_thank_you_whatever_the_order_they_are_logged(
    tmp_path: Path,
) -> None:
    records = await console(
        tmp_path,
        "add Acme; DE; 2026-11-05 10:00; Jane\n"
        "round 1; 2026-11-10 14:00; hiring-manager; Sam Lee\n"
        "round 1; 2026-11-06 10:00; phone; Rita\n"
        ":advance 10d\n",
    )
    thank_yous = [r["text"] for r in dms(records) if "thank-you" in r["text"].splitlines()[0]]
    assert any("to Jane" in t for t in thank_yous)
    assert any("to Rita" in t for t in thank_yous)
    assert any("thank-you + insight" in t and "to Sam Lee" in t for t in thank_yous)


async def test_back_filling_yesterdays_round_keeps_todays_thank_you(tmp_path: Path) -> None:
    records = await console(
        tmp_path,
        "add Acme; DE; 2026-11-04 09:00; Jane\n"
        "round 1; 2026-11-03 15:00; phone; Rita\n"
        ":advance 3h\n",
    )
    assert any("to Jane" in r["text"] for r in dms(records))


async def test_snoozing_the_silence_check_leaves_the_close_loop_where_it_was(
    tmp_path: Path,
) -> None:
    records = await console(
        tmp_path,
        "add Acme; DE; 2026-11-04 09:00; Jane\n"
        ":advance 3h\n"
        ":press Sent\n"
        "skip 1\n"
        "skip 1\n"  # value-add and insight skipped: only the silence steps remain
        ":advance 21d\n"
        ":press Snooze 1 day\n"  # on the "still silent?" check
        ":advance 30d\n",
    )
    arrived = dms(records)
    check = next(r for r in arrived if r["text"].startswith("Still silent"))
    close = next(r for r in arrived if r["text"].startswith("Time for your close-the-loop email"))
    # 6 weeks after the thank-you (Wed 4 Nov), at the nudge hour: Wed 16 Dec 09:00.
    assert close["at"] == "2026-12-16T09:00:00+01:00"
    snoozed_check = [r for r in arrived if r["text"].startswith("Still silent")]
    assert len(snoozed_check) == 2 and snoozed_check[1]["at"] > check["at"]


async def test_a_friday_afternoon_round_gets_a_monday_deadline_and_a_reminder(
    tmp_path: Path,
) -> None:
    records = await console(tmp_path, "add Acme; DE; 2026-11-06 15:30; Jane\n:advance 6d\n")
    nudge, reminder = dms(records)[:2]
    assert nudge["at"] == "2026-11-09T09:00:00+01:00"  # Monday morning
    assert "Send by today 12:00" in nudge["text"]
    assert reminder["at"] == "2026-11-09T12:00:00+01:00"
    assert reminder["text"].startswith("Your thank-you to Acme is overdue")


async def test_a_nudge_hour_inside_quiet_hours_is_refused(tmp_path: Path) -> None:
    records = await console(tmp_path, "settings hour 21:00\nsettings quiet 00:00-00:00\nsettings\n")
    refused, equal, shown = replies(records)
    assert "falls inside your quiet hours" in refused["text"]
    assert "no range" in equal["text"]
    assert "Nudge hour: 09:00" in shown["text"] or "09:00" in shown["text"]


async def test_heard_with_a_date_in_the_note_keeps_the_date(tmp_path: Path) -> None:
    records = await console(
        tmp_path,
        "add Acme; DE; 2026-11-04 09:00; Jane\n"
        ":advance 3h\n"
        ":press Sent\n"
        "heard 1 she said call me next friday\n"
        ":advance 10d\n",
    )
    reply = replies(records)[-1]["text"]
    assert "Your next contact is on Fri " in reply
    value_add = next(r for r in dms(records) if "value-add" in r["text"].splitlines()[0])
    day = value_add["at"][8:10].lstrip("0")
    assert value_add["at"].endswith("T09:00:00+01:00") and f"Fri {day} Nov" in reply
    assert "No agreed date" not in value_add["text"]


async def test_add_takes_a_round_kind_and_round_understands_spellings(tmp_path: Path) -> None:
    records = await console(
        tmp_path,
        "add Acme; Dev; 2026-11-04 09:00; hiring-manager; Jane Doe\n"
        "draft 1\n"
        "round 1; 2026-11-06 14:00; hiring manager; Sam Lee\n"
        "round 1; 2026-11-09 10:00; hiring-manger; Pat\n"
        "show 1\n",
    )
    added, draft, second, misspelt, shown = replies(records)
    assert "Hiring-manager round" in added["text"] and "with Jane Doe" in added["text"]
    assert "Hi Jane," in draft["text"] and "Hi hiring-manager" not in draft["text"]
    assert "with Sam Lee" in second["text"]
    assert "Is “hiring-manger” the kind of round" in misspelt["text"]
    assert "Pat" not in shown["text"] and "hiring-manger" not in shown["text"]


async def test_a_mistaken_round_can_be_corrected_or_removed(tmp_path: Path) -> None:
    records = await console(
        tmp_path,
        "add Acme; Dev; 2026-11-04 09:00; Jane\n"
        "round 1; 2026-11-05 10:00; Sam\n"
        "round 1 change 2; 2026-11-05 15:00; final; Sam Lee\n"
        "round 1 remove 2\n"
        "round 1 remove 1\n"
        "show 1\n",
    )
    _, _, changed, removed, last, shown = replies(records)
    assert (
        "round 2 corrected" in changed["text"] and "Final round Thu 5 Nov 15:00" in changed["text"]
    )
    assert "round 2 removed" in removed["text"]
    assert "only round" in last["text"]
    assert "Round 2" not in shown["text"] and "Round 1" in shown["text"]


async def test_a_panel_gets_one_thank_you_per_person(tmp_path: Path) -> None:
    records = await console(
        tmp_path,
        "add Acme; Dev; 2026-11-04 09:00; panel; Bob Stone, CTO; Alice Park\n"
        ":advance 3h\n"
        "draft 1 Alice\n"
        "sent 1 Bob\n"
        "show 1\n"
        "sent 1 Alice\n"
        "sent 1 Alice\n",
    )
    nudge = dms(records)[0]
    assert "Bob Stone and Alice Park" in nudge["text"]
    draft, bob, shown, alice, again = replies(records)[1:]
    assert "Hi Alice," in draft["text"] and "`draft 1 Bob Stone`" in draft["text"]
    assert (
        "thank-you to Bob Stone marked sent" in bob["text"]
        and "Still to thank: Alice Park" in bob["text"]
    )
    assert "thank-you to Alice Park marked sent" in alice["text"]
    assert "value-add" in alice["text"]  # the step is done once everyone has theirs
    assert "takes no name" in again["text"]  # not another thank-you, and no value-add either


async def test_a_second_press_of_sent_changes_nothing(tmp_path: Path) -> None:
    records = await console(
        tmp_path,
        "add Acme; DE; 2026-11-04 09:00; Jane\n"
        ":advance 4h\n"  # the nudge (12:00), then its overdue reminder would carry Sent too
        ":press Sent\n"
        ":press Sent\n"
        "show 1\n",
    )
    first, second, shown = replies(records)[1:]
    assert "thank-you marked sent" in first["text"]
    assert "already marked" in second["text"]
    assert "value-add sent" not in shown["text"]


async def test_sent_before_the_round_ended_asks_first(tmp_path: Path) -> None:
    records = await console(
        tmp_path,
        "add Acme; DE; 2026-11-04 14:00; Jane\n"
        "sent 1\n"
        "show 1\n"
        ":press Yes, I sent it\n"
        "sent 1 next 2026-11-20\n",
    )
    asked, shown, confirmed, again = replies(records)[1:]
    assert "hasn't ended yet" in asked["text"] and "thank-you sent" not in shown["text"]
    assert "thank-you marked sent" in confirmed["text"]
    # a repeat doesn't mark the next step
    assert "did you already send the value-add" in again["text"]


async def test_smaller_defects_of_the_first_week(tmp_path: Path) -> None:
    records = await console(
        tmp_path,
        "add Acme; DE; 2026-11-04 14:00; Jane\n"
        ":advance 20h\n"  # Thursday 06:30: drafting the next morning
        "draft 1\n"
        "today\n"
        ":advance 4h\n"  # the nudge came at 09:00
        "list\n"
        "add Beta; PM; 2026-11-03 10:00; Kim\n"
        "status 2 rejected\n"
        "list\n"
        ":advance 1d\n",
    )
    draft, today, listing, _, rejected, listing2 = replies(records)[1:]
    assert "with me yesterday" in draft["text"]
    assert today["text"].count("#1 Acme") == 1
    assert "due now, send by today 12:00" in listing["text"]
    assert "Beta" in listing2["text"] and "close-the-loop" in listing2["text"]
    nudge = [r for r in dms(records) if "Beta" in r["text"]][-1]
    assert "No follow-ups planned" not in nudge["text"]
    assert nudge["text"].startswith("Time for your close-the-loop email")


async def test_skipping_a_value_add_after_a_reply_moves_on(tmp_path: Path) -> None:
    records = await console(
        tmp_path,
        "add Acme; DE; 2026-11-04 09:00; Jane\n"
        ":advance 3h\n"
        ":press Sent\n"
        "heard 1 they liked it\n"
        "skip 1\n"
        "show 1\n",
    )
    skipped, shown = replies(records)[-2:]
    assert "value-add skipped" in skipped["text"]
    assert "Current step: insight" in shown["text"]

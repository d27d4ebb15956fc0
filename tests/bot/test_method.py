"""Every timing rule of the follow-up method, on pure domain objects."""

from __future__ import annotations

from datetime import date, time, timedelta

from bot.domain import NudgeKind, RoundKind, Status, Step
from bot.method import plan
from tests.builders import (
    application,
    at,
    heard,
    interview,
    local_times,
    sent,
    settings,
    skipped,
    snoozed,
    status,
)

BERLIN = "Europe/Berlin"


def test_thank_you_one_hour_after_the_round_with_send_by_noon_next_day() -> None:
    app = application(interview(at(BERLIN, 2026, 11, 26, 10)))  # Thursday
    p = plan(app, settings(BERLIN), at(BERLIN, 2026, 11, 25, 12))
    assert p.current_step is Step.THANK_YOU
    assert local_times(p.nudges, BERLIN)[:2] == [
        ("thank-you", "due", "Thu 2026-11-26 12:00"),
        ("thank-you", "overdue", "Fri 2026-11-27 12:00"),
    ]
    assert p.nudges[0].send_by == at(BERLIN, 2026, 11, 27, 12)


def test_thank_you_after_five_pm_moves_to_next_morning_nudge_hour() -> None:
    app = application(interview(at(BERLIN, 2026, 11, 24, 16, 30)))  # ends 17:30 → 18:30
    p = plan(app, settings(BERLIN), at(BERLIN, 2026, 11, 24, 12))
    assert local_times(p.nudges, BERLIN)[0] == ("thank-you", "due", "Wed 2026-11-25 09:00")


def test_thank_you_in_quiet_hours_waits_for_the_morning() -> None:
    # ends 07:00 → 08:00 quiet until 08:30
    app = application(interview(at(BERLIN, 2026, 11, 24, 6, 0)))
    s = settings(BERLIN, quiet_start=time(20), quiet_end=time(8, 30), nudge_hour=time(9))
    assert (
        local_times(plan(app, s, at(BERLIN, 2026, 11, 24, 5)).nudges, BERLIN)[0][2]
        == "Tue 2026-11-24 09:00"
    )


def test_friday_evening_round_thanks_on_monday_when_weekends_are_off() -> None:
    app = application(interview(at(BERLIN, 2026, 11, 27, 16)))  # Friday, due 18:00 > 17:00
    p = plan(app, settings(BERLIN), at(BERLIN, 2026, 11, 27, 12))
    assert local_times(p.nudges, BERLIN)[:2] == [
        ("thank-you", "due", "Mon 2026-11-30 09:00"),
        ("thank-you", "overdue", "Mon 2026-11-30 12:00"),
    ]
    # Saturday noon is a day off: the send-by is Monday noon, a time the bot could nudge.
    assert p.tasks[0].send_by == at(BERLIN, 2026, 11, 30, 12)


def test_weekends_on_delivers_on_saturday() -> None:
    app = application(interview(at(BERLIN, 2026, 11, 27, 16)))
    p = plan(app, settings(BERLIN, weekends=True), at(BERLIN, 2026, 11, 27, 12))
    assert local_times(p.nudges, BERLIN)[0][2] == "Sat 2026-11-28 09:00"


def test_value_add_on_the_agreed_date_at_the_nudge_hour() -> None:
    rnd = interview(at(BERLIN, 2026, 11, 26, 10))
    app = application(
        rnd, events=(sent(Step.THANK_YOU, at(BERLIN, 2026, 11, 26, 13), agreed=date(2026, 12, 3)),)
    )
    p = plan(app, settings(BERLIN, nudge_hour=time(8, 30)), at(BERLIN, 2026, 11, 26, 14))
    assert p.current_step is Step.VALUE_ADD
    assert local_times(p.nudges, BERLIN)[0] == ("value-add", "due", "Thu 2026-12-03 08:30")
    assert not p.nudges[0].no_agreed_date
    # Silence runs from the agreed date: a date they gave you is not silence.
    assert local_times(p.nudges, BERLIN)[1:] == [
        ("close-loop", "silence-check", "Thu 2026-12-24 08:30"),
        ("close-loop", "due", "Thu 2027-01-14 08:30"),
    ]


def test_value_add_without_agreed_date_is_seven_days_later_and_flagged() -> None:
    rnd = interview(at(BERLIN, 2026, 11, 26, 10))
    app = application(rnd, events=(sent(Step.THANK_YOU, at(BERLIN, 2026, 11, 26, 13)),))
    p = plan(app, settings(BERLIN), at(BERLIN, 2026, 11, 26, 14))
    assert local_times(p.nudges, BERLIN)[0] == ("value-add", "due", "Thu 2026-12-03 09:00")
    assert p.nudges[0].no_agreed_date


def test_unsent_thank_you_lapses_after_its_overdue_day() -> None:
    rnd = interview(at(BERLIN, 2026, 11, 24, 10))  # Tue; overdue reminder Wed 12:00
    app = application(rnd)
    assert plan(app, settings(BERLIN), at(BERLIN, 2026, 11, 25, 18)).current_step is Step.THANK_YOU
    later = plan(app, settings(BERLIN), at(BERLIN, 2026, 11, 26, 8))
    assert later.current_step is Step.VALUE_ADD
    assert ("value-add", "due", "Thu 2026-12-03 09:00") in local_times(later.nudges, BERLIN)


def test_insight_follows_value_add_then_budget_runs_out() -> None:
    rnd = interview(at("UTC", 2026, 11, 2, 10))
    events = (
        sent(Step.THANK_YOU, at("UTC", 2026, 11, 2, 12), agreed=date(2026, 11, 9)),
        sent(Step.VALUE_ADD, at("UTC", 2026, 11, 9, 10), agreed=date(2026, 11, 16)),
    )
    p = plan(application(rnd, events=events), settings(), at("UTC", 2026, 11, 9, 11))
    assert p.current_step is Step.INSIGHT and p.budget_left == 1
    assert local_times(p.nudges, "UTC")[0] == ("insight", "due", "Mon 2026-11-16 09:00")

    done = events + (sent(Step.INSIGHT, at("UTC", 2026, 11, 16, 10)),)
    p = plan(application(rnd, events=done), settings(), at("UTC", 2026, 11, 16, 11))
    assert p.budget_left == 0 and p.current_step is Step.CLOSE_LOOP
    # 3-week silence check, then the 6-week close-loop, counted from the last follow-up.
    assert local_times(p.nudges, "UTC") == [
        ("close-loop", "silence-check", "Mon 2026-12-07 09:00"),
        ("close-loop", "due", "Mon 2026-12-28 09:00"),
    ]


def test_heard_restores_the_budget() -> None:
    rnd = interview(at("UTC", 2026, 11, 2, 10))
    events = (
        sent(Step.THANK_YOU, at("UTC", 2026, 11, 2, 12)),
        sent(Step.VALUE_ADD, at("UTC", 2026, 11, 9, 10)),
        sent(Step.INSIGHT, at("UTC", 2026, 11, 16, 10)),
        heard(at("UTC", 2026, 11, 18, 10)),
    )
    p = plan(application(rnd, events=events), settings(), at("UTC", 2026, 11, 18, 11))
    assert p.budget_left == 2
    assert p.current_step is Step.VALUE_ADD
    assert local_times(p.nudges, "UTC")[0] == ("value-add", "due", "Wed 2026-11-25 09:00")


def test_dark_close_loop_sent_ends_the_cycle() -> None:
    rnd = interview(at("UTC", 2026, 11, 2, 10))
    events = (
        sent(Step.THANK_YOU, at("UTC", 2026, 11, 2, 12)),
        sent(Step.VALUE_ADD, at("UTC", 2026, 11, 9, 10)),
        sent(Step.INSIGHT, at("UTC", 2026, 11, 16, 10)),
        sent(Step.CLOSE_LOOP, at("UTC", 2026, 12, 28, 10)),
    )
    p = plan(application(rnd, events=events), settings(), at("UTC", 2026, 12, 28, 11))
    assert p.current_step is None and p.nudges == () and p.closed_reason


def test_first_hiring_manager_round_thank_you_is_the_insight_email() -> None:
    r1 = interview(at("UTC", 2026, 11, 2, 10))
    r2 = interview(at("UTC", 2026, 11, 10, 10), kind=RoundKind.HIRING_MANAGER, seq=2)
    app = application(r1, r2, events=(sent(Step.THANK_YOU, at("UTC", 2026, 11, 2, 12)),))
    p = plan(app, settings(), at("UTC", 2026, 11, 10, 11, 30))
    assert p.current_step is Step.INSIGHT and p.cycle == "r2"
    assert local_times(p.nudges, "UTC")[0] == ("insight", "due", "Tue 2026-11-10 12:00")
    # a second hiring-manager round gets a plain thank-you
    r3 = interview(at("UTC", 2026, 11, 17, 10), kind=RoundKind.HIRING_MANAGER, seq=3)
    assert (
        plan(application(r1, r2, r3), settings(), at("UTC", 2026, 11, 17, 9)).current_step
        is Step.THANK_YOU
    )


def test_every_round_gets_its_own_thank_you_and_replaces_the_old_plan() -> None:
    r1 = interview(at("UTC", 2026, 11, 2, 10))
    r2 = interview(at("UTC", 2026, 11, 4, 14), seq=2)
    app = application(r1, r2, events=(sent(Step.THANK_YOU, at("UTC", 2026, 11, 2, 12)),))
    p = plan(app, settings(), at("UTC", 2026, 11, 4, 9))
    assert p.current_step is Step.THANK_YOU and p.budget_left == 2
    assert all(n.cycle == "r2" for n in p.nudges)
    assert local_times(p.nudges, "UTC")[0] == ("thank-you", "due", "Wed 2026-11-04 16:00")


def test_rejection_closes_the_loop_next_morning_then_checks_back_after_90_days() -> None:
    rnd = interview(at("UTC", 2026, 11, 2, 10))
    rejected = status(Status.REJECTED, at("UTC", 2026, 11, 12, 15), "rej1")
    app = application(rnd, events=(rejected,), status=Status.REJECTED)
    p = plan(app, settings(), at("UTC", 2026, 11, 12, 16))
    assert p.current_step is Step.CLOSE_LOOP
    assert local_times(p.nudges, "UTC") == [("close-loop", "due", "Fri 2026-11-13 09:00")]
    closed = (rejected, sent(Step.CLOSE_LOOP, at("UTC", 2026, 11, 13, 10), cycle="rej1"))
    p = plan(
        application(rnd, events=closed, status=Status.REJECTED),
        settings(),
        at("UTC", 2026, 11, 13, 11),
    )
    assert p.current_step is Step.CHECK_BACK
    assert local_times(p.nudges, "UTC") == [("check-back", "due", "Thu 2027-02-11 09:00")]


def test_offer_and_withdrawn_leave_no_nudges() -> None:
    rnd = interview(at("UTC", 2026, 11, 2, 10))
    for outcome in (Status.OFFER, Status.WITHDRAWN):
        p = plan(application(rnd, status=outcome), settings(), at("UTC", 2026, 11, 2, 9))
        assert p.nudges == () and p.current_step is None


def test_snooze_moves_the_current_nudge_under_a_new_key() -> None:
    rnd = interview(at("UTC", 2026, 11, 2, 10))
    base = (sent(Step.THANK_YOU, at("UTC", 2026, 11, 2, 12)),)
    before = plan(application(rnd, events=base), settings(), at("UTC", 2026, 11, 9, 10))
    later = at("UTC", 2026, 11, 10, 9)
    after = plan(
        application(
            rnd, events=base + (snoozed(Step.VALUE_ADD, at("UTC", 2026, 11, 9, 10), later),)
        ),
        settings(),
        at("UTC", 2026, 11, 9, 10),
    )
    assert after.nudges[0].due_at == later
    assert after.nudges[0].key != before.nudges[0].key


def test_skip_moves_to_the_next_step_without_spending_budget() -> None:
    rnd = interview(at("UTC", 2026, 11, 2, 10))
    events = (
        sent(Step.THANK_YOU, at("UTC", 2026, 11, 2, 12)),
        skipped(Step.VALUE_ADD, at("UTC", 2026, 11, 9, 10)),
    )
    p = plan(application(rnd, events=events), settings(), at("UTC", 2026, 11, 9, 11))
    assert p.current_step is Step.INSIGHT and p.budget_left == 2


def test_nudge_hour_stays_local_across_new_york_dst_change() -> None:
    tz = "America/New_York"  # clocks go back on Sunday 2026-11-01
    rnd = interview(at(tz, 2026, 10, 29, 10))
    app = application(
        rnd, events=(sent(Step.THANK_YOU, at(tz, 2026, 10, 29, 12), agreed=date(2026, 11, 2)),)
    )
    p = plan(app, settings(tz), at(tz, 2026, 10, 29, 13))
    assert local_times(p.nudges, tz)[0] == ("value-add", "due", "Mon 2026-11-02 09:00")
    assert p.nudges[0].due_at.utcoffset() == timedelta(0)
    # 09:00 EST = 14:00 UTC (it was 13:00 UTC before the switch)
    assert p.nudges[0].due_at.hour == 14


def test_nudge_hour_stays_local_across_berlin_dst_change() -> None:
    rnd = interview(at(BERLIN, 2026, 10, 22, 10))  # CEST; clocks go back Sunday 2026-10-25
    app = application(rnd, events=(sent(Step.THANK_YOU, at(BERLIN, 2026, 10, 22, 12)),))
    p = plan(app, settings(BERLIN), at(BERLIN, 2026, 10, 22, 13))
    assert local_times(p.nudges, BERLIN)[0] == ("value-add", "due", "Thu 2026-10-29 09:00")
    assert p.nudges[0].due_at.hour == 8  # 09:00 CET = 08:00 UTC (07:00 UTC a week earlier)


def test_keys_are_stable_under_replanning() -> None:
    app = application(interview(at("UTC", 2026, 11, 2, 10)))
    first = plan(app, settings(), at("UTC", 2026, 11, 2, 9))
    again = plan(app, settings(), at("UTC", 2026, 11, 2, 11))
    assert [n.key for n in first.nudges] == [n.key for n in again.nudges]


def test_overtaken_nudges_are_dropped_from_a_late_plan() -> None:
    # Logged two days after the interview: the due reminder is overtaken by the overdue one.
    app = application(interview(at("UTC", 2026, 11, 2, 10)))
    p = plan(app, settings(), at("UTC", 2026, 11, 3, 13))
    assert [n.kind for n in p.nudges][:2] == [NudgeKind.OVERDUE, NudgeKind.DUE]
    assert p.nudges[1].step is Step.VALUE_ADD

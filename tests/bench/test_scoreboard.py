"""The scoreboard `make bench` ends with: from a results file, each row's status is computed from
its number against its target — a miss by a hair is a miss, and a figure that is missing,
skipped, a verdict or from a failed suite is "not measured", never "met"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import bench.__main__ as bench
from bench import scoreboard
from bench.scoreboard import MET, MISSED, NO_TARGET, NOT_MEASURED, Row, Target


def _results(*suites: dict[str, Any], cores: int = 2) -> dict[str, Any]:
    facts = {
        "date": "2026-12-01 17:05 UTC",
        "commit": "abc1234",
        "cores": cores,
        "python": "3.11.7",
        "platform": "Linux-test",
        "load": 3.5,
    }
    return {"runs": {str(s["suite"]): dict(facts) for s in suites}, "results": list(suites)}


def _status(data: dict[str, Any]) -> dict[str, str]:
    return {line.row.what: line.status for line in scoreboard.lines(data)}


def _after(data: dict[str, Any], what: str) -> str:
    return next(line.after_text() for line in scoreboard.lines(data) if line.row.what == what)


SLACK = "(real Slack notifier, fake Slack in another process)"
REAL_SLACK = "real Slack notifier → fake Slack in another process, first contact"
KNOWN_SLACK = "real Slack notifier, DM channels known"
ACK = "Slack slash-command ack p99, 200 at once"
SWEEP = "a sweep with nothing due, 1M stored, SQLite (holds the write lock)"
NEXT_DUE_PG = "next-due query, 1M stored, PostgreSQL"


def test_a_figure_missing_its_target_by_a_hair_is_missed_and_shows_its_decimals() -> None:
    data = _results(
        {
            "suite": "slack_dispatch",
            f"first contact: nudges/s {SLACK}": 1999.99,
            f"DMs known: nudges/s {SLACK}": 2000.0,
        },
        {"suite": "slack_ack", "ack_p99_ms": 300.0},
        {
            "suite": "command_latency",
            "sqlite sweep ms @ 1M": 10.0,
            "postgres next-due ms @ 1M": 10.001,
        },
    )
    status = _status(data)
    assert status[REAL_SLACK] == MISSED and _after(data, REAL_SLACK) == "1,999.99/s"
    assert status[KNOWN_SLACK] == MET  # ≥ 2,000: the limit itself meets it
    assert status[ACK] == MISSED  # < 300 ms: the limit itself does not
    assert status[SWEEP] == MET  # ≤ 10 ms
    assert status[NEXT_DUE_PG] == MISSED and _after(data, NEXT_DUE_PG) == "10.001 ms"


def test_what_was_not_measured_is_never_met() -> None:
    data = _results(
        {
            "suite": "slack_dispatch",
            f"first contact: nudges/s {SLACK}": "skipped: no fake",
            f"DMs known: nudges/s {SLACK}": True,
        },
        {"suite": "slack_ack", "ack_p99_ms": 12.0, "suite failed": "RuntimeError: boom"},
        {"suite": "command_latency", "sqlite p99 ms @ 1M": 3.0},  # its 10k base is missing
    )
    status = _status(data)
    assert status[REAL_SLACK] == status[KNOWN_SLACK] == NOT_MEASURED
    assert status[ACK] == NOT_MEASURED
    assert status["command p99, 1M stored, SQLite"] == NOT_MEASURED
    assert status["lateness p99, Discord, 1M stored"] == NOT_MEASURED  # no lateness results at all
    assert MET not in status.values()
    assert _after(data, REAL_SLACK) == _after(data, ACK) == "—"
    # measured, but nothing to compare it with
    assert _after(data, "command p99, 1M stored, SQLite") == "3 ms"


def test_relative_targets_and_targets_per_process_read_the_run() -> None:
    views = {
        "suite": "person_views",
        "sqlite list p50 ms @ 10 apps": 4.0,
        "sqlite list p50 ms @ 1,000 apps": 100.0,
        "sqlite home p50 ms @ 10 apps": 10.0,
        "sqlite home p50 ms @ 1,000 apps": 149.9,
        "sqlite today p50 ms @ 1,000 apps": 19.99,
    }
    dispatch = {
        "suite": "dispatch",
        "sqlite 1 proc: nudges/s": 2500.0,
        "postgres 4 proc: nudges/s": 3999.0,
    }
    latency = {"suite": "command_latency", "sqlite p99 ms @ 10k": 40.0, "sqlite p99 ms @ 1M": 80.01}
    status = _status(_results(views, dispatch, latency, cores=2))
    assert status["command p99, 1M stored, SQLite"] == MISSED  # 2 × 40 = 80
    assert status["list, 1,000 applications, SQLite (median)"] == MISSED  # < 100 ms
    assert status["App Home, 1,000 applications, SQLite (median)"] == MET
    assert status["today, 1,000 applications, SQLite (median)"] == MET
    assert status["App Home, 10 applications, SQLite (median)"] == NO_TARGET
    assert status["dispatch to the recording notifier, SQLite, 1 process"] == MET
    # Four processes on two cores: 2 × 2,000/s; on four cores 4 × 2,000/s.
    assert status["dispatch to the recording notifier, PostgreSQL, 4 processes"] == MISSED
    dispatch["postgres 4 proc: nudges/s"] = 4000.0
    assert (
        _status(_results(views, dispatch, cores=2))[
            "dispatch to the recording notifier, PostgreSQL, 4 processes"
        ]
        == MET
    )
    assert (
        _status(_results(views, dispatch, cores=8))[
            "dispatch to the recording notifier, PostgreSQL, 4 processes"
        ]
        == MISSED
    )


def test_combined_figures_need_every_part() -> None:
    keys = [
        f"{run}: {what}"
        for run in ("sqlite 1 proc", "postgres 1 proc", "postgres 4 proc")
        for what in ("lost", "duplicated")
    ]
    clean = {"suite": "dispatch", **{k: 0 for k in keys}}
    one_lost = {**clean, "postgres 4 proc: lost": 1}
    without_pg = {k: v for k, v in clean.items() if not k.startswith("postgres")}
    what = "dispatch: lost + duplicated, all three runs"
    assert _status(_results(clean))[what] == MET
    assert _status(_results(one_lost))[what] == MISSED
    assert _status(_results(without_pg))[what] == NOT_MEASURED
    stalls = {"suite": "groups", "sqlite board loop stall ms @ 10,000 members": 12.0,
              "sqlite digest loop stall ms @ 10,000 members": 50.5}
    found = {line.row.what: line for line in scoreboard.lines(_results(stalls))}
    stall = found["longest loop stall, board or digest, 10,000 members, SQLite"]
    assert stall.status == MISSED and stall.after == 50.5  # the longer of the two


def test_the_table_names_when_where_and_which_commit() -> None:
    data = _results({"suite": "slack_ack", "ack_p99_ms": 120.0, "suite wall time s": 90.0},
                    {"suite": "dispatch", "suite wall time s": 150.0})
    table = scoreboard.markdown(data)
    assert "together: 4 min" in table
    assert (
        "2026-12-01 17:05 UTC" in table
        and "abc1234" in table
        and "2 cores" in table
        and "load average" in table
    )
    assert f"| {ACK} | slack_ack | 254–295 ms (474 once) | 120 ms | < 300 ms | met |" in table
    assert (
        len([line for line in table.splitlines() if line.startswith("| ")])
        == len(scoreboard.ROWS) + 1
    )
    assert "1 met" in table and f"{len(scoreboard.ROWS) - 1} not measured" in table
    assert scoreboard.markdown({"results": []}).startswith("Nothing measured yet.")


def test_every_row_with_a_target_compares_a_number() -> None:
    rows = [Row("x", "s", ("a",), "—", " ms", Target("≤", 10.0, " ms"))]
    for value, expected in (
        (9.999, MET),
        (10.0, MET),
        (10.0001, MISSED),
        (None, NOT_MEASURED),
        ("10", NOT_MEASURED),
    ):
        data = _results({"suite": "s", **({"a": value} if value is not None else {})})
        assert [line.status for line in scoreboard.lines(data, rows)] == [expected], value


def test_the_scoreboard_is_printed_from_the_latest_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps(_results({"suite": "slack_ack", "ack_p99_ms": 301.5})))
    monkeypatch.setattr(bench, "RESULTS", results)
    assert bench.main(["--scoreboard"]) == 0
    out = capsys.readouterr().out
    assert ACK in out and "302 ms" in out and "missed" in out and "abc1234" in out


def test_the_readme_and_docs_carry_the_scoreboard_between_their_markers() -> None:
    data = _results({"suite": "slack_ack", "ack_p99_ms": 120.0})
    page = f"intro\n{bench.SCORE_BEGIN}\nOLD TABLE\n{bench.SCORE_END}\n"
    updated = bench.with_results(page, data)
    assert "OLD TABLE" not in updated and scoreboard.markdown(data) in updated
    for path in (bench.README, bench.DOCS):
        text = path.read_text()
        assert bench.SCORE_BEGIN in text and bench.SCORE_END in text, path


def test_the_statement_cost_and_start_up_rows_read_their_suites() -> None:
    session = "one SELECT 1 on SQLite, through our engine and a session, as commands send it"
    session_cpu = (
        "CPU of one SELECT 1 through our engine and a session (the driver's thread included)"
    )
    trivial = "CPU of a trivial command (settings: the person's look-up), SQLite"
    process = "start-up, 1M stored minus empty: followup run's CPU until /healthz answers"
    runtime = "start-up, 1M stored minus empty: Runtime bootstrap and first sweep"
    cost = {
        "suite": "statement_cost",
        "SELECT 1, raw aiosqlite: µs": 150.0,
        "SELECT 1, our engine, ORM session: µs": 300.0,
        "SELECT 1, raw aiosqlite: CPU µs": 100.0,
        "SELECT 1, our engine, ORM session: CPU µs": 100.5,
        "settings: CPU ms per command": 3.0,
    }
    start = {
        "suite": "startup",
        "process start → ready, stored minus empty CPU s": 0.1,
        "Runtime start → ready, stored minus empty s": 0.38,
    }
    status = _status(_results(cost, start))
    assert status[session] == MET  # 2 × 150 µs
    assert status[session_cpu] == MISSED  # no more than raw aiosqlite's 100 µs
    assert status[trivial] == MISSED  # under 3 ms
    assert status["one SELECT 1 on SQLite, raw aiosqlite"] == NO_TARGET
    assert (status[process], status[runtime]) == (MET, MISSED)
    cost["SELECT 1, our engine, ORM session: µs"] = 300.5
    assert _status(_results(cost))[session] == MISSED

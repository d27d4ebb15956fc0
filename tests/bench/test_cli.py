"""The benchmark command line a newcomer meets: `python -m bench --help`, `--markdown` before
any results exist, and the results kept per suite with when, where and on which commit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import bench.__main__ as bench

ROOT = Path(__file__).resolve().parents[2]


def test_help_describes_the_suites() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "make bench" in done.stdout and "dispatch" in done.stdout


def test_an_unknown_suite_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        bench.main(["nope"])
    assert "unknown suite nope" in capsys.readouterr().err


def test_markdown_without_results_says_how_to_make_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(bench, "RESULTS", tmp_path / "results.json")
    assert bench.main(["--markdown"]) == 1
    out = capsys.readouterr().out
    assert "No benchmark results yet" in out and "make bench" in out


def test_a_suite_run_alone_keeps_the_others_with_their_own_facts() -> None:
    old = {"date": "2026-11-30 10:00 UTC", "commit": "aaaaaaa"}
    new = {"date": "2026-12-01 10:00 UTC", "commit": "bbbbbbb"}
    first = bench.merge(
        {},
        [{"suite": "dispatch", "x": 1}, {"suite": "slack_ack", "p99 ms": 200.0}],
        {"dispatch": old, "slack_ack": old},
    )
    second = bench.merge(first, [{"suite": "slack_ack", "p99 ms": 180.5}], {"slack_ack": new})
    assert [r["suite"] for r in second["results"]] == ["dispatch", "slack_ack"]
    assert second["runs"] == {"dispatch": old, "slack_ack": new}
    table = bench.markdown(second)
    assert "| slack_ack | p99 ms | 180.50 |" in table and "| dispatch | x | 1 |" in table
    assert "aaaaaaa" in table and "bbbbbbb" in table


def test_the_readme_table_is_replaced_between_its_markers() -> None:
    data = bench.merge(
        {}, [{"suite": "dispatch", "nudges/s": 3892.5}], {"dispatch": bench.run_facts()}
    )
    readme = f"intro\n{bench.BEGIN}\nold table\n{bench.END}\nafter\n"
    updated = bench.with_results(readme, data)
    assert "old table" not in updated and "| dispatch | nudges/s | 3,892.50 |" in updated
    assert updated.startswith("intro\n") and updated.endswith(f"{bench.END}\nafter\n")
    assert bench.with_results(updated, data) == updated  # idempotent
    assert bench.with_results("no markers", data) == "no markers"
    facts = data["runs"]["dispatch"]
    assert facts["cores"] and facts["python"] and facts["date"].endswith("UTC") and facts["commit"]


def test_the_committed_results_are_the_generated_ones() -> None:
    data = bench._load()
    if not data.get("results"):
        pytest.skip("no committed benchmark results")
    assert (ROOT / "bench" / "RESULTS.md").read_text() == bench.report(data)
    for page in (ROOT / "docs" / "benchmarks.md", ROOT / "README.md"):
        assert bench.with_results(page.read_text(), data) == page.read_text(), page


async def test_a_failing_suite_is_reported_and_the_others_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import types

    async def broken() -> dict[str, object]:
        raise RuntimeError("no server")

    async def fine() -> dict[str, object]:
        return {"suite": "dispatch", "nudges/s": 1.0}

    modules = {
        "bench.dispatch": types.SimpleNamespace(run=fine),
        "bench.slack_ack": types.SimpleNamespace(run=broken),
    }
    monkeypatch.setattr(
        bench, "importlib", types.SimpleNamespace(import_module=modules.__getitem__)
    )
    results, facts = await bench._run(["slack_ack", "dispatch"])
    assert results[0]["suite failed"] == "RuntimeError: no server" and results[1]["nudges/s"] == 1.0
    assert set(facts) == {"slack_ack", "dispatch"} and all(f["date"] for f in facts.values())


def test_only_the_printed_table_names_the_suites_not_measured_yet() -> None:
    data = bench.merge(
        {}, [{"suite": "dispatch", "nudges/s": 1.0}], {"dispatch": bench.run_facts()}
    )
    assert "Not measured yet" in bench.markdown(data, note_missing=True)
    # committed files don't go stale when a suite is added
    assert "Not measured yet" not in bench.report(data)


async def test_each_suite_is_kept_as_soon_as_it_ran(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    async def fine() -> dict[str, object]:
        return {"suite": "dispatch", "nudges/s": 1.0}

    async def interrupted() -> dict[str, object]:
        raise KeyboardInterrupt  # the run is cut short: what ran before is already kept

    modules = {
        "bench.dispatch": types.SimpleNamespace(run=fine),
        "bench.slack_ack": types.SimpleNamespace(run=interrupted),
    }
    monkeypatch.setattr(
        bench, "importlib", types.SimpleNamespace(import_module=modules.__getitem__)
    )
    kept: list[list[str]] = []
    with pytest.raises(KeyboardInterrupt):
        await bench._run(
            ["dispatch", "slack_ack"],
            lambda done, facts: kept.append([str(r["suite"]) for r in done]),
        )
    assert kept == [["dispatch"]]


def test_every_suite_imports() -> None:
    """A suite that no longer imports fails only when `make bench` reaches it: catch it here."""
    import importlib

    for name in bench.available():
        assert callable(importlib.import_module(f"bench.{name}").run), name

"""Run the benchmarks, print their figures, and keep the latest ones in the repository.

Each suite is a module with `async def run() -> dict[str, object]`: a flat mapping of figure
names to values (it must include "suite"). `python -m bench` (what `make bench` runs) runs every
suite; `python -m bench dispatch command_latency` runs only those, and their figures replace the
earlier ones while the other suites' are kept. Every run writes:

- `bench/results.json`: the figures, with when, on which commit and on what machine each suite
  was measured;
- `bench/RESULTS.md`: the same as Markdown tables;
- `docs/benchmarks.md`, between its two `bench results` markers;
- the scoreboard (`bench/scoreboard.py`: each figure the performance issues name, before →
  after, against its target) at the end of the run, in `docs/benchmarks.md` and in the README,
  between their two `bench scoreboard` markers.

`python -m bench --markdown` prints the latest results and `python -m bench --scoreboard` the
scoreboard, without running anything; `python -m bench --list` names the suites.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters.platforms import loop_name, run

SUITES = (
    "dispatch",
    "render",
    "crash_recovery",
    "lateness",
    "slack_dispatch",
    "discord_dispatch",
    "platform_limits",
    "command_latency",
    "review",
    "person_views",
    "groups",
    "slack_ack",
    "discord_roundtrip",
    "footprint",
    "dates",
    "statement_cost",
    "startup",
)
HERE = Path(__file__).parent
RESULTS = HERE / "results.json"
REPORT = HERE / "RESULTS.md"
DOCS = HERE.parent / "docs" / "benchmarks.md"
README = HERE.parent / "README.md"
BEGIN = (
    "<!-- bench results: written by `make bench` from bench/results.json; edits here are "
    "overwritten -->"
)
END = "<!-- end of bench results -->"
SCORE_BEGIN = (
    "<!-- bench scoreboard: written by `make bench` from bench/results.json; edits "
    "here are overwritten -->"
)
SCORE_END = "<!-- end of bench scoreboard -->"
HOW = (
    "`make bench` (every suite) or `python -m bench <suite>` (one suite; `python -m bench "
    "--list` names them)"
)


Kept = Callable[[list[dict[str, object]], dict[str, dict[str, Any]]], None]


async def _run(
    names: list[str], keep: Kept | None = None
) -> tuple[list[dict[str, object]], dict[str, dict[str, Any]]]:
    """Every suite's figures, and the facts of when and where each one ran, handed to `keep`
    after each suite (so a run cut short keeps what it measured). A suite that fails is
    reported as failed (its traceback on stderr); the others still run and are kept."""
    results: list[dict[str, object]] = []
    facts: dict[str, dict[str, Any]] = {}
    for name in names:
        print(f"… running {name}", file=sys.stderr, flush=True)
        facts[name] = {**run_facts(), "event loop": loop_name()}
        started = time.perf_counter()
        try:
            figures = await importlib.import_module(f"bench.{name}").run()
        except Exception as problem:
            traceback.print_exc()
            figures = {"suite": name, "suite failed": f"{type(problem).__name__}: {problem}"[:200]}
        figures["suite wall time s"] = round(time.perf_counter() - started, 1)
        results.append(figures)
        _print(figures)
        if keep is not None:
            keep(results, facts)
    return results, facts


def _shown(value: object) -> str:
    return f"{value:,.2f}" if isinstance(value, float) else str(value)


def _print(figures: dict[str, object]) -> None:
    print(f"\n== {figures.get('suite')} ==")
    for key, value in figures.items():
        if key != "suite":
            print(f"  {key:<56} {_shown(value)}")


def _load() -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = json.loads(RESULTS.read_text())
    except (OSError, ValueError):
        return {"results": []}
    return loaded


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=HERE, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


def run_facts() -> dict[str, Any]:
    """When, on which commit and on what machine a suite is being measured."""
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    # Changes to the files this command writes don't change what is measured.
    if _git(
        "status",
        "--porcelain",
        "--untracked-files=no",
        "--",
        ":(top)",
        ":(top,exclude)docs/benchmarks.md",
        ":(top,exclude)bench/results.json",
        ":(top,exclude)bench/RESULTS.md",
        ":(top,exclude)README.md",
    ):
        commit += " (with uncommitted changes)"
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        # Other work on the machine when the suite started (1-minute load average): shared cores
        # make every figure worse, so a reader should know.
        "load": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }


def _facts(data: dict[str, Any], suite: str) -> dict[str, Any]:
    facts: dict[str, Any] = data.get("runs", {}).get(suite) or data.get("machine") or {}
    return facts


def markdown(data: dict[str, Any], *, note_missing: bool = False) -> str:
    """The latest results as Markdown: where and when each suite ran, then every figure; with
    `note_missing`, also the suites that have no results yet (not in the committed files, which
    would otherwise go stale whenever a suite is added)."""
    results = data.get("results", [])
    if not results:
        return f"No benchmark results yet: run {HOW} to measure them."
    lines = ["| suite | measured | commit | machine | load before |", "|---|---|---|---|---|"]
    for figures in results:
        suite = str(figures.get("suite"))
        f = _facts(data, suite)
        loop = f", {f['event loop']} loop" if f.get("event loop") else ""
        machine = (
            f"{f.get('cores', '?')} cores, Python {f.get('python', '?')}{loop}, "
            f"{f.get('platform', '?')}"
        )
        lines.append(
            f"| {suite} | {f.get('date', '?')} | {f.get('commit', '?')} | {machine} | "
            f"{f.get('load', '?')} |"
        )
    missing = [s for s in available() if s not in {str(r.get("suite")) for r in results}]
    if missing and note_missing:
        lines += ["", f"Not measured yet: {', '.join(missing)} (run {HOW})."]
    lines += ["", "| suite | figure | value |", "|---|---|---|"]
    for figures in results:
        suite = figures.get("suite")
        for key, value in figures.items():
            if key != "suite":
                lines.append(f"| {suite} | {key} | {_shown(value)} |")
    return "\n".join(lines)


def report(data: dict[str, Any]) -> str:
    from bench import scoreboard

    return (
        f"# Benchmark results\n\nWritten by {HOW} from `bench/results.json`; do not edit by hand. "
        "What each suite measures, and its target, is in the suite's module docstring and in "
        "docs/benchmarks.md.\n\n## Scoreboard\n\n"
        + scoreboard.markdown(data)
        + "\n\n## Every figure\n\n"
        + markdown(data)
        + "\n"
    )


def _between(text: str, begin: str, end: str, body: str) -> str:
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        return text
    return text[: start + len(begin)] + "\n" + body + "\n" + text[stop:]


def with_results(readme: str, data: dict[str, Any]) -> str:
    """`readme` with the text between each pair of markers replaced by the latest results or
    the scoreboard (unchanged where the markers are missing)."""
    from bench import scoreboard

    readme = _between(readme, BEGIN, END, markdown(data))
    return _between(readme, SCORE_BEGIN, SCORE_END, scoreboard.markdown(data))


def save(data: dict[str, Any]) -> None:
    RESULTS.write_text(json.dumps(data, indent=2, default=str) + "\n")
    REPORT.write_text(report(data))
    for page in (DOCS, README):
        with contextlib.suppress(OSError):  # a copy of bench/ without docs/ still gets the rest
            page.write_text(with_results(page.read_text(), data))


def merge(
    previous: dict[str, Any], fresh: list[dict[str, Any]], facts: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The earlier results with `fresh` suites replacing theirs, each suite with its own facts."""
    names = {str(f.get("suite")) for f in fresh}
    kept = [r for r in previous.get("results", []) if str(r.get("suite")) not in names]
    order = {name: i for i, name in enumerate(SUITES)}
    results = sorted(kept + fresh, key=lambda r: order.get(str(r.get("suite")), len(order)))
    runs = {str(r.get("suite")): _facts(previous, str(r.get("suite"))) for r in kept}
    runs.update({name: facts.get(name, {}) for name in names})
    return {"runs": runs, "results": results}


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run Followup's benchmarks and keep the latest figures in bench/results.json, "
        "bench/RESULTS.md, docs/benchmarks.md and the README's scoreboard. Without suite names, "
        "every suite runs (as `make bench` does).",
        epilog=f"Suites: {', '.join(available())}. PostgreSQL figures use "
        "FOLLOWUP_BENCH_POSTGRES_URL (else FOLLOWUP_TEST_POSTGRES_URL) and are reported as "
        "skipped when no server answers.",
    )
    parser.add_argument("suites", nargs="*", metavar="SUITE", help="run only these suites")
    parser.add_argument(
        "--markdown", action="store_true", help="print the latest results as Markdown, run nothing"
    )
    parser.add_argument(
        "--scoreboard",
        action="store_true",
        help="print the scoreboard (before → after, against each target) of the latest results, "
        "run nothing",
    )
    parser.add_argument(
        "--list", action="store_true", help="name every suite and what it measures, run nothing"
    )
    args = parser.parse_args(argv)
    unknown = [s for s in args.suites if s not in available()]
    if unknown:
        parser.error(f"unknown suite {', '.join(unknown)}: choose from {', '.join(available())}")
    return args


def available() -> list[str]:
    """The suites whose module is present (a suite may be listed before its module lands)."""
    return [name for name in SUITES if (HERE / f"{name}.py").exists()]


def _summary(name: str) -> str:
    """The first line of the suite's docstring."""
    source = (HERE / f"{name}.py").read_text(encoding="utf-8")
    body = source.split('"""', 2)[1] if source.lstrip().startswith('"""') else ""
    first = body.strip().splitlines()[0] if body.strip() else ""
    return first.rstrip(":,;")


def main(argv: Sequence[str] | None = None) -> int:
    from bench import scoreboard

    args = _arguments(argv)
    if args.list:
        for name in available():
            print(f"{name:<18} {_summary(name)}")
        return 0
    if args.markdown:
        data = _load()
        print(markdown(data, note_missing=True))
        return 0 if data.get("results") else 1
    if args.scoreboard:
        print(scoreboard.text(_load()))
        return 0
    logging.basicConfig(level=logging.ERROR)
    names = args.suites or available()
    previous = _load()
    # on the loop `followup run` runs on (uvloop where installed), so the figures are its own
    fresh, facts = run(_run(names, lambda done, facts: save(merge(previous, done, facts))))
    data = merge(previous, fresh, facts)
    first = facts[names[0]]
    print(
        f"\n{first['date']}, commit {first['commit']}, {first['cores']} cores, Python "
        f"{first['python']}: written to {RESULTS.name}, {REPORT.name}, docs/benchmarks.md and "
        "README.md"
    )
    print("\n== scoreboard (before → after, against each target) ==\n" + scoreboard.text(data))
    return 0 if not any("suite failed" in f for f in fresh) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Run every benchmark, print a table of figures, and write them to bench/results.json.

Each suite is a module with `async def run() -> dict[str, object]`: a flat mapping of figure
names to values (it must include "suite"). Pass suite names to run only those:
`python -m bench dispatch command_latency` — their figures replace the earlier ones in
results.json, the other suites' are kept. `python -m bench --markdown` prints the latest
results as the Markdown table used in docs/scale.md, without running anything.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

SUITES = ("dispatch", "platform_limits", "command_latency", "review", "person_views", "groups", "slack_ack", "discord_roundtrip", "footprint")
RESULTS = Path(__file__).with_name("results.json")


async def _run(names: list[str]) -> list[dict[str, object]]:
    results = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"… running {name}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        figures = await module.run()
        figures["suite wall time s"] = round(time.perf_counter() - started, 1)
        results.append(figures)
        _print(figures)
    return results


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


def markdown(data: dict[str, Any]) -> str:
    machine = data.get("machine", {})
    lines = [f"Measured on {machine.get('cores', '?')} cores, Python {machine.get('python', '?')} ({machine.get('platform', '?')}).", ""]
    lines += ["| suite | figure | value |", "|---|---|---|"]
    for figures in data.get("results", []):
        suite = figures.get("suite")
        for key, value in figures.items():
            if key != "suite":
                lines.append(f"| {suite} | {key} | {_shown(value)} |")
    return "\n".join(lines)


def main() -> None:
    if sys.argv[1:] == ["--markdown"]:
        print(markdown(_load()))
        return
    logging.basicConfig(level=logging.ERROR)
    names = sys.argv[1:] or [s for s in SUITES if (Path(__file__).parent / f"{s}.py").exists()]
    fresh = asyncio.run(_run(names))
    previous = [r for r in _load().get("results", []) if r.get("suite") not in {f.get("suite") for f in fresh}]
    order = {name: i for i, name in enumerate(SUITES)}
    results = sorted(previous + fresh, key=lambda r: order.get(str(r.get("suite")), len(order)))
    machine = {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    RESULTS.write_text(json.dumps({"machine": machine, "results": results}, indent=2, default=str))
    print(f"\nmachine: {machine['cores']} cores, Python {machine['python']}; written to {RESULTS}")


if __name__ == "__main__":
    main()

"""Run every benchmark, print a table of figures, and write them to bench/results.json.

Each suite is a module with `async def run() -> dict[str, object]`: a flat mapping of figure
names to values (it must include "suite"). Pass suite names to run only those:
`python -m bench dispatch command_latency`.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import platform
import sys
from pathlib import Path

SUITES = ("command_latency", "dispatch", "slack_ack", "discord_roundtrip")
RESULTS = Path(__file__).with_name("results.json")


async def _run(names: list[str]) -> list[dict[str, object]]:
    results = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"… running {name}", file=sys.stderr, flush=True)
        figures = await module.run()
        results.append(figures)
        _print(figures)
    return results


def _print(figures: dict[str, object]) -> None:
    print(f"\n== {figures.get('suite')} ==")
    for key, value in figures.items():
        if key == "suite":
            continue
        shown = f"{value:,.2f}" if isinstance(value, float) else str(value)
        print(f"  {key:<44} {shown}")


def main() -> None:
    names = sys.argv[1:] or [s for s in SUITES if (Path(__file__).parent / f"{s}.py").exists()]
    results = asyncio.run(_run(names))
    machine = {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    RESULTS.write_text(json.dumps({"machine": machine, "results": results}, indent=2, default=str))
    print(f"\nmachine: {machine['cores']} cores, Python {machine['python']}; written to {RESULTS}")


if __name__ == "__main__":
    main()

"""A fake platform in a process of its own (`python -m bench.fake_slack_process`,
`…fake_discord_process`), for the suites that must not share an event loop with the bot they
measure: started with pipes to talk to it, its first line (where it listens) read."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


async def start_fake(module: str, *arguments: str) -> tuple[asyncio.subprocess.Process, str]:
    """The fake's process (given `arguments`) and the first line it printed (its URLs)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        *arguments,
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stdin is not None
    try:
        return process, (await process.stdout.readline()).decode().strip()
    except BaseException:
        process.kill()
        raise

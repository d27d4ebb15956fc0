"""A fake Discord REST API in a process of its own, for benchmarks that must not share a CPU
core's event loop with what they measure: `python -m bench.fake_discord_process [--messages
LIMIT/SECONDS] [--global PER_SECOND]`. With `--messages` message creates carry Discord's
rate-limit headers for a bucket per channel of LIMIT per SECONDS (and are refused with a 429
beyond it); with `--global` more than PER_SECOND requests in a second get Discord's global 429.
Prints the API URL and the gateway URL (one line, space-separated) and serves until stdin
closes. Each line read from stdin is answered with one JSON line of what happened since the
previous one: messages created, messages created twice in one channel with the same embed
title (repeats), message creates answered from an earlier nonce (sent again, created once),
creates that came without `nonce` + `enforce_nonce`, DM channels opened in all and for the
most-opened person, 429s answered (per bucket and global), the fake's own CPU time, and calls
per route. A line `global N` first sets the global limit to N requests a second."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from collections import Counter
from typing import Any

from adapters.platforms import run
from tests.fakes.discord_api import FakeDiscord

_ID = re.compile(r"\d{5,}")


def counts(
    fake: FakeDiscord, since: int, created_since: int, cpu: float, limited: Counter[str]
) -> dict[str, Any]:
    calls = fake.calls[since:]
    created = fake.created[created_since:]
    titles = Counter((m["channel_id"], (m.get("embeds") or [{}])[0].get("title")) for m in created)
    creates = [
        c
        for c in calls
        if c.method == "POST" and c.path.startswith("/channels/") and c.path.endswith("/messages")
    ]
    opened = Counter(
        int((c.json or {}).get("recipient_id", 0))
        for c in calls
        if c.method == "POST" and c.path == "/users/@me/channels"
    )
    return {
        "posted": len(created),
        "repeated": sum(n - 1 for n in titles.values()),
        "answered from nonce": len(creates) - len(created),
        "without nonce": sum(
            1
            for c in creates
            if not ((c.json or {}).get("nonce") and (c.json or {}).get("enforce_nonce"))
        ),
        "dm opened": sum(opened.values()),
        "dm opened for one person (most)": max(opened.values(), default=0),
        "429s (bucket)": fake.limited["user"] - limited["user"],
        "429s (global)": fake.limited["global"] - limited["global"],
        "fake CPU seconds": cpu,
        "calls": Counter(f"{c.method} {_ID.sub('{id}', c.path)}" for c in calls),
    }


def _limit(text: str) -> tuple[int, float]:
    requests, _, seconds = text.partition("/")
    return int(requests), float(seconds)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=_limit, default=None)
    parser.add_argument("--global", dest="global_limit", type=int, default=None)
    options = parser.parse_args()
    fake = FakeDiscord()
    if options.messages is not None:
        fake.rate_limits["messages"] = options.messages
    fake.global_limit = options.global_limit
    await fake.start()
    print(fake.api_url, fake.gateway_url, flush=True)
    loop = asyncio.get_running_loop()
    since = created_since = 0
    limited: Counter[str] = Counter()
    cpu = time.process_time()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        if line.startswith("global "):
            fake.global_limit = int(line.split()[1])
        found = counts(fake, since, created_since, time.process_time() - cpu, limited)
        print(json.dumps(found), flush=True)
        since, created_since = len(fake.calls), len(fake.created)
        limited, cpu = Counter(fake.limited), time.process_time()
    await fake.close()


if __name__ == "__main__":
    run(main())  # on the loop the bot runs on, like the fake Slack

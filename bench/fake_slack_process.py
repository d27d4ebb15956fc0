"""A fake Slack in a process of its own, for benchmarks that must not share a CPU core's
event loop with what they measure: `python -m bench.fake_slack_process`. Prints the API URL,
then one JSON line for every line read on stdin, and a last one when stdin closes (then it
stops): messages posted, channels they went to, messages posted twice with the same text to the
same channel, and calls per Web API method so far, and the fake's own CPU seconds since the
previous line (what serving the bot cost on a machine of two cores, reported beside the bot's)."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter

from adapters.platforms import run
from tests.fakes.slack_api import FakeSlack


def counts(fake: FakeSlack, cpu: float) -> str:
    posted = [
        (channel, m.get("text")) for channel, messages in fake.posted.items() for m in messages
    ]
    repeats = sum(n - 1 for n in Counter(posted).values())
    calls = Counter(call.method for call in fake.calls)
    return json.dumps(
        {
            "posted": len(posted),
            "channels": len(fake.posted),
            "repeated": repeats,
            "calls": calls,
            "fake CPU seconds": cpu,
        }
    )


async def main() -> None:
    fake = FakeSlack()
    await fake.start()
    print(fake.api_url, flush=True)
    loop = asyncio.get_running_loop()
    cpu = time.process_time()
    while await loop.run_in_executor(None, sys.stdin.readline):
        print(counts(fake, time.process_time() - cpu), flush=True)
        cpu = time.process_time()
    print(counts(fake, time.process_time() - cpu), flush=True)
    await fake.close()


if __name__ == "__main__":
    run(main())  # the bot's loop: the fake costs the machine less, as Slack would

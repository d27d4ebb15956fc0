"""A fake Slack in a process of its own, for benchmarks that must not share a CPU core's
event loop with what they measure: `python -m bench.fake_slack_process`. Prints the API URL,
serves until stdin closes, then prints one JSON line: messages posted, channels they went to,
messages posted twice with the same text to the same channel, and calls per Web API method."""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter

from tests.fakes.slack_api import FakeSlack


async def main() -> None:
    fake = FakeSlack()
    await fake.start()
    print(fake.api_url, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    posted = [(channel, m.get("text")) for channel, messages in fake.posted.items() for m in messages]
    repeats = sum(n - 1 for n in Counter(posted).values())
    calls = Counter(call.method for call in fake.calls)
    print(json.dumps({"posted": len(posted), "channels": len(fake.posted), "repeated": repeats, "calls": calls}), flush=True)
    await fake.close()


if __name__ == "__main__":
    asyncio.run(main())

"""The event loop `followup run` and the benchmarks run on: uvloop's where it is installed,
asyncio's own where it isn't."""

from __future__ import annotations

import asyncio
import sys

import pytest
import uvloop

from adapters.http1 import _Connection
from adapters.platforms import loop_name, run


async def _which() -> tuple[str, type[asyncio.AbstractEventLoop]]:
    return loop_name(), type(asyncio.get_running_loop())


def test_the_bot_runs_on_uvloop_where_it_is_installed() -> None:
    assert run(_which()) == ("uvloop", uvloop.Loop)


def test_without_uvloop_the_bot_runs_on_asyncios_own_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # `import uvloop` raises ImportError
    name, loop = run(_which())
    assert name == "asyncio" and issubclass(loop, asyncio.BaseEventLoop)
    assert not issubclass(loop, uvloop.Loop)


def test_what_the_coroutine_returns_or_raises_comes_back() -> None:
    async def fails() -> None:
        raise LookupError("kept")

    with pytest.raises(LookupError, match="kept"):
        run(fails())


def test_the_discord_wires_connections_work_on_the_bots_loop() -> None:
    """The Discord wire's own HTTP connections take whatever stream transport the loop makes:
    uvloop's is no subclass of asyncio.Transport, and an isinstance check on it stopped every
    Discord send under `followup run`."""

    async def exchange() -> int:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            _, connection = await asyncio.get_running_loop().create_connection(
                _Connection, "127.0.0.1", port
            )
            request = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"
            return (await connection.exchange(request)).status
        finally:
            server.close()

    assert run(exchange()) == 200

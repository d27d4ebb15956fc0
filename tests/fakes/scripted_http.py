"""A scripted HTTP/1.1 server on 127.0.0.1 (or TLS on localhost) for the tests of the HTTP under
queued sends (`adapters.http1`, Discord's `Wire`, Slack's lean Web API path): each request is
met as the test's script says, and every request is recorded with the connection it came on.
Also a self-signed certificate for the TLS tests."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


class Scripted:
    """An HTTP server on 127.0.0.1 whose n-th request (from 0, over all connections) is met as
    `script(n)` says: bytes to answer with; "close" (the connection closed, no answer); "hold"
    (no answer, ever); (bytes, "then close") for an answer, then the connection closed; or
    (bytes, seconds) for an answer that long after the request."""

    def __init__(
        self,
        script: Callable[[int], Any],
        tls: ssl.SSLContext | None = None,
        path: str = "/api/v10",
    ) -> None:
        """`path`: where the API is served (`base`'s path)."""
        self.script = script
        self.tls = tls
        self.path = path
        self.requests: list[tuple[int, bytes]] = []  # (connection number, request body)
        self.heads: list[bytes] = []  # each request's head: its request line and headers
        self.ended = 0  # connections ended, by either side
        self.connections = 0
        self._server: asyncio.Server | None = None
        self.port = 0

    async def __aenter__(self) -> Scripted:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    @property
    def base(self) -> str:
        where = f"https://localhost:{self.port}" if self.tls else f"http://127.0.0.1:{self.port}"
        return f"{where}{self.path}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = self.connections
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                body = await reader.readexactly(length)
                n = len(self.requests)
                self.heads.append(head)
                self.requests.append((connection, body))
                step = self.script(n)
                if step == "close":
                    break
                if step == "hold":
                    await asyncio.sleep(3600)
                answer, then = step if isinstance(step, tuple) else (step, None)
                if isinstance(then, float):
                    await asyncio.sleep(then)
                writer.write(answer)
                await writer.drain()
                if then == "then close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.ended += 1
            writer.close()


def answer(status: int = 200, body: bytes = b"{}", **headers: str) -> bytes:
    fields = {"Content-Type": "application/json", "Content-Length": str(len(body)), **headers}
    head = "".join(f"{name.replace('_', '-')}: {value}\r\n" for name, value in fields.items())
    return f"HTTP/1.1 {status} X\r\n{head}\r\n".encode() + body


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and its key, made in `folder` (the test is
    skipped where openssl isn't installed)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no certificate for the TLS test")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def tls_pair(cert: Path, key: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(the server's TLS context serving `cert`, a client's that trusts it)."""
    serving = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    serving.load_cert_chain(cert, key)
    return serving, ssl.create_default_context(cafile=str(cert))

"""A PostgreSQL server of the test's own: `initdb` into a temporary directory, served on a free
port of 127.0.0.1 (and a socket in that directory), started, stopped and restarted by the test.

Tests that stop or restart the server use this, never the machine's shared one, which other
suites (and other people) are using at the same time. The server binaries are looked up under
`/usr/lib/postgresql/*/bin` (Debian's layout, newest version first) and then on `PATH`; where
they are missing the test is skipped with the reason. PostgreSQL refuses to run as root, so as
root its commands run as the `postgres` OS user (`runuser`), owning the temporary directory.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

OS_USER = "postgres"


def server_binaries() -> Path | None:
    """The directory holding `initdb`, `pg_ctl` and `postgres`, if this machine has them."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    for directory in candidates:
        if all((Path(directory) / name).exists() for name in ("initdb", "pg_ctl", "postgres")):
            return Path(directory)
    return None


def _version(path: str) -> tuple[int, ...]:
    digits = Path(path).parent.name.split(".")
    return tuple(int(d) for d in digits if d.isdigit())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class OwnPostgres:
    bin: Path
    root: Path
    port: int
    run_as: list[str]

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        done = subprocess.run(
            [*self.run_as, *args], capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            log = (
                (self.root / "server.log").read_text()
                if (self.root / "server.log").exists()
                else ""
            )
            raise AssertionError(
                f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}\n{log[-2000:]}"
            )

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--no-sync", "--no-instructions")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c "
            "full_page_writes=off"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop"
        )

    def restart(self) -> None:
        self.stop()
        self.start()

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


@contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    """A fresh server, running; stopped and deleted afterwards. Skips where it can't be had."""
    binaries = server_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: test skipped")
    run_as: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam(OS_USER)
        except KeyError:
            pytest.skip(
                f"running as root and there is no {OS_USER!r} OS user to run PostgreSQL as: test "
                "skipped"
            )
        runuser = shutil.which("runuser")
        if runuser is None:
            pytest.skip(
                "running as root without runuser to run PostgreSQL as another user: test skipped"
            )
        run_as = [runuser, "-u", OS_USER, "--"]
    root = Path(tempfile.mkdtemp(prefix="followup-pg-"))
    try:
        if owner is not None:
            os.chown(root, owner.pw_uid, owner.pw_gid)
        server = OwnPostgres(binaries, root, free_port(), run_as)
        server.init()
        server.start()
        try:
            yield server
        finally:
            if server.running():
                server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)

"""The embedded PostgreSQL stops with the last ``nte`` process using it, however that ends.

Each test runs the real ``nte`` on a data folder of its own (and a free port), so that what
is asserted is what a user sees: which PostgreSQL processes are left running afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from nte.embedded import USERS_FILE
from tests.conftest import NTE, run_nte

STOPPED = "nte: the embedded database stopped; its files are kept in {}"


def postgres_serving(data_dir: Path) -> list[psutil.Process]:
    """The PostgreSQL server processes running on this data folder."""
    pgdata = str((data_dir / "postgres").resolve())
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] == "postgres" and pgdata in (proc.info["cmdline"] or []):
            found.append(proc)
    return found


def wait_until_gone(data_dir: Path, seconds: float = 5) -> list[psutil.Process]:
    """The folder's PostgreSQL processes still running after ``seconds`` (none, we hope)."""
    deadline = time.monotonic() + seconds
    while (left := postgres_serving(data_dir)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


class Server:
    """``nte serve`` in a subprocess on a free port, as a user or a service manager starts it."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        with log.open("w") as out:
            self.proc = subprocess.Popen(
                [str(NTE), "serve", "--port", str(port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"nte serve exited with {self.proc.returncode}:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        pytest.fail(f"nte serve was not ready after 120 s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text()

    def stop(self, how: signal.Signals) -> str:
        """Send ``how``, wait for the process to end, and return everything it printed."""
        self.proc.send_signal(how)
        self.proc.wait(timeout=60)
        return self.output()


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Not under tmp_path: as root, PostgreSQL runs as another user, and every pytest that
    # starts on this machine makes pytest's own temporary root private again (mode 700).
    top = Path(tempfile.mkdtemp(prefix="nte-test-embedded-"))
    folder = top / "data"
    yield folder
    # Whatever a failing test left behind must not run on after it.
    for proc in postgres_serving(folder):
        proc.kill()
    shutil.rmtree(top, ignore_errors=True)


@pytest.fixture
def env(data_dir: Path) -> dict[str, str]:
    """An environment with no DATABASE_URL: the embedded server, under the test's own folder."""
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("NTE_") and k != "DATABASE_URL"
    }
    return {**clean, "NTE_DATA_DIR": str(data_dir), "NTE_SCHEDULER": "off"}


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    """Every server a test starts; any still running at the end is killed."""
    started: list[Server] = []
    yield started
    for server in started:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()


def test_sigterm_then_ctrl_c_each_stop_the_database(
    env: dict[str, str], data_dir: Path, tmp_path: Path, servers: list[Server]
) -> None:
    """A fresh folder, a server stopped by SIGTERM (a service manager, a container, ``kill``),
    then a server on the same folder stopped by Ctrl+C: neither leaves PostgreSQL running."""
    pgdata = (data_dir / "postgres").resolve()
    for how in (signal.SIGTERM, signal.SIGINT):
        server = Server(env, tmp_path / f"serve-{how.name}.log")
        servers.append(server)
        assert postgres_serving(data_dir), "nte serve should run PostgreSQL in its data folder"

        output = server.stop(how)

        # Ended by its own hand, not killed by the signal (a negative code would say so).
        assert server.proc.returncode >= 0, output
        assert not wait_until_gone(data_dir), f"PostgreSQL still runs after {how.name}:\n{output}"
        assert STOPPED.format(pgdata) in output
        assert (pgdata / "PG_VERSION").is_file(), "the database's files are kept"


def test_a_handle_left_by_a_killed_process_keeps_nothing_alive(
    env: dict[str, str], data_dir: Path, tmp_path: Path, servers: list[Server]
) -> None:
    """A server killed outright (SIGKILL: a crash, the OOM killer) leaves its handle and its
    PostgreSQL behind; the next server starts on that folder, and its exit stops PostgreSQL."""
    killed = Server(env, tmp_path / "killed.log")
    servers.append(killed)
    killed.proc.kill()
    killed.proc.wait()
    # Nothing can run in a SIGKILLed process, so its PostgreSQL is left: what comes next
    # must not take the dead process's handle for a user.
    assert postgres_serving(data_dir)

    server = Server(env, tmp_path / "next.log")
    servers.append(server)
    output = server.stop(signal.SIGTERM)

    assert not wait_until_gone(data_dir), f"PostgreSQL still runs:\n{output}"
    assert STOPPED.format((data_dir / "postgres").resolve()) in output


def test_a_command_beside_a_server_leaves_the_servers_database_running(
    env: dict[str, str], data_dir: Path, tmp_path: Path, servers: list[Server]
) -> None:
    """``nte migrate`` (any command) on the folder a server uses shares its PostgreSQL; the
    command's exit does not stop it under the server, and the server's own exit does."""
    server = Server(env, tmp_path / "serve.log")
    servers.append(server)
    postmaster = postgres_serving(data_dir)

    for _ in range(2):  # a second command too: the first one's exit must have left no trace
        command = run_nte(env, "migrate")
        assert command.returncode == 0, command.stderr
        # The same database as the server's: the server had applied every migration.
        assert command.stdout.strip() == "applied 0 migration(s)"
        assert "embedded database stopped" not in command.stderr

        assert postgres_serving(data_dir) == postmaster, "the same PostgreSQL, still running"
        ready = httpx.get(f"{server.url}/readyz", timeout=5)
        assert ready.status_code == 200, "the server still reaches its database"

    output = server.stop(signal.SIGTERM)
    assert not wait_until_gone(data_dir), f"PostgreSQL still runs:\n{output}"


def test_a_handle_whose_pid_now_names_another_process_keeps_nothing_alive(
    env: dict[str, str], data_dir: Path, tmp_path: Path, servers: list[Server]
) -> None:
    """Pids are reused: a handle naming a pid that a later, unrelated process holds (here this
    test's own process, with another start time) is as dead as the process that left it."""
    data_dir.mkdir()
    (data_dir / USERS_FILE).write_text(json.dumps([[os.getpid(), 1.0]]))

    server = Server(env, tmp_path / "serve.log")
    servers.append(server)
    output = server.stop(signal.SIGTERM)

    assert not wait_until_gone(data_dir), f"PostgreSQL still runs:\n{output}"

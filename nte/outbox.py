"""The one mail outbox: queued in the caller's transaction, drained by senders that retry.

Whatever causes a mail (an invitation, a reset, an inspection's report, a weekly digest)
calls ``enqueue`` on its own connection, inside its own transaction: the mail exists if and
only if what caused it was committed. Each row is unique by what the mail is (its key), so
a rerun queues nothing new.

``drain`` sends what is due. Each of a few workers holds one SMTP connection for as long as
it has mail to send, and claims one row at a time with ``FOR UPDATE SKIP LOCKED`` inside a
transaction that commits only after the server said 250: a crash in between leaves the row
waiting, and the next drain sends it again with the same Message-ID (SMTP cannot be
exactly-once; this makes the one message in flight at a crash the only one that can arrive
twice). A temporary failure (4xx, a refused or dropped connection) puts the row back with a
growing delay; a permanent one for that recipient (5xx) marks it failed with the server's
answer, and the others go on.

With no ``NTE_SMTP_HOST`` the same drain writes each message to the development folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from datetime import datetime
from typing import Any

import aiosmtplib
import asyncpg
import msgspec
from litestar.types import ASGIApp, Receive, Scope, Send

from nte.mail import Mail, build_message, write_dev_mail
from nte.settings import Settings

__all__ = [
    "CHANNEL",
    "DrainReport",
    "Drainer",
    "OutboxRow",
    "Queued",
    "drain",
    "enqueue",
    "enqueue_many",
    "list_outbox",
    "outbox_counts",
    "outbox_middleware",
    "retry_failed",
]

log = logging.getLogger("nte.outbox")

CHANNEL = "nte_outbox"

# The ids a request queued, so that the process that wrote them sends them as soon as the
# response has gone (the drain loop is the safety net, not the usual path).
_queued: ContextVar[list[int] | None] = ContextVar("nte_outbox_queued", default=None)


class Queued(msgspec.Struct, frozen=True):
    """One mail to queue: what it is (``key``), what kind, and its content."""

    key: str
    kind: str
    mail: Mail


class OutboxRow(msgspec.Struct):
    id: int
    key: str
    kind: str
    recipient: str
    subject: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class DrainReport(msgspec.Struct):
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    """Temporary failures this drain: those rows wait for their next attempt."""
    unwell: bool = False
    """The server refused or dropped a connection: workers stopped early for now."""

    def line(self) -> str:
        return f"mail: {self.sent} sent, {self.failed} failed, {self.retrying} to retry later"


_INSERT = """
    INSERT INTO outbox (key, kind, recipient, subject, message)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[])
    ON CONFLICT (key) DO NOTHING
    RETURNING id"""


def _remember(ids: Sequence[int]) -> None:
    if (queued := _queued.get()) is not None:
        queued.extend(ids)


async def enqueue(
    conn: asyncpg.Connection,
    settings: Settings,
    key: str,
    kind: str,
    mail: Mail,
    *,
    date: datetime | None = None,
) -> int | None:
    """Queue one mail in the caller's transaction; None when a mail with this key exists."""
    ids = await enqueue_many(conn, settings, [Queued(key, kind, mail)], date=date)
    return ids[0] if ids else None


async def enqueue_many(
    conn: asyncpg.Connection,
    settings: Settings,
    mails: Sequence[Queued],
    *,
    date: datetime | None = None,
) -> list[int]:
    """Queue many mails in one statement; answers the ids of those that were new."""
    if not mails:
        return []
    messages = [build_message(settings, q.key, q.mail, date=date) for q in mails]
    rows = await conn.fetch(
        _INSERT,
        [q.key for q in mails],
        [q.kind for q in mails],
        [q.mail.to for q in mails],
        [q.mail.subject for q in mails],
        messages,
    )
    ids = [r["id"] for r in rows]
    _remember(ids)
    return ids


# The next due row after the last this worker took, in id order: each claim starts where the
# previous ended instead of rescanning the rows already sent. Two statements rather than one
# with "$1 IS NULL OR ...", which a cached generic plan would turn into a scan and a sort.
_CLAIM_NEXT = """
    SELECT id, key, recipient, message, attempts FROM outbox
    WHERE status = 'waiting' AND id > $1 AND next_attempt_at <= now()
    ORDER BY id
    LIMIT 1
    FOR UPDATE SKIP LOCKED"""
_CLAIM_OF = """
    SELECT id, key, recipient, message, attempts FROM outbox
    WHERE status = 'waiting' AND id = ANY ($1::bigint[]) AND id > $2 AND next_attempt_at <= now()
    ORDER BY id
    LIMIT 1
    FOR UPDATE SKIP LOCKED"""
# One simple-protocol round trip: mark it sent, commit, and open the next claim's transaction.
_SENT_COMMIT_BEGIN = (
    "UPDATE outbox SET status = 'sent', sent_at = now(), attempts = attempts + 1,"
    " last_error = NULL WHERE id = {id}; COMMIT; BEGIN"
)
_FAILED = """UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = $2
             WHERE id = $1"""
_RETRY = """UPDATE outbox SET attempts = attempts + 1, last_error = $2,
                next_attempt_at = now() + make_interval(secs => $3)
             WHERE id = $1"""


class _Refusal(Exception):
    """What the server (or the network) answered, sorted into what to do about it."""

    def __init__(self, reason: str, *, permanent: bool, connection: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        """A 5xx for this recipient or this message: trying again cannot help."""
        self.connection = connection
        """The server itself is unwell (down, refusing, gone): stop this worker for now."""


def _judge(exc: BaseException) -> _Refusal:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        refused = exc.recipients[0]
        code, text = refused.code, refused.message
        stage = "recipient"
    elif isinstance(exc, aiosmtplib.SMTPResponseException):
        code, text = exc.code, exc.message
        stage = "sender" if isinstance(exc, aiosmtplib.SMTPSenderRefused) else "server"
    else:
        return _Refusal(
            f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__,
            permanent=False,
            connection=True,
        )
    reason = f"{code} {text}".strip()
    # A 5xx about this recipient or this message is final. One about our sender or the
    # session is the server's configuration, not this mail's fault: retry, then give up.
    permanent = 500 <= code < 600 and stage in ("recipient", "server")
    return _Refusal(reason, permanent=permanent, connection=code == 421)


class _Link:
    """One reused SMTP connection (or the development folder when no server is set)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client: aiosmtplib.SMTP | None = None

    async def send(self, key: str, recipient: str, message: bytes) -> None:
        settings = self.settings
        if not settings.smtp_host:
            safe = "".join(c if c.isalnum() or c in "-." else "_" for c in key)
            stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
            await write_dev_mail(settings, f"{stamp}-{safe}.eml", message)
            return
        try:
            if self.client is None or not self.client.is_connected:
                self.client = aiosmtplib.SMTP(
                    hostname=settings.smtp_host,
                    port=settings.smtp_port,
                    timeout=settings.smtp_timeout_seconds,
                    start_tls=False,
                )
                await self.client.connect()
            await self.client.sendmail(settings.mail_from, [recipient], message)
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            refusal = _judge(exc)
            if refusal.connection or not self.client or not self.client.is_connected:
                await self.close()
                refusal.connection = True
            raise refusal from exc

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is not None and client.is_connected:
            with contextlib.suppress(Exception):
                await client.quit(timeout=2)
        if client is not None:
            client.close()


def _backoff(settings: Settings, attempts: int) -> float:
    """Seconds before the next try after ``attempts`` tries: doubling, up to the ceiling."""
    delay = settings.mail_retry_base_seconds * 2 ** max(attempts - 1, 0)
    return float(min(delay, settings.mail_retry_max_seconds))


async def _send_one(
    conn: asyncpg.Connection,
    link: _Link,
    ids: list[int] | None,
    report: Counter[str],
    after: list[int],
) -> bool:
    """Claim, send and mark one row; False when nothing is due or the server is unwell.

    Called inside an open transaction, and leaves one open: marking a row sent, committing
    and beginning the next claim's transaction travel as one round trip, so a message costs
    two round trips to PostgreSQL, not four. The row stays locked until the commit after
    the server's 250.
    """
    settings = link.settings
    if ids is None:
        row = await conn.fetchrow(_CLAIM_NEXT, after[0])
    else:
        row = await conn.fetchrow(_CLAIM_OF, ids, after[0])
    if row is None:
        return False
    after[0] = row["id"]
    try:
        await link.send(row["key"], row["recipient"], row["message"])
    except _Refusal as refusal:
        attempts = row["attempts"] + 1
        if refusal.permanent or attempts >= settings.mail_max_attempts:
            await conn.execute(_FAILED, row["id"], refusal.reason)
            report["failed"] += 1
            log.warning("mail %s failed: %s", row["key"], refusal.reason)
        else:
            await conn.execute(_RETRY, row["id"], refusal.reason, _backoff(settings, attempts))
            report["retrying"] += 1
        await conn.execute("COMMIT; BEGIN")
        if refusal.connection:
            report["unwell"] += 1
            return False
        return True
    await conn.execute(_SENT_COMMIT_BEGIN.format(id=int(row["id"])))
    report["sent"] += 1
    return True


async def drain(
    pool: asyncpg.Pool,
    settings: Settings,
    *,
    ids: Sequence[int] | None = None,
    connections: int | None = None,
) -> DrainReport:
    """Send every waiting mail that is due now (only ``ids`` when given) and report."""
    workers = max(1, connections or settings.mail_connections)
    if ids is not None:
        workers = min(workers, len(ids))
        if workers == 0:
            return DrainReport()
    wanted = list(ids) if ids is not None else None
    report: Counter[str] = Counter()

    async def worker() -> None:
        link = _Link(settings)
        try:
            async with pool.acquire() as conn:
                # A "sent" mark need not wait for the disk: the nte process dying loses
                # nothing (the database server has the commit), and the database server
                # itself crashing can forget the last fraction of a second of marks, whose
                # messages then go again with the same Message-ID, as after any crash
                # between 250 and commit. Waiting for a flush per message would make the
                # drain as slow as the disk.
                await conn.execute("SET synchronous_commit = off; BEGIN")
                try:
                    after = [0]  # the last id this worker claimed
                    while await _send_one(conn, link, wanted, report, after):
                        pass
                finally:
                    if not conn.is_closed():
                        if conn.is_in_transaction():
                            await conn.execute("ROLLBACK")
                        await conn.execute("RESET synchronous_commit")
        finally:
            await link.close()

    await asyncio.gather(*(worker() for _ in range(workers)))
    return DrainReport(
        sent=report["sent"],
        failed=report["failed"],
        retrying=report["retrying"],
        unwell=report["unwell"] > 0,
    )


async def next_due_in(pool: asyncpg.Pool) -> float | None:
    """Seconds until the earliest waiting mail is due (0 when some is due now)."""
    seconds = await pool.fetchval(
        """SELECT greatest(0, extract(epoch FROM min(next_attempt_at) - now()))::float8
           FROM outbox WHERE status = 'waiting'"""
    )
    return None if seconds is None else float(seconds)


class Drainer:
    """The server's own sender: drains on every NOTIFY of new mail, when a retry falls due,
    and every ``NTE_MAIL_DRAIN_SECONDS`` whatever happens. Any number of servers may run one:
    SKIP LOCKED hands each row to one of them."""

    def __init__(self, pool: asyncpg.Pool, settings: Callable[[], Settings]) -> None:
        self.pool = pool
        self.settings = settings
        self._wake = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None

    def _heard(self, *_: Any) -> None:
        self._wake.set()

    async def start(self, dsn: str) -> None:
        try:
            self._listener = await asyncpg.connect(dsn)
            await self._listener.add_listener(CHANNEL, self._heard)
        except (OSError, asyncpg.PostgresError):
            log.warning("cannot listen for new mail; draining on the interval only")
            self._listener = None
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            settings = self.settings()
            wait = float(settings.mail_drain_seconds)
            try:
                report = await drain(self.pool, settings)
                if report.sent or report.failed:
                    log.info(report.line())
                if (due := await next_due_in(self.pool)) is not None:
                    # A server that just refused a connection is not asked again at once
                    # for the rest of the queue: the next pass waits for the first backoff.
                    floor = settings.mail_retry_base_seconds if report.unwell else 0.05
                    wait = min(wait, max(due, floor))
            except Exception:
                log.exception("draining the mail outbox failed; trying again later")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)
            self._wake.clear()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close()
            self._listener = None


def outbox_middleware(app: ASGIApp) -> ASGIApp:
    """After a request that queued mail has answered, send that mail from this process."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        queued: list[int] = []
        token = _queued.set(queued)
        try:
            await app(scope, receive, send)
        finally:
            _queued.reset(token)
        if queued:
            state = scope["litestar_app"].state
            try:
                await drain(state.pool, state.settings, ids=queued)
            except Exception:  # the drain loop retries; the request's answer has gone already
                log.exception("sending mail queued by %s failed", scope.get("path"))

    return middleware


# -- the admin's view ----------------------------------------------------------------------------

_LIST = """
    SELECT id, key, kind, recipient, subject, status, attempts, next_attempt_at, last_error,
           created_at, sent_at
    FROM outbox WHERE ($1::text IS NULL OR status = $1)
    ORDER BY (status = 'sent'), created_at DESC, id DESC
    LIMIT $2"""


async def list_outbox(
    conn: asyncpg.Connection, status: str | None = None, limit: int = 200
) -> list[OutboxRow]:
    """Failed and waiting mail first, then sent, newest first within each."""
    rows = await conn.fetch(_LIST, status, limit)
    return [msgspec.convert(dict(r), OutboxRow) for r in rows]


async def outbox_counts(conn: asyncpg.Connection) -> dict[str, int]:
    rows = await conn.fetch("SELECT status, count(*) AS n FROM outbox GROUP BY status")
    counts = {"waiting": 0, "sent": 0, "failed": 0}
    counts.update({r["status"]: r["n"] for r in rows})
    return counts


async def retry_failed(conn: asyncpg.Connection, outbox_id: int) -> bool:
    """Put a failed mail back in the queue, due now; False when it is not a failed row."""
    done = await conn.fetchval(
        """UPDATE outbox SET status = 'waiting', next_attempt_at = now(), attempts = 0
           WHERE id = $1 AND status = 'failed' RETURNING id""",
        outbox_id,
    )
    if done is not None:
        _remember([outbox_id])
    return done is not None

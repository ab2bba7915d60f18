"""The mail outbox against a real SMTP server: refusals, retries and failures as a server gives them."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from aiosmtpd.controller import Controller

from nte.db import create_pool
from nte.mail import Mail
from nte.outbox import Drainer, drain, enqueue
from nte.settings import Settings


class MoodySmtp:
    """An SMTP server that answers 421 until told otherwise, and 550 for some addresses."""

    def __init__(self) -> None:
        self.refusing = False
        self.unknown: set[str] = set()
        self.received: list[email.message.EmailMessage] = []
        self.refusals = 0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refusing:
            self.refusals += 1
            return "421 4.3.2 Service not available, try again later"
        if address in self.unknown:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@pytest.fixture
def moody() -> Iterator[tuple[MoodySmtp, int]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = MoodySmtp()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


async def _until(condition: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    for _ in iter(condition, True):  # polls the condition until it holds
        if time.monotonic() > deadline:
            return
        await asyncio.sleep(0.05)


def _smtp_settings(settings: Settings, port: int, **more: Any) -> Settings:
    return msgspec.structs.replace(
        settings, smtp_host="127.0.0.1", smtp_port=port, mail_connections=2, **more
    )


async def _queue(db: asyncpg.Connection, settings: Settings, recipients: list[str]) -> None:
    async with db.transaction():
        for to in recipients:
            await enqueue(
                db, settings, f"test:{to}", "test", Mail(to=to, subject="Hi", text="Hello")
            )


async def test_a_server_that_refuses_for_a_while_gets_everything_later(
    dsn: str, db: asyncpg.Connection, settings: Settings, moody: tuple[MoodySmtp, int]
) -> None:
    server, port = moody
    settings = _smtp_settings(settings, port, mail_retry_base_seconds=0.2)
    recipients = [f"person{i}@example.org" for i in range(6)]
    server.refusing = True
    await _queue(db, settings, recipients)
    pool = await create_pool(dsn, max_size=4)
    drainer = Drainer(pool, lambda: settings)
    try:
        await drainer.start(dsn)
        await _until(lambda: server.refusals >= 3)
        assert server.refusals >= 3 and server.received == []
        waiting = await db.fetch("SELECT status, attempts, last_error FROM outbox")
        assert {r["status"] for r in waiting} == {"waiting"}
        assert any("421 4.3.2 Service not available" in (r["last_error"] or "") for r in waiting)

        server.refusing = False
        await _until(lambda: len(server.received) >= len(recipients))
    finally:
        await drainer.stop()
        await pool.close()
    assert sorted(str(m["To"]) for m in server.received) == recipients  # each exactly once
    rows = await db.fetch("SELECT status, attempts, last_error FROM outbox")
    assert {r["status"] for r in rows} == {"sent"}
    assert max(r["attempts"] for r in rows) > 1, "some were sent on a later attempt"


async def test_a_recipient_refused_with_550_fails_with_the_answer_and_the_rest_go(
    dsn: str,
    db: asyncpg.Connection,
    settings: Settings,
    moody: tuple[MoodySmtp, int],
    people: Any,
) -> None:
    server, port = moody
    settings = _smtp_settings(settings, port)
    server.unknown = {"gone@example.org"}
    recipients = ["a@example.org", "gone@example.org", "b@example.org", "c@example.org"]
    await _queue(db, settings, recipients)
    pool = await create_pool(dsn, max_size=3)
    try:
        report = await drain(pool, settings)
    finally:
        await pool.close()
    assert (report.sent, report.failed, report.retrying) == (3, 1, 0)
    assert sorted(str(m["To"]) for m in server.received) == [
        "a@example.org",
        "b@example.org",
        "c@example.org",
    ]
    failed = await db.fetchrow(
        "SELECT id, status, last_error FROM outbox WHERE recipient = 'gone@example.org'"
    )
    assert failed["status"] == "failed"
    assert failed["last_error"] == "550 5.1.1 No such user here"

    # The admin sees it with the server's answer, and can put it back in the queue.
    admin: httpx.AsyncClient
    async with await people.signed_in("admin") as admin:
        page = await admin.get("/admin/outbox?status=failed")
        assert page.status_code == 200
        assert "gone@example.org" in page.text and "550 5.1.1 No such user here" in page.text
        assert "a@example.org" not in page.text
        retried = await admin.post(f"/admin/outbox/{failed['id']}/retry")
        assert retried.status_code in (302, 303)
    # Sent again at once by the request that retried it (no server here: the folder), and the
    # server's old answer is kept until the next attempt has one of its own.
    assert await db.fetchval("SELECT status FROM outbox WHERE id = $1", failed["id"]) == "sent"


async def test_a_message_id_is_fixed_by_what_the_mail_is(
    db: asyncpg.Connection, settings: Settings
) -> None:
    mail = Mail(to="a@example.org", subject="Hi", text="Hello")
    await enqueue(db, settings, "digest:1:2026-W48", "digest", mail)
    again = await enqueue(db, settings, "digest:1:2026-W48", "digest", mail)
    await enqueue(db, settings, "digest:1:2026-W49", "digest", mail)
    assert again is None, "the same mail is never queued twice"
    ids = [
        email.message_from_bytes(r["message"])["Message-ID"]
        for r in await db.fetch("SELECT message FROM outbox ORDER BY id")
    ]
    assert len(ids) == 2 and ids[0] != ids[1]
    from nte.mail import build_message

    assert (
        email.message_from_bytes(build_message(settings, "digest:1:2026-W48", mail))["Message-ID"]
        == ids[0]
    )


async def test_an_invitation_made_while_the_mail_server_is_down_is_kept_and_sent_later(
    dsn: str, db: asyncpg.Connection, people: Any, running_app: Any
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    running_app.state.settings = _smtp_settings(running_app.state.settings, port)
    async with await people.signed_in("admin") as admin:
        made = await admin.post(
            "/admin/users", data={"email": "later@example.org", "role": "partner"}
        )
        assert made.status_code in (302, 303), "the account is made though no mail could go"
    row = await db.fetchrow("SELECT status, attempts, last_error FROM outbox")
    assert row["status"] == "waiting" and row["attempts"] == 1
    assert "SMTPConnect" in row["last_error"] or "refused" in row["last_error"].lower()
    assert await db.fetchval("SELECT 1 FROM users WHERE email = 'later@example.org'")

    handler = MoodySmtp()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        await db.execute("UPDATE outbox SET next_attempt_at = now()")  # its retry falls due
        pool = await create_pool(dsn, max_size=2)
        try:
            report = await drain(pool, running_app.state.settings)
        finally:
            await pool.close()
    finally:
        controller.stop()
    assert report.sent == 1
    assert [str(m["To"]) for m in handler.received] == ["later@example.org"]
    assert "/invite/" in handler.received[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]

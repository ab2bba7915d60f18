"""The weekly digest: what each person gets, over real SMTP, once, and how to stop it."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiosmtpd.controller import Controller

from inspections.digest import service
from inspections.digest.service import compose, last_full_week, send_week, week_window
from nte.clock import LONDON, now, today
from nte.db import create_pool
from nte.outbox import drain
from nte.scheduler import WeeklyJob, last_weekly_fire_before
from nte.settings import Settings
from tests.conftest import NTE, People, SmtpSink, in_database, query, run_nte
from tests.helpers import add_person, add_return, add_venue, text_of

WEEK = last_full_week(now())
SECRET = "Victim named Alice Example described"


def _parts(message: email.message.EmailMessage) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_content()  # type: ignore[attr-defined]
        for part in message.walk()
        if not part.is_multipart()
    }


async def _messages(db: asyncpg.Connection) -> dict[str, email.message.EmailMessage]:
    rows = await db.fetch("SELECT recipient, message FROM outbox WHERE kind = 'digest'")
    return {
        r["recipient"]: email.message_from_bytes(r["message"], policy=email.policy.default)  # type: ignore[misc]
        for r in rows
    }


async def _borough(db: asyncpg.Connection, people: People) -> dict[str, Any]:
    """Two venues, a manager of the first, an officer, a partner, and things to say."""
    swan = await add_venue(db, "The Swan")
    crown = await add_venue(db, "The Crown")
    await people.user("venue_manager", [swan], email="manager@swan.test")
    await people.user("officer", email="officer@council.test")
    partner = await people.user("partner", email="partner@police.test")
    soon = today() + timedelta(days=10)
    for venue_id, name in ((swan, "Sam Swan"), (crown, "Cal Crown")):
        await add_person(db, venue_id, name, role="door_supervisor", sia_expires_on=soon)
    # A sensitive incident at the manager's own venue, reported by the partner this week.
    monday = week_window(WEEK).start
    await db.execute(
        "INSERT INTO incidents (venue_id, occurred_at, category, severity, source, description, "
        "sensitive, reported_by, created_at) VALUES ($1, $2, 'sexual_offence', 'serious', "
        "'police', $3, true, $4, $2)",
        swan,
        monday + timedelta(days=2),
        SECRET,
        partner,
    )
    await db.execute(
        "INSERT INTO flags (venue_id, rule, cause_key, severity, explanation, opened_at) "
        "VALUES ($1, 'serious_violence', 'incident:1', 'serious', $2, $3)",
        swan,
        "A serious incident: " + SECRET,
        monday + timedelta(days=2),
    )
    return {"swan": swan, "crown": crown}


# -- a real SMTP conversation --------------------------------------------------------------------


async def test_each_person_gets_one_multipart_digest_with_one_click_unsubscribe(
    db: asyncpg.Connection, people: People, cli_env: dict[str, str], smtp: tuple[SmtpSink, int]
) -> None:
    sink, port = smtp
    await _borough(db, people)
    env = {
        **cli_env,
        "NTE_SMTP_HOST": "127.0.0.1",
        "NTE_SMTP_PORT": str(port),
        "NTE_BASE_URL": "https://nte.example",
    }
    first = await asyncio.to_thread(run_nte, env, "digest", "send", "--week", WEEK)
    assert first.returncode == 0, first.stderr
    assert "3 queued" in first.stdout and "3 sent" in first.stdout

    by_recipient = Counter(str(m["To"]) for m in sink.messages)
    assert by_recipient == {
        "manager@swan.test": 1,
        "officer@council.test": 1,
        "partner@police.test": 1,
    }
    for message in sink.messages:
        assert message.get_content_type() == "multipart/alternative"
        parts = _parts(message)  # type: ignore[arg-type]
        assert set(parts) == {"text/plain", "text/html"}
        assert "https://nte.example/this-week" in parts["text/plain"]
        unsubscribe = str(message["List-Unsubscribe"])
        assert unsubscribe.startswith("<https://nte.example/digest/unsubscribe/")
        assert unsubscribe.count("<") == 1, "one HTTPS URL"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["Message-ID"]

    again = await asyncio.to_thread(run_nte, env, "digest", "send", "--week", WEEK)
    assert again.returncode == 0, again.stderr
    assert "0 queued, 3 already queued before" in again.stdout
    assert len(sink.messages) == 3, "a rerun for the same week delivers nothing"


async def test_a_bad_week_is_refused_with_a_reason(cli_env: dict[str, str]) -> None:
    done = await asyncio.to_thread(run_nte, cli_env, "digest", "send", "--week", "2026-W60")
    assert done.returncode == 2
    assert "--week must be an ISO week such as 2026-W48" in done.stderr


# -- killed in the middle of the drain -----------------------------------------------------------


class SlowSink(SmtpSink):
    """Takes a moment over each message, so a kill lands in the middle of the drain."""

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        await asyncio.sleep(0.004)
        return answer


@pytest.fixture
def slow_smtp() -> Iterator[tuple[SlowSink, int]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = SlowSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def test_a_send_killed_mid_drain_and_run_again_delivers_each_digest_once(
    dsn: str, cli_env: dict[str, str], slow_smtp: tuple[SlowSink, int]
) -> None:
    sink, port = slow_smtp
    total = 300

    async def arrange(db: asyncpg.Connection) -> None:
        venue = await add_venue(db, "The Swan")
        await db.execute(
            "INSERT INTO users (email, display_name, role) "
            "SELECT 'person' || n || '@example.org', 'Person ' || n, "
            "(ARRAY['officer', 'partner', 'venue_manager'])[1 + n % 3] "
            "FROM generate_series(1, $1) n",
            total,
        )
        await db.execute(
            "INSERT INTO user_venues (user_id, venue_id) SELECT id, $1 FROM users "
            "WHERE role = 'venue_manager'",
            venue,
        )

    in_database(dsn, arrange)
    # One connection: exactly one message is in flight at any moment.
    env = {
        **cli_env,
        "NTE_SMTP_HOST": "127.0.0.1",
        "NTE_SMTP_PORT": str(port),
        "NTE_MAIL_CONNECTIONS": "1",
    }
    process = subprocess.Popen(
        [str(NTE), "digest", "send", "--week", WEEK],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while len(sink.messages) < 40 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    delivered_at_kill = len(sink.messages)
    assert 40 <= delivered_at_kill < total, "the kill landed in the middle of the drain"
    assert query(dsn, "SELECT count(*) AS n FROM outbox")[0]["n"] == total, "all queued first"

    rerun = run_nte(env, "digest", "send", "--week", WEEK)
    assert rerun.returncode == 0, rerun.stderr
    assert "0 queued" in rerun.stdout

    ids_by_person: dict[str, set[str]] = {}
    copies: Counter[str] = Counter()
    for m in sink.messages:
        ids_by_person.setdefault(str(m["To"]), set()).add(str(m["Message-ID"]))
        copies[str(m["To"])] += 1
    assert len(ids_by_person) == total, "every recipient has their digest"
    assert all(len(ids) == 1 for ids in ids_by_person.values()), "never two different ones"
    twice = [to for to, n in copies.items() if n > 1]
    assert len(twice) <= 1 and max(copies.values()) <= 2, "at most the one in flight, twice"
    sent = query(dsn, "SELECT count(*) AS n FROM outbox WHERE status = 'sent'")[0]["n"]
    assert sent == total


# -- what each person reads ----------------------------------------------------------------------


async def test_a_venue_managers_digest_names_only_their_venues_and_nothing_sensitive(
    db: asyncpg.Connection, people: People, settings: Settings
) -> None:
    await _borough(db, people)
    digest = await service.preview(db, settings, "manager@swan.test", WEEK)
    assert digest is not None
    mail = compose(digest, settings, "https://nte.example/digest/unsubscribe/x")
    for body in (mail.text, text_of(mail.html or "")):
        assert "The Swan" in body and "Sam Swan's SIA licence expires on" in body
        assert "The Crown" not in body and "Cal Crown" not in body
        assert SECRET not in body and "Alice" not in body and "sexual" not in body
    assert len(mail.html or "") < 100_000

    # The officer sees the borough, the sensitive flag by its rule only; the partner their own
    # report, by category and place, never by its description.
    officer = await service.preview(db, settings, "officer@council.test", WEEK)
    assert officer is not None
    text = compose(officer, settings, None).text
    assert "The Swan: Serious violence (serious)" in text and "Cal Crown's SIA licence" in text
    assert SECRET not in text
    partner = await service.preview(db, settings, "partner@police.test", WEEK)
    assert partner is not None
    text = compose(partner, settings, None).text
    assert "sexual offence at The Swan" in text and SECRET not in text


async def test_an_officers_digest_shows_a_band_change_with_its_reason(
    db: asyncpg.Connection, people: People, settings: Settings
) -> None:
    # A band change as the risk rating records it (inspections/risk): the factors that moved.
    swan = await add_venue(db, "The Swan")
    await people.user("officer", email="officer@council.test")
    moved = [
        {
            "name": "last_inspection",
            "title": "Last inspection",
            "old_points": 0,
            "new_points": 30,
            "reason": "a major breach at the last inspection",
        },
        {
            "name": "violence",
            "title": "Violence",
            "old_points": 10,
            "new_points": 20,
            "reason": "3 violent incidents in 90 days",
        },
    ]
    await db.execute(
        "INSERT INTO risk_changes (venue_id, at, old_band, new_band, old_score, new_score, moved)"
        " VALUES ($1, $2, 'C', 'A', 60, 100, $3::jsonb)",
        swan,
        service.week_window(WEEK).start + timedelta(days=2),
        moved,
    )
    digest = await service.preview(db, settings, "officer@council.test", WEEK)
    assert digest is not None
    mail = compose(digest, settings, None)
    line = (
        "The Swan: band C to A (a major breach at the last inspection (+30);"
        " 3 violent incidents in 90 days (+10))"
    )
    assert line in mail.text and line in text_of(mail.html or "")


async def test_a_week_with_nothing_sends_a_short_note_unless_turned_off(
    db: asyncpg.Connection, people: People, settings: Settings
) -> None:
    quiet = await add_venue(db, "The Quiet Inn")
    period = today().replace(day=1)
    for _ in range(15):  # every return of the last year in: nothing is due
        await add_return(db, quiet, period)
        period = (period - timedelta(days=1)).replace(day=1)
    first = await people.user("venue_manager", [quiet], email="calm@quiet.test")
    second = await people.user("venue_manager", [quiet], email="silent@quiet.test")
    await db.execute("UPDATE users SET digest_when_empty = false WHERE id = $1", second)
    report = await send_week(db, settings, WEEK)
    assert (report.queued, report.quiet) == (1, 1)
    messages = await _messages(db)
    assert set(messages) == {"calm@quiet.test"}
    assert "Nothing needs you" in str(messages["calm@quiet.test"]["Subject"])
    assert first


# -- unsubscribe ---------------------------------------------------------------------------------


async def test_one_click_unsubscribe_stops_the_next_digest_and_a_token_works_once(
    db: asyncpg.Connection, people: People, settings: Settings
) -> None:
    await _borough(db, people)
    await send_week(db, settings, WEEK)
    message = (await _messages(db))["officer@council.test"]
    url = str(message["List-Unsubscribe"]).strip("<>")
    path = url.removeprefix(settings.base_url)
    body = {"List-Unsubscribe": "One-Click"}

    async with people.anonymous() as stranger:  # no cookies, no CSRF token
        forged = await stranger.post(path[:-4] + "abcd", data=body)
        assert forged.status_code == 404 and "nothing changed" in forged.text
        assert await db.fetchval("SELECT bool_and(digest_subscribed) FROM users"), (
            "a forged token changes nothing"
        )
        done = await stranger.post(path, data=body)
        assert done.status_code == 200, done.text  # an answer, not a redirect
        assert "no more weekly digests" in done.text
    assert not await db.fetchval(
        "SELECT digest_subscribed FROM users WHERE email = 'officer@council.test'"
    )
    next_week = date.fromisocalendar(*map(int, WEEK.split("-W")), 1) + timedelta(days=7)
    following = f"{next_week.isocalendar()[0]}-W{next_week.isocalendar()[1]:02d}"
    report = await send_week(db, settings, following)
    assert report.unsubscribed == 1 and report.queued == 2
    assert (
        await db.fetchval("SELECT count(*) FROM outbox WHERE recipient = 'officer@council.test'")
        == 1
    ), "the next digest is not sent"

    # Subscribed again from the account page; the old link, used again, changes nothing.
    officer = await db.fetchval("SELECT id FROM users WHERE email = 'officer@council.test'")
    async with await people.client_for(officer) as browser:
        saved = await browser.post(
            "/account", data={"digest_subscribed": "on", "digest_when_empty": "on"}
        )
        assert saved.status_code in (302, 303)
    async with people.anonymous() as stranger:
        reused = await stranger.post(path, data=body)
        assert reused.status_code == 404
        asked = await stranger.get(path)
        assert asked.status_code == 404
    assert await db.fetchval(
        "SELECT digest_subscribed FROM users WHERE email = 'officer@council.test'"
    )


# -- the pages -----------------------------------------------------------------------------------


async def test_this_week_is_a_venue_managers_home_with_the_digests_lines(
    db: asyncpg.Connection, people: People, settings: Settings
) -> None:
    venues = await _borough(db, people)
    manager = await db.fetchval("SELECT id FROM users WHERE email = 'manager@swan.test'")
    async with await people.client_for(manager) as browser:
        home = await browser.get("/")
        assert home.status_code in (302, 303) and home.headers["location"] == "/this-week"
        page = await browser.get("/this-week")
        assert page.status_code == 200
        words = text_of(page.text)
        assert "Sam Swan's SIA licence expires on" in words and "Cal Crown" not in words
        assert f'href="/venues/{venues["swan"]}/returns"' in page.text
        assert " style=" not in page.text and "<script>" not in page.text
        assert (await browser.get("/digest/preview?email=officer@council.test")).status_code == 403
    async with await people.signed_in("officer") as officer:
        home = await officer.get("/")  # an officer's home is where to look first (issue 9)
        assert home.status_code == 200 and "Needs attention first" in home.text
        preview = await officer.get(f"/digest/preview?email=manager@swan.test&week={WEEK}")
        assert preview.status_code == 200
        assert "Sam Swan's SIA licence expires on" in text_of(preview.text)
        bad = await officer.get("/digest/preview?email=manager@swan.test&week=soon")
        assert bad.status_code == 422 and "must be an ISO week" in bad.text


# -- the schedule --------------------------------------------------------------------------------


def test_the_weekly_fire_is_monday_seven_in_london() -> None:
    monday_659 = datetime(2026, 11, 30, 6, 59, tzinfo=LONDON)
    assert last_weekly_fire_before(monday_659) == datetime(2026, 11, 23, 7, 0, tzinfo=LONDON)
    monday_7 = datetime(2026, 11, 30, 7, 0, tzinfo=LONDON)
    assert last_weekly_fire_before(monday_7) == monday_7
    # Summer time: 07:00 London is 06:00 UTC.
    summer = last_weekly_fire_before(datetime(2026, 7, 1, 12, 0, tzinfo=LONDON))
    assert summer.astimezone(LONDON).hour == 7 and summer.utcoffset() == timedelta(hours=1)
    assert service.week_of_fire(monday_7) == "2026-W48"


async def test_a_missed_monday_is_caught_up_once_across_servers(
    dsn: str, db: asyncpg.Connection, settings: Settings, people: People
) -> None:
    await people.user("officer", email="officer@council.test")
    pool = await create_pool(dsn, max_size=4)
    runs: list[str] = []

    async def work(fire_time: datetime, trigger: str) -> None:
        async with pool.acquire() as conn:
            report = await send_week(conn, settings, service.week_of_fire(fire_time))
        runs.append(f"{trigger}:{report.queued}")

    try:
        servers = [WeeklyJob(pool, "digest:weekly", work, instance=f"s{i}") for i in range(3)]
        ran = await asyncio.gather(*(s.catch_up() for s in servers))
        await drain(pool, settings)
    finally:
        await pool.close()
    assert sorted(ran) == [False, False, True] and runs == ["catch-up:1"]
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE status = 'sent'") == 1


async def test_preview_prints_one_persons_digest_and_sends_nothing(
    db: asyncpg.Connection, people: People, cli_env: dict[str, str]
) -> None:
    await _borough(db, people)
    shown = await asyncio.to_thread(
        run_nte, cli_env, "digest", "preview", "--email", "manager@swan.test", "--week", WEEK
    )
    assert shown.returncode == 0, shown.stderr
    assert "To: manager@swan.test" in shown.stdout and "== The Swan ==" in shown.stdout
    assert "Sam Swan's SIA licence expires on" in shown.stdout and "The Crown" not in shown.stdout
    assert await db.fetchval("SELECT count(*) FROM outbox") == 0
    nobody = await asyncio.to_thread(
        run_nte, cli_env, "digest", "preview", "--email", "nobody@example.org"
    )
    assert nobody.returncode == 2 and "no active account" in nobody.stderr
    drained = await asyncio.to_thread(run_nte, cli_env, "mail", "drain")
    assert drained.returncode == 0 and "mail: 0 sent, 0 failed" in drained.stdout

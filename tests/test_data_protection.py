"""Data protection: every read of a sensitive incident is recorded, old sensitive text and
leavers' certificates go, and the audit trail never holds special-category text."""

from __future__ import annotations

import asyncio
import hashlib
import html
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from inspections.flags.sweep import run_checks
from nte.db import connect
from nte.migrate import apply_migrations, load_migrations
from nte.scheduler import LONDON, NightlyJob, Scheduler
from nte.settings import Settings, SettingsError, load_settings
from tests.conftest import People, run_nte
from venues.retention.service import run_retention

Client = httpx.AsyncClient

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}

VICTIM = "Jane Doe"
SECRET = f"{VICTIM} said John Smith assaulted her in the toilets; CCTV kept"
SECRET_REF = "46/551234/24"


def ago(**delta: Any) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def months_ago(months: int, days: int = 0) -> datetime:
    """That many calendar months before now (and a few days more)."""
    now = datetime.now(UTC)
    year, month = divmod(now.month - 1 - months, 12)
    return now.replace(year=now.year + year, month=month + 1, day=min(now.day, 28)) - timedelta(
        days=days
    )


async def add_venue(db: asyncpg.Connection, name: str = "The Swan") -> int:
    return int(await db.fetchval("INSERT INTO venues (name) VALUES ($1) RETURNING id", name))


async def report(client: Client, venue: int, **fields: Any) -> dict[str, Any]:
    body = {
        "occurred_at": ago(hours=2),
        "category": "sexual_offence",
        "severity": "serious",
        "description": SECRET,
        "police_ref": SECRET_REF,
        "source": "police",
        **fields,
    }
    r = await client.post(f"/api/v1/venues/{venue}/incidents", json=body)
    assert r.status_code == 201, r.text
    found: dict[str, Any] = r.json()
    return found


async def reads(db: asyncpg.Connection, incident_id: int | None = None) -> list[asyncpg.Record]:
    return await db.fetch(
        "SELECT user_id, reader, incident_id, door, request_id FROM access_log "
        "WHERE $1::bigint IS NULL OR incident_id = $1 ORDER BY id",
        incident_id,
    )


# --- the read audit -------------------------------------------------------------------------


async def test_an_officer_reading_by_api_page_and_timeline_makes_three_access_rows(
    people: People, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db)
    officer_id = await people.user("officer", email="olivia@council.example")
    async with await people.signed_in("partner") as partner:
        sensitive = await report(partner, venue)
        ordinary = await report(
            partner, venue, category="theft", severity="low", description="Phone taken"
        )
    assert sensitive["sensitive"] and not ordinary["sensitive"]
    before = len(await reads(db))  # the partner's own report is a read too (the API answers it)

    async with await people.client_for(officer_id) as officer:
        one = await officer.get(f"/api/v1/incidents/{sensitive['id']}")
        assert one.status_code == 200 and one.json()["description"] == SECRET
        page = await officer.get(f"/venues/{venue}/incidents", headers=BROWSER)
        assert page.status_code == 200 and SECRET in page.text
        timeline = await officer.get(f"/venues/{venue}/timeline", headers=BROWSER)
        assert timeline.status_code == 200 and SECRET in timeline.text
        # The ordinary incident read every way is no read of anything sensitive.
        assert (await officer.get(f"/api/v1/incidents/{ordinary['id']}")).status_code == 200
        assert (await officer.get(f"/api/v1/venues/{venue}/timeline")).status_code == 200

    rows = (await reads(db))[before:]
    # The timeline API above showed the sensitive incident too: a fourth door, one row.
    assert [r["door"] for r in rows] == [
        "api_get",
        "incidents_page",
        "timeline_page",
        "timeline_api",
    ]
    assert {r["incident_id"] for r in rows} == {sensitive["id"]}
    assert {r["user_id"] for r in rows} == {officer_id}
    assert {r["reader"] for r in rows} == {"olivia@council.example (officer)"}
    request_ids = [r["request_id"] for r in rows]
    assert all(request_ids) and len(set(request_ids)) == 4, "each row names its own request"
    assert await reads(db, ordinary["id"]) == []


async def test_a_redacted_view_is_not_a_read(people: People, db: asyncpg.Connection) -> None:
    venue = await add_venue(db)
    async with await people.signed_in("officer") as officer:
        sensitive = await report(officer, venue)
    before = len(await reads(db))
    async with await people.signed_in("venue_manager", [venue]) as manager:
        shown = (await manager.get(f"/api/v1/incidents/{sensitive['id']}")).json()
        assert shown["redacted"] and shown["description"] is None
        page = await manager.get(f"/venues/{venue}/incidents", headers=BROWSER)
        assert "Sensitive incident" in page.text and SECRET not in page.text
        await manager.get(f"/venues/{venue}/timeline", headers=BROWSER)
    assert len(await reads(db)) == before, "the manager was shown nothing sensitive"


async def test_a_list_of_50_sensitive_incidents_makes_50_rows_in_one_statement(
    client: Client, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db)
    await db.execute(
        "INSERT INTO incidents (venue_id, occurred_at, category, severity, source, description, "
        "sensitive) SELECT $1, now() - make_interval(hours => n), 'sexual_offence', 'high', "
        "'police', 'Record ' || n, true FROM generate_series(1, 60) n",
        venue,
    )
    listed = await client.get(f"/api/v1/venues/{venue}/incidents", params={"limit": 50})
    assert listed.status_code == 200 and len(listed.json()["items"]) == 50
    rows = await db.fetch("SELECT incident_id, door, request_id, xmin, cmin FROM access_log")
    shown = {i["id"] for i in listed.json()["items"]}
    assert len(rows) == 50 and {r["incident_id"] for r in rows} == shown
    assert {r["door"] for r in rows} == {"api_list"}
    assert len({r["request_id"] for r in rows}) == 1
    # One transaction (xmin) and, within it, one command (cmin): a single INSERT wrote them all.
    assert len({(str(r["xmin"]), str(r["cmin"])) for r in rows}) == 1


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE access_log SET reader = 'someone else'",
        "DELETE FROM access_log",
        "TRUNCATE access_log",
    ],
)
async def test_the_access_log_refuses_changes_even_from_its_owner(
    client: Client, db: asyncpg.Connection, statement: str
) -> None:
    venue = await add_venue(db)
    sensitive = await report(client, venue)
    assert len(await reads(db, sensitive["id"])) == 1
    owner, me = await db.fetchrow(
        "SELECT tableowner, current_user FROM pg_tables WHERE tablename = 'access_log'"
    )
    assert owner == me, "this connection owns the table"
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await db.execute(statement)
    assert len(await reads(db, sensitive["id"])) == 1


async def test_officers_see_who_has_seen_a_sensitive_incident(
    people: People, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db)
    manager_id = await people.user("venue_manager", [venue], email="manager@swan.example")
    async with await people.client_for(manager_id) as manager:
        own = await report(
            manager, venue, category="sexual_harassment", severity="high", sensitive=True
        )
        await report(manager, venue, category="theft", severity="low", description="Bag taken")
    partner_id = await people.user("partner", email="pc.patel@police.example")
    async with await people.client_for(partner_id) as partner:
        for _ in range(2):
            await partner.get(f"/api/v1/incidents/{own['id']}")
    async with await people.signed_in("officer") as officer:
        page = (await officer.get(f"/venues/{venue}/incidents", headers=BROWSER)).text
    fold = page.split(f'<li id="incident-{own["id"]}"')[1].split('<li id="incident-')[0]
    assert "Who has seen this (3 people)" in fold
    assert "pc.patel@police.example (partner): 2 times" in fold
    assert "API: the incident" in fold
    assert "manager@swan.example (venue_manager): 1 time" in fold, "the reporter's report"
    assert page.count("Who has seen this") == 1, "only sensitive incidents have the fold"
    # Nobody else is shown who reads what: not the reporter, not partners.
    for client_for in (manager_id, partner_id):
        async with await people.client_for(client_for) as c:
            assert (
                "Who has seen this"
                not in (await c.get(f"/venues/{venue}/incidents", headers=BROWSER)).text
            )


async def test_an_admin_lists_reads_by_person_and_by_incident(
    people: People, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db)
    one_id = await people.user("officer", email="one@council.example")
    two_id = await people.user("partner", email="two@police.example")
    async with await people.client_for(one_id) as one:
        first = await report(one, venue)
        second = await report(
            one, venue, category="sexual_harassment", severity="high", sensitive=True
        )
    async with await people.client_for(two_id) as two:
        await two.get(f"/api/v1/incidents/{first['id']}")
        await two.get(f"/venues/{venue}/timeline", headers=BROWSER)

    def rows(markup: str) -> list[str]:
        """Each read listed, as the words on its row."""
        found = re.findall(r'<tr class="read">.*?</tr>', markup, re.S)
        return [html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r))) for r in found]

    async with await people.signed_in("admin") as admin:
        everything = rows((await admin.get("/admin/reads")).text)
        # two reports, one get, a timeline showing both
        assert len(everything) == 5
        by_two = rows((await admin.get("/admin/reads", params={"user": two_id})).text)
        assert len(by_two) == 3 and all("two@police.example (partner)" in r for r in by_two)
        of_second = rows(
            (await admin.get("/admin/reads", params={"incident": second["id"], "user": ""})).text
        )
        assert len(of_second) == 2 and all(f"#{second['id']}" in r for r in of_second)
        assert any("the venue's timeline page" in r for r in of_second)
        both = rows(
            (await admin.get("/admin/reads", params={"incident": first["id"], "user": two_id})).text
        )
        assert len(both) == 2, "the get, and the timeline that showed both"
        assert "the venue's timeline page" in both[0] and "API: the incident" in both[1]
        bad = await admin.get("/admin/reads", params={"incident": "first"}, headers=BROWSER)
        assert bad.status_code == 422 and "must be a number" in bad.text
    async with await people.signed_in("officer") as officer:
        assert (await officer.get("/admin/reads")).status_code == 403


# --- the audit trail holds no sensitive text ------------------------------------------------


def withheld(text: str) -> dict[str, Any]:
    return {"withheld": True, "sha256": hashlib.sha256(text.encode()).hexdigest()}


async def test_the_audit_trail_keeps_a_hash_of_sensitive_text_never_the_text(
    client: Client, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db)
    sensitive = await report(client, venue)
    ordinary = await report(client, venue, category="theft", severity="low", description="Bag")
    rows = {
        r["record_id"]: r["after"]
        for r in await db.fetch(
            "SELECT record_id, after FROM audit_log WHERE table_name = 'incidents'"
        )
    }
    assert rows[sensitive["id"]]["description"] == withheld(SECRET)
    assert rows[sensitive["id"]]["police_ref"] == withheld(SECRET_REF)
    assert rows[sensitive["id"]]["category"] == "sexual_offence", "the rest stays evidence"
    assert rows[ordinary["id"]]["description"] == "Bag", "ordinary text is kept as before"
    assert not await db.fetchval(
        "SELECT count(*) FROM audit_log WHERE audit_log::text LIKE '%' || $1 || '%'", VICTIM
    )


async def test_the_migration_strips_sensitive_text_already_in_the_trail(empty_dsn: str) -> None:
    migrations = load_migrations()
    conn = await connect(empty_dsn)
    try:
        await apply_migrations(conn, [m for m in migrations if m.version < 11])
        venue = await add_venue(conn)
        insert = (
            "INSERT INTO incidents (venue_id, occurred_at, category, severity, source, "
            "description, police_ref, sensitive) VALUES ($1, now(), $2, 'high', 'police', $3, $4, $5) "
            "RETURNING id"
        )
        sensitive = await conn.fetchval(insert, venue, "sexual_offence", SECRET, SECRET_REF, True)
        ordinary = await conn.fetchval(insert, venue, "theft", "Phone taken", None, False)
        assert await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE audit_log::text LIKE '%' || $1 || '%'", VICTIM
        ), "before 0011 the trigger copied the text"

        await apply_migrations(conn, migrations)

        trail = {
            r["record_id"]: r["after"]
            for r in await conn.fetch(
                "SELECT record_id, after FROM audit_log WHERE table_name = 'incidents'"
            )
        }
        assert trail[sensitive]["description"] == withheld(SECRET)
        assert trail[sensitive]["police_ref"] == withheld(SECRET_REF)
        assert trail[ordinary]["description"] == "Phone taken"
        assert not await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE audit_log::text LIKE '%' || $1 || '%'", VICTIM
        )
        # The guard is back: the trail refuses changes again.
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await conn.execute("UPDATE audit_log SET actor = 'someone else'")
        assert (
            await conn.fetchval(
                "SELECT tgenabled FROM pg_trigger WHERE tgname = 'audit_log_no_update_delete'"
            )
            == b"O"
        )
    finally:
        await conn.close()


# --- retention ------------------------------------------------------------------------------


async def test_retention_removes_old_sensitive_text_and_keeps_what_the_checks_count(
    people: People, client: Client, db: asyncpg.Connection, settings: Settings
) -> None:
    venue = await add_venue(db)
    old_at = months_ago(25)
    old = await report(client, venue, occurred_at=old_at.isoformat())
    # two more violent incidents that night: with the old one, a cluster of three
    for n in range(2):
        await report(
            client,
            venue,
            occurred_at=(old_at + timedelta(hours=n + 1)).isoformat(),
            category="violence",
            severity="medium",
            description="Fight at the door",
            police_ref=None,
        )
    recent_secret = "Mary Major reported being followed to the toilets"
    recent = await report(
        client,
        venue,
        occurred_at=months_ago(23).isoformat(),
        description=recent_secret,
        police_ref="46/000111/25",
    )
    old_plain = await report(
        client,
        venue,
        occurred_at=months_ago(30).isoformat(),
        category="theft",
        severity="low",
        description="Phone taken by Tom Thumb",
        police_ref=None,
    )
    before = await db.fetchrow("SELECT * FROM incidents WHERE id = $1", old["id"])

    result = await run_retention(db, settings)
    assert (result.incidents_redacted, result.certificates_deleted) == (1, 0)

    after = await db.fetchrow("SELECT * FROM incidents WHERE id = $1", old["id"])
    assert after["description"].startswith("Details removed on ")
    assert "24 months" in after["description"] and after["police_ref"] is None
    assert after["redacted_at"] is not None
    for kept in ("category", "severity", "occurred_at", "venue_id", "source", "sensitive"):
        assert after[kept] == before[kept], kept
    # Nothing of the old text is left, in the incidents or in the audit trail.
    for table in ("incidents", "audit_log"):
        for text in (VICTIM, "John Smith", SECRET_REF):
            assert not await db.fetchval(
                f"SELECT count(*) FROM {table} t WHERE t::text LIKE '%' || $1 || '%'", text
            ), (table, text)
    # The 23-month-old one and an old ordinary one are untouched.
    assert await db.fetchval("SELECT description FROM incidents WHERE id = $1", recent["id"]) == (
        recent_secret
    )
    assert await db.fetchval(
        "SELECT description FROM incidents WHERE id = $1", old_plain["id"]
    ) == ("Phone taken by Tom Thumb")

    # The officer still sees what happened and when, and that the details went.
    shown = (await client.get(f"/api/v1/incidents/{old['id']}")).json()
    assert shown["category"] == "sexual_offence" and shown["severity"] == "serious"
    assert shown["details_removed_at"] and shown["description"] == after["description"]
    page = await client.get(f"/venues/{venue}/incidents", params={"page": 1}, headers=BROWSER)
    assert "Details removed" in page.text
    # The venue's history says the text changed, not what it was.
    history = (await client.get(f"/venues/{venue}", headers=BROWSER)).text
    assert "(text withheld)" in history and VICTIM not in history

    # The checks count it as before: seen from that night, a cluster and a serious incident.
    checks = await run_checks(db, settings, now=old_at + timedelta(days=1))
    flags = {
        r["rule"]: r["evidence"]
        for r in await db.fetch("SELECT rule, evidence FROM flags WHERE venue_id = $1", venue)
    }
    assert checks.opened >= 2
    assert flags["serious_violence"] == {"incidents": [old["id"]]}
    assert old["id"] in flags["violence_cluster"]["incidents"]
    assert len(flags["violence_cluster"]["incidents"]) == 3

    # A rerun changes nothing, not even the audit trail; each run is recorded.
    audit = await db.fetchval("SELECT count(*) FROM audit_log")
    snapshot = await db.fetch("SELECT * FROM incidents ORDER BY id")
    again = await run_retention(db, settings)
    assert (again.incidents_redacted, again.certificates_deleted) == (0, 0)
    assert await db.fetch("SELECT * FROM incidents ORDER BY id") == snapshot
    assert await db.fetchval("SELECT count(*) FROM audit_log") == audit
    runs = await db.fetch(
        "SELECT incidents_redacted, certificates_deleted, finished_at FROM retention_runs ORDER BY id"
    )
    assert [(r["incidents_redacted"], r["certificates_deleted"]) for r in runs] == [(1, 0), (0, 0)]
    assert all(r["finished_at"] for r in runs)


async def _person(db: asyncpg.Connection, venue: int, name: str, left_on: date | None) -> int:
    staff_id = await db.fetchval(
        "INSERT INTO staff (venue_id, name, role, left_on) VALUES ($1, $2, 'bar', $3) RETURNING id",
        venue,
        name,
        left_on,
    )
    training_id = await db.fetchval(
        "INSERT INTO training (venue_id, staff_id, course, completed_on, expires_on) "
        "VALUES ($1, $2, 'wave', date '2024-01-10', date '2025-01-10') RETURNING id",
        venue,
        staff_id,
    )
    await db.execute(
        "INSERT INTO training_certificates (venue_id, training_id, filename, content_type, size, "
        "content) VALUES ($1, $2, $3, 'application/pdf', 8, '%PDF-1.4')",
        venue,
        training_id,
        f"{name}.pdf",
    )
    return int(training_id)


async def test_nte_retention_run_deletes_the_certificates_of_staff_gone_a_year(
    db: asyncpg.Connection, cli_env: dict[str, str]
) -> None:
    venue = await add_venue(db)
    today = datetime.now(LONDON).date()
    gone = await _person(db, venue, "Long Gone", months_ago(13).date())
    recent = await _person(db, venue, "Just Left", months_ago(11).date())
    working = await _person(db, venue, "Still Here", None)

    result = run_nte(cli_env, "retention", "run")
    assert result.returncode == 0, result.stderr
    assert "0 sensitive incidents redacted" in result.stdout
    assert "1 certificates deleted" in result.stdout
    kept = {
        r["training_id"] for r in await db.fetch("SELECT training_id FROM training_certificates")
    }
    assert kept == {recent, working}
    # The training record itself (what course, when) stays.
    assert await db.fetchval("SELECT count(*) FROM training WHERE id = $1", gone) == 1
    run = await db.fetchrow("SELECT * FROM retention_runs")
    assert run["certificates_deleted"] == 1 and run["trigger"] == "manual"
    assert run["staff_left_before"] < today
    again = run_nte(cli_env, "retention", "run")
    assert "0 certificates deleted" in again.stdout


async def test_retention_runs_once_across_servers(
    running_app: Any, db: asyncpg.Connection, settings: Settings
) -> None:
    venue = await add_venue(db)
    await db.execute(
        "INSERT INTO incidents (venue_id, occurred_at, category, severity, source, description, "
        "sensitive) VALUES ($1, now() - interval '30 months', 'sexual_offence', 'high', 'police', "
        "$2, true)",
        venue,
        SECRET,
    )
    pool = running_app.state.pool
    checks: list[str] = []

    async def check_work(trigger: str) -> None:
        checks.append(trigger)

    async def retention(trigger: str) -> None:
        async with pool.acquire() as conn:
            await run_retention(conn, settings, trigger=trigger)

    def server(name: str) -> Scheduler:
        job = NightlyJob("retention:nightly", time(3, 0), retention)
        return Scheduler(pool, check_work, instance=name, nightly=[job])

    one, two = server("one"), server("two")
    fire = datetime(2026, 11, 20, 3, 0, tzinfo=LONDON)
    ran = await asyncio.gather(
        one.fire("retention:nightly", fire, "nightly"),
        two.fire("retention:nightly", fire, "nightly"),
    )
    assert sorted(ran) == [False, True]
    assert [r["trigger"] for r in await db.fetch("SELECT trigger FROM retention_runs")] == [
        "nightly"
    ]
    assert checks == [], "the retention fire ran retention, not the checks"
    # Its own claim: the checks' fire at the same moment is a different job.
    assert await one.fire("checks:nightly", fire, "nightly") and checks == ["nightly"]
    # A missed night runs once at the next start, for each job on its own.
    job = one.nightly[0]
    assert await one.catch_up(job) is True and await two.catch_up(job) is False
    assert await db.fetchval("SELECT count(*) FROM retention_runs") == 2


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, (24, 12)),
        ({"NTE_SENSITIVE_RETENTION_MONTHS": "36", "NTE_STAFF_RETENTION_MONTHS": "6"}, (36, 6)),
    ],
)
def test_retention_periods_are_settings(environ: dict[str, str], expected: tuple[int, int]) -> None:
    s = load_settings(environ)
    assert (s.sensitive_retention_months, s.staff_retention_months) == expected


@pytest.mark.parametrize("raw", ["0", "-3", "two years"])
def test_a_retention_period_that_would_remove_everything_is_refused(raw: str) -> None:
    with pytest.raises(SettingsError, match="NTE_SENSITIVE_RETENTION_MONTHS"):
        load_settings({"NTE_SENSITIVE_RETENTION_MONTHS": raw})

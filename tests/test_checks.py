"""The scheduled checks: each rule flags, stays quiet just outside its threshold, and
resolves its flag by itself when the cause clears; reruns change nothing."""

from __future__ import annotations

import asyncio
import html
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest

from inspections.flags.rules import RULES
from inspections.flags.sweep import run_checks
from nte.clock import LONDON
from nte.scheduler import Scheduler, last_fire_before
from nte.settings import Settings
from tests.conftest import People

# A fixed moment for the checks, so every window edge is exact: noon on a Friday in London.
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=LONDON)
TODAY = NOW.date()


async def venue(db: asyncpg.Connection, name: str = "The Test Inn") -> int:
    return int(
        await db.fetchval(
            "INSERT INTO venues (name, licensable_activities) VALUES ($1, '{sale_of_alcohol}') RETURNING id",
            name,
        )
    )


async def sweep(db: asyncpg.Connection, settings: Settings, now: datetime = NOW) -> Any:
    return await run_checks(db, settings, now=now)


async def flags(db: asyncpg.Connection, rule: str) -> list[asyncpg.Record]:
    return await db.fetch(
        "SELECT venue_id, cause_key, status, explanation, evidence, resolution FROM flags "
        "WHERE rule = $1 ORDER BY id",
        rule,
    )


async def purchase(db: asyncpg.Connection, venue_id: int, on: date, outcome: str = "fail") -> int:
    return int(
        await db.fetchval(
            "INSERT INTO test_purchases (venue_id, attempted_on, agency, outcome) "
            "VALUES ($1, $2, 'Kent Trading Standards', $3) RETURNING id",
            venue_id,
            on,
            outcome,
        )
    )


async def incident(
    db: asyncpg.Connection,
    venue_id: int | None,
    at: datetime,
    category: str = "violence",
    severity: str = "medium",
) -> int:
    return int(
        await db.fetchval(
            "INSERT INTO incidents (venue_id, occurred_at, category, severity, source, description, "
            "sensitive) "
            "VALUES ($1, $2, $3, $4, 'police', 'Recorded for the test', $3 = 'sexual_offence') RETURNING id",
            venue_id,
            at,
            category,
            severity,
        )
    )


# --- underage sales ---------------------------------------------------------------------------


async def test_a_failed_test_purchase_flags_and_clears_after_twelve_months(
    db: asyncpg.Connection, settings: Settings
) -> None:
    v = await venue(db)
    tp = await purchase(db, v, date(2026, 3, 3))
    await purchase(db, v, date(2026, 4, 1), "pass")
    await purchase(db, v, date(2025, 11, 27), "fail")  # 12 months and a day before: spent
    await sweep(db, settings)
    [flag] = await flags(db, "underage_sale")
    assert flag["cause_key"] == f"test_purchase:{tp}" and flag["status"] == "open"
    assert flag["explanation"] == "Alcohol sold to a person under 18 (test purchase on 3 Mar 2026)"
    assert flag["evidence"] == {"test_purchases": [tp]}

    await sweep(db, settings, now=datetime(2027, 3, 3, 12, tzinfo=LONDON))
    [flag] = await flags(db, "underage_sale")
    assert flag["status"] == "resolved"
    assert "older than the look-back" in flag["resolution"]


@pytest.mark.parametrize(
    ("first", "second", "flagged"),
    [
        (date(2026, 3, 3), date(2026, 5, 28), True),  # inside three months
        (date(2026, 3, 1), date(2026, 6, 2), False),  # three months and a day apart
        (date(2025, 12, 20), date(2026, 2, 10), True),  # December and February, across the year
    ],
    ids=["march-may", "three-months-and-a-day", "december-february"],
)
async def test_persistent_underage_sales_s147a(
    db: asyncpg.Connection, settings: Settings, first: date, second: date, flagged: bool
) -> None:
    v = await venue(db)
    a = await purchase(db, v, first)
    b = await purchase(db, v, second)
    await sweep(db, settings)
    found = await flags(db, "persistent_underage_sales")
    assert bool(found) is flagged
    assert len(await flags(db, "underage_sale")) == 2, "each sale is also flagged on its own"
    if flagged:
        assert found[0]["evidence"] == {"sales": [f"test_purchase:{a}", f"test_purchase:{b}"]}
        assert found[0]["explanation"].startswith("2 sales to under-18s within 3 months: ")


async def test_persistent_sales_count_incidents_too_and_clear_with_time(
    db: asyncpg.Connection, settings: Settings
) -> None:
    v = await venue(db)
    await purchase(db, v, date(2026, 9, 1))
    await incident(db, v, datetime(2026, 10, 15, 23, 30, tzinfo=LONDON), "underage_sale")
    await sweep(db, settings)
    [flag] = await flags(db, "persistent_underage_sales")
    assert flag["explanation"] == "2 sales to under-18s within 3 months: 1 Sep 2026, 15 Oct 2026"
    await sweep(db, settings, now=datetime(2027, 10, 16, 12, tzinfo=LONDON))
    [flag] = await flags(db, "persistent_underage_sales")
    assert flag["status"] == "resolved"


# --- violence ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("oldest_days", "flagged"), [(27, True), (28, False)])
async def test_violence_cluster_is_three_in_28_days(
    db: asyncpg.Connection, settings: Settings, oldest_days: int, flagged: bool
) -> None:
    v = await venue(db)
    for days in (1, 10, oldest_days):
        await incident(db, v, NOW - timedelta(days=days))
    await incident(db, v, NOW - timedelta(days=2), "theft")  # not violent
    await incident(db, None, NOW - timedelta(days=3))  # in the street: not the venue's
    await sweep(db, settings)
    found = await flags(db, "violence_cluster")
    assert bool(found) is flagged
    if flagged:
        assert found[0]["explanation"].startswith("3 violent incidents in 28 days")
        assert found[0]["cause_key"] == f"cluster@{TODAY}"


async def test_a_continuing_cluster_keeps_its_flag_and_a_new_one_opens_after_it_clears(
    db: asyncpg.Connection, settings: Settings
) -> None:
    v = await venue(db)
    for days in (1, 5, 9):
        await incident(db, v, NOW - timedelta(days=days))
    await sweep(db, settings)
    await incident(db, v, NOW + timedelta(days=10))
    await sweep(db, settings, now=NOW + timedelta(days=11))  # still 3 within 28 days
    [flag] = await flags(db, "violence_cluster")
    assert flag["status"] == "open" and len(flag["evidence"]["incidents"]) == 4

    await sweep(db, settings, now=NOW + timedelta(days=40))  # the window has moved on
    [flag] = await flags(db, "violence_cluster")
    assert flag["status"] == "resolved"
    assert flag["resolution"].startswith("Resolved by the checks: fewer violent incidents")

    later = NOW + timedelta(days=60)
    for hours in (1, 2, 3):
        await incident(db, v, later - timedelta(hours=hours))
    await sweep(db, settings, now=later)
    assert [f["status"] for f in await flags(db, "violence_cluster")] == ["resolved", "open"]


@pytest.mark.parametrize(
    ("category", "severity", "days", "flagged"),
    [
        ("violence", "serious", 27, True),
        ("violence", "serious", 28, False),
        ("weapons", "low", 3, True),
        ("sexual_offence", "serious", 1, True),
        ("violence", "high", 1, False),
        ("theft", "serious", 1, False),
    ],
)
async def test_serious_violence(
    db: asyncpg.Connection,
    settings: Settings,
    category: str,
    severity: str,
    days: int,
    flagged: bool,
) -> None:
    v = await venue(db)
    i = await incident(db, v, NOW - timedelta(days=days), category, severity)
    await sweep(db, settings)
    found = await flags(db, "serious_violence")
    assert bool(found) is flagged
    if flagged:
        assert found[0]["cause_key"] == f"incident:{i}"
        await sweep(db, settings, now=NOW + timedelta(days=29))
        assert (await flags(db, "serious_violence"))[0]["status"] == "resolved"


# --- people and training ----------------------------------------------------------------------


async def person(
    db: asyncpg.Connection,
    venue_id: int,
    role: str = "bar",
    *,
    foh: bool = True,
    sia_expires_on: date | None = None,
    courses: tuple[str, ...] = (),
    completed_on: date = date(2026, 6, 1),
    left_on: date | None = None,
) -> int:
    staff_id = int(
        await db.fetchval(
            "INSERT INTO staff (venue_id, name, role, front_of_house, sia_licence_no, sia_expires_on, "
            "left_on) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            venue_id,
            f"Person {role}",
            role,
            foh,
            "1234567890123456" if sia_expires_on else None,
            sia_expires_on,
            left_on,
        )
    )
    for course in courses:
        await db.execute(
            "INSERT INTO training (venue_id, staff_id, course, completed_on, expires_on) "
            "VALUES ($1, $2, $3, $4::date, $4::date + interval '12 months')",
            venue_id,
            staff_id,
            course,
            completed_on,
        )
    return staff_id


TRAINED = ("wave", "ask_for_angela")


@pytest.mark.parametrize(("trained", "flagged"), [(4, False), (3, True)])
async def test_training_coverage_below_80_percent(
    db: asyncpg.Connection, settings: Settings, trained: int, flagged: bool
) -> None:
    v = await venue(db)
    await person(db, v, "dps", foh=False)
    for n in range(5):
        await person(db, v, courses=TRAINED if n < trained else ("wave",))
    await person(db, v, courses=(), left_on=date(2026, 1, 1))  # left: not counted
    await sweep(db, settings)
    found = await flags(db, "training_lapsed")
    assert bool(found) is flagged
    if flagged:
        assert found[0]["explanation"].startswith("Only 3 of 5 front-of-house staff")
        untrained = await db.fetch(
            "SELECT s.id FROM staff s WHERE s.venue_id = $1 AND s.front_of_house AND s.left_on IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM training t "
            "                WHERE t.staff_id = s.id AND t.course = 'ask_for_angela')",
            v,
        )
        for row in untrained:
            await db.execute(
                "INSERT INTO training (venue_id, staff_id, course, completed_on, expires_on) "
                "VALUES ($1, $2, 'ask_for_angela', $3::date, $3::date + interval '12 months')",
                v,
                row["id"],
                TODAY,
            )
        await sweep(db, settings)
        assert (await flags(db, "training_lapsed"))[0]["status"] == "resolved"


async def test_training_that_expired_yesterday_no_longer_counts(
    db: asyncpg.Connection, settings: Settings
) -> None:
    v = await venue(db)
    await person(db, v, "dps", foh=False)
    await person(db, v, courses=TRAINED, completed_on=TODAY - timedelta(days=365))
    await sweep(db, settings)  # expires today (valid on its last day)
    assert await flags(db, "training_lapsed") == []
    await sweep(db, settings, now=NOW + timedelta(days=1))
    assert len(await flags(db, "training_lapsed")) == 1


async def test_no_dps_on_a_kept_staff_list_flags_until_one_is_added(
    db: asyncpg.Connection, settings: Settings
) -> None:
    v = await venue(db)
    await venue(db, "No Staff List Kept")  # no list at all: nothing to judge
    await person(db, v, courses=TRAINED)
    await sweep(db, settings)
    [flag] = await flags(db, "training_lapsed")
    assert flag["cause_key"] == f"no_dps@{TODAY}" and flag["venue_id"] == v
    await person(db, v, "dps", foh=False)
    await sweep(db, settings)
    [flag] = await flags(db, "training_lapsed")
    assert flag["status"] == "resolved"


@pytest.mark.parametrize(
    ("expires_in", "expiring", "expired"),
    [(60, True, False), (61, False, False), (0, True, False), (-1, False, True)],
)
async def test_sia_licences(
    db: asyncpg.Connection, settings: Settings, expires_in: int, expiring: bool, expired: bool
) -> None:
    v = await venue(db)
    door = await person(db, v, "door_supervisor", sia_expires_on=TODAY + timedelta(days=expires_in))
    await sweep(db, settings)
    assert bool(await flags(db, "sia_expiring")) is expiring
    assert bool(await flags(db, "sia_expired")) is expired
    # Renewed for three years: both kinds resolve by themselves.
    await db.execute(
        "UPDATE staff SET sia_expires_on = $2 WHERE id = $1", door, TODAY + timedelta(days=1095)
    )
    await sweep(db, settings)
    statuses = [f["status"] for r in ("sia_expiring", "sia_expired") for f in await flags(db, r)]
    assert all(s == "resolved" for s in statuses)


# --- Ask for Angela ---------------------------------------------------------------------------


@pytest.mark.parametrize(("days_ago", "flagged"), [(29, True), (28, False)])
async def test_a_failed_angela_test_needs_a_retest_within_28_days(
    db: asyncpg.Connection, settings: Settings, days_ago: int, flagged: bool
) -> None:
    v = await venue(db)
    await db.execute(
        "INSERT INTO angela_tests (venue_id, tested_on, tester_organisation, outcome) "
        "VALUES ($1, $2, 'Kent Police', 'fail')",
        v,
        TODAY - timedelta(days=days_ago),
    )
    await sweep(db, settings)
    assert bool(await flags(db, "angela_retest_due")) is flagged
    if flagged:
        await db.execute(
            "INSERT INTO angela_tests (venue_id, tested_on, tester_organisation, outcome) "
            "VALUES ($1, $2, 'Kent Police', 'pass')",
            v,
            TODAY,
        )
        await sweep(db, settings)
        assert (await flags(db, "angela_retest_due"))[0]["status"] == "resolved"


async def test_angela_posters_without_trained_staff(
    db: asyncpg.Connection, settings: Settings
) -> None:
    v = await venue(db)
    await db.execute(
        "INSERT INTO angela_participation (venue_id, enrolled_on, posters_displayed) VALUES ($1, $2, true)",
        v,
        date(2026, 1, 1),
    )
    bar = await person(db, v, courses=("wave",))
    await sweep(db, settings)
    [flag] = await flags(db, "angela_posters_untrained")
    assert flag["status"] == "open"
    await db.execute(
        "INSERT INTO training (venue_id, staff_id, course, completed_on, expires_on) "
        "VALUES ($1, $2, 'ask_for_angela', $3::date, $3::date + interval '12 months')",
        v,
        bar,
        TODAY,
    )
    await sweep(db, settings)
    [flag] = await flags(db, "angela_posters_untrained")
    assert flag["status"] == "resolved"


# --- monthly returns --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "overdue"), [(date(2026, 11, 14), False), (date(2026, 11, 15), True)]
)
async def test_a_return_is_overdue_the_day_after_its_due_date(
    db: asyncpg.Connection, settings: Settings, day: date, overdue: bool
) -> None:
    v = await venue(db)
    # Every month up to September is in; October's is due on 14 November.
    for months_back in range(2, 15):
        period = (date(2026, 11, 1) - timedelta(days=1)).replace(day=1)
        for _ in range(months_back - 1):
            period = (period - timedelta(days=1)).replace(day=1)
        await db.execute(
            "INSERT INTO monthly_returns (venue_id, period, refusals, incidents_unreported, "
            "angela_activations, door_staff_hours, cctv_checks) VALUES ($1, $2, 0, 0, 0, 0, 4) "
            "ON CONFLICT DO NOTHING",
            v,
            period,
        )
    await sweep(
        db,
        settings,
        now=datetime.combine(day, datetime.min.time(), tzinfo=LONDON) + timedelta(hours=9),
    )
    found = await flags(db, "return_overdue")
    assert bool(found) is overdue
    if overdue:
        assert found[0]["explanation"] == "1 monthly return overdue: October 2026"
        await db.execute(
            "INSERT INTO monthly_returns (venue_id, period, refusals, incidents_unreported, "
            "angela_activations, door_staff_hours, cctv_checks) VALUES ($1, '2026-10-01', 0, 0, 0, 0, 4)",
            v,
        )
        await sweep(db, settings, now=datetime.combine(day, datetime.min.time(), tzinfo=LONDON))
        assert (await flags(db, "return_overdue"))[0]["status"] == "resolved"


# --- the sweep as a whole ---------------------------------------------------------------------


async def test_a_rerun_changes_nothing_and_writes_no_audit_rows(
    db: asyncpg.Connection, settings: Settings
) -> None:
    v = await venue(db)
    await purchase(db, v, date(2026, 10, 1))
    await purchase(db, v, date(2026, 11, 1))
    for days in (1, 2, 3):
        await incident(db, v, NOW - timedelta(days=days), "violence", "serious")
    first = await sweep(db, settings)
    assert first.opened >= 5
    flags_before = await db.fetch("SELECT * FROM flags ORDER BY id")
    audit_before = await db.fetchval("SELECT count(*) FROM audit_log")
    second = await sweep(db, settings)
    assert (second.opened, second.updated, second.resolved) == (0, 0, 0)
    assert await db.fetch("SELECT * FROM flags ORDER BY id") == flags_before
    assert await db.fetchval("SELECT count(*) FROM audit_log") == audit_before
    badge = await db.fetchrow("SELECT open_flags, flag_severity FROM venues WHERE id = $1", v)
    assert badge["open_flags"] == len(flags_before) and badge["flag_severity"] == "serious"


async def test_flags_are_audited_as_the_checks(db: asyncpg.Connection, settings: Settings) -> None:
    v = await venue(db)
    await purchase(db, v, date(2026, 10, 1))
    await sweep(db, settings)
    actors = await db.fetch("SELECT DISTINCT actor FROM audit_log WHERE table_name = 'flags'")
    assert [a["actor"] for a in actors] == ["scheduled checks"]


# --- who sees and changes flags ---------------------------------------------------------------


async def test_a_manager_sees_their_venues_flags_only_and_cannot_change_them(
    db: asyncpg.Connection, settings: Settings, people: People
) -> None:
    mine, theirs = await venue(db, "Mine"), await venue(db, "Theirs")
    await purchase(db, mine, date(2026, 10, 1))
    await purchase(db, theirs, date(2026, 10, 2))
    await sweep(db, settings)
    own_flag = await db.fetchval(
        "SELECT id FROM flags WHERE venue_id = $1 AND rule = 'underage_sale'", mine
    )
    other_flag = await db.fetchval(
        "SELECT id FROM flags WHERE venue_id = $1 AND rule = 'underage_sale'", theirs
    )
    async with await people.signed_in("venue_manager", [mine]) as manager:
        listed = (await manager.get("/api/v1/flags")).json()
        assert {f["venue_name"] for f in listed["items"]} == {"Mine"}
        snooping = (await manager.get(f"/api/v1/flags?venue_id={theirs}")).json()
        assert snooping["items"] == [] and snooping["total"] == 0
        page = await manager.get("/flags")
        assert "Mine" in page.text and "Theirs" not in page.text
        assert (
            await manager.patch(f"/api/v1/flags/{own_flag}", json={"action": "acknowledge"})
        ).status_code == 403
        assert (
            await manager.patch(f"/api/v1/flags/{other_flag}", json={"action": "acknowledge"})
        ).status_code == 404


async def test_an_officer_acknowledges_then_resolves_with_a_note(
    db: asyncpg.Connection, settings: Settings, client: httpx.AsyncClient
) -> None:
    v = await venue(db)
    await purchase(db, v, date(2026, 10, 1))
    await sweep(db, settings)
    flag_id = await db.fetchval(
        "SELECT id FROM flags WHERE venue_id = $1 AND rule = 'underage_sale'", v
    )
    ack = await client.patch(f"/api/v1/flags/{flag_id}", json={"action": "acknowledge"})
    assert ack.status_code == 200 and ack.json()["status"] == "acknowledged"
    no_note = await client.patch(f"/api/v1/flags/{flag_id}", json={"action": "resolve"})
    assert no_note.status_code == 422
    assert no_note.json()["invalid_params"][0]["name"] == "note"
    done = await client.patch(
        f"/api/v1/flags/{flag_id}", json={"action": "resolve", "note": "Licence review booked"}
    )
    assert (
        done.json()["status"] == "resolved" and done.json()["resolution"] == "Licence review booked"
    )
    # the badge drops the resolved flag (the venue's overdue returns remain)
    assert await db.fetchval("SELECT open_flags FROM venues WHERE id = $1", v) == 1
    changes = await db.fetch(
        "SELECT actor, after->>'status' AS status FROM audit_log WHERE table_name = 'flags' "
        "AND record_id = $1 AND action = 'update' ORDER BY id",
        flag_id,
    )
    assert [c["status"] for c in changes] == ["acknowledged", "resolved"]
    assert all("(officer)" in c["actor"] for c in changes)
    # The cause is still there, but a resolved flag is never raised again for it.
    rerun = await sweep(db, settings)
    assert rerun.opened == 0
    assert (
        await db.fetchval(
            "SELECT count(*) FROM flags WHERE venue_id = $1 AND rule = 'underage_sale'", v
        )
        == 1
    )


async def test_flagged_venues_show_a_badge_in_the_list(
    db: asyncpg.Connection, settings: Settings, client: httpx.AsyncClient
) -> None:
    flagged, calm = await venue(db, "Flagged Arms"), await venue(db, "Calm Arms")
    for v in (flagged, calm):  # every return in, so only the sale is flagged
        await db.execute(
            "INSERT INTO monthly_returns (venue_id, period, refusals, incidents_unreported, "
            "angela_activations, door_staff_hours, cctv_checks) "
            "SELECT $1, m::date, 0, 0, 0, 0, 4 FROM generate_series("
            "date '2025-09-01', date '2026-10-01', interval '1 month') m",
            v,
        )
    await purchase(db, flagged, date(2026, 10, 1))
    await sweep(db, settings)
    page = await client.get("/venues")
    card = page.text.split("Flagged Arms")[1].split("</li>")[0]
    assert "1 flag" in card and "sev-high" in card
    assert "flag" not in page.text.split("Calm Arms")[1].split("</li>")[0]
    api = (await client.get("/api/v1/venues?flagged=true")).json()
    assert [v["name"] for v in api["items"]] == ["Flagged Arms"]
    assert calm not in [v["id"] for v in api["items"]]


# --- the schedule -----------------------------------------------------------------------------


def test_the_nightly_fire_is_02_00_london_across_the_clock_change() -> None:
    assert last_fire_before(datetime(2026, 11, 28, 1, 59, tzinfo=LONDON)) == datetime(
        2026, 11, 27, 2, 0, tzinfo=LONDON
    )
    assert last_fire_before(datetime(2026, 11, 28, 2, 0, tzinfo=LONDON)) == datetime(
        2026, 11, 28, 2, 0, tzinfo=LONDON
    )
    summer = last_fire_before(datetime(2026, 7, 1, 12, 0, tzinfo=UTC))
    assert summer.utcoffset() == timedelta(hours=1) and summer.hour == 2


async def test_two_instances_firing_the_same_schedule_run_it_once(running_app: Any) -> None:
    pool = running_app.state.pool
    runs: list[str] = []

    async def work(trigger: str) -> None:
        runs.append(trigger)
        await asyncio.sleep(0.05)

    one, two = Scheduler(pool, work, instance="one"), Scheduler(pool, work, instance="two")
    fire = datetime(2026, 11, 20, 2, 0, tzinfo=LONDON)
    results = await asyncio.gather(
        one.fire("checks:nightly", fire, "nightly"), two.fire("checks:nightly", fire, "nightly")
    )
    assert sorted(results) == [False, True] and runs == ["nightly"]
    # A fire nobody ran (every server down) runs once at the next start, and only once.
    assert await one.catch_up() is True
    assert await two.catch_up() is False
    assert runs == ["nightly", "catch-up"]


async def test_a_recorded_incident_wakes_the_checks_once_across_instances(
    running_app: Any, db: asyncpg.Connection, dsn: str
) -> None:
    pool = running_app.state.pool
    runs: list[str] = []

    async def work(trigger: str) -> None:
        runs.append(trigger)

    instances = [Scheduler(pool, work, debounce_seconds=0.3, instance=f"i{n}") for n in range(2)]
    for s in instances:
        await s.start(dsn)
    try:
        await asyncio.sleep(0.3)  # let the catch-up run settle
        runs.clear()
        v = await venue(db)
        for _ in range(3):  # a burst: one run, not three
            await incident(db, v, datetime.now(UTC))
        for _ in range(40):
            await asyncio.sleep(0.1)
            if runs:
                break
        await asyncio.sleep(0.6)
        assert runs == ["after-change"]
    finally:
        for s in instances:
            await s.stop()


async def test_rules_run_side_by_side_find_the_same_flags(
    db: asyncpg.Connection, settings: Settings, running_app: Any
) -> None:
    v = await venue(db)
    await purchase(db, v, date(2026, 10, 1))
    for days in (1, 2, 3):
        await incident(db, v, NOW - timedelta(days=days))
    side_by_side = await run_checks(db, settings, now=NOW, pool=running_app.state.pool)
    assert side_by_side.opened == len(await db.fetch("SELECT id FROM flags"))
    one_by_one = await sweep(db, settings)
    assert (one_by_one.opened, one_by_one.updated, one_by_one.resolved) == (0, 0, 0)


async def test_the_checks_do_not_wake_themselves(running_app: Any, dsn: str) -> None:
    """A sweep updates venues' badges; that must not notify the checks again (a loop)."""
    heard: list[str] = []
    listener = await asyncpg.connect(dsn)
    await listener.add_listener("nte_checks", lambda *args: heard.append(args[-1]))
    try:
        async with running_app.state.pool.acquire() as conn:
            v = await venue(conn)
            await asyncio.sleep(0.2)
            assert len(heard) == 1, "a new venue (an import) wakes the checks"
            await purchase(conn, v, date(2026, 10, 1))
            await asyncio.sleep(0.2)
            heard.clear()
            await run_checks(conn, Settings(), now=NOW)
            await asyncio.sleep(0.3)
        assert heard == []
    finally:
        await listener.close()


def test_rule_summaries_say_the_boroughs_own_numbers(settings: Settings) -> None:
    changed = msgspec.structs.replace(
        settings,
        underage_lookback_months=6,
        violence_cluster_count=4,
        violence_window_days=14,
        training_coverage_percent=90,
        sia_warning_days=45,
        angela_retest_days=21,
        return_due_days=10,
    )
    said = {r.name: r.describe(changed) for r in RULES}
    assert said["violence_cluster"] == "4 or more violent incidents at the venue in 14 days"
    assert "in the last 6 months" in said["underage_sale"]
    assert "in the last 14 days" in said["serious_violence"]
    assert "below 90%" in said["training_lapsed"]
    assert "within 45 days" in said["sia_expiring"]
    assert "within 21 days" in said["angela_retest_due"]
    assert "due 10 days after" in said["return_overdue"]
    assert not [text for text in said.values() if "{" in text or "}" in text]


async def test_the_flags_page_explains_a_flag_with_the_settings_in_force(
    db: asyncpg.Connection, client: httpx.AsyncClient, settings: Settings
) -> None:
    await purchase(db, await venue(db), date(2026, 10, 1))
    await sweep(db, settings)
    page = (await client.get("/flags", headers={"accept": "text/html"})).text
    underage = next(r for r in RULES if r.name == "underage_sale")
    assert html.escape(underage.describe(settings), quote=True) in page
    assert "{" not in page.split("<main", 1)[1]

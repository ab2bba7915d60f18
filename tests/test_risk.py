"""The risk rating: each factor at its thresholds, points summing to the score, the bands and
the next inspection due; band changes recorded with the factors that moved; the
inspection_overdue flag; and the API and venue list that read the rating."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import msgspec
import pytest

from inspections.flags.sweep import run_checks
from nte.clock import LONDON
from nte.clock import today as london_today
from nte.settings import Settings, load_settings
from tests.conftest import People
from tests.helpers import add_venue, invalid_params

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=LONDON)
TODAY = NOW.date()


async def venue(db: asyncpg.Connection, name: str = "The Test Inn", **columns: Any) -> int:
    columns.setdefault("licensable_activities", ["sale_of_alcohol"])
    return await add_venue(db, name, **columns)


async def rate(db: asyncpg.Connection, settings: Settings, now: datetime = NOW) -> Any:
    return await run_checks(db, settings, now=now)


async def rating(db: asyncpg.Connection, venue_id: int) -> dict[str, Any]:
    row = await db.fetchrow("SELECT * FROM venue_risk WHERE venue_id = $1", venue_id)
    assert row is not None, "the venue was not rated"
    return dict(row)


async def factor(db: asyncpg.Connection, venue_id: int, name: str) -> dict[str, Any]:
    factors = (await rating(db, venue_id))["factors"]
    return next(f for f in factors if f["name"] == name)


async def incident(
    db: asyncpg.Connection,
    venue_id: int,
    at: datetime,
    category: str = "violence",
    severity: str = "medium",
) -> None:
    await db.execute(
        "INSERT INTO incidents (venue_id, occurred_at, category, severity, source, description,"
        " sensitive) VALUES ($1, $2, $3, $4, 'police', 'Recorded for the test',"
        " $3 = 'sexual_offence')",
        venue_id,
        at,
        category,
        severity,
    )


async def inspection(
    db: asyncpg.Connection,
    venue_id: int,
    completed_at: datetime | None,
    outcome: str = "compliant",
    confidence: int | None = None,
) -> int:
    return int(
        await db.fetchval(
            "INSERT INTO inspections (venue_id, client_uuid, fingerprint, started_at, completed_at,"
            " outcome, confidence_in_management) VALUES ($1, $2, '\\x00', $3, $4, $5, $6) RETURNING id",
            venue_id,
            uuid.uuid4(),
            completed_at or NOW,
            completed_at,
            outcome if completed_at else None,
            confidence,
        )
    )


# -- each factor at its thresholds ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "points"),
    [(0, 0), (1, 10), (2, 10), (3, 20), (5, 20), (6, 30)],
)
async def test_violent_incidents_in_90_days(
    db: asyncpg.Connection, settings: Settings, count: int, points: int
) -> None:
    v = await venue(db)
    for n in range(count):
        await incident(db, v, NOW - timedelta(days=1 + n))
    await incident(db, v, NOW - timedelta(days=90, minutes=1))  # just outside the window
    await rate(db, settings)
    got = await factor(db, v, "violence")
    assert got["points"] == points
    if count:
        assert got["reason"].startswith(f"{count} violent incident")
    else:
        assert got["reason"] == "No violent incidents at the venue in the last 90 days"


async def test_a_serious_incident_in_90_days_scores_20(
    db: asyncpg.Connection, settings: Settings
) -> None:
    inside, outside = await venue(db, "Inside"), await venue(db, "Outside")
    await incident(db, inside, NOW - timedelta(days=89), "sexual_offence", "serious")
    await incident(db, outside, NOW - timedelta(days=91), "violence", "serious")
    await rate(db, settings)
    got = await factor(db, inside, "serious_incident")
    assert got["points"] == 20 and got["reason"].startswith("Serious sexual offence incident on")
    assert (await factor(db, outside, "serious_incident"))["points"] == 0


@pytest.mark.parametrize(("sales", "points"), [(0, 0), (1, 20), (2, 40)])
async def test_sales_to_children_in_12_months(
    db: asyncpg.Connection, settings: Settings, sales: int, points: int
) -> None:
    v = await venue(db)
    for n in range(sales):
        await db.execute(
            "INSERT INTO test_purchases (venue_id, attempted_on, agency, outcome)"
            " VALUES ($1, $2, 'Kent Trading Standards', 'fail')",
            v,
            TODAY - timedelta(days=30 * (n + 1)),
        )
    await db.execute(  # a year and a day ago: spent
        "INSERT INTO test_purchases (venue_id, attempted_on, agency, outcome)"
        " VALUES ($1, $2, 'Kent Trading Standards', 'fail')",
        v,
        date(2025, 11, 26),
    )
    await rate(db, settings)
    got = await factor(db, v, "sales_to_children")
    assert got["points"] == points
    if sales == 2:
        assert "s.147A" in got["reason"]


@pytest.mark.parametrize(
    ("venue_type", "hours", "points", "reason"),
    [
        ("nightclub", {}, 30, "A nightclub"),
        (
            "pub",
            {"fri": {"open": "11:00", "close": "01:30"}},
            20,
            "Licensed past midnight (Fri until 01:30)",
        ),
        (
            "pub",
            {"fri": {"open": "11:00", "close": "00:00"}},
            10,
            "An alcohol-led venue (pub) closing by midnight",
        ),
        ("restaurant", {}, 5, "A restaurant, not alcohol-led"),
    ],
    ids=["nightclub", "past-midnight", "until-midnight", "restaurant"],
)
async def test_venue_type_and_hours(
    db: asyncpg.Connection,
    settings: Settings,
    venue_type: str,
    hours: dict[str, Any],
    points: int,
    reason: str,
) -> None:
    v = await venue(db, venue_type=venue_type)
    await db.execute("UPDATE venues SET licensed_hours = $2 WHERE id = $1", v, hours)
    await rate(db, settings)
    assert await factor(db, v, "venue_type") == {
        "name": "venue_type",
        "title": "Venue type and hours",
        "points": points,
        "reason": reason,
    }


@pytest.mark.parametrize(
    ("capacity", "points"), [(None, 0), (199, 0), (200, 10), (799, 10), (800, 20)]
)
async def test_capacity(
    db: asyncpg.Connection, settings: Settings, capacity: int | None, points: int
) -> None:
    v = await venue(db, capacity=capacity)
    await rate(db, settings)
    got = await factor(db, v, "capacity")
    assert got["points"] == points
    assert got["reason"] == ("Capacity not recorded" if capacity is None else got["reason"])


@pytest.mark.parametrize(
    ("ago_days", "outcome", "points"),
    [
        (None, None, 15),
        (30, "major", 30),
        (30, "minor", 10),
        (30, "compliant", 0),
        (740, "compliant", 15),
    ],
    ids=["never", "major", "minor", "compliant", "over-24-months"],
)
async def test_last_inspection_outcome(
    db: asyncpg.Connection,
    settings: Settings,
    ago_days: int | None,
    outcome: str | None,
    points: int,
) -> None:
    v = await venue(db)
    if ago_days is not None:
        await inspection(db, v, NOW - timedelta(days=ago_days), outcome or "compliant")
    await inspection(db, v, None)  # started, not completed: not an inspection yet
    await rate(db, settings)
    assert (await factor(db, v, "last_inspection"))["points"] == points


async def test_actions_training_angela_and_confidence(
    db: asyncpg.Connection, settings: Settings
) -> None:
    v = await venue(db)
    done = await inspection(db, v, NOW - timedelta(days=40), "minor", confidence=20)
    await db.execute(
        "INSERT INTO actions (inspection_id, venue_id, item, severity, description, due_on)"
        " VALUES ($1, $2, 'Refusals log', 'minor', 'Keep it', $3)",
        done,
        v,
        TODAY - timedelta(days=1),
    )
    # a staff list with no DPS on an alcohol licence
    await db.execute(
        "INSERT INTO staff (venue_id, name, role, front_of_house) VALUES ($1, 'Sam', 'bar', false)",
        v,
    )
    await db.execute(
        "INSERT INTO angela_tests (venue_id, tested_on, outcome, tester_organisation)"
        " VALUES ($1, $2, 'fail', 'Kent Police')",
        v,
        TODAY - timedelta(days=3),
    )
    await rate(db, settings)
    assert (await factor(db, v, "actions_overdue"))["points"] == 15
    assert (await factor(db, v, "training"))["reason"] == "No DPS on the staff list"
    assert (await factor(db, v, "training"))["points"] == 10
    assert (await factor(db, v, "angela_retest"))["points"] == 10
    got = await factor(db, v, "confidence")
    assert got["points"] == 20 and "little confidence (20 of 30)" in got["reason"]

    # the re-test passes and the action is verified: both drop to 0
    await db.execute(
        "INSERT INTO angela_tests (venue_id, tested_on, outcome, tester_organisation)"
        " VALUES ($1, $2, 'pass', 'Kent Police')",
        v,
        TODAY,
    )
    await db.execute("UPDATE actions SET status = 'verified', verified_at = now()")
    await rate(db, settings)
    assert (await factor(db, v, "actions_overdue"))["points"] == 0
    assert (await factor(db, v, "angela_retest"))["points"] == 0


async def test_the_points_sum_to_the_score(db: asyncpg.Connection, settings: Settings) -> None:
    v = await venue(db, venue_type="nightclub", capacity=900)
    for n in range(4):
        await incident(db, v, NOW - timedelta(days=2 + n))
    await rate(db, settings)
    got = await rating(db, v)
    points = [f["points"] for f in got["factors"]]
    assert len(points) == 10
    # nightclub 30, capacity 20, 4 violent 20, never inspected 15
    assert got["score"] == sum(points) == 85
    assert got["band"] == "B"
    row = await db.fetchrow("SELECT risk_band, risk_score FROM venues WHERE id = $1", v)
    assert (row["risk_band"], row["risk_score"]) == ("B", 85)


@pytest.mark.parametrize(
    ("score", "band"),
    [(39, "D"), (40, "C"), (69, "C"), (70, "B"), (99, "B"), (100, "A")],
)
async def test_band_boundaries(
    db: asyncpg.Connection, settings: Settings, score: int, band: str
) -> None:
    # A restaurant never inspected: its type's points plus 15, so the type decides the score.
    v = await venue(db, venue_type="restaurant")
    await rate(db, msgspec.structs.replace(settings, risk_points_other_type=score - 15))
    got = await rating(db, v)
    assert (got["score"], got["band"]) == (score, band)


@pytest.mark.parametrize(("sales", "band", "months"), [(0, "D", 24), (1, "C", 12)])
async def test_next_inspection_due_from_the_last_completed_inspection(
    db: asyncpg.Connection, settings: Settings, sales: int, band: str, months: int
) -> None:
    v = await venue(db)  # a pub: 10
    await inspection(db, v, datetime(2026, 5, 14, 10, tzinfo=LONDON), "minor")  # 10
    await inspection(db, v, datetime(2025, 1, 2, 10, tzinfo=LONDON), "major")  # older: ignored
    if sales:
        await db.execute(  # 20
            "INSERT INTO test_purchases (venue_id, attempted_on, agency, outcome)"
            " VALUES ($1, $2, 'Kent Trading Standards', 'fail')",
            v,
            date(2026, 9, 1),
        )
    await rate(db, settings)
    got = await rating(db, v)
    assert got["band"] == band
    assert got["last_inspected_on"] == date(2026, 5, 14)
    assert got["next_inspection_due"] == date(
        2026 + (5 + months - 1) // 12, (5 + months - 1) % 12 + 1, 14
    )
    assert (
        got["due_reason"]
        == f"Band {band}: every {months} months after the last inspection (14 May 2026)"
    )


async def test_a_new_venue_is_due_from_the_day_it_was_added(
    db: asyncpg.Connection, settings: Settings
) -> None:
    v = await venue(db)
    await db.execute("UPDATE venues SET created_at = $2 WHERE id = $1", v, NOW - timedelta(days=3))
    await rate(db, settings)
    assert (await rating(db, v))["next_inspection_due"] == TODAY - timedelta(days=3)


async def test_an_officers_earlier_date_counts_until_the_next_inspection(
    db: asyncpg.Connection, settings: Settings
) -> None:
    v = await venue(db)
    await inspection(db, v, NOW - timedelta(days=60))
    await db.execute(
        "INSERT INTO inspection_due_overrides (venue_id, due_on, reason, set_at)"
        " VALUES ($1, $2, 'Complaints from neighbours', $3)",
        v,
        TODAY + timedelta(days=7),
        NOW - timedelta(days=1),
    )
    await rate(db, settings)
    got = await rating(db, v)
    assert got["next_inspection_due"] == TODAY + timedelta(days=7)
    assert got["due_reason"] == "Brought forward by an officer: Complaints from neighbours"
    await inspection(db, v, NOW)
    await rate(db, settings)
    assert (await rating(db, v))["next_inspection_due"] == date(2028, 11, 27)


def test_every_number_is_a_setting() -> None:
    changed = load_settings({"NTE_RISK_POINTS_NIGHTCLUB": "35", "NTE_RISK_BAND_A": "90"})
    assert (changed.risk_points_nightclub, changed.risk_band_a) == (35, 90)


# -- band changes -----------------------------------------------------------------------------


async def test_a_band_change_records_the_factors_that_moved_and_a_rerun_writes_nothing(
    db: asyncpg.Connection, settings: Settings
) -> None:
    v = await venue(db)  # pub 10 + never inspected 15 = 25: D
    first = await rate(db, settings)
    assert first.risk.band_changes == 0  # a first rating is no change
    for n in range(3):
        await incident(db, v, NOW - timedelta(days=1 + n))  # +20 = 45: C
    result = await rate(db, settings)
    assert result.risk.band_changes == 1
    [change] = await db.fetch("SELECT * FROM risk_changes")
    assert (change["venue_id"], change["old_band"], change["new_band"]) == (v, "D", "C")
    assert (change["old_score"], change["new_score"]) == (25, 45)
    [moved] = change["moved"]
    assert moved["name"] == "violence" and (moved["old_points"], moved["new_points"]) == (0, 20)
    assert moved["reason"].startswith("3 violent incidents")

    computed = (await rating(db, v))["computed_at"]
    audit = await db.fetchval("SELECT count(*) FROM audit_log")
    again = await rate(db, settings)
    assert (again.risk.rated, again.risk.band_changes) == (0, 0)
    assert await db.fetchval("SELECT count(*) FROM risk_changes") == 1
    assert (await rating(db, v))["computed_at"] == computed
    assert await db.fetchval("SELECT count(*) FROM audit_log") == audit

    # the band change shows on the venue's timeline
    kinds = await db.fetch("SELECT title FROM venue_work_events WHERE kind = 'risk'")
    assert [k["title"] for k in kinds] == ["Risk band D to C (score 25 to 45)"]


# -- inspection_overdue -----------------------------------------------------------------------


async def test_inspection_overdue_opens_past_the_due_date_and_resolves_on_an_inspection(
    db: asyncpg.Connection, settings: Settings
) -> None:
    v = await venue(db)
    await inspection(db, v, datetime(2024, 11, 27, 10, tzinfo=LONDON))  # D: due 27 Nov 2026
    await rate(db, settings)  # on the due day: not overdue yet
    assert await db.fetch("SELECT * FROM flags WHERE rule = 'inspection_overdue'") == []

    await rate(db, settings, now=NOW + timedelta(days=1))
    [flag] = await db.fetch("SELECT * FROM flags WHERE rule = 'inspection_overdue'")
    assert flag["status"] == "open" and flag["venue_id"] == v
    assert flag["explanation"].startswith("Inspection was due by 27 Nov 2026 (band D")

    await inspection(db, v, NOW + timedelta(days=1, hours=1))
    await rate(db, settings, now=NOW + timedelta(days=1, hours=2))
    [flag] = await db.fetch("SELECT * FROM flags WHERE rule = 'inspection_overdue'")
    assert flag["status"] == "resolved"
    assert "an inspection was completed" in flag["resolution"]


# -- the API and the venue list ---------------------------------------------------------------


async def test_the_risk_api_answers_the_contract_and_keeps_to_scope(
    db: asyncpg.Connection, settings: Settings, people: People
) -> None:
    mine, other = await venue(db, "Mine", venue_type="nightclub"), await venue(db, "Other")
    await rate(db, settings)
    async with await people.signed_in("venue_manager", [mine]) as manager:
        body = (await manager.get(f"/api/v1/venues/{mine}/risk")).json()
        assert {"score", "band", "next_inspection_due", "factors"} <= set(body)
        assert body["score"] == sum(f["points"] for f in body["factors"]) == 45
        assert body["band"] == "C"
        assert {"name", "points", "reason"} <= set(body["factors"][0])
        assert (await manager.get(f"/api/v1/venues/{other}/risk")).status_code == 404


async def test_the_venue_list_filters_by_band_and_sorts_by_risk(
    db: asyncpg.Connection, settings: Settings, client: Any
) -> None:
    quiet = await venue(db, "Aardvark Arms", venue_type="restaurant")  # 20: D
    busy = await venue(db, "Zebra Club", venue_type="nightclub", capacity=900)  # 65: C
    await rate(db, settings)
    by_risk = (await client.get("/api/v1/venues", params={"sort": "risk"})).json()["items"]
    assert [v["id"] for v in by_risk] == [busy, quiet]
    assert (by_risk[0]["band"], by_risk[0]["risk_score"]) == ("C", 65)
    in_d = (await client.get("/api/v1/venues", params={"band": "D"})).json()["items"]
    assert [v["id"] for v in in_d] == [quiet]
    by_due = (await client.get("/api/v1/venues", params={"sort": "next_inspection_due"})).json()
    assert by_due["total"] == 2
    assert "band" in invalid_params(await client.get("/api/v1/venues", params={"band": "E"}), 400)
    assert "sort" in invalid_params(await client.get("/api/v1/venues", params={"sort": "x"}), 400)


async def test_an_officer_brings_the_next_inspection_forward_with_a_reason(
    db: asyncpg.Connection, settings: Settings, people: People
) -> None:
    v = await venue(db)
    await inspection(db, v, datetime.now(LONDON) - timedelta(days=30))
    await run_checks(db, settings)
    band_due = (await rating(db, v))["next_inspection_due"]
    soon = london_today() + timedelta(days=5)
    async with await people.signed_in("officer") as officer:
        answer = await officer.put(
            f"/api/v1/venues/{v}/risk/due",
            json={"due_on": soon.isoformat(), "reason": "Complaints"},
        )
        assert answer.status_code == 200, answer.text
        later = (band_due + timedelta(days=1)).isoformat()
        refused = await officer.put(
            f"/api/v1/venues/{v}/risk/due", json={"due_on": later, "reason": "Later"}
        )
        assert "due_on" in invalid_params(refused)
        assert "reason" in invalid_params(
            await officer.put(f"/api/v1/venues/{v}/risk/due", json={"due_on": soon.isoformat()}),
            400,
        )
    async with await people.signed_in("partner") as partner:
        assert (
            await partner.put(
                f"/api/v1/venues/{v}/risk/due", json={"due_on": soon.isoformat(), "reason": "x"}
            )
        ).status_code == 403
    await run_checks(db, settings)
    got = await rating(db, v)
    assert got["next_inspection_due"] == soon
    assert got["due_reason"] == "Brought forward by an officer: Complaints"

"""`nte demo`: the real Maidstone venues with generated licences, the same on every machine."""

from __future__ import annotations

import asyncio
import subprocess
from typing import Any

from nte.db import connect
from nte.migrate import apply_migrations
from tests.conftest import NTE, query
from venues.demo import load_demo
from venues.queries import MANDATORY_CONDITIONS

MANDATORY_CODES = sorted(code for code, *_ in MANDATORY_CONDITIONS)

LICENCES = """
    SELECT fhrs_id, name, premises_licence_no, licence_holder, dps_name, venue_type, status,
           capacity, licensable_activities, licensed_hours, generated, updated_at
    FROM venues ORDER BY fhrs_id"""
CONDITIONS = """
    SELECT v.fhrs_id, c.id, c.kind, c.objective, c.params, c.text, c.mandatory_code, c.updated_at
    FROM conditions c JOIN venues v ON v.id = c.venue_id ORDER BY v.fhrs_id, c.id"""


def run_demo(env: dict[str, str]) -> str:
    result = subprocess.run(
        [str(NTE), "demo"], env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_demo_licenses_every_real_venue_and_a_rerun_changes_nothing(
    cli_env: dict[str, str], dsn: str
) -> None:
    out = run_demo(cli_env)
    assert "128 venues created" in out and "128 licences generated" in out
    assert "generated" in out

    venues = query(dsn, LICENCES)
    assert len(venues) == 128
    for v in venues:
        assert v["generated"], v["name"]
        assert v["premises_licence_no"] and v["licence_holder"] and v["dps_name"], v["name"]
        assert v["licensed_hours"] and v["capacity"], v["name"]
        assert "sale_of_alcohol" in v["licensable_activities"]

    conditions = query(dsn, CONDITIONS)
    by_venue: dict[int, list[dict[str, Any]]] = {}
    for c in conditions:
        by_venue.setdefault(c["fhrs_id"], []).append(c)
    assert len(by_venue) == 128
    for fhrs_id, conds in by_venue.items():
        # Every alcohol licence carries the mandatory conditions once each, beside its own.
        assert sorted(c["mandatory_code"] for c in conds if c["mandatory_code"]) == MANDATORY_CODES
        own = {c["kind"] for c in conds if not c["mandatory_code"]}
        assert {"cctv", "capacity"} <= own, fhrs_id

    nightclubs = [v for v in venues if v["venue_type"] == "nightclub"]
    assert "Society Rooms" in {v["name"] for v in nightclubs}
    for club in nightclubs:
        kinds = {c["kind"] for c in by_venue[club["fhrs_id"]] if not c["mandatory_code"]}
        assert {"door_supervisors", "last_entry"} <= kinds
    # A borough, not one venue copied 128 times.
    assert len({v["capacity"] for v in venues}) > 10
    assert len({str(v["licensed_hours"]) for v in venues}) > 3
    assert len({v["licence_holder"] for v in venues}) > 5
    assert {"pub", "bar", "nightclub", "other"} <= {v["venue_type"] for v in venues}

    inspections = query(
        dsn,
        "SELECT i.venue_id, i.outcome, i.generated, u.role, count(a.id) AS actions "
        "FROM inspections i JOIN users u ON u.id = i.officer_id "
        "LEFT JOIN actions a ON a.inspection_id = i.id GROUP BY i.id, u.role ORDER BY i.id",
    )
    assert len(inspections) > 30 and all(
        i["generated"] and i["role"] == "officer" for i in inspections
    )
    assert {"compliant", "minor"} <= {i["outcome"] for i in inspections}
    assert sum(i["actions"] for i in inspections) > 0

    again = run_demo(cli_env)
    assert "0 venues created, 0 updated, 128 unchanged; 0 licences generated" in again
    assert len(query(dsn, "SELECT id FROM inspections")) == len(inspections)
    assert query(dsn, LICENCES) == venues
    assert query(dsn, CONDITIONS) == conditions


def test_two_fresh_databases_get_the_same_demo(dsn: str, empty_dsn: str) -> None:
    async def load(target: str) -> None:
        conn = await connect(target)
        try:
            await apply_migrations(conn)
            await load_demo(conn, progress=False)
        finally:
            await conn.close()

    asyncio.run(load(dsn))
    asyncio.run(load(empty_dsn))

    def generated(target: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        licences = [
            tuple(v for k, v in row.items() if k != "updated_at") for row in query(target, LICENCES)
        ]
        conditions = [
            tuple(v for k, v in row.items() if k not in {"id", "updated_at"})
            for row in query(target, CONDITIONS)
        ]
        return licences, conditions

    first, second = generated(dsn), generated(empty_dsn)
    assert len(first[0]) == 128 and len(first[1]) > 128 * len(MANDATORY_CODES)
    assert first == second

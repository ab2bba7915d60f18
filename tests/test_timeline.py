"""A venue's timeline: every part of its record, newest first, filtered, redacted for the viewer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import asyncpg
import httpx

from tests.conftest import People


async def arrange(db: asyncpg.Connection, reporter: int | None = None) -> int:
    v = int(await db.fetchval("INSERT INTO venues (name) VALUES ('Timeline Tavern') RETURNING id"))
    now = datetime.now(UTC)
    await db.execute(
        "INSERT INTO incidents (venue_id, occurred_at, category, severity, source, description) "
        "VALUES ($1, $2, 'violence', 'high', 'police', 'Fight at the door')",
        v,
        now - timedelta(days=1),
    )
    await db.execute(
        "INSERT INTO incidents (venue_id, occurred_at, category, severity, source, description, "
        "sensitive, reported_by) VALUES ($1, $2, 'sexual_offence', 'serious', 'police', "
        "'Details only for those allowed', true, $3)",
        v,
        now - timedelta(days=2),
        reporter,
    )
    await db.execute(
        "INSERT INTO test_purchases (venue_id, attempted_on, agency, outcome) "
        "VALUES ($1, $2, 'Kent Trading Standards', 'fail')",
        v,
        date.today() - timedelta(days=10),
    )
    await db.execute(
        "INSERT INTO angela_tests (venue_id, tested_on, tester_organisation, outcome) "
        "VALUES ($1, $2, 'Kent Police', 'pass')",
        v,
        date.today() - timedelta(days=20),
    )
    # police open data near the venue must never appear
    return v


async def test_the_timeline_lists_everything_newest_first(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    v = await arrange(db)
    await client.patch(f"/api/v1/venues/{v}", json={"capacity": 150})
    page = (await client.get(f"/api/v1/venues/{v}/timeline")).json()
    kinds = [i["kind"] for i in page["items"]]
    # the officer's change, then the venue's creation, then the record's events
    assert kinds == ["licence", "licence", "incident", "incident", "test_purchase", "angela_test"]
    assert page["items"][0]["title"] == "Licence details changed"
    assert "(officer)" in page["items"][0]["detail"]
    ats = [i["at"] for i in page["items"]]
    assert ats == sorted(ats, reverse=True)
    assert page["items"][2]["title"] == "Violence"
    assert page["items"][3]["title"] != "Sensitive incident", "officers see sensitive details"
    assert page["items"][4]["title"] == "Test purchase: sold to a child"


async def test_filters_by_kind_and_dates(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    v = await arrange(db)
    only = (
        await client.get(f"/api/v1/venues/{v}/timeline?kind=test_purchase&kind=angela_test")
    ).json()
    assert [i["kind"] for i in only["items"]] == ["test_purchase", "angela_test"]
    since = (date.today() - timedelta(days=15)).isoformat()
    recent = (await client.get(f"/api/v1/venues/{v}/timeline?since={since}")).json()
    assert [i["kind"] for i in recent["items"]] == [
        "licence",
        "incident",
        "incident",
        "test_purchase",
    ]
    bad = await client.get(f"/api/v1/venues/{v}/timeline?kind=gossip")
    assert bad.status_code == 422 and bad.json()["invalid_params"][0]["name"] == "kind"
    backwards = await client.get(f"/api/v1/venues/{v}/timeline?since=2026-05-01&until=2026-04-01")
    assert backwards.status_code == 422


async def test_a_manager_sees_that_a_sensitive_incident_happened_but_not_what(
    db: asyncpg.Connection, people: People
) -> None:
    v = await arrange(db)
    async with await people.signed_in("venue_manager", [v]) as manager:
        items = (await manager.get(f"/api/v1/venues/{v}/timeline")).json()["items"]
        sensitive = [i for i in items if i["kind"] == "incident"][1]
        assert sensitive["title"] == "Sensitive incident" and sensitive["detail"] == ""
        assert all("Details only" not in i["detail"] for i in items)
        assert "licence" not in [i["kind"] for i in items], "the audit trail names people"
        page = await manager.get(f"/venues/{v}/timeline")
        assert "Sensitive incident" in page.text and "Details only" not in page.text


async def test_the_reporter_sees_their_own_sensitive_incident(
    db: asyncpg.Connection, people: People
) -> None:
    v = int(await db.fetchval("INSERT INTO venues (name) VALUES ('Reporter Rooms') RETURNING id"))
    manager = await people.user("venue_manager", [v])
    await db.execute(
        "INSERT INTO incidents (venue_id, occurred_at, category, severity, source, description, "
        "sensitive, reported_by) VALUES ($1, now(), 'sexual_harassment', 'high', 'venue', "
        "'Reported by this manager', true, $2)",
        v,
        manager,
    )
    async with await people.client_for(manager) as client:
        items = (await client.get(f"/api/v1/venues/{v}/timeline?kind=incident")).json()["items"]
    assert [(i["title"], i["detail"]) for i in items] == [
        ("Sexual harassment", "High · Reported by this manager")
    ]


async def test_police_data_never_appears(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    v = int(
        await db.fetchval(
            "INSERT INTO venues (name, latitude, longitude) "
            "VALUES ('Near Crime', 51.2727, 0.5219) RETURNING id"
        )
    )
    await db.execute(
        "INSERT INTO police_crimes (crime_key, month, latitude, longitude, crime_type) "
        "VALUES ('abc', '2022-11-01', 51.2727, 0.5219, 'Violence and sexual offences')"
    )
    page = (await client.get(f"/api/v1/venues/{v}/timeline")).json()
    assert [i["kind"] for i in page["items"]] == ["licence"], "only the venue's own creation"

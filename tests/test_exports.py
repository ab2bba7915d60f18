"""CSV exports: scoped and redacted as the caller's API reads are, formulas made inert,
streamed, and a download link on each list page."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from inspections.exports.service import neutralise
from nte.auth.middleware import SESSION_COOKIE
from nte.auth.store import create_session
from tests.conftest import People
from tests.helpers import BROWSER, add_venue


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def add_incident(
    db: asyncpg.Connection, venue_id: int | None, description: str, **fields: Any
) -> int:
    incident_id: int = await db.fetchval(
        """INSERT INTO incidents (venue_id, occurred_at, category, severity, source, description,
                                  sensitive, reported_by)
           VALUES ($1, $2, $3, 'medium', 'police', $4, $5, $6) RETURNING id""",
        venue_id,
        fields.get("occurred_at", datetime.now(UTC) - timedelta(days=1)),
        fields.get("category", "violence"),
        description,
        fields.get("sensitive", False),
        fields.get("reported_by"),
    )
    return incident_id


@pytest.fixture
async def town(db: asyncpg.Connection) -> dict[str, int]:
    swan = await add_venue(db, "The Swan")
    crown = await add_venue(db, "The Crown")
    return {
        "swan": swan,
        "crown": crown,
        "swan_fight": await add_incident(db, swan, "Fight by the door at the Swan"),
        "swan_assault": await add_incident(
            db,
            swan,
            "Jane Doe was assaulted in the toilets",
            category="sexual_offence",
            sensitive=True,
        ),
        "crown_theft": await add_incident(db, crown, "Phone stolen at the Crown", category="theft"),
    }


async def test_a_managers_incidents_export_holds_their_venues_only_and_no_sensitive_detail(
    people: People, town: dict[str, int]
) -> None:
    async with await people.signed_in("venue_manager", [town["swan"]]) as manager:
        response = await manager.get("/api/v1/exports/incidents.csv")
        api = (await manager.get("/api/v1/incidents", params={"limit": 200})).json()["items"]
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = rows_of(response.text)
    assert {int(r["id"]) for r in rows} == {town["swan_fight"], town["swan_assault"]}
    assert "Crown" not in response.text
    assert "Jane Doe" not in response.text and "toilets" not in response.text
    redacted = next(r for r in rows if int(r["id"]) == town["swan_assault"])
    assert redacted["redacted"] == "true" and redacted["description"] == ""
    assert redacted["category"] == ""
    # Exactly what the API answers the same person, field for field.
    by_id = {item["id"]: item for item in api}
    for row in rows:
        item = by_id[int(row["id"])]
        assert row["description"] == (item["description"] or "")
        assert row["redacted"] == ("true" if item["redacted"] else "false")


async def test_an_officer_exports_every_incident_with_its_detail(
    client: Any, town: dict[str, int]
) -> None:
    response = await client.get("/api/v1/exports/incidents.csv")
    rows = rows_of(response.text)
    assert {int(r["id"]) for r in rows} == {
        town["swan_fight"],
        town["swan_assault"],
        town["crown_theft"],
    }
    assert "Jane Doe was assaulted in the toilets" in response.text


async def test_a_description_that_would_start_a_formula_arrives_neutralised(
    client: Any, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db, '=HYPERLINK("http://evil.example")')
    await add_incident(db, venue, '=HYPERLINK("http://evil.example","click")')
    await add_incident(db, venue, "+44 7700 900123 rang the door")
    await add_incident(db, venue, "@SUM(A1:A9)")
    await add_incident(db, venue, "-1 glass broken")
    incidents = rows_of((await client.get("/api/v1/exports/incidents.csv")).text)
    assert sorted(r["description"] for r in incidents) == sorted(
        [
            '\'=HYPERLINK("http://evil.example","click")',
            "'+44 7700 900123 rang the door",
            "'@SUM(A1:A9)",
            "'-1 glass broken",
        ]
    )
    venues = rows_of((await client.get("/api/v1/exports/venues.csv")).text)
    assert [v["name"] for v in venues] == ['\'=HYPERLINK("http://evil.example")']


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("\t=1", "'\t=1"),
        ("plain", "plain"),
        (-0.52, "-0.52"),  # a number is not a formula: a longitude stays a number
        (None, ""),
        (True, "true"),
        ({"a": "=b"}, '{"a":"=b"}'),
    ],
)
def test_cells_are_neutralised_only_where_a_spreadsheet_would_run_them(
    value: Any, cell: str
) -> None:
    assert neutralise(value) == cell


async def test_flags_venues_and_inspections_exports_are_scoped(
    people: People, db: asyncpg.Connection, town: dict[str, int]
) -> None:
    for venue in (town["swan"], town["crown"]):
        await db.execute(
            """INSERT INTO flags (venue_id, rule, cause_key, severity, explanation, evidence)
               VALUES ($1, 'violence_cluster', 'x', 'high', 'Three fights', '{}')""",
            venue,
        )
    officer = await people.user("officer")
    for venue in (town["swan"], town["crown"]):
        await db.execute(
            """INSERT INTO inspections (venue_id, client_uuid, fingerprint, officer_id, kind)
               VALUES ($1, gen_random_uuid(), '\\x00', $2, 'planned')""",
            venue,
            officer,
        )
    async with await people.signed_in("venue_manager", [town["swan"]]) as manager:
        for name in ("venues", "flags", "inspections"):
            response = await manager.get(f"/api/v1/exports/{name}.csv")
            assert response.status_code == 200, (name, response.text)
            rows = rows_of(response.text)
            ids = {int(r["id"] if name == "venues" else r["venue_id"]) for r in rows}
            assert ids == {town["swan"]}, name
    async with await people.client_for(officer) as staff:
        flags = rows_of((await staff.get("/api/v1/exports/flags.csv")).text)
    assert {int(r["venue_id"]) for r in flags} == {town["swan"], town["crown"]}


async def test_an_export_of_many_rows_arrives_whole_in_chunks(
    people: People, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db)
    await db.execute(
        """INSERT INTO incidents (venue_id, occurred_at, category, severity, source, description)
           SELECT $1, now() - make_interval(mins => n), 'asb', 'low', 'police', 'Noise ' || n
           FROM generate_series(1, 1234) n""",
        venue,
    )
    # httpx's ASGI transport gathers the body, so ask the app itself, as a server would.
    session = await create_session(db, await people.user("officer"), absolute=timedelta(hours=1))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/v1/exports/incidents.csv",
        "raw_path": b"/api/v1/exports/incidents.csv",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver.local"),
            (b"cookie", f"{SESSION_COOKIE}={session}".encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver.local", 80),
    }
    bodies: list[bytes] = []

    finished = asyncio.Event()

    async def receive() -> dict[str, Any]:
        await finished.wait()  # a client that stays until the body is done
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            bodies.append(message["body"])
        if message["type"] == "http.response.body" and not message.get("more_body"):
            finished.set()

    await people.app(scope, receive, send)  # type: ignore[arg-type]
    rows = rows_of(b"".join(bodies).decode())
    assert len(rows) == 1234
    assert rows[0]["description"] == "Noise 1"  # newest first, as the API lists them
    assert len(bodies) >= 3, "the body should be sent as it is read, not built whole"


async def test_every_list_page_offers_its_download(client: Any, db: asyncpg.Connection) -> None:
    venue = await add_venue(db)
    for page, link in [
        ("/venues", "/api/v1/exports/venues.csv"),
        ("/flags", "/api/v1/exports/flags.csv"),
        (f"/venues/{venue}/incidents", f"/api/v1/exports/incidents.csv?venue_id={venue}"),
        (f"/venues/{venue}/inspections", f"/api/v1/exports/inspections.csv?venue_id={venue}"),
    ]:
        markup = (await client.get(page, headers=BROWSER)).text
        assert f'href="{link}"' in markup.replace("&amp;", "&"), page


async def test_exports_need_a_session(anon_client: Any) -> None:
    response = await anon_client.get("/api/v1/exports/incidents.csv")
    assert response.status_code == 401

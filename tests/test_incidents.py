"""Incidents and test purchases: reporting, who sees a sensitive incident's details, street
incidents, scope, and bad input refused by name with nothing saved."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from nte.clock import LONDON
from tests.conftest import People
from tests.helpers import BROWSER, MISSING, Client, Surface, add_venue, problem, text_of


def hours_ago(hours: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).isoformat()


def incident(**fields: Any) -> dict[str, Any]:
    return {
        "occurred_at": hours_ago(2),
        "category": "violence",
        "severity": "medium",
        "description": "Two men fighting by the door; door staff separated them.",
        **fields,
    }


def invalid_names(body: dict[str, Any]) -> set[str]:
    return {p["name"] for p in body.get("invalid_params") or []}


def incidents_section(markup: str) -> str:
    found = re.search(r'<section[^>]*id="incidents".*?</section>', markup, re.S)
    assert found, "the page has no list of incidents"
    return text_of(found[0])


async def count(db: asyncpg.Connection, table: str) -> int:
    n: int = await db.fetchval(f"SELECT count(*) FROM {table}")
    return n


# --- reporting -----------------------------------------------------------------------------


async def test_a_venue_manager_reports_an_incident_at_their_venue(
    people: People, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db, "The Swan")
    manager_id = await people.user("venue_manager", [venue])
    async with await people.client_for(manager_id) as manager:
        response = await manager.post(
            f"/api/v1/venues/{venue}/incidents", json=incident(police_ref=" 46/1234/25 ")
        )
        assert response.status_code == 201, response.text
        saved = response.json()
        assert saved["venue_id"] == venue and saved["category"] == "violence"
        assert saved["source"] == "venue", "a manager's report comes from the venue"
        assert saved["reported_by"] == manager_id and saved["police_ref"] == "46/1234/25"
        assert saved["sensitive"] is False and saved["redacted"] is False
        assert (await manager.get(f"/api/v1/incidents/{saved['id']}")).json() == saved


async def test_lists_are_newest_first_and_paginated(client: Client, db: asyncpg.Connection) -> None:
    venue = await add_venue(db, "The Swan")
    for hours in (30, 2, 10):
        r = await client.post(
            f"/api/v1/venues/{venue}/incidents",
            json=incident(occurred_at=hours_ago(hours), description=f"{hours} hours ago"),
        )
        assert r.status_code == 201
    page = (await client.get(f"/api/v1/venues/{venue}/incidents", params={"limit": 2})).json()
    assert [i["description"] for i in page["items"]] == ["2 hours ago", "10 hours ago"]
    assert page["total"] == 3
    rest = (
        await client.get(f"/api/v1/venues/{venue}/incidents", params={"limit": 2, "offset": 2})
    ).json()
    assert [i["description"] for i in rest["items"]] == ["30 hours ago"]
    past_end = (await client.get("/api/v1/incidents", params={"offset": 10})).json()
    assert past_end["items"] == [] and past_end["total"] == 3
    window = {"since": hours_ago(12), "until": hours_ago(5)}
    within = (await client.get(f"/api/v1/venues/{venue}/incidents", params=window)).json()
    assert [i["description"] for i in within["items"]] == ["10 hours ago"]
    for bad in ({"since": "last week"}, {"limit": 0}, {"category": "fight"}):
        response = await client.get("/api/v1/incidents", params=bad)
        assert response.status_code == 400 and invalid_names(response.json()) == set(bad), bad


async def test_the_source_defaults_to_the_reporters_side(
    people: People, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db, "The Swan")
    for role, source in (("officer", "officer"), ("admin", "officer"), ("venue_manager", "venue")):
        async with await people.signed_in(role, [venue] if role == "venue_manager" else []) as c:
            response = await c.post(f"/api/v1/venues/{venue}/incidents", json=incident())
        assert response.status_code == 201 and response.json()["source"] == source, role
    # A phone's clock a little ahead of ours still says "now", not "the future".
    ahead = (datetime.now(UTC) + timedelta(minutes=2)).isoformat()
    async with await people.signed_in("officer") as c:
        r = await c.post(f"/api/v1/venues/{venue}/incidents", json=incident(occurred_at=ahead))
    assert r.status_code == 201, r.text


ALWAYS_SENSITIVE: list[tuple[dict[str, Any], bool]] = [
    ({"category": "sexual_offence"}, True),
    ({"category": "sexual_offence", "sensitive": False}, True),
    ({"category": "violence", "involved_child": True}, True),
    ({"category": "violence", "involved_child": True, "sensitive": False}, True),
    ({"category": "sexual_harassment"}, False),
    ({"category": "sexual_harassment", "sensitive": True}, True),
    ({"category": "theft"}, False),
]


async def test_sexual_offences_and_children_are_always_sensitive(
    client: Client, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db, "The Swan")
    for fields, sensitive in ALWAYS_SENSITIVE:
        response = await client.post(f"/api/v1/venues/{venue}/incidents", json=incident(**fields))
        assert response.status_code == 201, response.text
        assert response.json()["sensitive"] is sensitive, fields
        stored = await db.fetchval(
            "SELECT sensitive FROM incidents WHERE id = $1", response.json()["id"]
        )
        assert stored is sensitive, fields


# --- sensitive incidents -------------------------------------------------------------------

SECRET = "Customer touched a woman at the bar and followed her to the toilets"
SECRET_REF = "46/998877/25"


class Scene:
    """Venue A with two managers, one of whom reported a sensitive incident there, beside an
    ordinary one; and the people who may look at them."""

    venue: int
    sensitive_id: int
    ordinary_id: int
    users: dict[str, int]


@pytest.fixture
async def scene(people: People, db: asyncpg.Connection) -> Scene:
    s = Scene()
    s.venue = await add_venue(db, "The Swan")
    s.users = {
        "reporter": await people.user("venue_manager", [s.venue]),
        "co_manager": await people.user("venue_manager", [s.venue]),
        "officer": await people.user("officer"),
        "partner": await people.user("partner"),
        "admin": await people.user("admin"),
    }
    async with await people.client_for(s.users["reporter"]) as reporter:
        r = await reporter.post(
            f"/api/v1/venues/{s.venue}/incidents",
            json=incident(
                category="sexual_harassment",
                severity="high",
                sensitive=True,
                involved_child=True,
                police_ref=SECRET_REF,
                description=SECRET,
                occurred_at=hours_ago(1),
            ),
        )
        assert r.status_code == 201 and r.json()["description"] == SECRET
        s.sensitive_id = r.json()["id"]
        r = await reporter.post(
            f"/api/v1/venues/{s.venue}/incidents",
            json=incident(
                category="asb", description="Shouting at closing time", occurred_at=hours_ago(3)
            ),
        )
        s.ordinary_id = r.json()["id"]
    return s


VIEWERS = [
    ("reporter", True),
    ("officer", True),
    ("partner", True),
    ("admin", True),
    ("co_manager", False),
]


def assert_shown_as(item: dict[str, Any], sees_details: bool, viewer: str) -> None:
    if sees_details:
        assert item["redacted"] is False, viewer
        assert item["category"] == "sexual_harassment" and item["severity"] == "high", viewer
        assert item["description"] == SECRET and item["police_ref"] == SECRET_REF, viewer
        assert item["involved_child"] is True, viewer
    else:
        # That something happened, and when: nothing more.
        assert item["redacted"] is True and item["sensitive"] is True, viewer
        assert item["occurred_at"]
        for hidden in (
            "category",
            "severity",
            "source",
            "police_ref",
            "description",
            "involved_child",
            "reported_by",
        ):
            assert item[hidden] is None, (viewer, hidden)
        assert SECRET not in str(item) and SECRET_REF not in str(item), viewer


async def test_sensitive_details_in_the_api_lists_and_single(people: People, scene: Scene) -> None:
    for viewer, sees_details in VIEWERS:
        async with await people.client_for(scene.users[viewer]) as c:
            venue_list = (await c.get(f"/api/v1/venues/{scene.venue}/incidents")).json()["items"]
            borough_list = (await c.get("/api/v1/incidents")).json()["items"]
            single = (await c.get(f"/api/v1/incidents/{scene.sensitive_id}")).json()
        for listed in (venue_list, borough_list):
            assert [i["id"] for i in listed] == [scene.sensitive_id, scene.ordinary_id], viewer
            assert_shown_as(listed[0], sees_details, viewer)
            assert listed[1]["description"] == "Shouting at closing time", "ordinary ones in full"
        assert_shown_as(single, sees_details, viewer)


async def test_sensitive_details_on_the_page(people: People, scene: Scene) -> None:
    for viewer, sees_details in VIEWERS:
        async with await people.client_for(scene.users[viewer]) as c:
            response = await c.get(f"/venues/{scene.venue}/incidents", headers=BROWSER)
        assert response.status_code == 200
        shown = incidents_section(response.text)
        assert "Shouting at closing time" in shown
        for detail in (SECRET, SECRET_REF, "Sexual harassment", "Child involved"):
            assert (detail in shown) is sees_details, (viewer, detail)
        assert ("Sensitive incident" in shown) is not sees_details, viewer
        assert (SECRET in response.text) is sees_details, f"{viewer}: not even in the markup"


async def test_filtering_does_not_reveal_what_a_redacted_incident_was(
    people: People, scene: Scene
) -> None:
    for filters in ({"category": "sexual_harassment"}, {"severity": "high"}):
        for viewer, found in (("co_manager", []), ("officer", [scene.sensitive_id])):
            async with await people.client_for(scene.users[viewer]) as c:
                for path in (f"/api/v1/venues/{scene.venue}/incidents", "/api/v1/incidents"):
                    listed = (await c.get(path, params=filters)).json()["items"]
                    assert [i["id"] for i in listed] == found, (filters, viewer, path)


# --- street incidents and scope ------------------------------------------------------------


async def test_who_may_record_a_street_incident(people: People, db: asyncpg.Connection) -> None:
    venue = await add_venue(db, "The Swan")
    for role, status in (
        ("venue_manager", 403),
        ("officer", 201),
        ("admin", 201),
        ("partner", 201),
    ):
        before = await count(db, "incidents")
        async with await people.signed_in(role, [venue] if role == "venue_manager" else []) as c:
            response = await c.post("/api/v1/incidents", json=incident(source="radio"))
        assert response.status_code == status, (role, response.text)
        assert await count(db, "incidents") == before + (1 if status == 201 else 0), role
        if status == 201:
            assert response.json()["venue_id"] is None and response.json()["source"] == "radio"


async def test_the_borough_list_follows_each_callers_scope(
    people: People, db: asyncpg.Connection
) -> None:
    a, b = await add_venue(db, "Venue A"), await add_venue(db, "Venue B")
    manager_a = await people.user("venue_manager", [a])
    partner = await people.user("partner")
    async with await people.client_for(partner) as c:
        street = (
            await c.post(
                "/api/v1/incidents",
                json=incident(source="radio", description="Street fight on Earl Street"),
            )
        ).json()["id"]
        at_b = (
            await c.post(
                f"/api/v1/venues/{b}/incidents", json=incident(source="police", description="At B")
            )
        ).json()["id"]
    async with await people.client_for(manager_a) as c:
        at_a = (
            await c.post(f"/api/v1/venues/{a}/incidents", json=incident(description="At A"))
        ).json()["id"]
    # A street incident this manager reported themselves (before their role changed).
    own_street = await db.fetchval(
        "INSERT INTO incidents (occurred_at, category, severity, source, description, reported_by)"
        " VALUES (now() - interval '5 hours', 'asb', 'low', 'venue', 'Own street report', $1)"
        " RETURNING id",
        manager_a,
    )

    async with await people.client_for(partner) as c:
        everything = {i["id"] for i in (await c.get("/api/v1/incidents")).json()["items"]}
        assert everything == {street, at_b, at_a, own_street}
        single = (await c.get(f"/api/v1/incidents/{street}")).json()
        assert single["venue_id"] is None and single["description"] == "Street fight on Earl Street"
    async with await people.client_for(manager_a) as c:
        mine = (await c.get("/api/v1/incidents")).json()
        assert {i["id"] for i in mine["items"]} == {at_a, own_street} and mine["total"] == 2
        assert (await c.get(f"/api/v1/incidents/{street}")).status_code == 404
        assert (await c.get(f"/api/v1/incidents/{at_b}")).status_code == 404


async def test_another_venues_manager_gets_404_on_every_incident_route(
    people: People, db: asyncpg.Connection, client: Client
) -> None:
    a, b = await add_venue(db, "Venue A"), await add_venue(db, "Venue B")
    incident_id = (await client.post(f"/api/v1/venues/{a}/incidents", json=incident())).json()["id"]
    async with await people.signed_in("venue_manager", [b]) as other:
        for method, path in [
            ("GET", f"/api/v1/venues/{a}/incidents"),
            ("POST", f"/api/v1/venues/{a}/incidents"),
            ("GET", f"/api/v1/incidents/{incident_id}"),
            ("GET", f"/venues/{a}/incidents"),
            ("POST", f"/venues/{a}/incidents"),
            ("GET", f"/api/v1/venues/{a}/test-purchases"),
            ("POST", f"/api/v1/venues/{a}/test-purchases"),
            ("GET", f"/venues/{a}/test-purchases"),
            ("POST", f"/venues/{a}/test-purchases"),
        ]:
            kwargs: dict[str, Any] = {}
            if method == "POST":
                kwargs = (
                    {"json": incident()}
                    if path.startswith("/api/")
                    else {"data": {"category": "violence", "severity": "low", "description": "x"}}
                )
            response = await other.request(method, path, **kwargs)
            assert response.status_code == 404, (method, path)
        listed = (await other.get("/api/v1/incidents")).json()
        assert listed["items"] == [] and listed["total"] == 0
    assert await count(db, "incidents") == 1 and await count(db, "test_purchases") == 0


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/venues/{MISSING}/incidents",
        f"/api/v1/incidents/{MISSING}",
        f"/api/v1/venues/{MISSING}/test-purchases",
    ],
)
async def test_unknown_ids_are_404(client: Client, surface: Surface, path: str) -> None:
    response = await client.get(surface.url(path), headers=surface.headers)
    if surface.name == "api":
        assert problem(response, 404)["status"] == 404
    else:
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")


# --- bad input -----------------------------------------------------------------------------


BAD_INCIDENTS: list[tuple[str, dict[str, Any], str]] = [
    ("venue", {k: v for k, v in incident().items() if k != "category"}, "category"),
    ("venue", incident(category="fight"), "category"),
    ("venue", incident(severity="huge"), "severity"),
    ("venue", incident(source="twitter"), "source"),
    ("venue", incident(occurred_at="2025-03-01T22:30:00"), "occurred_at"),  # no offset
    ("venue", incident(occurred_at="last night"), "occurred_at"),
    (
        "venue",
        incident(occurred_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat()),
        "occurred_at",
    ),
    ("venue", incident(description="   "), "description"),
    ("venue", incident(police_ref=""), "police_ref"),
    ("venue", incident(sensitive="yes"), "sensitive"),
    ("venue", incident(venue_id=1), "venue_id"),
    ("street", incident(venue_id=1, source="police"), "venue_id"),
    ("street", incident(), "source"),  # a partner must say where it came from
]


async def test_bad_incidents_are_refused_naming_the_field_and_nothing_is_saved(
    people: People, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db, "The Swan")
    async with await people.signed_in("partner") as partner:
        for path, payload, field in BAD_INCIDENTS:
            url = f"/api/v1/venues/{venue}/incidents" if path == "venue" else "/api/v1/incidents"
            response = await partner.post(url, json=payload)
            assert response.status_code in (400, 422), (field, response.text)
            names = invalid_names(problem(response, response.status_code))
            assert field in names, (payload, names)
    assert await count(db, "incidents") == 0


# --- the page: report in under a minute ----------------------------------------------------


async def test_the_page_reports_an_incident_in_london_time(
    people: People, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db, "The Swan")
    async with await people.signed_in("venue_manager", [venue]) as manager:
        page = await manager.get(f"/venues/{venue}/incidents", headers=BROWSER)
        assert page.status_code == 200
        assert "Report an incident" in page.text
        # "When" starts at now on a London clock.
        when = re.search(r'name="occurred_at" type="datetime-local" value="([^"]+)"', page.text)
        assert when, "no datetime box"
        shown = datetime.fromisoformat(when[1]).replace(tzinfo=LONDON)
        assert abs(shown - datetime.now(UTC)) < timedelta(minutes=2)
        assert 'name="source"' not in page.text, "a manager's report is the venue's own"

        response = await manager.post(
            f"/venues/{venue}/incidents",
            headers=BROWSER,
            data={
                "category": "drink_spiking",
                "severity": "high",
                "occurred_at": "2025-07-04T23:30",
                "description": "Customer felt unwell after one drink; ambulance called",
                "police_ref": "",
                "sensitive": "yes",
            },
        )
        assert response.status_code in (302, 303), response.text
        listed = await manager.get(response.headers["location"], headers=BROWSER)
    saved = await db.fetchrow("SELECT * FROM incidents")
    # 23:30 in July is British Summer Time: 22:30 UTC.
    assert saved["occurred_at"] == datetime(2025, 7, 4, 22, 30, tzinfo=UTC)
    assert saved["sensitive"] is True and saved["police_ref"] is None
    assert saved["source"] == "venue"
    shown_list = incidents_section(listed.text)
    assert "Incident reported" in text_of(listed.text)
    assert "4 Jul 2025 23:30" in shown_list and "Drink spiking" in shown_list
    assert "Reported by you" in shown_list


BAD_REPORTS: list[tuple[dict[str, str], str]] = [
    ({"severity": "low", "description": "x"}, "What happened is required"),
    ({"category": "violence", "description": "x"}, "How serious is required"),
    (
        {"category": "violence", "severity": "low", "description": "  "},
        "What happened, in a few words is required",
    ),
    (
        {"category": "violence", "severity": "low", "description": "x", "occurred_at": "tonight"},
        "When must be a date and time",
    ),
    (
        {
            "category": "violence",
            "severity": "low",
            "description": "x",
            "occurred_at": "2099-01-01T22:00",
        },
        "When cannot be in the future",
    ),
]


async def test_a_bad_report_is_shown_again_with_the_reason_and_nothing_saved(
    people: People, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db, "The Swan")
    async with await people.signed_in("venue_manager", [venue]) as manager:
        for form, message in BAD_REPORTS:
            data = {"occurred_at": "2025-01-10T22:00", **form}
            response = await manager.post(f"/venues/{venue}/incidents", headers=BROWSER, data=data)
            assert response.status_code == 422, form
            assert message in text_of(response.text), (form, message)
            if form.get("description", "").strip():
                assert f">{form['description']}</textarea>" in response.text, "typing is kept"
    assert await count(db, "incidents") == 0


async def test_officers_and_partners_say_where_a_report_came_from(
    people: People, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db, "The Swan")
    async with await people.signed_in("partner") as partner:
        page = await partner.get(f"/venues/{venue}/incidents", headers=BROWSER)
        assert 'name="source"' in page.text
        response = await partner.post(
            f"/venues/{venue}/incidents",
            headers=BROWSER,
            data={
                "category": "asb",
                "severity": "low",
                "occurred_at": "2025-01-10T22:00",
                "description": "Noise",
            },
        )
        assert response.status_code == 422 and "Reported by is required" in text_of(response.text)
        response = await partner.post(
            f"/venues/{venue}/incidents",
            headers=BROWSER,
            data={
                "category": "asb",
                "severity": "low",
                "occurred_at": "2025-01-10T22:00",
                "description": "Noise",
                "source": "radio",
            },
        )
        assert response.status_code in (302, 303)
    assert await db.fetchval("SELECT source FROM incidents") == "radio"


# --- test purchases ------------------------------------------------------------------------


def purchase(**fields: Any) -> dict[str, Any]:
    return {
        "attempted_on": (date.today() - timedelta(days=3)).isoformat(),
        "agency": "Kent Trading Standards",
        "outcome": "fail",
        "notes": "Sold a bottle of vodka to a 15-year-old volunteer",
        **fields,
    }


async def test_who_may_record_a_test_purchase(people: People, db: asyncpg.Connection) -> None:
    venue = await add_venue(db, "The Swan")
    recorded = 0
    for role, status in (
        ("venue_manager", 403),
        ("officer", 201),
        ("admin", 201),
        ("partner", 201),
        ("venue_manager", 403),
    ):
        async with await people.signed_in(role, [venue] if role == "venue_manager" else []) as c:
            response = await c.post(f"/api/v1/venues/{venue}/test-purchases", json=purchase())
            assert response.status_code == status, (role, response.text)
            recorded += status == 201
            assert await count(db, "test_purchases") == recorded
            # Everyone in scope reads them, the venue's manager included.
            listed = await c.get(f"/api/v1/venues/{venue}/test-purchases")
            assert listed.status_code == 200 and len(listed.json()) == recorded, role


async def test_test_purchases_are_listed_latest_first(
    client: Client, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db, "The Swan")
    for days, outcome in ((40, "pass"), (5, "fail"), (90, "pass")):
        attempted = (date.today() - timedelta(days=days)).isoformat()
        r = await client.post(
            f"/api/v1/venues/{venue}/test-purchases",
            json=purchase(attempted_on=attempted, outcome=outcome),
        )
        assert r.status_code == 201
        assert r.json()["agency"] == "Kent Trading Standards"
    listed = (await client.get(f"/api/v1/venues/{venue}/test-purchases")).json()
    assert [p["outcome"] for p in listed] == ["fail", "pass", "pass"]
    page = await client.get(f"/venues/{venue}/test-purchases", headers=BROWSER)
    assert page.status_code == 200
    assert text_of(page.text).count("Sold (fail)") == 1
    assert "Record a test purchase" in page.text


BAD_PURCHASES: list[tuple[dict[str, Any], str]] = [
    (purchase(attempted_on=(date.today() + timedelta(days=2)).isoformat()), "attempted_on"),
    (purchase(attempted_on="yesterday"), "attempted_on"),
    (purchase(outcome="sold"), "outcome"),
    (purchase(agency=" "), "agency"),
    ({k: v for k, v in purchase().items() if k != "agency"}, "agency"),
    (purchase(venue_id=3), "venue_id"),
]


async def test_bad_test_purchases_are_refused_naming_the_field(
    client: Client, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db, "The Swan")
    for payload, field in BAD_PURCHASES:
        response = await client.post(f"/api/v1/venues/{venue}/test-purchases", json=payload)
        assert response.status_code in (400, 422), (field, response.text)
        assert field in invalid_names(problem(response, response.status_code)), payload
    assert await count(db, "test_purchases") == 0


async def test_the_test_purchase_form(people: People, db: asyncpg.Connection) -> None:
    venue = await add_venue(db, "The Swan")
    async with await people.signed_in("partner") as partner:
        bad = await partner.post(
            f"/venues/{venue}/test-purchases",
            headers=BROWSER,
            data={"attempted_on": "", "agency": "Kent Police", "notes": "kept"},
        )
        assert bad.status_code == 422
        words = text_of(bad.text)
        assert "Date is required" in words
        assert ">kept</textarea>" in bad.text
        assert await count(db, "test_purchases") == 0
        good = await partner.post(
            f"/venues/{venue}/test-purchases",
            headers=BROWSER,
            data={"attempted_on": "2025-02-03", "agency": "Kent Police", "outcome": "pass"},
        )
        assert good.status_code in (302, 303)
    assert await db.fetchval("SELECT agency FROM test_purchases") == "Kent Police"
    async with await people.signed_in("venue_manager", [venue]) as manager:
        page = await manager.get(f"/venues/{venue}/test-purchases", headers=BROWSER)
        assert page.status_code == 200 and "Refused (pass)" in text_of(page.text)
        assert "Record a test purchase" not in page.text, "the venue reads, never records"
        refused = await manager.post(
            f"/venues/{venue}/test-purchases",
            headers=BROWSER,
            data={"attempted_on": "2025-02-03", "agency": "Kent Police", "outcome": "pass"},
        )
        assert refused.status_code == 403
    assert await count(db, "test_purchases") == 1


# --- the demo borough ----------------------------------------------------------------------


async def test_the_demo_has_a_plausible_year_of_incidents_and_test_purchases(
    db: asyncpg.Connection,
) -> None:
    from venues.demo import load_demo

    await load_demo(db, progress=False)
    per_venue = {
        r["venue_type"]: r["per_venue"]
        for r in await db.fetch(
            """SELECT v.venue_type, count(i.id)::float / count(DISTINCT v.id) AS per_venue
           FROM venues v LEFT JOIN incidents i ON i.venue_id = v.id GROUP BY 1"""
        )
    }
    assert per_venue["nightclub"] > 2 * per_venue["bar"] > 2 * per_venue["pub"] > 0
    stats = await db.fetchrow(
        """SELECT count(*) AS total, bool_and(generated) AS generated,
                  count(*) FILTER (WHERE venue_id IS NULL) AS street,
                  count(*) FILTER (WHERE sensitive) AS sensitive,
                  count(*) FILTER (WHERE category = 'sexual_offence' AND NOT sensitive) AS leaks,
                  min(occurred_at) AS first, max(occurred_at) AS last,
                  avg((extract(isodow FROM occurred_at AT TIME ZONE 'Europe/London') IN (5, 6, 7)
                       AND (extract(hour FROM occurred_at AT TIME ZONE 'Europe/London') >= 22
                            OR extract(hour FROM occurred_at AT TIME ZONE 'Europe/London') < 3)
                      )::int) AS weekend_nights
           FROM incidents"""
    )
    assert stats["total"] > 200 and stats["generated"] and stats["street"] > 0
    assert 0 < stats["sensitive"] < stats["total"] / 10 and stats["leaks"] == 0
    assert datetime.now(UTC) - stats["first"] < timedelta(days=366)
    assert stats["last"] < datetime.now(UTC)
    assert stats["weekend_nights"] > 0.6, "mostly Friday and Saturday nights, 22:00-03:00"

    failures = await db.fetch(
        "SELECT venue_id, array_agg(attempted_on ORDER BY attempted_on) AS days "
        "FROM test_purchases WHERE outcome = 'fail' GROUP BY venue_id"
    )
    assert len(failures) == 2, "two venues sold to a child"
    repeat = [f["days"] for f in failures if len(f["days"]) >= 2]
    assert len(repeat) == 1
    first, second = repeat[0][:2]
    assert (second.year - first.year) * 12 + second.month - first.month <= 2, "s.147A"
    assert await db.fetchval("SELECT count(*) FROM test_purchases WHERE outcome = 'pass'") > 10

    await load_demo(db, progress=False)
    assert await count(db, "incidents") == stats["total"], "a rerun adds nothing"

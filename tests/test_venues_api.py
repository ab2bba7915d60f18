"""The venue registry's JSON API behaves as CONTRACT.md says: venues, licences and conditions."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest

from tests.helpers import MISSING, Client, problem

VENUES = "/api/v1/venues"

# The licence as the council's register would hold it; every optional field set.
FULL_VENUE: dict[str, Any] = {
    "name": "The Swan",
    "address": "12 High Street, Maidstone",
    "postcode": "ME14 1AA",
    "latitude": 51.2724,
    "longitude": 0.5229,
    "venue_type": "pub",
    "capacity": 150,
    "premises_licence_no": "MBC/PL/0001",
    "licence_holder": "Swan Inns Ltd",
    "dps_name": "Ann Barker",
    "licensable_activities": ["recorded_music"],
    "licensed_hours": {"fri": {"open": "11:00", "close": "01:00"}},
    "status": "active",
    "fhrs_id": 123456,
}

CCTV: dict[str, Any] = {
    "kind": "cctv",
    "objective": "crime_disorder",
    "text": "CCTV shall be maintained and recordings kept for 31 days.",
    "params": {"retention_days": 31},
}


def invalid_names(body: dict[str, Any]) -> list[str]:
    return [p["name"] for p in body.get("invalid_params") or []]


async def create(client: Client, **fields: Any) -> dict[str, Any]:
    response = await client.post(VENUES, json={"name": "Somewhere", **fields})
    assert response.status_code == 201, response.text
    venue: dict[str, Any] = response.json()
    return venue


async def conditions_of(client: Client, venue_id: int) -> list[dict[str, Any]]:
    response = await client.get(f"{VENUES}/{venue_id}/conditions")
    assert response.status_code == 200, response.text
    conditions: list[dict[str, Any]] = response.json()
    return conditions


async def venue_count(db: asyncpg.Connection) -> int:
    count: int = await db.fetchval("SELECT count(*) FROM venues")
    return count


# --- listing and searching ---------------------------------------------------------------

TOWN = [
    {
        "name": "The Swan",
        "address": "12 High Street",
        "postcode": "ME14 1AA",
        "venue_type": "pub",
        "status": "active",
        "premises_licence_no": "MBC/PL/0001",
    },
    {
        "name": "Bar Nine",
        "address": "9 Earl Street",
        "postcode": "ME14 1PL",
        "venue_type": "bar",
        "status": "suspended",
    },
    {
        "name": "Club Vortex",
        "address": "1 Lower Stone Street",
        "postcode": "ME15 6LX",
        "venue_type": "nightclub",
        "status": "active",
    },
    {
        "name": "Swan Kebabs",
        "address": "3 Week Street",
        "postcode": "ME14 1QW",
        "venue_type": "late_night_refreshment",
        "status": "revoked",
    },
    {
        "name": "100% Proof",
        "address": "5 Gabriel's Hill",
        "postcode": "ME15 6HL",
        "venue_type": "bar",
        "status": "active",
    },
]


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({}, ["100% Proof", "Bar Nine", "Club Vortex", "Swan Kebabs", "The Swan"]),
        ({"q": "swan"}, ["Swan Kebabs", "The Swan"]),
        ({"q": "SWAN"}, ["Swan Kebabs", "The Swan"]),
        ({"q": "  swan  "}, ["Swan Kebabs", "The Swan"]),
        ({"q": "earl street"}, ["Bar Nine"]),
        ({"q": "ME15"}, ["100% Proof", "Club Vortex"]),
        ({"q": "me14 1q"}, ["Swan Kebabs"]),
        ({"q": "PL/0001"}, ["The Swan"]),
        # A percent sign is something to find, not a wildcard.
        ({"q": "100%"}, ["100% Proof"]),
        ({"q": "%"}, ["100% Proof"]),
        ({"q": "_"}, []),
        ({"q": "no such place"}, []),
        ({"q": ""}, ["100% Proof", "Bar Nine", "Club Vortex", "Swan Kebabs", "The Swan"]),
        ({"status": "suspended"}, ["Bar Nine"]),
        ({"status": "active"}, ["100% Proof", "Club Vortex", "The Swan"]),
        ({"status": "lapsed"}, []),
        ({"venue_type": "nightclub"}, ["Club Vortex"]),
        ({"venue_type": "bar"}, ["100% Proof", "Bar Nine"]),
        ({"q": "swan", "status": "active"}, ["The Swan"]),
        ({"q": "street", "venue_type": "bar", "status": "suspended"}, ["Bar Nine"]),
    ],
)
async def test_list_filters_and_searches(
    client: Client, params: dict[str, str], names: list[str]
) -> None:
    for venue in TOWN:
        await create(client, **venue)
    response = await client.get(VENUES, params=params)
    assert response.status_code == 200
    page = response.json()
    assert [v["name"] for v in page["items"]] == names
    assert page["total"] == len(names)


@pytest.mark.parametrize(
    ("limit", "offset", "expected"),
    [
        (2, 0, ["Venue 1", "Venue 2"]),
        (2, 2, ["Venue 3", "Venue 4"]),
        (2, 4, ["Venue 5"]),
        (5, 0, ["Venue 1", "Venue 2", "Venue 3", "Venue 4", "Venue 5"]),
        (200, 0, ["Venue 1", "Venue 2", "Venue 3", "Venue 4", "Venue 5"]),
        (1, 4, ["Venue 5"]),
        (2, 5, []),
        (10, 50, []),
    ],
)
async def test_pages_are_slices_and_total_counts_every_match(
    client: Client, limit: int, offset: int, expected: list[str]
) -> None:
    for n in (3, 1, 5, 2, 4):
        await create(client, name=f"Venue {n}")
    response = await client.get(VENUES, params={"limit": limit, "offset": offset})
    assert response.status_code == 200
    page = response.json()
    assert [v["name"] for v in page["items"]] == expected
    assert (page["total"], page["limit"], page["offset"]) == (5, limit, offset)


async def test_total_past_the_end_counts_only_matches(client: Client) -> None:
    for venue in TOWN:
        await create(client, **venue)
    response = await client.get(VENUES, params={"q": "swan", "offset": 10})
    assert response.json()["items"] == []
    assert response.json()["total"] == 2


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("limit", "0"),
        ("limit", "201"),
        ("limit", "-5"),
        ("limit", "ten"),
        ("offset", "-1"),
        ("offset", "x"),
        ("status", "closed"),
        ("venue_type", "castle"),
        ("q", "x" * 101),
    ],
)
async def test_bad_list_parameters_are_refused_naming_the_parameter(
    client: Client, name: str, value: str
) -> None:
    body = problem(await client.get(VENUES, params={name: value}), 400)
    assert invalid_names(body) == [name]


# --- one venue -------------------------------------------------------------------------------


async def test_get_returns_the_venue_as_created(client: Client) -> None:
    created = await create(client, **FULL_VENUE)
    response = await client.get(f"{VENUES}/{created['id']}")
    assert response.status_code == 200
    venue = response.json()
    assert venue == created
    assert {k: venue[k] for k in FULL_VENUE} == FULL_VENUE
    assert venue["generated"] is False


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"{VENUES}/{MISSING}", None),
        ("PATCH", f"{VENUES}/{MISSING}", {"name": "Nowhere"}),
        ("GET", f"{VENUES}/{MISSING}/conditions", None),
        ("POST", f"{VENUES}/{MISSING}/conditions", CCTV),
        ("PATCH", f"/api/v1/conditions/{MISSING}", {"text": "Changed"}),
        ("DELETE", f"/api/v1/conditions/{MISSING}", None),
    ],
)
async def test_unknown_ids_are_404_problems(
    client: Client, db: asyncpg.Connection, method: str, path: str, body: Any
) -> None:
    response = await client.request(method, path, json=body)
    problem(response, 404)
    assert await db.fetchval("SELECT count(*) FROM conditions") == 0


async def test_unknown_api_path_is_a_404_problem(client: Client) -> None:
    problem(await client.get("/api/v1/nowhere"), 404)


# --- creating -----------------------------------------------------------------------------


async def test_create_answers_201_with_the_saved_venue(
    client: Client, db: asyncpg.Connection
) -> None:
    response = await client.post(VENUES, json=FULL_VENUE)
    assert response.status_code == 201
    venue = response.json()
    assert {k: venue[k] for k in FULL_VENUE} == FULL_VENUE
    assert await db.fetchval("SELECT name FROM venues WHERE id = $1", venue["id"]) == "The Swan"


async def test_create_fills_defaults_for_what_is_not_given(client: Client) -> None:
    venue = await create(client, name="The Bare Minimum")
    assert venue["venue_type"] == "pub"
    assert venue["status"] == "active"
    assert venue["address"] == ""
    assert venue["capacity"] is None
    assert venue["licensable_activities"] == []
    assert venue["licensed_hours"] == {}


@pytest.mark.parametrize(
    ("capacity", "tier"),
    [
        (None, "none"),
        (0, "none"),
        (199, "none"),
        (200, "standard"),
        (799, "standard"),
        (800, "enhanced"),
        (5000, "enhanced"),
    ],
)
async def test_martyns_law_tier_follows_capacity(
    client: Client, capacity: int | None, tier: str
) -> None:
    venue = await create(client, capacity=capacity)
    assert venue["martyns_law_tier"] == tier
    fetched = (await client.get(f"{VENUES}/{venue['id']}")).json()
    assert fetched["martyns_law_tier"] == tier


@pytest.mark.parametrize(
    ("activities", "mandatory"),
    [
        (["sale_of_alcohol"], 8),
        (["recorded_music", "sale_of_alcohol", "late_night_refreshment"], 8),
        (["late_night_refreshment"], 0),
        (["live_music", "films"], 0),
        ([], 0),
    ],
)
async def test_an_alcohol_licence_gets_the_mandatory_conditions(
    client: Client, activities: list[str], mandatory: int
) -> None:
    venue = await create(client, licensable_activities=activities)
    conditions = await conditions_of(client, venue["id"])
    assert len(conditions) == mandatory
    assert all(c["mandatory"] for c in conditions)
    texts = " ".join(c["text"] for c in conditions)
    assert ("free potable water" in texts) == bool(mandatory)
    assert ("photographic identification" in texts) == bool(mandatory)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"address": "12 High Street"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": None}, "name"),
        ({"name": "X", "capacity": "x"}, "capacity"),
        ({"name": "X", "capacity": -1}, "capacity"),
        ({"name": "X", "capacity": 1.5}, "capacity"),
        ({"name": "X", "venue_type": "castle"}, "venue_type"),
        ({"name": "X", "status": "closed"}, "status"),
        ({"name": "X", "latitude": 91}, "latitude"),
        ({"name": "X", "licensable_activities": ["karaoke"]}, "licensable_activities[0]"),
        (
            {"name": "X", "licensed_hours": {"fri": {"open": "18:00", "close": "25:00"}}},
            "licensed_hours.fri.close",
        ),
        (
            {"name": "X", "licensed_hours": {"fri": {"open": "6pm", "close": "23:00"}}},
            "licensed_hours.fri.open",
        ),
        ({"name": "X", "licensed_hours": {"fri": {"open": "18:00"}}}, "licensed_hours.fri.close"),
        ({"name": "X", "colour": "red"}, "colour"),
        ({"name": "X", "premises_licence_no": ""}, "premises_licence_no"),
        ({"name": "X", "fhrs_id": 0}, "fhrs_id"),
    ],
)
async def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(
    client: Client, db: asyncpg.Connection, body: dict[str, Any], field: str
) -> None:
    response = await client.post(VENUES, json=body)
    assert invalid_names(problem(response, (400, 422))) == [field]
    assert await venue_count(db) == 0


@pytest.mark.parametrize("content", [b"{not json", b"[]", b'"The Swan"'])
async def test_a_body_that_is_not_a_venue_object_is_refused(
    client: Client, db: asyncpg.Connection, content: bytes
) -> None:
    response = await client.post(
        VENUES, content=content, headers={"content-type": "application/json"}
    )
    problem(response, (400, 422))
    assert await venue_count(db) == 0


@pytest.mark.parametrize(
    ("field", "value"), [("premises_licence_no", "MBC/PL/0001"), ("fhrs_id", 123456)]
)
async def test_duplicate_identifiers_conflict_and_change_nothing(
    client: Client, db: asyncpg.Connection, field: str, value: Any
) -> None:
    await create(client, name="The Swan", **{field: value})
    response = await client.post(VENUES, json={"name": "The Cygnet", field: value})
    assert invalid_names(problem(response, 409)) == [field]
    assert await db.fetch("SELECT name FROM venues") == [("The Swan",)]

    other = await create(client, name="The Cygnet")
    before = (await client.get(f"{VENUES}/{other['id']}")).json()
    response = await client.patch(
        f"{VENUES}/{other['id']}", json={"name": "The Cygnet Rebranded", field: value}
    )
    assert invalid_names(problem(response, 409)) == [field]
    assert (await client.get(f"{VENUES}/{other['id']}")).json() == before


# --- changing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"dps_name": "Bob Cellar"},
        {"name": "The Black Swan"},
        {"capacity": 850, "martyns_law_tier": "enhanced"},
        {"status": "suspended"},
        {"licensed_hours": {"sat": {"open": "12:00", "close": "02:30"}}},
        {"address": "", "postcode": ""},
        # null clears an optional field
        {"licence_holder": None},
        {"dps_name": None},
        {"premises_licence_no": None},
        {"capacity": None, "martyns_law_tier": "none"},
        {"latitude": None, "longitude": None},
        {"fhrs_id": None},
    ],
)
async def test_patch_changes_only_the_fields_given(client: Client, change: dict[str, Any]) -> None:
    venue = await create(client, **FULL_VENUE)
    payload = {k: v for k, v in change.items() if k != "martyns_law_tier"}
    response = await client.patch(f"{VENUES}/{venue['id']}", json=payload)
    assert response.status_code == 200, response.text
    expected = {**venue, **change}
    for answer in (response.json(), (await client.get(f"{VENUES}/{venue['id']}")).json()):
        assert {k: v for k, v in answer.items() if k != "updated_at"} == {
            k: v for k, v in expected.items() if k != "updated_at"
        }


async def test_patch_with_nothing_changes_nothing(client: Client) -> None:
    venue = await create(client, **FULL_VENUE)
    response = await client.patch(f"{VENUES}/{venue['id']}", json={})
    assert response.status_code == 200
    assert response.json() == venue


async def test_patch_adding_sale_of_alcohol_adds_the_mandatory_conditions(client: Client) -> None:
    venue = await create(client, **FULL_VENUE)
    own = await client.post(f"{VENUES}/{venue['id']}/conditions", json=CCTV)
    assert await conditions_of(client, venue["id"]) == [own.json()]

    response = await client.patch(
        f"{VENUES}/{venue['id']}", json={"licensable_activities": ["sale_of_alcohol"]}
    )
    assert response.status_code == 200
    conditions = await conditions_of(client, venue["id"])
    assert sum(c["mandatory"] for c in conditions) == 8
    assert own.json() in conditions

    # Saying it again adds no second copy.
    await client.patch(f"{VENUES}/{venue['id']}", json={"dps_name": "Someone Else"})
    assert len(await conditions_of(client, venue["id"])) == 9


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"address": None}, "address"),
        ({"capacity": "x"}, "capacity"),
        ({"venue_type": "castle"}, "venue_type"),
        (
            {"licensed_hours": {"mon": {"open": "25:00", "close": "23:00"}}},
            "licensed_hours.mon.open",
        ),
        ({"licensable_activities": None}, "licensable_activities"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_patch_is_refused_and_changes_nothing(
    client: Client, body: dict[str, Any], field: str
) -> None:
    venue = await create(client, **FULL_VENUE)
    response = await client.patch(f"{VENUES}/{venue['id']}", json=body)
    assert invalid_names(problem(response, (400, 422))) == [field]
    assert (await client.get(f"{VENUES}/{venue['id']}")).json() == venue


# --- conditions ---------------------------------------------------------------------------


async def test_condition_lifecycle(client: Client, db: asyncpg.Connection) -> None:
    venue = await create(client, name="The Swan")
    response = await client.post(f"{VENUES}/{venue['id']}/conditions", json=CCTV)
    assert response.status_code == 201
    condition = response.json()
    assert {k: condition[k] for k in CCTV} == CCTV
    assert (condition["venue_id"], condition["mandatory"]) == (venue["id"], False)
    assert await conditions_of(client, venue["id"]) == [condition]

    response = await client.patch(
        f"/api/v1/conditions/{condition['id']}", json={"params": {"retention_days": 28}}
    )
    assert response.status_code == 200
    changed = response.json()
    assert changed["params"] == {"retention_days": 28}
    assert (changed["kind"], changed["objective"], changed["text"]) == (
        CCTV["kind"],
        CCTV["objective"],
        CCTV["text"],
    )
    assert await conditions_of(client, venue["id"]) == [changed]

    response = await client.delete(f"/api/v1/conditions/{condition['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert await conditions_of(client, venue["id"]) == []
    assert await db.fetchval("SELECT count(*) FROM conditions") == 0
    problem(await client.delete(f"/api/v1/conditions/{condition['id']}"), 404)


async def test_conditions_belong_to_their_own_venue(client: Client) -> None:
    swan = await create(client, name="The Swan")
    vortex = await create(client, name="Club Vortex")
    await client.post(f"{VENUES}/{swan['id']}/conditions", json=CCTV)
    assert len(await conditions_of(client, swan["id"])) == 1
    assert await conditions_of(client, vortex["id"]) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**CCTV, "kind": "laser"}, "kind"),
        ({**CCTV, "objective": "profit"}, "objective"),
        ({**CCTV, "text": ""}, "text"),
        ({k: v for k, v in CCTV.items() if k != "objective"}, "objective"),
        ({**CCTV, "params": [31]}, "params"),
        ({**CCTV, "mandatory": True}, "mandatory"),
    ],
)
async def test_bad_condition_is_refused_naming_the_field(
    client: Client, db: asyncpg.Connection, body: dict[str, Any], field: str
) -> None:
    venue = await create(client, name="The Swan")
    response = await client.post(f"{VENUES}/{venue['id']}/conditions", json=body)
    assert invalid_names(problem(response, (400, 422))) == [field]
    assert await db.fetchval("SELECT count(*) FROM conditions") == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [({"kind": "laser"}, "kind"), ({"text": "  "}, "text"), ({"text": None}, "text")],
)
async def test_bad_condition_change_is_refused_and_changes_nothing(
    client: Client, body: dict[str, Any], field: str
) -> None:
    venue = await create(client, name="The Swan")
    condition = (await client.post(f"{VENUES}/{venue['id']}/conditions", json=CCTV)).json()
    response = await client.patch(f"/api/v1/conditions/{condition['id']}", json=body)
    assert invalid_names(problem(response, (400, 422))) == [field]
    assert await conditions_of(client, venue["id"]) == [condition]


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("PATCH", {"text": "No supply of alcohol, ever."}),
        ("PATCH", {"kind": "cctv"}),
        ("PATCH", {}),
        ("DELETE", None),
    ],
)
async def test_a_mandatory_condition_cannot_be_changed_or_removed(
    client: Client, method: str, body: Any
) -> None:
    venue = await create(client, licensable_activities=["sale_of_alcohol"])
    before = await conditions_of(client, venue["id"])
    mandatory = before[0]
    assert mandatory["mandatory"]
    response = await client.request(method, f"/api/v1/conditions/{mandatory['id']}", json=body)
    problem(response, (403, 409, 422))
    assert await conditions_of(client, venue["id"]) == before


# --- the API's own description -----------------------------------------------------------


async def test_openapi_lists_the_venue_paths(client: Client) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    expected = {
        "/api/v1/venues": {"get", "post"},
        "/api/v1/venues/{venue_id}": {"get", "patch"},
        "/api/v1/venues/{venue_id}/conditions": {"get", "post"},
        "/api/v1/conditions/{condition_id}": {"patch", "delete"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths.get(path, {})), path
    # The HTML pages are for people, not part of the API's description.
    assert not [p for p in paths if p.startswith("/venues")]
    listing = {p["name"] for p in paths["/api/v1/venues"]["get"]["parameters"]}
    assert {"q", "status", "venue_type", "limit", "offset"} <= listing


async def test_a_postcode_typed_without_its_space_still_finds_the_venue(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/api/v1/venues", json={"name": "Spaceless", "postcode": "ME14 1AA"})
    await client.post("/api/v1/venues", json={"name": "Elsewhere", "postcode": "ME15 6SJ"})
    for typed in ("me141aa", "ME14 1AA", "me14"):
        found = (await client.get("/api/v1/venues", params={"q": typed})).json()
        assert [v["name"] for v in found["items"]] == ["Spaceless"], typed

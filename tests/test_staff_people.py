"""A venue's people: the SIA licence, one DPS at a time, bad input, and who may change them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import asyncpg
import pytest

from tests.helpers import (
    BROWSER,
    MISSING,
    SIA,
    Client,
    add_person,
    add_venue,
    count,
    invalid_params,
    text_of,
    today,
)
from venues.staff import queries, service

# --- people and the SIA licence ----------------------------------------------------------

SIA_TYPED = {
    "1234567890123456": "1234567890123456",
    "1234 5678 9012 3456": "1234567890123456",
    "  1234 56789012 3456 ": "1234567890123456",
    "0000\t0000 0000 0001": "0000000000000001",
}
SIA_MALFORMED = [
    "123456789012345",
    "12345678901234567",
    "1234-5678-9012-3456",
    "ABCD567890123456",
    "1234 5678 9012 345x",
    "\uff11" * 16,  # full-width digits: \d would take them, the SIA would not
]


async def test_sia_number_is_kept_as_its_16_digits_and_a_malformed_one_refused(
    client: Client, db: asyncpg.Connection
) -> None:
    url = f"/api/v1/venues/{await add_venue(db)}/staff"
    door = {"name": "Dee Fenders", "role": "door_supervisor", "sia_expires_on": "2027-05-01"}
    for typed in SIA_MALFORMED:
        response = await client.post(url, json={**door, "sia_licence_no": typed})
        assert invalid_params(response) == {"sia_licence_no": service.SIA_REASON}, typed
    assert await count(db, "staff") == 0
    for typed, stored in SIA_TYPED.items():
        response = await client.post(url, json={**door, "sia_licence_no": typed})
        assert response.status_code == 201, response.text
        assert response.json()["sia_licence_no"] == stored
    assert await db.fetchval("SELECT array_agg(sia_licence_no ORDER BY id) FROM staff") == list(
        SIA_TYPED.values()
    )


BAD_PEOPLE: list[tuple[dict[str, Any], set[str]]] = [
    ({}, {"name"}),
    ({"name": "   ", "role": "bar"}, {"name"}),
    ({"name": "Ann", "role": "barista"}, {"role"}),
    ({"name": "Ann", "role": "bar", "shoe_size": 9}, {"shoe_size"}),
    ({"name": "Ann", "role": "bar", "started_on": "yesterday"}, {"started_on"}),
    ({"name": "Ann", "role": "bar", "front_of_house": "maybe"}, {"front_of_house"}),
    (
        {"name": "Ann", "role": "bar", "started_on": "2024-05-01", "left_on": "2024-04-30"},
        {"left_on"},
    ),
    ({"name": "Dee", "role": "door_supervisor"}, {"sia_licence_no", "sia_expires_on"}),
    ({"name": "Dee", "role": "door_supervisor", "sia_licence_no": SIA}, {"sia_expires_on"}),
    (
        {"name": "Dee", "role": "door_supervisor", "sia_expires_on": "2027-01-01"},
        {"sia_licence_no"},
    ),
]
BAD_TRAINING: list[tuple[dict[str, Any], set[str]]] = [
    ({"course": "juggling", "completed_on": "2025-01-01"}, {"course"}),
    ({"course": "wave"}, {"completed_on"}),
    ({"course": "wave", "completed_on": "2025-02-30"}, {"completed_on"}),
    ({"course": "wave", "completed_on": "tomorrow"}, {"completed_on"}),
    # The expiry is derived, never given.
    ({"course": "wave", "completed_on": "2025-01-01", "expires_on": "2030-01-01"}, {"expires_on"}),
]


async def test_bad_input_names_the_field_and_saves_nothing(
    client: Client, db: asyncpg.Connection
) -> None:
    venue_id = await add_venue(db)
    for payload, fields in BAD_PEOPLE:
        response = await client.post(f"/api/v1/venues/{venue_id}/staff", json=payload)
        assert response.status_code in (400, 422), response.text
        assert set(invalid_params(response, response.status_code)) == fields, payload
    assert await count(db, "staff") == 0
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE table_name = 'staff'") == 0
    staff_id = await add_person(db, venue_id, "Ann Barker")
    for payload, fields in BAD_TRAINING:
        response = await client.post(f"/api/v1/staff/{staff_id}/training", json=payload)
        assert response.status_code in (400, 422), response.text
        assert set(invalid_params(response, response.status_code)) == fields, payload
    assert await count(db, "training") == 0


async def test_training_cannot_be_completed_in_the_future(
    client: Client, db: asyncpg.Connection
) -> None:
    staff_id = await add_person(db, await add_venue(db), "Ann Barker")
    tomorrow = (today() + timedelta(days=1)).isoformat()
    response = await client.post(
        f"/api/v1/staff/{staff_id}/training", json={"course": "wave", "completed_on": tomorrow}
    )
    assert invalid_params(response) == {"completed_on": "cannot be in the future"}
    assert await count(db, "training") == 0
    ok = await client.post(
        f"/api/v1/staff/{staff_id}/training",
        json={"course": "wave", "completed_on": today().isoformat()},
    )
    assert ok.status_code == 201, ok.text


async def test_changing_a_person_checks_them_as_they_will_be(
    client: Client, db: asyncpg.Connection
) -> None:
    venue_id = await add_venue(db)
    staff_id = await add_person(db, venue_id, "Dee Fenders", started_on=date(2024, 5, 1))
    url = f"/api/v1/staff/{staff_id}"
    # Becoming a door supervisor needs the licence, and nothing changes without it.
    assert set(invalid_params(await client.patch(url, json={"role": "door_supervisor"}))) == {
        "sia_licence_no",
        "sia_expires_on",
    }
    assert invalid_params(await client.patch(url, json={"left_on": "2024-04-01"})) == {
        "left_on": "must be on or after the date they started"
    }
    assert (await client.get(url)).json()["role"] == "bar"
    response = await client.patch(
        url,
        json={
            "role": "door_supervisor",
            "sia_licence_no": "1111 2222 3333 4444",
            "sia_expires_on": "2027-01-31",
        },
    )
    assert response.status_code == 200, response.text
    person = response.json()
    assert (person["role"], person["sia_licence_no"], person["active"]) == (
        "door_supervisor",
        "1111222233334444",
        True,
    )
    # Clearing the licence of a door supervisor is refused; a leaving date ends `active`.
    assert set(invalid_params(await client.patch(url, json={"sia_licence_no": None}))) == {
        "sia_licence_no"
    }
    left = await client.patch(url, json={"left_on": today().isoformat()})
    assert left.json()["active"] is False
    listed = await client.get(f"/api/v1/venues/{venue_id}/staff", params={"active": "true"})
    assert listed.json() == []
    # Given notice, still working: active until the day they leave.
    later = await client.patch(url, json={"left_on": (today() + timedelta(days=7)).isoformat()})
    assert later.json()["active"] is True
    assert (await client.patch(f"/api/v1/staff/{MISSING}", json={})).status_code == 404


async def test_one_dps_at_a_time_shown_on_the_staff_page(
    client: Client, db: asyncpg.Connection
) -> None:
    venue_id = await add_venue(db, dps_name="Ann Barker")
    first = await client.post(
        f"/api/v1/venues/{venue_id}/staff",
        json={
            "name": "Ann Barker",
            "role": "dps",
        },
    )
    assert first.status_code == 201, first.text
    page = text_of((await client.get(f"/venues/{venue_id}/staff", headers=BROWSER)).text)
    assert "Designated premises supervisor Ann Barker (on the staff list)" in page
    second = {"name": "Bob Cellar", "role": "dps"}
    refused = invalid_params(await client.post(f"/api/v1/venues/{venue_id}/staff", json=second))
    assert list(refused) == ["role"] and "Ann Barker" in refused["role"]
    await client.patch(f"/api/v1/staff/{first.json()['id']}", json={"left_on": today().isoformat()})
    assert (await client.post(f"/api/v1/venues/{venue_id}/staff", json=second)).status_code == 201
    page = text_of((await client.get(f"/venues/{venue_id}/staff", headers=BROWSER)).text)
    # The licence still names the old DPS: the page says so.
    assert "Bob Cellar (on the staff list); the licence names Ann Barker" in page


# who -> adding a person or recording training (reads follow the same scope)
WRITE_ACCESS = {
    "officer": 201,
    "admin": 201,
    "manager_own": 201,
    "partner": 403,
    "manager_other": 404,
}


async def test_who_may_add_people_and_record_training(people: Any, db: asyncpg.Connection) -> None:
    own = await add_venue(db)
    staff_id = await add_person(db, own, "Ann Barker")
    other = await add_venue(db, "Elsewhere")
    for who, status in WRITE_ACCESS.items():
        role = "venue_manager" if who.startswith("manager") else who
        venues = {"manager_own": [own], "manager_other": [other]}.get(who, [])
        before = await count(db, "training")
        async with await people.signed_in(role, venues) as browser:
            added = await browser.post(
                f"/api/v1/venues/{own}/staff", json={"name": f"Added by {who}", "role": "bar"}
            )
            assert added.status_code == status, who
            recorded = await browser.post(
                f"/api/v1/staff/{staff_id}/training",
                json={"course": "wave", "completed_on": "2025-01-10"},
            )
            assert recorded.status_code == status, who
            changed = await browser.patch(f"/api/v1/staff/{staff_id}", json={"name": "Ann B"})
            assert changed.status_code == (200 if status == 201 else status), who
            listed = await browser.get(f"/api/v1/venues/{own}/staff")
            assert listed.status_code == (404 if who == "manager_other" else 200), who
            grid = await browser.get(f"/api/v1/venues/{own}/training-status")
            assert grid.status_code == (404 if who == "manager_other" else 200), who
        assert await count(db, "training") == before + (status == 201)


async def test_only_known_columns_are_ever_written(db: asyncpg.Connection) -> None:
    # Column names go into the SQL, so a key from outside the list must never reach it.
    venue_id = await add_venue(db)
    staff_id = await add_person(db, venue_id, "Ann Barker")
    for hostile in ({"name = 'x', role": "dps"}, {"venue_id": 2}, {"generated": True}):
        with pytest.raises(ValueError, match="not a writable staff column"):
            await queries.update_staff(db, staff_id, hostile, today())
        with pytest.raises(ValueError, match="not a writable staff column"):
            await queries.create_staff(db, venue_id, {"name": "Bo", **hostile}, today())
    assert await db.fetchval("SELECT name FROM staff WHERE id = $1", staff_id) == "Ann Barker"
    assert await count(db, "staff") == 1

"""A venue's people, training and certificates: the API, the pages, and the rules behind them."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import asyncpg
import pytest
from httpx import Response

from nte.settings import TRAINING_MONTHS, SettingsError, load_settings
from tests.helpers import BROWSER, CSRF_HEADER, MISSING, Client, add_venue, problem, text_of, today
from venues.staff import service
from venues.staff.queries import front_of_house_coverage
from venues.staff.service import MAX_CERTIFICATE_BYTES, add_months, status_of

SIA = "1234567890123456"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
MZ = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56


def invalid(response: Response, status: int = 422) -> dict[str, str]:
    """Field -> reason of a refused request."""
    return {p["name"]: p["reason"] for p in problem(response, status).get("invalid_params") or []}


async def add_person(db: asyncpg.Connection, venue_id: int, name: str, **fields: Any) -> int:
    fields = {"role": "bar", "front_of_house": True, **fields}
    if fields["role"] == "door_supervisor":
        fields.setdefault("sia_licence_no", SIA)
        fields.setdefault("sia_expires_on", today() + timedelta(days=400))
    columns = ["venue_id", "name", *fields]
    staff_id: int = await db.fetchval(
        f"INSERT INTO staff ({', '.join(columns)}) "
        f"VALUES ({', '.join(f'${i}' for i in range(1, len(columns) + 1))}) RETURNING id",
        venue_id,
        name,
        *fields.values(),
    )
    return staff_id


async def add_training(
    db: asyncpg.Connection,
    staff_id: int,
    course: str,
    expires_on: date,
    completed_on: date | None = None,
) -> int:
    training_id: int = await db.fetchval(
        "INSERT INTO training (venue_id, staff_id, course, completed_on, expires_on) "
        "SELECT venue_id, id, $2, $3, $4 FROM staff WHERE id = $1 RETURNING id",
        staff_id,
        course,
        completed_on or expires_on - timedelta(days=365),
        expires_on,
    )
    return training_id


async def count(db: asyncpg.Connection, table: str) -> int:
    n: int = await db.fetchval(f"SELECT count(*) FROM {table}")
    return n


# --- expiry dates: same day of the month, clamped to the month's end ---------------------


@pytest.mark.parametrize(
    ("completed", "months", "expires"),
    [
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # no 29 February next year
        (date(2024, 2, 29), 48, date(2028, 2, 29)),  # a leap year again: the same day
        (date(2024, 2, 29), 24, date(2026, 2, 28)),
        (date(2024, 2, 29), 36, date(2027, 2, 28)),
        (date(2024, 2, 28), 12, date(2025, 2, 28)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 8, 31), 1, date(2024, 9, 30)),
        (date(2024, 3, 10), 12, date(2025, 3, 10)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),  # across the year's end
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
    ],
)
def test_expiry_is_the_same_day_of_the_month_or_the_months_last_day(
    completed: date, months: int, expires: date
) -> None:
    assert add_months(completed, months) == expires


@pytest.mark.parametrize(
    ("days_to_expiry", "status"),
    [
        (None, "missing"),
        (-365, "expired"),
        (-1, "expired"),  # the day after the expiry day
        (0, "expiring"),  # valid on its expiry day (and about to go)
        (30, "expiring"),
        (31, "valid"),
        (400, "valid"),
    ],
)
def test_status_on_a_day(days_to_expiry: int | None, status: str) -> None:
    on = date(2025, 6, 15)
    expires = None if days_to_expiry is None else on + timedelta(days=days_to_expiry)
    assert status_of(expires, on) == status


def test_course_validity_comes_from_settings_with_domain_defaults() -> None:
    defaults = load_settings({}).training_months
    assert defaults == TRAINING_MONTHS
    assert defaults["wave"] == 12 and defaults["first_aid"] == 36
    assert defaults["safeguarding"] == 24 and defaults["conflict_management"] == 36
    changed = load_settings({"NTE_TRAINING_FIRST_AID_MONTHS": "24"}).training_months
    assert changed["first_aid"] == 24 and changed["wave"] == 12
    assert service.expiry_for("first_aid", date(2024, 2, 29), changed) == date(2026, 2, 28)
    for bad in ("0", "two", "-3"):
        with pytest.raises(SettingsError, match="NTE_TRAINING_FIRST_AID_MONTHS"):
            load_settings({"NTE_TRAINING_FIRST_AID_MONTHS": bad})


# Completed on 29 February 2024: every course's expiry, at the defaults of DOMAIN.md.
LEAP_DAY_EXPIRIES = {
    "wave": "2025-02-28",
    "ask_for_angela": "2025-02-28",
    "age_verification": "2025-02-28",
    "drink_spiking": "2025-02-28",
    "act": "2025-02-28",
    "safeguarding": "2026-02-28",
    "conflict_management": "2027-02-28",
    "first_aid": "2027-02-28",
}


async def test_recording_training_derives_the_expiry_from_the_course(
    client: Client, db: asyncpg.Connection
) -> None:
    staff_id = await add_person(db, await add_venue(db), "Ann Barker")
    url = f"/api/v1/staff/{staff_id}/training"
    for course in LEAP_DAY_EXPIRIES:
        response = await client.post(url, json={"course": course, "completed_on": "2024-02-29"})
        assert response.status_code == 201, response.text
        record = response.json()
        assert (record["course"], record["completed_on"], record["certificate"]) == (
            course,
            "2024-02-29",
            None,
        )
    listed = (await client.get(url)).json()
    assert {t["course"]: t["expires_on"] for t in listed} == LEAP_DAY_EXPIRIES
    assert len(listed) == len(LEAP_DAY_EXPIRIES)


async def test_expiry_day_is_valid_and_the_day_after_is_expired(
    client: Client, db: asyncpg.Connection
) -> None:
    """The grid (Python) and the coverage (SQL) agree on the boundary."""
    venue_id = await add_venue(db)
    staff_id = await add_person(db, venue_id, "Ann Barker")
    expiry = date(2025, 2, 28)
    await add_training(db, staff_id, "wave", expiry, completed_on=date(2024, 2, 29))
    await add_training(db, staff_id, "ask_for_angela", expiry + timedelta(days=100))
    seen = {}
    for on in (expiry - timedelta(days=31), expiry, expiry + timedelta(days=1)):
        response = await client.get(
            f"/api/v1/venues/{venue_id}/training-status", params={"on": on.isoformat()}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        wave = body["people"][0]["courses"]["wave"]
        seen[on] = (wave["status"], body["coverage"]["covered"], body["coverage"]["total"])
        assert wave["expires_on"] == "2025-02-28"
    assert seen == {
        date(2025, 1, 28): ("valid", 1, 1),
        date(2025, 2, 28): ("expiring", 1, 1),
        date(2025, 3, 1): ("expired", 0, 1),
    }


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
        assert invalid(response) == {"sia_licence_no": service.SIA_REASON}, typed
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
        assert set(invalid(response, response.status_code)) == fields, payload
    assert await count(db, "staff") == 0
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE table_name = 'staff'") == 0
    staff_id = await add_person(db, venue_id, "Ann Barker")
    for payload, fields in BAD_TRAINING:
        response = await client.post(f"/api/v1/staff/{staff_id}/training", json=payload)
        assert response.status_code in (400, 422), response.text
        assert set(invalid(response, response.status_code)) == fields, payload
    assert await count(db, "training") == 0


async def test_training_cannot_be_completed_in_the_future(
    client: Client, db: asyncpg.Connection
) -> None:
    staff_id = await add_person(db, await add_venue(db), "Ann Barker")
    tomorrow = (today() + timedelta(days=1)).isoformat()
    response = await client.post(
        f"/api/v1/staff/{staff_id}/training", json={"course": "wave", "completed_on": tomorrow}
    )
    assert invalid(response) == {"completed_on": "cannot be in the future"}
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
    assert set(invalid(await client.patch(url, json={"role": "door_supervisor"}))) == {
        "sia_licence_no",
        "sia_expires_on",
    }
    assert invalid(await client.patch(url, json={"left_on": "2024-04-01"})) == {
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
    assert set(invalid(await client.patch(url, json={"sia_licence_no": None}))) == {
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
    refused = invalid(await client.post(f"/api/v1/venues/{venue_id}/staff", json=second))
    assert list(refused) == ["role"] and "Ann Barker" in refused["role"]
    await client.patch(f"/api/v1/staff/{first.json()['id']}", json={"left_on": today().isoformat()})
    assert (await client.post(f"/api/v1/venues/{venue_id}/staff", json=second)).status_code == 201
    page = text_of((await client.get(f"/venues/{venue_id}/staff", headers=BROWSER)).text)
    # The licence still names the old DPS: the page says so.
    assert "Bob Cellar (on the staff list); the licence names Ann Barker" in page


# --- front-of-house coverage -------------------------------------------------------------


async def test_coverage_on_a_known_arrangement(client: Client, db: asyncpg.Connection) -> None:
    on = today()
    good, soon, gone = on + timedelta(days=200), on + timedelta(days=5), on - timedelta(days=1)
    a = await add_venue(db, "Venue A")
    both = [await add_person(db, a, f"Covered {n}") for n in range(2)]
    only_wave = await add_person(db, a, "Only WAVE")
    angela_lapsed = await add_person(db, a, "Angela lapsed")
    untrained = await add_person(db, a, "Untrained")
    leaving = await add_person(db, a, "Leaving next week", left_on=on + timedelta(days=7))
    # Not counted: not front of house, or gone.
    cellar = await add_person(db, a, "Cellar", front_of_house=False)
    left = await add_person(db, a, "Left", left_on=on)
    for person in [*both, cellar, left, leaving]:
        await add_training(db, person, "wave", good)
        await add_training(db, person, "ask_for_angela", soon)
    await add_training(db, only_wave, "wave", good)
    await add_training(db, angela_lapsed, "wave", good)
    await add_training(db, angela_lapsed, "ask_for_angela", gone)
    # An older lapsed record beside a current one changes nothing.
    await add_training(db, both[0], "wave", gone)
    assert untrained
    b = await add_venue(db, "Venue B")
    await add_training(db, await add_person(db, b, "Solo"), "wave", good)
    await add_training(db, await add_person(db, b, "Duo"), "wave", good)
    await add_training(
        db, (await db.fetchval("SELECT id FROM staff WHERE name = 'Duo'")), "ask_for_angela", good
    )
    c = await add_venue(db, "Venue C")

    expected = {a: (3, 6), b: (1, 2), c: (0, 0)}
    assert await front_of_house_coverage(db, None, on) == expected
    assert await front_of_house_coverage(db, None) == expected  # today by default
    assert await front_of_house_coverage(db, [a], on) == {a: (3, 6)}
    assert await front_of_house_coverage(db, [b, c], on) == {b: (1, 2), c: (0, 0)}
    # A week on, the Angela briefings of the covered people have lapsed, and one has left.
    assert await front_of_house_coverage(db, [a], on + timedelta(days=7)) == {a: (0, 5)}

    body = (await client.get(f"/api/v1/venues/{a}/training-status")).json()
    assert body["coverage"] == {"covered": 3, "total": 6, "percent": 50}
    assert [p["name"] for p in body["people"]] == [
        "Angela lapsed",
        "Cellar",
        "Covered 0",
        "Covered 1",
        "Leaving next week",
        "Only WAVE",
        "Untrained",
    ]
    grid = {p["name"]: {k: v["status"] for k, v in p["courses"].items()} for p in body["people"]}
    assert grid["Covered 0"]["wave"] == "valid"
    assert grid["Covered 0"]["ask_for_angela"] == "expiring"
    assert grid["Angela lapsed"]["ask_for_angela"] == "expired"
    assert grid["Untrained"] == dict.fromkeys(TRAINING_MONTHS, "missing")
    page = text_of((await client.get(f"/venues/{a}/staff", headers=BROWSER)).text)
    assert "50% Front-of-house coverage 3 of 6 front-of-house staff" in page
    assert "below 80%" in page
    c_body = (await client.get(f"/api/v1/venues/{c}/training-status")).json()
    assert c_body["coverage"] == {"covered": 0, "total": 0, "percent": None}


# --- certificates ------------------------------------------------------------------------


async def trained(db: asyncpg.Connection, venue_id: int | None = None) -> tuple[int, int]:
    """(venue, training record) for a person with one WAVE course."""
    venue_id = venue_id or await add_venue(db)
    staff_id = await add_person(db, venue_id, "Ann Barker")
    return venue_id, await add_training(db, staff_id, "wave", today() + timedelta(days=300))


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> dict[str, Any]:
    return {"certificate": (name, content, content_type)}


NOT_ALLOWED = [
    ("certificate.pdf", ELF, "application/pdf"),
    ("certificate.pdf", MZ, "application/pdf"),
    ("certificate.png", MZ, "image/png"),
    ("certificate.pdf", b"<html><script>alert(1)</script>", "application/pdf"),
    ("certificate.jpg", b"GIF89a" + b"\x00" * 20, "image/jpeg"),
    ("certificate.pdf", b"", "application/pdf"),
]
# Sent as -> served as: the content decides, and the name keeps only its last part.
ALLOWED = [
    ("wave.pdf", PDF, "application/pdf", "wave.pdf"),
    ("C:\\Users\\ann\\Desktop\\WAVE cert.jpeg", JPEG, "image/jpeg", "WAVE cert.jpg"),
    ("scan.pdf", PNG, "image/png", "scan.png"),
    ("../../etc/passwd.png", PNG, "image/png", "passwd.png"),
]


async def test_only_pdf_jpeg_and_png_are_taken_and_served_as_what_they_are(
    client: Client, db: asyncpg.Connection
) -> None:
    _, training_id = await trained(db)
    url = f"/api/v1/training/{training_id}/certificate"
    for name, content, claimed in NOT_ALLOWED:
        reasons = invalid(await client.put(url, files=upload(name, content, claimed)))
        assert list(reasons) == ["certificate"], name
        assert reasons["certificate"] in ("must be a PDF, JPEG or PNG file", "is an empty file")
    assert await count(db, "training_certificates") == 0
    staff_id = await db.fetchval("SELECT staff_id FROM training")
    for sent_as, content, served_type, served_name in ALLOWED:
        # The browser's claim is ignored either way.
        response = await client.put(url, files=upload(sent_as, content, "application/octet-stream"))
        assert response.status_code == 200, response.text
        assert response.json()["filename"] == served_name
        for where in (url, f"/training/{training_id}/certificate"):
            served = await client.get(where, headers=BROWSER)
            assert served.status_code == 200
            assert served.content == content
            assert served.headers["content-type"] == served_type
            assert served.headers["x-content-type-options"] == "nosniff"
            assert served.headers["content-disposition"].startswith(
                f'inline; filename="{served_name}"'
            )
            assert "no-store" in served.headers["cache-control"]
        listed = (await client.get(f"/api/v1/staff/{staff_id}/training")).json()
        assert listed[0]["certificate"]["size"] == len(content)
    assert await count(db, "training_certificates") == 1, "a new upload replaces the old"


async def test_ten_megabytes_pass_and_one_byte_more_is_refused(
    client: Client, db: asyncpg.Connection
) -> None:
    _, training_id = await trained(db)
    url = f"/api/v1/training/{training_id}/certificate"
    exact = PDF + b"\0" * (MAX_CERTIFICATE_BYTES - len(PDF))
    assert len(exact) == 10 * 1024 * 1024
    over = invalid(await client.put(url, files=upload("big.pdf", exact + b"\0")))
    assert over == {"certificate": "must be at most 10 MB"}
    assert await count(db, "training_certificates") == 0
    response = await client.put(url, files=upload("big.pdf", exact))
    assert response.status_code == 200, response.text
    assert response.json()["size"] == MAX_CERTIFICATE_BYTES
    served = await client.get(url)
    assert served.content == exact
    # Far over the limit, the body is refused before it is read; the field is still named.
    huge = invalid(await client.put(url, files=upload("huge.pdf", exact * 2)), 413)
    assert huge == {"certificate": "must be at most 10 MB"}
    assert (await client.get(url)).content == exact, "the refused upload replaced nothing"


async def test_certificate_upload_needs_the_certificate_field(
    client: Client, db: asyncpg.Connection
) -> None:
    _, training_id = await trained(db)
    url = f"/api/v1/training/{training_id}/certificate"
    response = await client.put(url, files={"file": ("wave.pdf", PDF, "application/pdf")})
    assert set(invalid(response, response.status_code)) == {"certificate"}
    assert (
        await client.put(f"/api/v1/training/{MISSING}/certificate", files=upload("w.pdf", PDF))
    ).status_code == 404
    no_file = await client.get(url)
    assert problem(no_file, 404)["detail"] == "This training record has no certificate"


# who -> (reading a certificate, uploading one)
CERTIFICATE_ACCESS = {
    "officer": (200, 200),
    "admin": (200, 200),
    "partner": (200, 403),
    "manager_own": (200, 200),
    "manager_other": (404, 404),
}
# who -> adding a person or recording training (reads follow the same scope)
WRITE_ACCESS = {
    "officer": 201,
    "admin": 201,
    "manager_own": 201,
    "partner": 403,
    "manager_other": 404,
}


async def test_who_may_fetch_and_upload_a_certificate(people: Any, db: asyncpg.Connection) -> None:
    own, training_id = await trained(db)
    await db.execute(
        "INSERT INTO training_certificates (venue_id, training_id, filename, content_type, size,"
        " content) VALUES ($1, $2, 'wave.pdf', 'application/pdf', $3, $4)",
        own,
        training_id,
        len(PDF),
        PDF,
    )
    staff_id = await db.fetchval("SELECT staff_id FROM training WHERE id = $1", training_id)
    other = await add_venue(db, "Elsewhere")
    for who, (read, write) in CERTIFICATE_ACCESS.items():
        role = "venue_manager" if who.startswith("manager") else who
        venues = {"manager_own": [own], "manager_other": [other]}.get(who, [])
        async with await people.signed_in(role, venues) as browser:
            for url in (
                f"/api/v1/training/{training_id}/certificate",
                f"/training/{training_id}/certificate",
            ):
                response = await browser.get(url)
                assert response.status_code == read, (who, url)
                assert (response.content == PDF) == (read == 200)
            put = await browser.put(
                f"/api/v1/training/{training_id}/certificate", files=upload("wave.pdf", PDF)
            )
            assert put.status_code == write, who
            # Another venue's manager learns nothing about the people either.
            person = await browser.get(f"/api/v1/staff/{staff_id}")
            assert person.status_code == (404 if who == "manager_other" else 200), who


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


# --- the pages ---------------------------------------------------------------------------


async def form_token(client: Client, path: str) -> str:
    text = (await client.get(path, headers=BROWSER)).text
    found = re.search(r'name="_csrf_token" value="([^"]+)"', text)
    assert found, f"{path} carries no form"
    return found[1]


async def submit(
    client: Client,
    form_page: str,
    action: str,
    data: dict[str, Any],
    files: dict[str, Any] | None = None,
) -> Response:
    """Fill in the form on ``form_page`` and post it as the browser does (token in the form)."""
    data = {**data, "_csrf_token": await form_token(client, form_page)}
    request = client.build_request("POST", action, data=data, files=files, headers=BROWSER)
    del request.headers[CSRF_HEADER]
    return await client.send(request, follow_redirects=False)


async def test_staff_page_shows_the_grid_in_colours_and_words(
    client: Client, db: asyncpg.Connection
) -> None:
    venue_id = await add_venue(db)
    ann = await add_person(db, venue_id, "Ann Barker")
    dee = await add_person(
        db,
        venue_id,
        "Dee Fenders",
        role="door_supervisor",
        sia_licence_no="1234567812345678",
        sia_expires_on=today() + timedelta(days=20),
    )
    await add_person(db, venue_id, "Former Fred", left_on=today() - timedelta(days=3))
    await add_training(db, ann, "wave", today() + timedelta(days=100))
    await add_training(db, ann, "ask_for_angela", today() + timedelta(days=10))
    await add_training(db, dee, "wave", today() - timedelta(days=1))
    response = await client.get(f"/venues/{venue_id}/staff", headers=BROWSER)
    assert response.status_code == 200
    markup = response.text
    assert 'aria-current="page">Staff &amp; training' in markup
    rows = {m[0]: m[1] for m in re.findall(r'<tr id="person-(\d+)">(.*?)</tr>', markup, re.S)}
    assert set(rows) == {str(ann), str(dee)}, "people who left are not in the grid"

    def cell(person: int, course: str) -> str:
        found = re.search(
            rf'<td class="st st-(\w+)" data-course="{course}">(.*?)</td>', rows[str(person)], re.S
        )
        assert found, (person, course)
        return f"{found[1]}: {text_of(found[2]).strip()}"

    assert cell(ann, "wave").startswith("valid: Valid")
    assert cell(ann, "ask_for_angela").startswith("expiring: Expiring")
    assert cell(ann, "first_aid") == "missing: Missing"
    assert cell(dee, "wave").startswith("expired: Expired")
    assert f'href="/staff/{ann}?course=first_aid#record"' in rows[str(ann)]
    page = text_of(markup)
    assert "1234 5678 1234 5678" in page and "Expiring within 60 days" in page
    assert "Former staff (1)" in page and "Former Fred" in page
    assert "50% Front-of-house coverage 1 of 2" in page


async def test_venue_page_loads_the_staff_summary(client: Client, db: asyncpg.Connection) -> None:
    venue_id = await add_venue(db)
    for n in range(4):
        person = await add_person(db, venue_id, f"Person {n}")
        if n < 3:
            await add_training(db, person, "wave", today() + timedelta(days=90))
            await add_training(db, person, "ask_for_angela", today() + timedelta(days=90))
    venue_page = (await client.get(f"/venues/{venue_id}", headers=BROWSER)).text
    assert f'hx-get="/venues/{venue_id}/staff/summary"' in venue_page
    headers = {**BROWSER, "hx-request": "true"}
    fragment = await client.get(f"/venues/{venue_id}/staff/summary", headers=headers)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    summary = text_of(fragment.text)
    assert "75% Front-of-house coverage 3 of 4 front-of-house staff" in summary
    assert "DPS: none on the staff list" in summary


async def test_a_manager_adds_a_door_supervisor_from_the_page(
    people: Any, db: asyncpg.Connection
) -> None:
    venue_id = await add_venue(db)
    async with await people.signed_in("venue_manager", [venue_id]) as manager:
        new = f"/venues/{venue_id}/staff/new"
        form = {
            "name": "Dee Fenders",
            "role": "door_supervisor",
            "front_of_house": "on",
            "started_on": "2025-01-06",
            "left_on": "",
            "sia_licence_no": "1234 5678 90",
            "sia_expires_on": "",
        }
        refused = await submit(manager, new, f"/venues/{venue_id}/staff", form)
        assert refused.status_code == 422
        text = text_of(refused.text)
        assert "SIA licence number must be the 16 digits of the SIA licence" in text
        assert "SIA licence expires on is required for a door supervisor" in text
        assert 'value="1234 5678 90"' in refused.text, "what was typed is kept"
        assert await count(db, "staff") == 0
        form.update(sia_licence_no="1234 5678 9012 3456", sia_expires_on="2027-03-31")
        saved = await submit(manager, new, f"/venues/{venue_id}/staff", form)
        assert saved.status_code in (302, 303), saved.text
        row = await db.fetchrow("SELECT * FROM staff")
        assert saved.headers["location"] == f"/venues/{venue_id}/staff#person-{row['id']}"
        assert (row["name"], row["role"], row["front_of_house"], row["sia_licence_no"]) == (
            "Dee Fenders",
            "door_supervisor",
            True,
            "1234567890123456",
        )
        edit = f"/staff/{row['id']}/edit"
        edited = await submit(
            manager, edit, edit, {**form, "front_of_house": "", "left_on": "2024-12-01"}
        )
        assert edited.status_code == 422
        assert "Left on must be on or after the date they started" in text_of(edited.text)
        edited = await submit(manager, edit, edit, {**form, "front_of_house": ""})
        assert edited.status_code in (302, 303)
        assert await db.fetchval("SELECT front_of_house FROM staff") is False


async def test_a_manager_records_training_with_a_certificate_from_the_page(
    people: Any, db: asyncpg.Connection
) -> None:
    venue_id = await add_venue(db)
    staff_id = await add_person(db, venue_id, "Ann Barker")
    async with await people.signed_in("venue_manager", [venue_id]) as manager:
        person = f"/staff/{staff_id}?course=ask_for_angela"
        page = (await manager.get(person, headers=BROWSER)).text
        assert '<option value="ask_for_angela" selected>' in page
        assert 'enctype="multipart/form-data"' in page
        action = f"/staff/{staff_id}/training"
        bad = await submit(
            manager,
            person,
            action,
            {"course": "ask_for_angela", "completed_on": ""},
            files={"certificate": ("angela.pdf", ELF, "application/pdf")},
        )
        assert bad.status_code == 422
        text = text_of(bad.text)
        assert "Completed on is required" in text
        assert "Certificate must be a PDF, JPEG or PNG file" in text
        good_date_bad_file = await submit(
            manager,
            person,
            action,
            {"course": "ask_for_angela", "completed_on": "2025-03-01"},
            files={"certificate": ("angela.pdf", MZ, "application/pdf")},
        )
        assert good_date_bad_file.status_code == 422
        assert await count(db, "training") == 0, "a refused certificate saves no record either"
        saved = await submit(
            manager,
            person,
            action,
            {"course": "ask_for_angela", "completed_on": "2025-03-01"},
            files={"certificate": ("angela.jpg", JPEG, "image/jpeg")},
        )
        assert saved.status_code in (302, 303), saved.text
        # No file chosen: the browser sends an empty part, which is no certificate at all.
        without = await submit(
            manager,
            person,
            action,
            {"course": "wave", "completed_on": "2025-03-02"},
            files={"certificate": ("", b"", "application/octet-stream")},
        )
        assert without.status_code in (302, 303), without.text
        rows = await db.fetch(
            "SELECT t.course, t.expires_on, c.content FROM training t "
            "LEFT JOIN training_certificates c ON c.training_id = t.id ORDER BY t.id"
        )
        assert [(r["course"], r["expires_on"], r["content"]) for r in rows] == [
            ("ask_for_angela", date(2026, 3, 1), JPEG),
            ("wave", date(2026, 3, 2), None),
        ]
        listing = (await manager.get(f"/staff/{staff_id}", headers=BROWSER)).text
        training_id = rows and await db.fetchval("SELECT min(id) FROM training")
        assert f'href="/training/{training_id}/certificate"' in listing
        assert "angela.jpg" in listing


async def test_partners_read_the_pages_without_forms(people: Any, db: asyncpg.Connection) -> None:
    venue_id = await add_venue(db)
    staff_id = await add_person(db, venue_id, "Ann Barker")
    async with await people.signed_in("partner") as partner:
        grid = await partner.get(f"/venues/{venue_id}/staff", headers=BROWSER)
        assert grid.status_code == 200 and "Ann Barker" in grid.text
        assert "Add a person" not in grid.text
        person = await partner.get(f"/staff/{staff_id}", headers=BROWSER)
        assert person.status_code == 200 and "Record training" not in person.text
        assert (await partner.get(f"/staff/{staff_id}/edit", headers=BROWSER)).status_code == 403


# --- the demo borough --------------------------------------------------------------------


async def test_demo_staff_are_plausible_labelled_and_added_once(
    client: Client, db: asyncpg.Connection
) -> None:
    import random

    from venues.staff import demo

    venues = []
    for n in range(12):
        venue_id = await db.fetchval(
            "INSERT INTO venues (name, dps_name, capacity, generated) "
            "VALUES ($1, $2, $3, true) RETURNING id",
            f"Venue {n}",
            f"Dee Pees {n}",
            80 + 40 * n,
        )
        if n % 3 == 0:
            await db.execute(
                "INSERT INTO conditions (venue_id, kind, objective, params, text) VALUES "
                "($1, 'door_supervisors', 'crime_disorder', '{\"count\": 2}', 'Two SIA staff')",
                venue_id,
            )
        venues.append(venue_id)
    real = await add_venue(db, "Not generated")
    added = await demo.generate(db, random.Random(1))
    assert added == await count(db, "staff") > 12 * 4
    assert await demo.generate(db, random.Random(1)) == 0, "a rerun adds nobody"
    assert await db.fetchval("SELECT count(*) FROM staff WHERE venue_id = $1", real) == 0
    assert await db.fetchval("SELECT bool_and(generated) FROM staff")
    on = today()
    for n, venue_id in enumerate(venues):
        dps = await db.fetch(
            "SELECT name FROM staff WHERE venue_id = $1 AND role = 'dps'", venue_id
        )
        assert [r["name"] for r in dps] == [f"Dee Pees {n}"]
        doors = await db.fetchval(
            "SELECT count(*) FROM staff WHERE venue_id = $1 AND role = 'door_supervisor' "
            "AND left_on IS NULL",
            venue_id,
        )
        assert doors == (3 if n % 3 == 0 else 0)
    sia = [
        r["sia_expires_on"]
        for r in await db.fetch("SELECT sia_expires_on FROM staff WHERE role = 'door_supervisor'")
    ]
    assert sum(d < on for d in sia) == 2
    assert sum(on <= d <= on + timedelta(days=60) for d in sia) >= 1
    statuses = [
        status_of(r["expires_on"], on)
        for r in await db.fetch(
            "SELECT DISTINCT ON (staff_id, course) expires_on FROM training "
            "ORDER BY staff_id, course, expires_on DESC"
        )
    ]
    assert {"valid", "expiring", "expired"} <= set(statuses)
    assert statuses.count("valid") > len(statuses) / 2
    coverage = await front_of_house_coverage(db, venues)
    assert all(total > 0 for _, total in coverage.values())
    page = await client.get(f"/venues/{venues[0]}/staff", headers=BROWSER)
    assert "generated demo data" in page.text

"""Training: expiry from the course, status on a day, and front-of-house coverage."""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg
import pytest

from nte.settings import TRAINING_MONTHS, SettingsError, load_settings
from tests.helpers import (
    BROWSER,
    Client,
    add_person,
    add_training,
    add_venue,
    text_of,
    today,
)
from venues.staff import service
from venues.staff.queries import front_of_house_coverage
from venues.staff.service import add_months, status_of

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

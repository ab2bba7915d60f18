"""The staff pages: the grid in colours and words, and the forms a manager uses on a phone."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import asyncpg

from tests.helpers import (
    BROWSER,
    ELF,
    JPEG,
    MZ,
    Client,
    add_person,
    add_training,
    add_venue,
    count,
    submit,
    text_of,
    today,
)
from venues.staff.queries import front_of_house_coverage
from venues.staff.service import status_of

# --- the pages ---------------------------------------------------------------------------


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

"""Ask for Angela: participation, test visits, readiness (trained staff, last test, re-test due)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import msgspec

from tests.conftest import People
from tests.helpers import BROWSER, HTMX, Client, add_venue, text_of, today
from venues.angela.schemas import AngelaTest
from venues.angela.service import retest_due


def invalid_names(response: httpx.Response) -> set[str]:
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return {p["name"] for p in response.json().get("invalid_params") or []}


async def add_test(db: asyncpg.Connection, venue: int, days_ago: int, outcome: str) -> None:
    await db.execute(
        "INSERT INTO angela_tests (venue_id, tested_on, tester_organisation, outcome) "
        "VALUES ($1, $2, 'Kent Police', $3)",
        venue,
        today() - timedelta(days=days_ago),
        outcome,
    )


async def add_front_of_house(
    db: asyncpg.Connection, venue: int, name: str, courses: tuple[str, ...], *, left: bool = False
) -> None:
    staff = await db.fetchval(
        "INSERT INTO staff (venue_id, name, role, front_of_house, left_on) "
        "VALUES ($1, $2, 'bar', true, $3) RETURNING id",
        venue,
        name,
        today() - timedelta(days=1) if left else None,
    )
    for course in courses:
        await db.execute(
            "INSERT INTO training (venue_id, staff_id, course, completed_on, expires_on) "
            "VALUES ($1, $2, $3, $4, $5)",
            venue,
            staff,
            course,
            today() - timedelta(days=30),
            today() + timedelta(days=300),
        )


# --- participation -------------------------------------------------------------------------


async def test_a_venue_never_enrolled_reads_as_not_taking_part(
    client: Client, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db)
    body = (await client.get(f"/api/v1/venues/{venue}/angela")).json()
    assert body["participating"] is False and body["enrolled_on"] is None
    assert body["posters_displayed"] is False
    r = body["readiness"]
    assert r["last_test"] is None and r["retest_due_on"] is None and r["retest_overdue"] is False
    assert r["trained_share"] is None, "nobody front of house: not known yet"


async def test_a_manager_keeps_their_participation_and_the_history_records_it(
    people: People, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db)
    enrolled = (today() - timedelta(days=400)).isoformat()
    async with await people.signed_in("venue_manager", [venue]) as manager:
        put = await manager.put(
            f"/api/v1/venues/{venue}/angela",
            json={"enrolled_on": enrolled, "posters_displayed": True},
        )
        assert put.status_code == 200, put.text
        assert put.json()["participating"] is True and put.json()["posters_displayed"] is True
        withdrawn = (today() - timedelta(days=3)).isoformat()
        again = await manager.put(
            f"/api/v1/venues/{venue}/angela",
            json={"enrolled_on": enrolled, "posters_displayed": False, "withdrawn_on": withdrawn},
        )
        assert again.json()["participating"] is False
        assert again.json()["withdrawn_on"] == withdrawn
        assert (await manager.get(f"/api/v1/venues/{venue}/angela")).json() == again.json()
    assert await db.fetchval("SELECT count(*) FROM angela_participation") == 1
    actions = await db.fetch(
        "SELECT action FROM audit_log WHERE table_name = 'angela_participation' ORDER BY id"
    )
    assert [a["action"] for a in actions] == ["create", "update"]


BAD_PARTICIPATION: list[tuple[dict[str, Any], str]] = [
    ({"withdrawn_on": "2024-01-01"}, "withdrawn_on"),  # left without joining
    ({"enrolled_on": "2024-05-01", "withdrawn_on": "2024-04-30"}, "withdrawn_on"),
    ({"enrolled_on": (date.today() + timedelta(days=30)).isoformat()}, "enrolled_on"),
    (
        {
            "enrolled_on": "2024-05-01",
            "withdrawn_on": (date.today() + timedelta(days=30)).isoformat(),
        },
        "withdrawn_on",
    ),
    ({"enrolled_on": "May 2024"}, "enrolled_on"),
    ({"posters_displayed": "yes"}, "posters_displayed"),
    ({"posters": True}, "posters"),
]


async def test_bad_participation_is_refused_naming_the_field_and_changes_nothing(
    client: Client, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db)
    await client.put(
        f"/api/v1/venues/{venue}/angela",
        json={"enrolled_on": "2023-01-01", "posters_displayed": True},
    )
    before = await db.fetchrow("SELECT * FROM angela_participation")
    for payload, field in BAD_PARTICIPATION:
        response = await client.put(f"/api/v1/venues/{venue}/angela", json=payload)
        assert field in invalid_names(response), payload
    assert await db.fetchrow("SELECT * FROM angela_participation") == before


async def test_who_may_change_participation_and_record_tests(
    people: People, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db)
    test = {
        "tested_on": today().isoformat(),
        "tester_organisation": "Kent Police",
        "outcome": "pass",
    }
    for role, put_status, post_status in (
        ("venue_manager", 200, 403),
        ("officer", 200, 201),
        ("admin", 200, 201),
        ("partner", 403, 201),
    ):
        async with await people.signed_in(role, [venue] if role == "venue_manager" else []) as c:
            put = await c.put(f"/api/v1/venues/{venue}/angela", json={"posters_displayed": True})
            post = await c.post(f"/api/v1/venues/{venue}/angela/tests", json=test)
            listed = await c.get(f"/api/v1/venues/{venue}/angela/tests")
        assert (put.status_code, post.status_code) == (put_status, post_status), role
        assert listed.status_code == 200, role
    assert await db.fetchval("SELECT count(*) FROM angela_tests") == 3


async def test_tests_are_listed_latest_first_and_bad_ones_refused(
    client: Client, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db)
    url = f"/api/v1/venues/{venue}/angela/tests"
    for days, outcome in ((60, "pass"), (10, "fail"), (200, "fail")):
        r = await client.post(
            url,
            json={
                "tested_on": (today() - timedelta(days=days)).isoformat(),
                "tester_organisation": " Kent Police ",
                "outcome": outcome,
                "notes": f"{days}",
            },
        )
        assert r.status_code == 201, r.text
        assert r.json()["tester_organisation"] == "Kent Police"
    assert [t["notes"] for t in (await client.get(url)).json()] == ["10", "60", "200"]
    good = {
        "tested_on": today().isoformat(),
        "tester_organisation": "Kent Police",
        "outcome": "fail",
    }
    for bad, field in (
        ({**good, "tested_on": (today() + timedelta(days=1)).isoformat()}, "tested_on"),
        ({**good, "outcome": "passed"}, "outcome"),
        ({**good, "tester_organisation": ""}, "tester_organisation"),
        ({k: v for k, v in good.items() if k != "tested_on"}, "tested_on"),
    ):
        assert field in invalid_names(await client.post(url, json=bad)), bad
    assert await db.fetchval("SELECT count(*) FROM angela_tests") == 3


# --- readiness -----------------------------------------------------------------------------


def _test(tested_on: date, outcome: str) -> AngelaTest:
    return msgspec.convert(
        {
            "id": 1,
            "venue_id": 1,
            "tested_on": tested_on,
            "tester_organisation": "Kent Police",
            "outcome": outcome,
            "notes": "",
            "generated": False,
            "created_at": datetime.now(),
        },
        AngelaTest,
    )


def test_retest_due_at_the_boundary() -> None:
    failed = date(2025, 3, 1)
    due = date(2025, 3, 29)  # 28 days later
    for days_since, overdue in ((0, False), (27, False), (28, False), (29, True), (90, True)):
        on = failed + timedelta(days=days_since)
        assert retest_due(_test(failed, "fail"), 28, on) == (due, overdue), days_since
    # The window is a setting.
    assert retest_due(_test(failed, "fail"), 14, date(2025, 3, 16)) == (date(2025, 3, 15), True)
    # A pass owes nothing; nor does a venue never tested.
    assert retest_due(_test(failed, "pass"), 28, date(2026, 1, 1)) == (None, False)
    assert retest_due(None, 28, date(2026, 1, 1)) == (None, False)


async def test_readiness_re_test_follows_the_last_test(
    client: Client, db: asyncpg.Connection
) -> None:
    """Each case is the venue's tests (days ago, outcome) and what readiness says today."""
    cases: list[tuple[list[tuple[int, str]], int | None, bool]] = [
        ([(27, "fail")], 1, False),
        ([(28, "fail")], 0, False),  # due today: still in time
        ([(29, "fail")], -1, True),
        ([(40, "fail"), (20, "pass")], None, False),  # re-tested and passed
        ([(60, "fail"), (30, "fail")], -2, True),  # a failed re-test starts its own window
        ([(45, "fail"), (10, "fail")], 18, False),
        ([(10, "pass")], None, False),
    ]
    for tests, due_in, overdue in cases:
        venue = await add_venue(db, f"Venue {tests}")
        for days_ago, outcome in tests:
            await add_test(db, venue, days_ago, outcome)
        r = (await client.get(f"/api/v1/venues/{venue}/angela")).json()["readiness"]
        want = None if due_in is None else (today() + timedelta(days=due_in)).isoformat()
        assert (r["retest_due_on"], r["retest_overdue"]) == (want, overdue), tests
        last_days, last_outcome = min(tests)
        assert r["last_test"]["outcome"] == last_outcome, tests
        assert r["last_test"]["tested_on"] == (today() - timedelta(days=last_days)).isoformat()


async def test_readiness_counts_trained_front_of_house_staff(
    client: Client, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db)
    await client.put(
        f"/api/v1/venues/{venue}/angela",
        json={"enrolled_on": "2024-01-01", "posters_displayed": True},
    )
    await add_front_of_house(db, venue, "Ann", ("wave",))
    await add_front_of_house(db, venue, "Bob", ("ask_for_angela",))
    await add_front_of_house(db, venue, "Left", ("wave", "ask_for_angela"), left=True)
    r = (await client.get(f"/api/v1/venues/{venue}/angela")).json()["readiness"]
    assert (r["trained_staff"], r["front_of_house_staff"], r["trained_share"]) == (0, 2, 0)
    assert r["posters_without_trained_staff"] is True, "posters promise help nobody can give"

    await add_front_of_house(db, venue, "Cat", ("wave", "ask_for_angela"))
    await add_front_of_house(db, venue, "Dev", ("wave", "ask_for_angela"))
    await add_front_of_house(db, venue, "Eve", ())
    r = (await client.get(f"/api/v1/venues/{venue}/angela")).json()["readiness"]
    assert (r["trained_staff"], r["front_of_house_staff"], r["trained_share"]) == (2, 5, 0.4)
    assert r["posters_without_trained_staff"] is False


# --- pages ---------------------------------------------------------------------------------


async def test_the_venue_page_loads_the_readiness_summary(
    client: Client, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db)
    await client.put(
        f"/api/v1/venues/{venue}/angela",
        json={"enrolled_on": "2024-01-01", "posters_displayed": True},
    )
    await add_test(db, venue, 35, "fail")
    await add_front_of_house(db, venue, "Ann", ("wave", "ask_for_angela"))
    await add_front_of_house(db, venue, "Bob", ())
    await add_front_of_house(db, venue, "Cat", ())
    page = await client.get(f"/venues/{venue}", headers=BROWSER)
    assert f'hx-get="/venues/{venue}/angela/summary"' in page.text
    fragment = await client.get(f"/venues/{venue}/angela/summary", headers=HTMX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    words = text_of(fragment.text)
    due = (today() - timedelta(days=7)).strftime("%-d %b %Y")
    assert "Enrolled since 1 Jan 2024" in words
    assert "33% (1 of 3)" in words
    assert f"Re-test due Overdue since {due}" in words
    assert "Last test Failed" in words


async def test_the_angela_page_offers_each_role_its_own_forms(
    people: People, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db)
    for role, participation, tests in (
        ("venue_manager", True, False),
        ("partner", False, True),
        ("officer", True, True),
    ):
        async with await people.signed_in(role, [venue] if role == "venue_manager" else []) as c:
            page = await c.get(f"/venues/{venue}/angela", headers=BROWSER)
        assert page.status_code == 200
        assert "Not known yet" in text_of(page.text)
        assert (f'action="/venues/{venue}/angela"' in page.text) is participation, role
        assert (f'action="/venues/{venue}/angela/tests"' in page.text) is tests, role


async def test_the_forms_save_or_say_why_not(people: People, db: asyncpg.Connection) -> None:
    venue = await add_venue(db)
    async with await people.signed_in("venue_manager", [venue]) as manager:
        bad = await manager.post(
            f"/venues/{venue}/angela",
            headers=BROWSER,
            data={
                "enrolled_on": "2024-05-01",
                "withdrawn_on": "2024-04-01",
                "posters_displayed": "yes",
            },
        )
        assert bad.status_code == 422
        assert "Withdrawn on cannot be before the enrolment date" in text_of(bad.text)
        assert 'value="2024-04-01"' in bad.text, "what was typed is kept"
        assert await db.fetchval("SELECT count(*) FROM angela_participation") == 0
        good = await manager.post(
            f"/venues/{venue}/angela",
            headers=BROWSER,
            data={"enrolled_on": "2024-05-01", "withdrawn_on": "", "posters_displayed": "yes"},
        )
        assert good.status_code in (302, 303)
    row = await db.fetchrow("SELECT * FROM angela_participation")
    assert row["enrolled_on"] == date(2024, 5, 1) and row["posters_displayed"] is True
    assert row["withdrawn_on"] is None

    async with await people.signed_in("partner") as partner:
        bad = await partner.post(
            f"/venues/{venue}/angela/tests",
            headers=BROWSER,
            data={"tested_on": "2024-06-01", "tester_organisation": "Kent Police", "notes": "kept"},
        )
        assert bad.status_code == 422 and "Outcome is required" in text_of(bad.text)
        assert ">kept</textarea>" in bad.text
        bad = await partner.post(
            f"/venues/{venue}/angela/tests",
            headers=BROWSER,
            data={"tested_on": "soon", "tester_organisation": "Kent Police", "outcome": "pass"},
        )
        assert bad.status_code == 422 and "Date of the test must be a date" in text_of(bad.text)
        assert await db.fetchval("SELECT count(*) FROM angela_tests") == 0
        good = await partner.post(
            f"/venues/{venue}/angela/tests",
            headers=BROWSER,
            data={
                "tested_on": "2024-06-01",
                "tester_organisation": "Kent Police",
                "outcome": "fail",
            },
        )
        assert good.status_code in (302, 303)
        page = await partner.get(f"/venues/{venue}/angela", headers=BROWSER)
    assert "Re-test overdue" in text_of(page.text)


async def test_another_venues_manager_gets_404_on_every_angela_route(
    people: People, db: asyncpg.Connection
) -> None:
    a, b = await add_venue(db, "Venue A"), await add_venue(db, "Venue B")
    async with await people.signed_in("venue_manager", [b]) as other:
        for method, path, body in (
            ("GET", f"/api/v1/venues/{a}/angela", None),
            ("PUT", f"/api/v1/venues/{a}/angela", {"posters_displayed": True}),
            ("GET", f"/api/v1/venues/{a}/angela/tests", None),
            ("POST", f"/api/v1/venues/{a}/angela/tests", {}),
            ("GET", f"/venues/{a}/angela", None),
            ("GET", f"/venues/{a}/angela/summary", None),
            ("POST", f"/venues/{a}/angela", None),
            ("POST", f"/venues/{a}/angela/tests", None),
        ):
            kwargs: dict[str, Any] = {"json": body} if body is not None else {}
            if method == "POST" and body is None:
                kwargs = {"data": {"enrolled_on": "2024-01-01"}}
            response = await other.request(method, path, **kwargs)
            assert response.status_code == 404, (method, path)
    assert await db.fetchval("SELECT count(*) FROM angela_participation") == 0


async def test_the_demo_enrols_most_of_the_town_centre_and_fails_about_a_quarter(
    db: asyncpg.Connection,
) -> None:
    from venues.angela.demo import in_town_centre
    from venues.demo import load_demo

    await load_demo(db, progress=False)
    venues = await db.fetch(
        """SELECT v.latitude, v.longitude, p.enrolled_on, p.posters_displayed, p.generated
           FROM venues v LEFT JOIN angela_participation p ON p.venue_id = v.id"""
    )
    town = [v for v in venues if in_town_centre(v["latitude"], v["longitude"])]
    enrolled = [v for v in town if v["enrolled_on"]]
    assert len(town) > 20 and len(enrolled) > 0.7 * len(town)
    assert 0 < sum(v["posters_displayed"] for v in enrolled) < len(enrolled)
    assert all(v["generated"] for v in venues if v["enrolled_on"])

    outcomes = [r["outcome"] for r in await db.fetch("SELECT outcome FROM angela_tests")]
    assert len(outcomes) > 50
    assert 0.6 < outcomes.count("pass") / len(outcomes) < 0.85, "published rates are 70-75%"
    overdue = await db.fetchval(
        """SELECT count(*) FROM angela_tests t WHERE t.outcome = 'fail'
             AND t.tested_on + 28 < current_date
             AND NOT EXISTS (SELECT 1 FROM angela_tests later WHERE later.venue_id = t.venue_id
                             AND later.tested_on > t.tested_on)"""
    )
    assert overdue > 0, "some failures were never re-tested"

"""Monthly returns: one per venue per ended month, due a set number of days after it, reviewed
by officers; the borough's missing returns from one set-based query."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from typing import Any

import asyncpg
import pytest

from nte.clock import today
from tests.conftest import People
from tests.helpers import BROWSER, MISSING, Client, add_return, add_venue, due_on, invalid_params
from venues.demo import load_demo
from venues.returns.queries import due_dates, missing_returns
from venues.returns.service import last_ended_month, recent_months


def figures(period: date, **changes: Any) -> dict[str, Any]:
    """A complete, believable return for ``period``."""
    return {
        "period": period.isoformat(),
        "refusals": 7,
        "incidents_unreported": 1,
        "incidents_note": "Fight in the smoking area, door staff separated them.",
        "angela_activations": 1,
        "door_staff_hours": 48.5,
        "cctv_checks": 4,
        "staff_changes": "New DPS: Ann Barker",
        "notes": "",
        **changes,
    }


async def returns_count(db: asyncpg.Connection) -> int:
    count: int = await db.fetchval("SELECT count(*) FROM monthly_returns")
    return count


def words(markup: str) -> str:
    """The page's text, roughly as a person reads it."""
    text = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", markup, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def month_name(period: date) -> str:
    return period.strftime("%B %Y")


LAST = last_ended_month(today())


# --- the due date -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "days", "due"),
    [
        (date(2025, 1, 1), 14, date(2025, 2, 14)),
        (date(2024, 2, 1), 14, date(2024, 3, 14)),  # a leap February ends on the 29th
        (date(2025, 2, 1), 14, date(2025, 3, 14)),
        (date(2024, 12, 1), 14, date(2025, 1, 14)),  # into the next year
        (date(2025, 4, 1), 7, date(2025, 5, 7)),
        (date(2025, 4, 1), 0, date(2025, 4, 30)),
    ],
)
async def test_the_due_date_is_the_months_last_day_plus_the_setting(
    db: asyncpg.Connection, period: date, days: int, due: date
) -> None:
    # The database's rule, which the pages, the API and the flag all read, and the tests' own.
    assert await db.fetchval("SELECT return_due_on($1, $2)", period, days) == due
    assert await due_dates(db, [period], due_days=days) == {period: due}
    assert due_on(period, days) == due


# January's return is due on 14 February: still on time that day, overdue the next.
BOUNDARY = [
    (14, date(2025, 2, 14), False),
    (14, date(2025, 2, 15), True),
    (7, date(2025, 2, 7), False),
    (7, date(2025, 2, 8), True),
]


async def test_a_return_is_missing_only_from_the_day_after_its_due_date(
    db: asyncpg.Connection,
) -> None:
    venue = await add_venue(db, "The Swan")
    await add_return(db, venue, date(2024, 12, 1))  # December is in, so only January is in play
    for days, as_of, missing in BOUNDARY:  # one database for all: each case only reads
        found = await missing_returns(db, as_of, due_days=days)
        january = [(m.venue_id, m.due_on) for m in found if m.period == date(2025, 1, 1)]
        assert january == ([(venue, date(2025, 2, days))] if missing else []), (days, as_of)


# --- the borough's missing returns --------------------------------------------------------


async def test_missing_returns_for_a_known_borough(db: asyncpg.Connection) -> None:
    as_of = date(2025, 6, 20)
    # Due in the 12 months before 20 June 2025: June 2024 (due 14 July 2024) to May 2025
    # (due 14 June 2025). June 2025 is not due yet; May 2024 fell due more than a year ago.
    window = [date(2024, 6, 1) + timedelta(days=31 * i) for i in range(12)]
    window = [d.replace(day=1) for d in window]
    assert window[0] == date(2024, 6, 1) and window[-1] == date(2025, 5, 1)

    complete = await add_venue(db, "All In")
    for period in window:
        await add_return(db, complete, period)
    silent = await add_venue(db, "Never Sends")
    gappy = await add_venue(db, "Forgot March")
    for period in window:
        if period != date(2025, 3, 1):
            await add_return(db, gappy, period)
    await add_return(db, gappy, date(2025, 6, 1))  # an early return changes nothing
    suspended = await add_venue(db, "Suspended Bar", status="suspended")

    found = await missing_returns(db, as_of)
    got = {(m.venue_id, m.period, m.due_on) for m in found}
    want = {(silent, p, due_on(p, 14)) for p in window} | {
        (gappy, date(2025, 3, 1), date(2025, 4, 14))
    }
    assert got == want
    assert suspended not in {m.venue_id for m in found}
    # Newest month first, so the list reads like a to-do list.
    assert [m.period for m in found] == sorted((m.period for m in found), reverse=True)

    # One month, however long ago; and one venue.
    old = await missing_returns(db, as_of, month=date(2023, 1, 1))
    assert {(m.venue_id, m.period) for m in old} == {
        (v, date(2023, 1, 1)) for v in (complete, silent, gappy)
    }
    mine = await missing_returns(db, as_of, venue_ids=[gappy])
    assert [(m.venue_id, m.period) for m in mine] == [(gappy, date(2025, 3, 1))]
    # A month whose due date has not passed has nothing missing yet.
    assert await missing_returns(db, as_of, month=date(2025, 6, 1)) == []


async def test_the_missing_list_api_names_venues_and_days_overdue(
    client: Client, db: asyncpg.Connection, people: People
) -> None:
    month = recent_months(today())[1]  # two months back: always past its due date
    sent = await add_venue(db, "Sent It")
    await add_return(db, sent, month)
    late = await add_venue(db, "Not Yet")
    await add_venue(db, "Closed Down", status="revoked")

    response = await client.get("/api/v1/returns/missing", params={"month": f"{month:%Y-%m}"})
    assert response.status_code == 200, response.text
    assert response.json() == [
        {
            "venue_id": late,
            "venue_name": "Not Yet",
            "period": month.isoformat(),
            "due_on": due_on(month, 14).isoformat(),
            "days_overdue": (today() - due_on(month, 14)).days,
        }
    ]
    everything = (await client.get("/api/v1/returns/missing")).json()
    assert {m["venue_name"] for m in everything} == {"Sent It", "Not Yet"}
    assert len([m for m in everything if m["venue_name"] == "Not Yet"]) >= 11

    async with await people.signed_in("partner") as partner:
        assert (await partner.get("/api/v1/returns/missing")).status_code == 200
    async with await people.signed_in("venue_manager", [late]) as manager:
        assert (await manager.get("/api/v1/returns/missing")).status_code == 403


async def test_a_bad_month_for_the_missing_list_is_named(client: Client) -> None:
    for month in ["2025-13", "2025-1", "May 2025", "2025-05-01"]:
        response = await client.get("/api/v1/returns/missing", params={"month": month})
        assert "month" in invalid_params(response, 400), month


# --- submitting ---------------------------------------------------------------------------


async def test_a_venue_manager_submits_last_months_return(
    db: asyncpg.Connection, people: People
) -> None:
    venue = await add_venue(db, "The Swan")
    manager_id = await people.user("venue_manager", [venue])
    async with await people.client_for(manager_id) as manager:
        response = await manager.post(f"/api/v1/venues/{venue}/returns", json=figures(LAST))
        assert response.status_code == 201, response.text
        saved = response.json()
        assert saved["status"] == "submitted" and saved["submitted_by"] == manager_id
        assert saved["period"] == LAST.isoformat()
        assert saved["due_on"] == due_on(LAST, 14).isoformat()
        assert saved["door_staff_hours"] == 48.5 and saved["incidents_unreported"] == 1
        assert saved["reviewed_at"] is None and saved["reviewed_by"] is None

        older = recent_months(today())[2]
        assert (
            await manager.post(
                f"/api/v1/venues/{venue}/returns", json=figures(older, door_staff_hours=0)
            )
        ).status_code == 201
        listed = (await manager.get(f"/api/v1/venues/{venue}/returns")).json()
        assert [r["period"] for r in listed] == [LAST.isoformat(), older.isoformat()]
        assert listed[1]["door_staff_hours"] == 0
        one = await manager.get(f"/api/v1/returns/{saved['id']}")
        assert one.json() == saved


async def test_a_second_return_for_the_same_month_is_refused(
    client: Client, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db, "The Swan")
    first = await client.post(f"/api/v1/venues/{venue}/returns", json=figures(LAST))
    assert first.status_code == 201
    again = await client.post(f"/api/v1/venues/{venue}/returns", json=figures(LAST, refusals=99))
    assert "period" in invalid_params(again, 409)
    listed = (await client.get(f"/api/v1/venues/{venue}/returns")).json()
    assert [(r["period"], r["refusals"]) for r in listed] == [(LAST.isoformat(), 7)]
    # The same month at another venue is that venue's own return.
    other = await add_venue(db, "The Bell")
    response = await client.post(f"/api/v1/venues/{other}/returns", json=figures(LAST))
    assert response.status_code == 201


def _this_month() -> date:
    return today().replace(day=1)


@pytest.mark.parametrize(
    ("period", "reason"),
    [
        (_this_month(), "ended"),
        ((_this_month() + timedelta(days=40)).replace(day=1), "ended"),
        (date(2031, 1, 1), "ended"),
        (LAST.replace(day=15), "first day"),
    ],
    ids=["this month", "next month", "years ahead", "not a first day"],
)
async def test_a_month_that_has_not_ended_is_refused(
    client: Client, db: asyncpg.Connection, period: date, reason: str
) -> None:
    venue = await add_venue(db, "The Swan")
    response = await client.post(f"/api/v1/venues/{venue}/returns", json=figures(period))
    errors = invalid_params(response, 422)
    assert reason in errors["period"]
    assert await returns_count(db) == 0


BAD_INPUT: list[tuple[dict[str, Any], str]] = [
    ({"refusals": None}, "refusals"),
    ({"refusals": -1}, "refusals"),
    ({"cctv_checks": "four"}, "cctv_checks"),
    ({"angela_activations": 1.5}, "angela_activations"),
    ({"door_staff_hours": -2}, "door_staff_hours"),
    ({"door_staff_hours": 50_000}, "door_staff_hours"),
    ({"incidents_note": "x" * 4001}, "incidents_note"),
    ({"period": "March"}, "period"),
    ({"period": None}, "period"),
    ({"reviewed": True}, "reviewed"),
]


async def test_bad_input_names_the_field_and_saves_nothing(
    client: Client, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db, "The Swan")
    for change, field in BAD_INPUT:  # one database for all: nothing may be saved by any
        body = {**figures(LAST), **change}
        body = {k: v for k, v in body.items() if v is not None}  # None here means "left out"
        response = await client.post(f"/api/v1/venues/{venue}/returns", json=body)
        assert field in invalid_params(response, 400), change
    assert await returns_count(db) == 0


async def test_unknown_venue_and_return_are_404(client: Client) -> None:
    assert (await client.get(f"/api/v1/venues/{MISSING}/returns")).status_code == 404
    response = await client.post(f"/api/v1/venues/{MISSING}/returns", json=figures(LAST))
    assert response.status_code == 404
    assert (await client.get(f"/api/v1/returns/{MISSING}")).status_code == 404
    response = await client.patch(f"/api/v1/returns/{MISSING}", json={"reviewed": True})
    assert response.status_code == 404


# --- who may ------------------------------------------------------------------------------


async def test_another_venues_manager_learns_nothing(
    db: asyncpg.Connection, people: People
) -> None:
    theirs = await add_venue(db, "The Swan")
    return_id = await add_return(db, theirs, LAST)
    mine = await add_venue(db, "The Bell")
    async with await people.signed_in("venue_manager", [mine]) as other:
        for method, url, kwargs in [
            ("GET", f"/api/v1/venues/{theirs}/returns", {}),
            ("POST", f"/api/v1/venues/{theirs}/returns", {"json": figures(LAST)}),
            ("GET", f"/api/v1/returns/{return_id}", {}),
            ("PATCH", f"/api/v1/returns/{return_id}", {"json": {"reviewed": True}}),
            ("GET", f"/venues/{theirs}/returns", {"headers": BROWSER}),
            ("POST", f"/venues/{theirs}/returns", {"data": figures(LAST), "headers": BROWSER}),
            ("POST", f"/returns/{return_id}/review", {"data": {}, "headers": BROWSER}),
        ]:
            response = await other.request(method, url, **kwargs)
            assert response.status_code == 404, (method, url, response.status_code)
            assert "The Swan" not in response.text
        # Their own venue's list does not show the other venue's return either.
        assert (await other.get(f"/api/v1/venues/{mine}/returns")).json() == []
    assert await returns_count(db) == 1


@pytest.mark.parametrize(
    ("role", "read", "submit", "review"),
    [
        ("admin", 200, 201, 200),
        ("officer", 200, 201, 200),
        ("partner", 200, 403, 403),
        ("venue_manager", 200, 201, 403),
    ],
)
async def test_who_may_read_submit_and_review(
    db: asyncpg.Connection, people: People, role: str, read: int, submit: int, review: int
) -> None:
    venue = await add_venue(db, "The Swan")
    return_id = await add_return(db, venue, recent_months(today())[3])
    async with await people.signed_in(role, [venue] if role == "venue_manager" else []) as c:
        assert (await c.get(f"/api/v1/venues/{venue}/returns")).status_code == read
        assert (await c.get(f"/api/v1/returns/{return_id}")).status_code == read
        posted = await c.post(f"/api/v1/venues/{venue}/returns", json=figures(LAST))
        assert posted.status_code == submit, posted.text
        patched = await c.patch(f"/api/v1/returns/{return_id}", json={"reviewed": True})
        assert patched.status_code == review, patched.text
    reviewed_at = await db.fetchval(
        "SELECT reviewed_at FROM monthly_returns WHERE id = $1", return_id
    )
    assert (reviewed_at is not None) is (review == 200)


# --- review -------------------------------------------------------------------------------


async def test_an_officer_marks_a_return_reviewed(db: asyncpg.Connection, people: People) -> None:
    venue = await add_venue(db, "The Swan")
    return_id = await add_return(db, venue, LAST)
    officer_id = await people.user("officer")
    async with await people.client_for(officer_id) as officer:
        response = await officer.patch(
            f"/api/v1/returns/{return_id}",
            json={"reviewed": True, "review_note": "Ask about the unreported incident."},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "reviewed" and body["reviewed_by"] == officer_id
        assert body["reviewed_by_name"] == "Test officer"
        assert body["review_note"] == "Ask about the unreported incident." and body["reviewed_at"]

    # A second officer marking it again does not take over the first review.
    async with await people.signed_in("officer") as second:
        again = (await second.patch(f"/api/v1/returns/{return_id}", json={"reviewed": True})).json()
        assert again["reviewed_by"] == officer_id and again["reviewed_at"] == body["reviewed_at"]
        assert again["review_note"] == "Ask about the unreported incident."
        undone = (
            await second.patch(f"/api/v1/returns/{return_id}", json={"reviewed": False})
        ).json()
        assert undone["status"] == "submitted" and undone["reviewed_by"] is None
        bad = await second.patch(f"/api/v1/returns/{return_id}", json={"reviewed": "yes"})
        assert "reviewed" in invalid_params(bad, 400)

    # The review is on the venue's audit trail, with who did it.
    actions = await db.fetch(
        "SELECT action, actor FROM audit_log WHERE table_name = 'monthly_returns' "
        "AND record_id = $1 ORDER BY id",
        return_id,
    )
    assert [a["action"] for a in actions] == ["create", "update", "update"]
    assert actions[1]["actor"].endswith("(officer)")


async def test_a_venue_manager_cannot_mark_their_own_return_reviewed(
    db: asyncpg.Connection, people: People
) -> None:
    venue = await add_venue(db, "The Swan")
    return_id = await add_return(db, venue, LAST)
    async with await people.signed_in("venue_manager", [venue]) as manager:
        response = await manager.patch(f"/api/v1/returns/{return_id}", json={"reviewed": True})
        assert response.status_code == 403
        page = await manager.post(f"/returns/{return_id}/review", data={}, headers=BROWSER)
        assert page.status_code == 403
        assert (
            "Mark reviewed"
            not in (await manager.get(f"/venues/{venue}/returns", headers=BROWSER)).text
        )
    assert (
        await db.fetchval("SELECT reviewed_at FROM monthly_returns WHERE id = $1", return_id)
        is None
    )


# --- pages --------------------------------------------------------------------------------


async def test_the_form_defaults_to_last_month_and_says_when_it_is_due(
    db: asyncpg.Connection, people: People
) -> None:
    venue = await add_venue(db, "The Swan")
    async with await people.signed_in("venue_manager", [venue]) as manager:
        response = await manager.get(f"/venues/{venue}/returns", headers=BROWSER)
        assert response.status_code == 200
        text = words(response.text)
        assert "Submit this month's return" in text
        assert f"The return for {month_name(LAST)} is due by" in text
        assert due_on(LAST, 14).strftime("%-d %B %Y") in text
        selected = re.search(r'<option value="([^"]+)" selected', response.text)
        assert selected and selected[1] == LAST.isoformat()
        assert "No returns yet" in text
        assert 'href="/returns"' not in response.text, "the borough list is not for managers"


async def test_a_manager_submits_on_the_page_and_sees_it_listed(
    db: asyncpg.Connection, people: People
) -> None:
    venue = await add_venue(db, "The Swan")
    async with await people.signed_in("venue_manager", [venue]) as manager:
        response = await manager.post(
            f"/venues/{venue}/returns", data=figures(LAST), headers=BROWSER
        )
        assert response.status_code in (302, 303), response.text
        page = await manager.get(response.headers["location"], headers=BROWSER)
        text = words(page.text)
        assert "Thank you: the return is in" in text
        assert f"{month_name(LAST)} Submitted" in text
        assert "Past returns (1)" in text and "New DPS: Ann Barker" in text
        # Last month is in, so it is no longer offered.
        assert f'<option value="{LAST.isoformat()}"' not in page.text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"refusals": ""}, "Refusals is required"),
        ({"cctv_checks": "lots"}, "CCTV checks done must be a whole number"),
        ({"door_staff_hours": "-3"}, "Door-staff hours must be 0 or more"),
        ({"period": _this_month().isoformat()}, "Month must be a month that has ended"),
        ({"period": "garbage"}, "Month must be one of the months offered"),
    ],
)
async def test_a_bad_form_is_shown_again_with_the_reason(
    db: asyncpg.Connection, people: People, change: dict[str, str], message: str
) -> None:
    venue = await add_venue(db, "The Swan")
    async with await people.signed_in("venue_manager", [venue]) as manager:
        data = {**figures(LAST), **change}
        response = await manager.post(f"/venues/{venue}/returns", data=data, headers=BROWSER)
        assert response.status_code == 422
        assert message in words(response.text)
        # What they typed is still there.
        assert "Fight in the smoking area" in response.text
    assert await returns_count(db) == 0


async def test_a_duplicate_on_the_page_says_so(db: asyncpg.Connection, people: People) -> None:
    venue = await add_venue(db, "The Swan")
    await add_return(db, venue, LAST)
    async with await people.signed_in("venue_manager", [venue]) as manager:
        response = await manager.post(
            f"/venues/{venue}/returns", data=figures(LAST), headers=BROWSER
        )
        assert response.status_code == 422
        assert "Month already has a return for this venue" in words(response.text)
    assert await returns_count(db) == 1


async def test_an_officer_marks_reviewed_on_the_venue_page(
    client: Client, db: asyncpg.Connection
) -> None:
    venue = await add_venue(db, "The Swan")
    return_id = await add_return(db, venue, LAST)
    page = await client.get(f"/venues/{venue}/returns", headers=BROWSER)
    assert "Mark reviewed" in page.text
    response = await client.post(
        f"/returns/{return_id}/review",
        data={"review_note": "Thanks, all in order."},
        headers=BROWSER,
    )
    assert response.status_code in (302, 303)
    assert response.headers["location"] == f"/venues/{venue}/returns#return-{return_id}"
    text = words((await client.get(f"/venues/{venue}/returns", headers=BROWSER)).text)
    assert "Reviewed" in text and "“Thanks, all in order.”" in text
    assert "Mark reviewed" not in text


async def test_the_borough_page_lists_missing_and_waiting_returns(
    client: Client, db: asyncpg.Connection, people: People
) -> None:
    month = recent_months(today())[1]
    quiet = await add_venue(db, "Quiet Arms")
    busy = await add_venue(db, "Busy Bar")
    waiting = await add_return(db, busy, month)
    page = await client.get("/returns", headers=BROWSER)
    assert page.status_code == 200
    text = words(page.text)
    missing = text[text.index("Missing returns") : text.index("Waiting for review")]
    assert month_name(month) in missing and "Quiet Arms" in missing
    days = (today() - due_on(month, 14)).days
    assert f"Quiet Arms {days}" in missing
    assert f'href="/venues/{quiet}/returns"' in page.text
    review = text[text.index("Waiting for review") :]
    assert "Waiting for review (1)" in review and "Busy Bar" in review
    assert 'href="/returns"' in page.text and "Mark reviewed" in review

    response = await client.post(
        f"/returns/{waiting}/review", data={"back": "borough"}, headers=BROWSER
    )
    assert response.headers["location"] == "/returns#waiting"
    assert "Waiting for review (0)" in words((await client.get("/returns", headers=BROWSER)).text)

    async with await people.signed_in("partner") as partner:
        seen = await partner.get("/returns", headers=BROWSER)
        assert seen.status_code == 200 and "Quiet Arms" in seen.text
    async with await people.signed_in("venue_manager", [quiet]) as manager:
        assert (await manager.get("/returns", headers=BROWSER)).status_code == 403


# --- demo ---------------------------------------------------------------------------------


async def test_the_demo_has_returns_some_missing_some_reviewed_and_a_rerun_adds_none(
    db: asyncpg.Connection,
) -> None:
    await load_demo(db, progress=False)
    stats = await db.fetchrow(
        "SELECT count(*) AS total, count(*) FILTER (WHERE reviewed_at IS NOT NULL) AS reviewed,"
        " count(*) FILTER (WHERE NOT generated) AS real,"
        " count(*) FILTER (WHERE submitted_at > now() OR reviewed_at < submitted_at) AS odd,"
        " count(DISTINCT venue_id) AS venues FROM monthly_returns"
    )
    assert stats["total"] > 1000 and stats["real"] == 0 and stats["odd"] == 0
    assert 0 < stats["reviewed"] < stats["total"]
    assert stats["venues"] > 100
    missing = await missing_returns(db, today())
    assert 20 < len(missing) < 300
    await load_demo(db, progress=False)
    assert await returns_count(db) == stats["total"]

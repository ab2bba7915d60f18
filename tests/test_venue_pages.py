"""The venue registry's HTML pages, driven as a browser would: pages, htmx search and forms."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import msgspec
import pytest
from httpx import Response

from tests.conftest import People
from tests.helpers import BROWSER, CSRF_HEADER, MISSING, Client, text_of
from venues import queries
from venues.schemas import ConditionCreate, VenueCreate

# What a browser sends when it navigates or submits a form.
HTMX = {**BROWSER, "hx-request": "true", "hx-current-url": "http://testserver.local/venues"}
OGL = "Open Government Licence v3.0"
DEMO_NOTICE = "generated demo data"


async def add_venue(db: asyncpg.Connection, **fields: Any) -> int:
    """Arrange a venue through the same query the pages use (mandatory conditions included)."""
    data = msgspec.convert({"name": "Somewhere", **fields}, VenueCreate)
    venue = await queries.create_venue(db, data)
    return venue.id


async def add_condition(db: asyncpg.Connection, venue_id: int, **fields: Any) -> int:
    data = {
        "kind": "cctv",
        "objective": "crime_disorder",
        "text": "CCTV shall be maintained and recordings kept for 31 days.",
        **fields,
    }
    condition = await queries.create_condition(db, venue_id, msgspec.convert(data, ConditionCreate))
    return condition.id


def html(response: Response, status: int = 200) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    return response.text


async def page(
    client: Client, path: str, params: dict[str, Any] | None = None, expect: int = 200
) -> str:
    return html(await client.get(path, params=params, headers=BROWSER), expect)


async def form_token(client: Client, path: str) -> str:
    """Open the page holding the form, as a person would, and take the CSRF token it carries."""
    text = await page(client, path)
    found = re.search(r'name="_csrf_token" value="([^"]+)"', text)
    assert found, "the form carries no CSRF token"
    return found[1]


async def post_form(client: Client, action: str, data: dict[str, Any]) -> Response:
    """A form posted by the browser itself: the token, if any, travels in the form, never in
    the header htmx would add (redirects not followed)."""
    request = client.build_request("POST", action, data=data, headers=BROWSER)
    del request.headers[CSRF_HEADER]
    return await client.send(request, follow_redirects=False)


async def submit(client: Client, form_page: str, action: str, data: dict[str, Any]) -> Response:
    """Fill in the form on ``form_page`` and post it to ``action``."""
    token = await form_token(client, form_page)
    return await post_form(client, action, {**data, "_csrf_token": token})


def redirected_to(response: Response) -> str:
    assert response.status_code in (302, 303), response.text
    location: str = response.headers["location"]
    return location


def section(markup: str, marker: str) -> str:
    """One section of a venue page (the change history below repeats old values)."""
    found = re.search(rf"<section[^>]*{marker}.*?</section>", markup, re.S)
    assert found, f"the page has no section {marker}"
    return found[0]


def conditions_of(markup: str) -> str:
    return section(markup, 'id="conditions"')


def licence_of(markup: str) -> str:
    return section(markup, 'aria-labelledby="licence-h"')


async def venue_count(db: asyncpg.Connection) -> int:
    count: int = await db.fetchval("SELECT count(*) FROM venues")
    return count


# --- the list and the search -------------------------------------------------------------

TOWN = [
    {"name": "The Swan", "address": "12 High Street", "postcode": "ME14 1AA", "status": "active"},
    {
        "name": "Bar Nine",
        "address": "9 Earl Street",
        "postcode": "ME14 1PL",
        "status": "suspended",
        "venue_type": "bar",
    },
    {
        "name": "Club Vortex",
        "address": "1 Lower Stone Street",
        "postcode": "ME15 6LX",
        "status": "active",
        "venue_type": "nightclub",
    },
    {
        "name": "Swan Kebabs",
        "address": "3 Week Street",
        "postcode": "ME14 1QW",
        "status": "revoked",
        "venue_type": "late_night_refreshment",
    },
]
NAMES = [v["name"] for v in TOWN]


@pytest.mark.parametrize(
    ("params", "shown", "count"),
    [
        ({}, NAMES, "4 venues"),
        ({"q": "swan"}, ["The Swan", "Swan Kebabs"], "2 venues matching “swan”"),
        ({"q": "earl st"}, ["Bar Nine"], "1 venue matching “earl st”"),
        ({"q": "me15"}, ["Club Vortex"], "1 venue matching “me15”"),
        ({"status": "suspended"}, ["Bar Nine"], "1 venue"),
        ({"q": "swan", "status": "revoked"}, ["Swan Kebabs"], "1 venue matching"),
        ({"q": "nowhere"}, [], "0 venues matching “nowhere”"),
        # A status nobody has is ignored rather than refused: it comes from a select box.
        ({"status": "bogus"}, NAMES, "4 venues"),
    ],
)
async def test_venue_list_searches(
    client: Client, db: asyncpg.Connection, params: dict[str, str], shown: list[str], count: str
) -> None:
    for venue in TOWN:
        await add_venue(db, **venue)
    text = await page(client, "/venues", params)
    assert text.lstrip().startswith("<!doctype html>")
    assert count in text_of(text)
    for name in NAMES:
        assert (name in text) == (name in shown), name
    if not shown:
        assert "No venue matches" in text


async def test_venue_list_links_to_each_venue(client: Client, db: asyncpg.Connection) -> None:
    venue_id = await add_venue(db, name="The Swan")
    text = await page(client, "/venues")
    assert f'href="/venues/{venue_id}"' in text
    assert 'href="/venues/new"' in text


async def test_a_venue_managers_home_is_this_week_at_their_venues(people: People) -> None:
    # Officers and partners land on "where to look first" (tests/test_home.py); a venue
    # manager on what to do this week at their venues (tests/test_digest.py).
    client = await people.signed_in("venue_manager", [await add_venue(people.db)])
    response = await client.get("/", headers=BROWSER, follow_redirects=True)
    assert str(response.url).endswith("/this-week")
    assert response.status_code == 200 and "This week" in html(response)


async def test_htmx_search_returns_only_the_results(client: Client, db: asyncpg.Connection) -> None:
    for venue in TOWN:
        await add_venue(db, **venue)
    text = html(await client.get("/venues", params={"q": "swan"}, headers=HTMX))
    assert "<html" not in text
    assert "<header" not in text
    assert 'id="q"' not in text  # the search box stays as it is, with the keyboard in it
    assert "2 venues matching" in text_of(text)
    assert "The Swan" in text
    assert "Swan Kebabs" in text
    assert "Club Vortex" not in text


async def test_full_page_and_fragment_are_cached_apart(client: Client) -> None:
    # The same address answers a page or a fragment; caches must keep them apart, or the
    # back button shows a bare list of results.
    for headers in (BROWSER, HTMX):
        response = await client.get("/venues", params={"q": "swan"}, headers=headers)
        assert "hx-request" in response.headers.get("vary", "").lower()


async def test_htmx_history_restore_gets_the_whole_page(client: Client) -> None:
    # After a search pushed its URL, going back to it with the history cache empty makes htmx
    # ask again (as an htmx request) and put the answer in place of the whole body.
    headers = {**HTMX, "hx-history-restore-request": "true"}
    text = html(await client.get("/venues", params={"q": "swan"}, headers=headers))
    assert "<html" in text
    assert 'id="q"' in text


async def test_long_list_is_paged(client: Client, db: asyncpg.Connection) -> None:
    for n in range(1, 31):
        await add_venue(db, name=f"Venue {n:02d}")
    first = await page(client, "/venues")
    assert "Page 1 of 2" in first
    assert "Venue 25" in first
    assert "Venue 26" not in first
    assert "page=2" in first
    second = await page(client, "/venues", {"page": 2})
    assert "Page 2 of 2" in second
    assert "Venue 26" in second
    assert "Venue 25" not in second


# --- one venue --------------------------------------------------------------------------


async def test_venue_page_shows_the_licence_and_its_conditions(
    client: Client, db: asyncpg.Connection
) -> None:
    venue_id = await add_venue(
        db,
        name="The Swan",
        address="12 High Street",
        postcode="ME14 1AA",
        capacity=250,
        premises_licence_no="MBC/PL/0001",
        licence_holder="Swan Inns Ltd",
        dps_name="Ann Barker",
        status="suspended",
        licensable_activities=["sale_of_alcohol", "live_music"],
        licensed_hours={"fri": {"open": "11:00", "close": "01:00"}},
    )
    await add_condition(db, venue_id, params={"retention_days": 31})
    markup = await page(client, f"/venues/{venue_id}")
    head = text_of(markup.split("<section", 1)[0])
    for shown in ["The Swan", "12 High Street", "ME14 1AA"]:
        assert shown in head, shown
    licence = text_of(licence_of(markup))
    for shown in [
        "Licence number MBC/PL/0001",
        "Licence holder Swan Inns Ltd",
        "Designated premises supervisor Ann Barker",
        "Status Suspended",
        "Capacity 250",
        "Martyn's Law tier Standard tier",
        "Sale of alcohol",
        "Live music",
        "Fri 11:00 01:00",
        "Sat Closed",
    ]:
        assert shown in licence, shown
    conditions = text_of(conditions_of(markup))
    for shown in [
        "Conditions (9)",
        "CCTV shall be maintained and recordings kept for 31 days.",
        "Retention days: 31",
        "free potable water",
    ]:
        assert shown in conditions, shown
    assert OGL in text_of(markup)
    assert DEMO_NOTICE not in text_of(markup)


async def test_a_bare_venue_says_what_is_not_recorded(
    client: Client, db: asyncpg.Connection
) -> None:
    venue_id = await add_venue(db, name="The Bare Minimum")
    text = text_of(await page(client, f"/venues/{venue_id}"))
    assert "Not recorded" in text
    assert "Unknown (no capacity)" in text
    assert "No conditions recorded." in text
    assert "Conditions (0)" in text


@pytest.mark.parametrize(("generated", "notice"), [(True, True), (False, False)])
async def test_demo_notice_only_on_generated_venues(
    client: Client, db: asyncpg.Connection, generated: bool, notice: bool
) -> None:
    venue_id = await add_venue(db, name="The Swan")
    await db.execute("UPDATE venues SET generated = $2 WHERE id = $1", venue_id, generated)
    text = text_of(await page(client, f"/venues/{venue_id}"))
    assert (DEMO_NOTICE in text) == notice
    assert OGL in text


@pytest.mark.parametrize(
    "path",
    [
        f"/venues/{MISSING}",
        f"/venues/{MISSING}/edit",
        f"/venues/{MISSING}/conditions/new",
        f"/conditions/{MISSING}/edit",
        "/no/such/page",
    ],
)
async def test_unknown_pages_are_404_pages(client: Client, path: str) -> None:
    text = await page(client, path, expect=404)
    assert "<html" in text
    assert "404" in text
    assert 'href="/venues"' in text


# --- adding and changing a venue ---------------------------------------------------------

VALID_FORM = {
    "name": "The Swan",
    "address": "12 High Street",
    "postcode": "ME14 1AA",
    "latitude": "51.2724",
    "longitude": "0.5229",
    "venue_type": "pub",
    "capacity": "250",
    "fhrs_id": "",
    "premises_licence_no": "MBC/PL/0001",
    "licence_holder": "Swan Inns Ltd",
    "dps_name": "Ann Barker",
    "status": "active",
    "licensable_activities": ["sale_of_alcohol", "recorded_music"],
    **{
        f"{edge}_{day}": ""
        for day in ("mon", "tue", "wed", "thu", "sun")
        for edge in ("open", "close")
    },
    "open_fri": "11:00",
    "close_fri": "01:00",
    "open_sat": "11:00",
    "close_sat": "02:00",
}


async def test_a_valid_form_adds_the_venue_and_shows_it(
    client: Client, db: asyncpg.Connection
) -> None:
    response = await submit(client, "/venues/new", "/venues", VALID_FORM)
    location = redirected_to(response)
    row = await db.fetchrow("SELECT * FROM venues")
    assert location == f"/venues/{row['id']}"
    assert (row["name"], row["capacity"], row["premises_licence_no"], row["latitude"]) == (
        "The Swan",
        250,
        "MBC/PL/0001",
        51.2724,
    )
    assert row["fhrs_id"] is None
    assert row["licensed_hours"] == {
        "fri": {"open": "11:00", "close": "01:00"},
        "sat": {"open": "11:00", "close": "02:00"},
    }
    text = text_of(await page(client, location))
    for shown in ("The Swan", "MBC/PL/0001", "Swan Inns Ltd", "Standard tier", "Conditions (8)"):
        assert shown in text, shown


async def test_a_form_with_only_a_name_adds_the_venue(
    client: Client, db: asyncpg.Connection
) -> None:
    # Address and postcode are optional: leaving them blank is not a mistake.
    form = {k: ("" if isinstance(v, str) else []) for k, v in VALID_FORM.items()}
    form.update(name="The Bare Minimum", venue_type="pub", status="active")
    response = await submit(client, "/venues/new", "/venues", form)
    redirected_to(response)
    row = await db.fetchrow("SELECT name, address, postcode, capacity, dps_name FROM venues")
    assert tuple(row) == ("The Bare Minimum", "", "", None, None)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"capacity": "abc"}, "Capacity must be a whole number"),
        ({"capacity": "12.5"}, "Capacity must be a whole number"),
        ({"capacity": "-5"}, "Capacity must be 0 or more"),
        ({"name": ""}, "Name is required"),
        ({"name": "   "}, "Name is required"),
        ({"latitude": "north"}, "Latitude must be a number"),
        ({"latitude": "95"}, "Latitude must be 90 or less"),
        ({"fhrs_id": "twelve"}, "FHRS id must be a whole number"),
        ({"postcode": "ME14 1AA AND MORE"}, "Postcode must be at most 10 characters"),
        ({"venue_type": "castle"}, "Type is not one of the choices"),
        ({"close_sat": ""}, "Sat until is required"),
        ({"open_fri": "25:00"}, "Fri from must be a time such as 23:30"),
    ],
)
async def test_a_bad_form_comes_back_with_reasons_and_saves_nothing(
    client: Client, db: asyncpg.Connection, change: dict[str, str], message: str
) -> None:
    response = await submit(client, "/venues/new", "/venues", {**VALID_FORM, **change})
    text = html(response, 422)
    assert "This could not be saved" in text
    assert message in text_of(text)
    assert "Expected" not in text  # no msgspec wording for people
    # What was typed is kept, so nothing has to be typed again.
    assert 'value="Swan Inns Ltd"' in text
    assert 'name="_csrf_token"' in text
    assert await venue_count(db) == 0


async def test_a_duplicate_licence_number_is_named_on_the_form(
    client: Client, db: asyncpg.Connection
) -> None:
    await add_venue(db, name="The Cygnet", premises_licence_no="MBC/PL/0001")
    response = await submit(client, "/venues/new", "/venues", VALID_FORM)
    text = text_of(html(response, 422))
    assert "Licence number is already used by another record" in text
    assert await db.fetchval("SELECT array_agg(name) FROM venues") == ["The Cygnet"]


async def test_editing_a_venue_changes_and_clears_fields(
    client: Client, db: asyncpg.Connection
) -> None:
    venue_id = await add_venue(
        db, name="The Swan", address="12 High Street", dps_name="Ann Barker", capacity=150
    )
    edit_page = await page(client, f"/venues/{venue_id}/edit")
    assert 'value="Ann Barker"' in edit_page
    form = {
        **VALID_FORM,
        "name": "The Black Swan",
        "address": "",
        "dps_name": "",
        "capacity": "900",
        "licensable_activities": [],
    }
    response = await submit(client, f"/venues/{venue_id}/edit", f"/venues/{venue_id}/edit", form)
    assert redirected_to(response) == f"/venues/{venue_id}"
    row = await db.fetchrow("SELECT name, address, dps_name, capacity FROM venues")
    assert tuple(row) == ("The Black Swan", "", None, 900)
    text = text_of(licence_of(await page(client, f"/venues/{venue_id}")))
    assert "Enhanced tier" in text
    assert "Designated premises supervisor None recorded" in text
    assert "Ann Barker" not in text


async def test_a_bad_edit_comes_back_and_changes_nothing(
    client: Client, db: asyncpg.Connection
) -> None:
    venue_id = await add_venue(db, name="The Swan", capacity=150)
    form = {**VALID_FORM, "capacity": "lots"}
    response = await submit(client, f"/venues/{venue_id}/edit", f"/venues/{venue_id}/edit", form)
    assert "Capacity must be a whole number" in text_of(html(response, 422))
    assert tuple(await db.fetchrow("SELECT name, capacity FROM venues")) == ("The Swan", 150)


# --- conditions through forms --------------------------------------------------------------

CONDITION_FORM = {
    "kind": "door_supervisors",
    "objective": "crime_disorder",
    "text": "Two SIA door supervisors from 21:00 on Fridays and Saturdays.",
    "params": "count: 2\nfrom: 21:00",
}


async def test_adding_a_condition(client: Client, db: asyncpg.Connection) -> None:
    venue_id = await add_venue(db, name="The Swan")
    response = await submit(
        client,
        f"/venues/{venue_id}/conditions/new",
        f"/venues/{venue_id}/conditions",
        CONDITION_FORM,
    )
    assert redirected_to(response) == f"/venues/{venue_id}#conditions"
    row = await db.fetchrow("SELECT kind, objective, text, params FROM conditions")
    assert tuple(row) == (
        "door_supervisors",
        "crime_disorder",
        CONDITION_FORM["text"],
        {"count": 2, "from": "21:00"},
    )
    text = text_of(conditions_of(await page(client, f"/venues/{venue_id}")))
    assert CONDITION_FORM["text"] in text
    assert "Count: 2" in text
    assert "From: 21:00" in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"text": ""}, "Wording on the licence is required"),
        ({"text": "   "}, "Wording on the licence is required"),
        ({"params": "just some words"}, "Parameters line 1 needs the form 'name: value'"),
        ({"kind": "laser"}, "Kind is not one of the choices"),
    ],
)
async def test_a_bad_condition_form_comes_back_with_reasons(
    client: Client, db: asyncpg.Connection, change: dict[str, str], message: str
) -> None:
    venue_id = await add_venue(db, name="The Swan")
    response = await submit(
        client,
        f"/venues/{venue_id}/conditions/new",
        f"/venues/{venue_id}/conditions",
        {**CONDITION_FORM, **change},
    )
    assert message in text_of(html(response, 422))
    assert await db.fetchval("SELECT count(*) FROM conditions") == 0


async def test_editing_a_condition(client: Client, db: asyncpg.Connection) -> None:
    venue_id = await add_venue(db, name="The Swan")
    condition_id = await add_condition(db, venue_id, params={"retention_days": 31})
    edit_page = await page(client, f"/conditions/{condition_id}/edit")
    assert "retention_days: 31" in edit_page
    assert "CCTV shall be maintained" in edit_page
    form = {
        "kind": "cctv",
        "objective": "crime_disorder",
        "text": "CCTV shall cover every entrance.",
        "params": "retention_days: 28",
    }
    response = await submit(
        client, f"/conditions/{condition_id}/edit", f"/conditions/{condition_id}/edit", form
    )
    assert redirected_to(response) == f"/venues/{venue_id}#conditions"
    row = await db.fetchrow("SELECT text, params FROM conditions WHERE id = $1", condition_id)
    assert tuple(row) == ("CCTV shall cover every entrance.", {"retention_days": 28})
    text = text_of(conditions_of(await page(client, f"/venues/{venue_id}")))
    assert "CCTV shall cover every entrance." in text
    assert "CCTV shall be maintained" not in text


async def test_a_bad_condition_edit_changes_nothing(client: Client, db: asyncpg.Connection) -> None:
    venue_id = await add_venue(db, name="The Swan")
    condition_id = await add_condition(db, venue_id)
    form = {"kind": "cctv", "objective": "crime_disorder", "text": "", "params": ""}
    response = await submit(
        client, f"/conditions/{condition_id}/edit", f"/conditions/{condition_id}/edit", form
    )
    assert "Wording on the licence is required" in text_of(html(response, 422))
    assert (await db.fetchval("SELECT text FROM conditions")).startswith("CCTV shall be maintained")


async def test_removing_a_condition(client: Client, db: asyncpg.Connection) -> None:
    venue_id = await add_venue(db, name="The Swan")
    condition_id = await add_condition(db, venue_id)
    response = await submit(client, f"/venues/{venue_id}", f"/conditions/{condition_id}/delete", {})
    assert redirected_to(response) == f"/venues/{venue_id}#conditions"
    assert await db.fetchval("SELECT count(*) FROM conditions") == 0
    assert "No conditions recorded." in conditions_of(await page(client, f"/venues/{venue_id}"))


async def test_mandatory_conditions_offer_no_edit_or_remove(
    client: Client, db: asyncpg.Connection
) -> None:
    venue_id = await add_venue(db, name="The Swan", licensable_activities=["sale_of_alcohol"])
    own = await add_condition(db, venue_id)
    mandatory = await db.fetch(
        "SELECT id FROM conditions WHERE mandatory_code IS NOT NULL ORDER BY id"
    )
    assert len(mandatory) == 8
    text = conditions_of(await page(client, f"/venues/{venue_id}"))
    assert text.count("Mandatory</span>") == 8
    for (condition_id,) in mandatory:
        assert f"/conditions/{condition_id}/edit" not in text
        assert f"/conditions/{condition_id}/delete" not in text
    assert f'href="/conditions/{own}/edit"' in text
    assert f'action="/conditions/{own}/delete"' in text


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/conditions/{id}/delete", {}),
        (
            "/conditions/{id}/edit",
            {
                "kind": "other",
                "objective": "crime_disorder",
                "text": "No rules at all.",
                "params": "",
            },
        ),
    ],
)
async def test_a_mandatory_condition_cannot_be_changed_through_a_form(
    client: Client, db: asyncpg.Connection, path: str, data: dict[str, str]
) -> None:
    venue_id = await add_venue(db, name="The Swan", licensable_activities=["sale_of_alcohol"])
    before = await db.fetch("SELECT id, kind, text FROM conditions ORDER BY id")
    action = path.format(id=before[0]["id"])
    response = await submit(client, f"/venues/{venue_id}", action, data)
    text = text_of(html(response, 422))
    assert "cannot be changed or removed" in text
    assert await db.fetch("SELECT id, kind, text FROM conditions ORDER BY id") == before
    await page(client, f"/conditions/{before[0]['id']}/edit", expect=422)


# --- CSRF ------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "", "forged" + "0" * 58])
async def test_a_form_post_without_the_token_is_refused(
    client: Client, db: asyncpg.Connection, token: str | None
) -> None:
    venue_id = await add_venue(db, name="The Swan")
    condition_id = await add_condition(db, venue_id)
    await page(client, "/venues/new")  # the browser has the cookie, but the post lacks the token
    extra = {} if token is None else {"_csrf_token": token}
    for action, data in [
        ("/venues", {**VALID_FORM, "name": "The Forgery"}),
        (f"/venues/{venue_id}/edit", {**VALID_FORM, "name": "The Forgery"}),
        (f"/venues/{venue_id}/conditions", CONDITION_FORM),
        (f"/conditions/{condition_id}/edit", CONDITION_FORM),
        (f"/conditions/{condition_id}/delete", {}),
    ]:
        response = await post_form(client, action, {**data, **extra})
        assert response.status_code == 403, action
        assert "<html" in response.text
    assert await db.fetch("SELECT name FROM venues") == [("The Swan",)]
    assert await db.fetch("SELECT id, kind FROM conditions") == [(condition_id, "cctv")]


async def test_the_htmx_header_carries_the_token(client: Client, db: asyncpg.Connection) -> None:
    venue_id = await add_venue(db, name="The Swan")
    condition_id = await add_condition(db, venue_id)
    text = await page(client, f"/venues/{venue_id}")
    found = re.search(r'hx-headers=\'\{"x-csrftoken": "([^"]+)"\}\'', text)
    assert found, "the page gives htmx no CSRF header"
    request = client.build_request(
        "POST", f"/conditions/{condition_id}/delete", headers={**HTMX, CSRF_HEADER: found[1]}
    )
    response = await client.send(request, follow_redirects=False)
    redirected_to(response)
    assert await db.fetchval("SELECT count(*) FROM conditions") == 0

"""In a real Chromium on a phone: a venue manager signs in and lands on what to do this week."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from inspections.digest import service
from inspections.digest.service import last_full_week
from nte.accounts import create_user
from nte.clock import now, today
from tests.conftest import in_database
from tests.helpers import add_person, add_return

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
MANAGER = ("manager@this-week.test", "a long enough phone password 7")


@pytest.fixture
def swan(dsn: str) -> dict[str, Any]:
    """A venue whose to-do lines read the same on any day of this week: a return long
    overdue, a door supervisor's licence ending in three weeks, an action due next month."""

    async def arrange(conn: asyncpg.Connection) -> dict[str, Any]:
        venue_id = await conn.fetchval(
            "INSERT INTO venues (name, address) VALUES ('The Swan', '12 High Street') RETURNING id"
        )
        other = await conn.fetchval("INSERT INTO venues (name) VALUES ('The Crown') RETURNING id")
        period = today().replace(day=1)
        for months_ago in range(15):
            if months_ago != 5:
                await add_return(conn, venue_id, period)
            period = (period - timedelta(days=1)).replace(day=1)
        for place, name in ((venue_id, "Sam Door"), (other, "Cal Door")):
            await add_person(
                conn, place, name, role="door_supervisor", sia_expires_on=today() + timedelta(21)
            )
        inspection = await conn.fetchval(
            "INSERT INTO inspections (venue_id, client_uuid, fingerprint) "
            "VALUES ($1, gen_random_uuid(), '\\x00') RETURNING id",
            venue_id,
        )
        await conn.execute(
            "INSERT INTO actions (inspection_id, venue_id, item, severity, description, due_on) "
            "VALUES ($1, $2, 'Refusals log kept', 'minor', 'Keep the log', $3)",
            inspection,
            venue_id,
            today() + timedelta(days=40),
        )
        await create_user(
            conn, email=MANAGER[0], role="venue_manager", password=MANAGER[1], venue_ids=[venue_id]
        )
        return {"id": venue_id}

    return in_database(dsn, arrange)


def test_a_venue_manager_lands_on_this_week_with_their_digests_lines(
    browser: Any, live_server: Any, swan: dict[str, Any], dsn: str, settings: Any
) -> None:
    from playwright.sync_api import expect

    async def preview_lines(conn: asyncpg.Connection) -> list[str]:
        digest = await service.preview(conn, settings, MANAGER[0], last_full_week(now()))
        assert digest is not None
        return [line.text for g in digest.groups for s in g.sections for line in s.lines]

    expected = in_database(dsn, preview_lines)
    assert len(expected) == 3, expected

    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    page.wait_for_url(re.compile(r"/login\?next="))
    page.fill("#email", MANAGER[0])
    page.fill("#password", MANAGER[1])
    page.get_by_role("button", name="Sign in").tap()
    page.wait_for_url(re.compile(r"/this-week$"))

    expect(page.get_by_role("heading", name="This week", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="The Swan")).to_be_visible()
    shown = [t.strip() for t in page.locator(".digest-line a").all_inner_texts()]
    assert shown == expected
    assert "The Crown" not in page.content() and "Cal Door" not in page.content()
    # Each line goes where it is done.
    page.get_by_role("link", name=re.compile("Monthly return for")).tap()
    page.wait_for_url(re.compile(rf"/venues/{swan['id']}/returns$"))
    page.go_back()
    page.wait_for_url(re.compile(r"/this-week$"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()

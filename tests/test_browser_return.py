"""In a real Chromium on a phone: a venue manager sends last month's return from the bar."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from nte.accounts import create_user
from nte.clock import today
from tests.conftest import in_database, sign_in_on_the_way
from tests.helpers import due_on
from venues.returns.service import last_ended_month

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
MANAGER = ("manager@returns.test", "a long enough phone password 9")
# Looked at by people, never compared: kept out of the repository.
SCREENSHOTS = Path(tempfile.gettempdir()) / "nte-screenshots"


@pytest.fixture
def venue(dsn: str) -> dict[str, Any]:
    """One venue, and its manager who may sign in."""

    async def arrange(conn: asyncpg.Connection) -> dict[str, Any]:
        venue_id = await conn.fetchval(
            "INSERT INTO venues (name, address) VALUES ('The Swan', '12 High Street') RETURNING id"
        )
        await create_user(
            conn,
            email=MANAGER[0],
            role="venue_manager",
            password=MANAGER[1],
            venue_ids=[venue_id],
        )
        return {"id": venue_id}

    return in_database(dsn, arrange)


def test_a_venue_manager_submits_last_months_return_on_a_phone(
    browser: Any, live_server: Any, venue: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    last = last_ended_month(today())
    month = last.strftime("%B %Y")
    context = browser.new_context(viewport=PHONE, has_touch=True)
    page = context.new_page()
    sign_in_on_the_way(page, f"{live_server.url}/venues/{venue['id']}", *MANAGER, tap=True)

    page.get_by_role("link", name="Monthly returns").tap()
    page.wait_for_url(re.compile(rf"/venues/{venue['id']}/returns$"))
    expect(page.get_by_role("heading", name="Submit this month's return")).to_be_visible()
    expect(page.locator(".due")).to_contain_text(
        f"The return for {month} is due by {due_on(last, 14):%A %-d %B %Y}"
    )
    expect(page.locator("#period")).to_have_value(last.isoformat())
    expect(page.locator("#returns")).to_contain_text("No returns yet")
    # Nothing sideways to scroll, and every control is thumb-sized.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    small = page.evaluate(
        """() => [...document.querySelectorAll('main :is(input, select, textarea, .button)')]
            .map(e => [e, e.getBoundingClientRect()])
            .filter(([e, box]) => box.width > 0 && box.height < 44)
            .map(([e, box]) => `${e.id || e.textContent.trim()}: ${box.height}px`)"""
    )
    assert small == []

    # Shot before typing: taken between typing and the tap, it made Chromium's tap miss.
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "phone-return-form.png"), full_page=True)

    page.get_by_label("Refusals").fill("6")
    page.get_by_label("Incidents not yet reported").fill("1")
    page.get_by_label("About those incidents").fill("Argument at closing, door staff saw to it.")
    page.get_by_label("Ask for Angela activations").fill("0")
    page.get_by_label("Door-staff hours").fill("32.5")
    page.get_by_label("CCTV checks done").fill("4")
    page.get_by_role("button", name="Submit return").tap()

    page.wait_for_url(re.compile(rf"/venues/{venue['id']}/returns\?submitted=\d+"))
    expect(page.get_by_role("status").filter(has_text="the return is in")).to_be_visible()
    listed = page.locator("#returns .return")
    expect(listed).to_have_count(1)
    expect(listed.first.get_by_role("heading")).to_have_text(month)
    expect(listed.first.locator(".chip.return-submitted")).to_have_text("Submitted")
    expect(listed.first).to_contain_text("32.5")
    expect(listed.first).to_contain_text("Argument at closing")
    expect(page.get_by_role("button", name="Mark reviewed")).to_have_count(0)
    page.screenshot(path=str(SCREENSHOTS / "phone-return-listed.png"), full_page=True)
    context.close()

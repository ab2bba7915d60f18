"""In Chromium on a phone: a venue manager reports an incident in a few taps and sees it listed."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import pytest

from nte.accounts import create_user
from tests.conftest import in_database, sign_in_on_the_way

pytestmark = pytest.mark.browser

MANAGER = ("dps@swan.test", "a phone in one hand and a tray in the other")
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "has_touch": True,
    "is_mobile": True,
    "device_scale_factor": 3,
}


@pytest.fixture
def venue_id(dsn: str) -> int:
    """The Swan, managed by MANAGER, with an older incident already in its log."""

    async def arrange(conn: asyncpg.Connection) -> int:
        venue: int = await conn.fetchval(
            "INSERT INTO venues (name, address) VALUES ('The Swan', '12 High Street') RETURNING id"
        )
        await create_user(
            conn, email=MANAGER[0], role="venue_manager", password=MANAGER[1], venue_ids=[venue]
        )
        await conn.execute(
            "INSERT INTO incidents (venue_id, occurred_at, category, severity, source, "
            "description) VALUES ($1, now() - interval '3 days', 'theft', 'low', 'venue', "
            "'Phone taken from a table')",
            venue,
        )
        return venue

    return in_database(dsn, arrange)


def test_a_venue_manager_reports_an_incident_from_a_phone(
    browser: Any, live_server: Any, venue_id: int
) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in_on_the_way(page, f"{live_server.url}/venues/{venue_id}/incidents", *MANAGER, tap=True)

    # The form is first on the page, fits the phone's width, and its choices are thumb-sized.
    assert page.get_by_role("heading", name="Report an incident").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for name in ("Violence", "Serious"):
        box = page.get_by_text(name, exact=True).bounding_box()
        assert box is not None and box["height"] >= 44, name

    # Tap, tap, a few words, tap: "when" is already now.
    page.get_by_text("Violence", exact=True).tap()
    page.get_by_text("Medium", exact=True).tap()
    page.get_by_label("What happened, in a few words").fill("Fight at the bar, two ejected")
    page.get_by_role("button", name="Report incident").tap()

    page.wait_for_url(re.compile(rf"/venues/{venue_id}/incidents\?reported=\d+"))
    assert page.get_by_role("status").inner_text().startswith("Incident reported")
    newest = page.locator("#incidents li.incident").first
    assert "Fight at the bar, two ejected" in newest.inner_text()
    assert "Violence" in newest.inner_text() and "Reported by you" in newest.inner_text()
    assert page.locator("#incidents li.incident").count() == 2
    assert "Phone taken from a table" in page.locator("#incidents li.incident").nth(1).inner_text()
    context.close()

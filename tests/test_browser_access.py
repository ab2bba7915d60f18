"""In a real Chromium on a tablet: a venue manager signs in and sees their own venues only."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import pytest

from nte.accounts import create_user
from tests.conftest import in_database, sign_in_on_the_way
from venues.demo import load_demo

pytestmark = pytest.mark.browser

MANAGER = ("manager@browser.test", "two venues and a long password")


@pytest.fixture
def managed(dsn: str) -> dict[str, Any]:
    """The demo borough and a manager of two of its venues; names of theirs and of others."""

    async def arrange(conn: asyncpg.Connection) -> dict[str, Any]:
        await load_demo(conn, progress=False)
        rows = await conn.fetch("SELECT id, name FROM venues ORDER BY id")
        own = [rows[3], rows[40]]
        await create_user(
            conn,
            email=MANAGER[0],
            role="venue_manager",
            password=MANAGER[1],
            venue_ids=[r["id"] for r in own],
        )
        # Another venue whose name shares nothing with theirs, so a search is unambiguous.
        other = next(
            r
            for r in rows
            if r not in own
            and not any(
                r["name"].lower() in o["name"].lower() or o["name"].lower() in r["name"].lower()
                for o in own
            )
        )
        return {
            "own": [r["name"] for r in own],
            "own_ids": [r["id"] for r in own],
            "other_id": other["id"],
            "other_name": other["name"],
        }

    return in_database(dsn, arrange)


def test_a_venue_manager_signs_in_on_a_tablet_and_sees_only_their_venues(
    browser: Any, live_server: Any, managed: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 768, "height": 1024}, has_touch=True)
    page = context.new_page()
    sign_in_on_the_way(page, live_server.url + "/venues", *MANAGER)

    cards = page.locator(".cards .card-title")
    assert sorted(cards.all_inner_texts()) == sorted(managed["own"])
    assert page.locator(".count").inner_text().startswith("2 venues")
    assert page.get_by_role("link", name="Add a venue").count() == 0, "managers do not add venues"

    # Searching for someone else's venue finds nothing; asking for it by address is a 404.
    page.fill("#q", managed["other_name"])
    # (expect, not wait_for_function: Playwright evaluates a string predicate with eval, which
    # the pages' content security policy refuses.)
    expect(page.locator(".count")).to_have_text(re.compile(r"^0 venues"))
    response = page.goto(f"{live_server.url}/venues/{managed['other_id']}")
    assert response is not None and response.status == 404

    response = page.goto(f"{live_server.url}/venues/{managed['own_ids'][0]}")
    assert response is not None and response.status == 200
    assert page.get_by_role("heading", level=1).inner_text() == managed["own"][0]
    assert page.locator("#history").count() == 0
    context.close()

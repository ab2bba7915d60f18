"""In a real Chromium on a tablet (768 x 1024): an officer signs in, lands on "where to look
first", taps the first venue and finds the same reason on its risk panel; the map shows one
marker per venue with coordinates.

The home page's transferred bytes on the tablet are printed (run with -s to see them).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from inspections.flags.sweep import run_checks
from nte.accounts import create_user
from nte.clock import now
from nte.settings import Settings
from tests.conftest import in_database, sign_in_on_the_way

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}
OFFICER = ("officer@home.test", "a long enough tablet password 9")


@pytest.fixture
def borough(dsn: str, settings: Settings) -> dict[str, Any]:
    """Three venues with coordinates (a busy nightclub first) and one without, rated."""

    async def arrange(conn: asyncpg.Connection) -> dict[str, Any]:
        ids = {}
        for name, kind, lat, lon in (
            ("Zebra Club", "nightclub", 51.2741, 0.5230),
            ("The Swan", "pub", 51.2712, 0.5301),
            ("Cafe Rouge", "restaurant", 51.2730, 0.5270),
            ("Nowhere Inn", "pub", None, None),
        ):
            ids[name] = await conn.fetchval(
                "INSERT INTO venues (name, venue_type, capacity, latitude, longitude)"
                " VALUES ($1, $2, 900, $3, $4) RETURNING id",
                name,
                kind,
                lat,
                lon,
            )
        for n in range(6):
            await conn.execute(
                "INSERT INTO incidents (venue_id, occurred_at, category, severity, source, description)"
                " VALUES ($1, $2, 'violence', 'medium', 'police', 'Fight at the door')",
                ids["Zebra Club"],
                now() - timedelta(days=1 + n),
            )
        await create_user(
            conn, email=OFFICER[0], role="officer", password=OFFICER[1], display_name="Olive"
        )
        await run_checks(conn, settings)
        return ids

    return in_database(dsn, arrange)


def test_an_officer_lands_on_the_home_page_and_the_first_venue_gives_the_same_reason(
    browser: Any, live_server: Any, borough: dict[str, Any]
) -> None:
    context = browser.new_context(viewport=TABLET, has_touch=True)
    page = context.new_page()
    try:
        sign_in_on_the_way(page, live_server.url + "/", *OFFICER, tap=True)
        first = page.locator("#attention li").first
        reason = first.locator(".reason").inner_text().strip()
        assert first.locator("a.venue").inner_text().strip().endswith("Zebra Club")
        assert reason == "A nightclub"
        # The figure: the home page loaded cold (nothing cached) on a tablet, signed in.
        cold = browser.new_context(
            viewport=TABLET, has_touch=True, storage_state=context.storage_state()
        )
        try:
            fresh = cold.new_page()
            fresh.goto(live_server.url + "/")
            transferred = fresh.evaluate(
                """() => performance.getEntriesByType('navigation').concat(
                    performance.getEntriesByType('resource'))
                    .reduce((n, e) => n + e.transferSize, 0)"""
            )
            document = fresh.evaluate("performance.getEntriesByType('navigation')[0].transferSize")
        finally:
            cold.close()
        print(
            f"\nhome page on a tablet, cold: {transferred:,} bytes transferred"
            f" ({document:,} of them the page itself)"
        )
        # nothing on the page is wider than the tablet
        assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]

        first.locator("a.venue").tap()
        page.wait_for_url(re.compile(rf"/venues/{borough['Zebra Club']}$"))
        panel = page.locator(".risk-panel")
        panel.wait_for()
        assert "Band" in panel.locator("h2").inner_text()
        assert panel.get_by_role("cell", name=reason, exact=True).count() == 1

        page.goto(live_server.url + "/map")
        markers = page.locator("#map a.marker")
        assert markers.count() == 3  # one per venue with coordinates
        names = sorted(m.get_attribute("aria-label").split(":")[0] for m in markers.all())
        assert names == ["Cafe Rouge", "The Swan", "Zebra Club"]
        page.locator(f'#map a.marker[data-venue="{borough["The Swan"]}"]').tap()
        page.wait_for_url(re.compile(rf"/venues/{borough['The Swan']}$"))
    finally:
        context.close()

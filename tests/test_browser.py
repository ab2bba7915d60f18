"""The pages in a real Chromium: an officer on a tablet finds a venue and opens its licence."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from nte.accounts import create_user
from tests.conftest import in_database, sign_in_on_the_way
from venues.demo import load_demo

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}
# Looked at by people, never compared: kept out of the repository.
SCREENSHOTS = Path(tempfile.gettempdir()) / "nte-screenshots"
OFFICER = ("officer@browser.test", "a long enough browser password 7")


@pytest.fixture
def demo(dsn: str) -> dict[str, Any]:
    """The demo borough in this test's database, and an officer who may sign in."""

    async def load(conn: asyncpg.Connection) -> dict[str, Any]:
        await load_demo(conn, progress=False)
        await create_user(conn, email=OFFICER[0], role="officer", password=OFFICER[1])
        row = await conn.fetchrow(
            "SELECT id, premises_licence_no FROM venues WHERE name = 'Society Rooms'"
        )
        return dict(row)

    return in_database(dsn, load)


def open_page(browser: Any, base: str, path: str, **context: Any) -> Any:
    """A new device on ``path``: sent to sign in first, then back to ``path``."""
    page = browser.new_context(**context).new_page()
    sign_in_on_the_way(page, base + path, *OFFICER)
    return page


def shoot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def too_small(page: Any, selector: str) -> list[str]:
    """The visible elements matching ``selector`` shorter than a fingertip (44 px)."""
    return page.evaluate(
        """selector => [...document.querySelectorAll(selector)]
            .map(e => [e, e.getBoundingClientRect()])
            .filter(([e, box]) => box.width > 0 && box.height < 44)
            .map(([e, box]) => `${e.tagName} ${e.textContent.trim().slice(0, 30)}: ${box.height}`)
        """,
        selector,
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_search_then_open_a_venue_on_a_tablet(
    browser: Any, live_server: Any, demo: dict[str, Any], scheme: str
) -> None:
    from playwright.sync_api import expect

    page = open_page(
        browser, live_server.url, "/venues", viewport=TABLET, has_touch=True, color_scheme=scheme
    )
    cards = page.locator(".card")
    expect(page.locator(".count")).to_have_text(re.compile(r"^128 venues"))
    expect(cards).to_have_count(25)
    assert not too_small(page, "#q, #status, .search button, .card, main .button, .topbar a")
    shoot(page, f"tablet-{scheme}-list")

    # Live search: the results narrow as the officer types, without reloading the page.
    page.evaluate("window.notReloaded = true")
    page.locator("#q").press_sequentially("Society", delay=40)
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Society Rooms")
    expect(page.locator(".count")).to_contain_text("1 venue matching")
    assert page.evaluate("window.notReloaded === true")
    assert "q=Society" in page.url  # the address can be shared or reloaded
    shoot(page, f"tablet-{scheme}-search")

    cards.first.tap()
    page.wait_for_url(re.compile(rf"/venues/{demo['id']}$"))
    expect(page.locator("h1")).to_have_text("Society Rooms")
    licence = page.locator(".facts").get_by_text(demo["premises_licence_no"], exact=True)
    expect(licence).to_be_visible()
    expect(page.locator(".notice.generated")).to_contain_text("generated demo data")
    expect(page.locator("#conditions-h")).to_have_text(re.compile(r"Conditions \(\d+\)"))
    expect(page.locator(".condition", has_text="Challenge 25")).to_be_visible()
    # the law's eight conditions are folded away under the venue's own; a tap opens them
    expect(page.locator(".chip.mandatory").first).to_be_hidden()
    page.get_by_text("mandatory conditions of every alcohol licence").click()
    expect(page.locator(".chip.mandatory").first).to_be_visible()
    expect(page.locator("footer")).to_contain_text("Open Government Licence v3.0")
    assert not too_small(page, "main .button, .topbar a")
    shoot(page, f"tablet-{scheme}-venue")

    page.goto(f"{live_server.url}/venues/{demo['id']}/edit")
    expect(page.locator("#name")).to_have_value("Society Rooms")
    assert not too_small(page, "main input:not([type=checkbox]), main select, main .button, .check")
    shoot(page, f"tablet-{scheme}-form")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pages_fit_a_phone_without_sideways_scrolling(
    browser: Any, live_server: Any, demo: dict[str, Any], scheme: str
) -> None:
    page = open_page(
        browser,
        live_server.url,
        "/venues",
        viewport=PHONE,
        has_touch=True,
        is_mobile=True,
        color_scheme=scheme,
    )
    width = "document.scrollingElement.scrollWidth"
    assert page.evaluate(width) <= PHONE["width"]
    shoot(page, f"phone-{scheme}-list")
    for path, name in [(f"/venues/{demo['id']}", "venue"), (f"/venues/{demo['id']}/edit", "form")]:
        page.goto(live_server.url + path)
        assert page.evaluate(width) <= PHONE["width"], path
        shoot(page, f"phone-{scheme}-{name}")

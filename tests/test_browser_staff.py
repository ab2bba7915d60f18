"""In a real Chromium on a phone: a venue manager adds a person, records training with a
photo of the certificate, and sees the grid and the coverage change."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from nte.accounts import create_user
from nte.clock import today
from tests.conftest import in_database, sign_in_on_the_way

pytestmark = pytest.mark.browser

MANAGER = ("manager@staff.test", "a phone in one hand and a long password")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


@pytest.fixture
def venue(dsn: str) -> dict[str, Any]:
    """A venue with one trained bar worker, and its manager."""

    async def arrange(conn: asyncpg.Connection) -> dict[str, Any]:
        venue_id = await conn.fetchval(
            "INSERT INTO venues (name, dps_name) VALUES ('The Swan', 'Ann Barker') RETURNING id"
        )
        staff_id = await conn.fetchval(
            "INSERT INTO staff (venue_id, name, role, front_of_house) "
            "VALUES ($1, 'Ann Barker', 'dps', true) RETURNING id",
            venue_id,
        )
        for course in ("wave", "ask_for_angela"):
            await conn.execute(
                "INSERT INTO training (venue_id, staff_id, course, completed_on, expires_on) "
                "VALUES ($1, $2, $3, $4, $5)",
                venue_id,
                staff_id,
                course,
                today() - timedelta(days=30),
                today() + timedelta(days=300),
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


def test_a_manager_keeps_training_current_on_a_phone(
    browser: Any, live_server: Any, venue: dict[str, Any], tmp_path: Path
) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    sign_in_on_the_way(page, f"{live_server.url}/venues/{venue['id']}", *MANAGER)

    # The venue page loads its staff summary after the page itself.
    summary = page.locator(".staff-summary")
    summary.get_by_text("1 of 1 front-of-house staff").wait_for()
    assert "100%" in summary.inner_text()

    page.get_by_role("link", name="Staff & training").first.click()
    page.wait_for_url(re.compile(rf"/venues/{venue['id']}/staff$"))
    assert "Ann Barker (on the staff list)" in page.locator("#dps").inner_text()
    page.get_by_role("link", name="Add a person").click()
    page.fill("#name", "Bo Tender")
    page.select_option("#role", "bar")
    page.check("#front_of_house")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf"/venues/{venue['id']}/staff#person-\d+$"))
    assert "50%" in page.locator("#coverage").inner_text()
    assert "1 of 2" in page.locator("#coverage").inner_text()

    row = page.locator("tr", has_text="Bo Tender")
    wave = row.locator('td[data-course="wave"]')
    assert wave.inner_text().strip() == "Missing"
    # Every cell is a target a thumb can hit, and the page itself does not scroll sideways:
    # the grid scrolls inside its own box.
    box = wave.locator("a").bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    photo = tmp_path / "wave-certificate.jpg"
    photo.write_bytes(JPEG)
    for course in ("wave", "ask_for_angela"):
        page.locator("tr", has_text="Bo Tender").locator(f'td[data-course="{course}"] a').click()
        page.wait_for_url(re.compile(rf"\?course={course}#record$"))
        assert page.locator("#course").input_value() == course
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.fill("#completed_on", (today() - timedelta(days=2)).isoformat())
        # A phone's date picker stays open over the form until the box loses focus.
        page.locator("#completed_on").evaluate("box => box.blur()")
        if course == "wave":
            page.set_input_files("#certificate", str(photo))
        page.get_by_role("button", name="Save training").click()
        page.wait_for_url(re.compile(rf"/venues/{venue['id']}/staff#person-\d+$"))

    row = page.locator("tr", has_text="Bo Tender")
    assert row.locator('td[data-course="wave"] .st-word').inner_text() == "Valid"
    assert row.locator('td[data-course="ask_for_angela"] .st-word').inner_text() == "Valid"
    assert "100%" in page.locator("#coverage").inner_text()

    row.get_by_role("link", name="Bo Tender", exact=True).click()
    link = page.get_by_role("link", name="wave-certificate.jpg")
    href = link.get_attribute("href")
    assert href is not None
    response = page.request.get(live_server.url + href)
    assert response.status == 200 and response.body() == JPEG
    assert response.headers["x-content-type-options"] == "nosniff"
    context.close()

"""In Chromium: an officer makes the sub-committee's evidence bundle from the venue page and
downloads it, and the venue's list of bundles shows the copy's hash."""

from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from pypdf import PdfReader

from nte.accounts import create_user
from tests.conftest import in_database, sign_in_on_the_way

pytestmark = pytest.mark.browser

OFFICER = ("olive@maidstone.test", "papers for the sub-committee on Thursday")


@pytest.fixture
def venue_id(dsn: str) -> int:
    """The Swan with a sensitive incident last month, and an officer to make the bundle."""

    async def arrange(conn: asyncpg.Connection) -> int:
        venue: int = await conn.fetchval(
            "INSERT INTO venues (name, address, premises_licence_no) "
            "VALUES ('The Swan', '12 High Street', 'MBC/PL/0042') RETURNING id"
        )
        await create_user(conn, email=OFFICER[0], role="officer", password=OFFICER[1])
        await conn.execute(
            "INSERT INTO incidents (venue_id, occurred_at, category, severity, source, "
            "description, sensitive) VALUES ($1, now() - interval '20 days', 'sexual_offence', "
            "'serious', 'police', 'Jane Doe was assaulted near the cloakroom', true)",
            venue,
        )
        return venue

    return in_database(dsn, arrange)


def test_an_officer_makes_a_panel_bundle_from_the_venue_page_and_downloads_it(
    browser: Any, live_server: Any, venue_id: int, tmp_path: Path
) -> None:
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    sign_in_on_the_way(page, f"{live_server.url}/venues/{venue_id}", *OFFICER)

    panel = page.locator("#evidence")
    panel.get_by_label("From").fill((date.today() - timedelta(days=90)).isoformat())
    panel.get_by_label("To").fill(date.today().isoformat())
    assert panel.get_by_label("Licensing sub-committee").is_checked()
    with page.expect_download() as waiting:
        panel.get_by_role("button", name="Make the bundle (PDF)").click()
    download = waiting.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    pdf = saved.read_bytes()

    assert download.suggested_filename.endswith("-panel-1.pdf")
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Licensing sub-committee" in text and "E1" in text
    assert "Jane Doe was assaulted near the cloakroom" in text
    assert f"page {len(reader.pages)} of {len(reader.pages)}" in text

    # The venue's list of bundles holds the copy just downloaded, by its hash.
    page.get_by_role("link", name="Bundles made and checking a copy").click()
    page.wait_for_url(f"{live_server.url}/venues/{venue_id}/evidence")
    assert hashlib.sha256(pdf).hexdigest() in page.locator("#bundles").inner_text()
    context.close()

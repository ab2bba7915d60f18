"""In Chromium: an officer opens "Who has seen this" under a sensitive incident."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from nte.accounts import create_user
from tests.conftest import in_database, sign_in_on_the_way

pytestmark = pytest.mark.browser

OFFICER = ("olivia@council.example", "an officer's long passphrase")


@pytest.fixture
def venue_id(dsn: str) -> int:
    """The Swan, with a sensitive incident a partner has read twice, and an ordinary one."""

    async def arrange(conn: asyncpg.Connection) -> int:
        venue: int = await conn.fetchval(
            "INSERT INTO venues (name) VALUES ('The Swan') RETURNING id"
        )
        await create_user(conn, email=OFFICER[0], role="officer", password=OFFICER[1])
        partner = await create_user(conn, email="pc.patel@police.example", role="partner")
        incident = await conn.fetchval(
            "INSERT INTO incidents (venue_id, occurred_at, category, severity, source, "
            "description, sensitive) VALUES ($1, now() - interval '2 days', 'sexual_offence', "
            "'serious', 'police', 'Assault reported to door staff', true) RETURNING id",
            venue,
        )
        await conn.execute(
            "INSERT INTO incidents (venue_id, occurred_at, category, severity, source, "
            "description) VALUES ($1, now() - interval '3 days', 'theft', 'low', 'venue', "
            "'Phone taken from a table')",
            venue,
        )
        await conn.execute(
            "INSERT INTO access_log (user_id, reader, incident_id, door) VALUES "
            "($1, 'pc.patel@police.example (partner)', $2, 'api_get'), "
            "($1, 'pc.patel@police.example (partner)', $2, 'timeline_page')",
            partner,
            incident,
        )
        return venue

    return in_database(dsn, arrange)


def test_an_officer_sees_who_has_seen_a_sensitive_incident(
    browser: Any, live_server: Any, venue_id: int
) -> None:
    page = browser.new_page()
    sign_in_on_the_way(page, f"{live_server.url}/venues/{venue_id}/incidents", *OFFICER)
    fold = page.get_by_text("Who has seen this (2 people)")
    assert fold.count() == 1, "one fold, under the sensitive incident only"
    readers = page.locator("details.readers li")
    assert not readers.first.is_visible(), "folded until asked"
    fold.click()
    lines = readers.all_inner_texts()
    assert len(lines) == 2
    # The officer's own look just now comes first; the partner's two reads after it.
    assert lines[0].startswith(f"{OFFICER[0]} (officer): 1 time")
    assert "the venue's incidents page" in lines[0]
    assert lines[1].startswith("pc.patel@police.example (partner): 2 times")
    assert "API: the incident" in lines[1] and "the venue's timeline page" in lines[1]

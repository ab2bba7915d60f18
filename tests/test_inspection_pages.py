"""The inspection pages as a browser gets them: visits, the venue's tabs, the form, the report."""

from __future__ import annotations

import io
import uuid

import asyncpg
import httpx

from nte.clock import today
from tests.conftest import People
from tests.test_inspections import PNG, completed_with_breach, make_venue


async def test_plan_a_visit_then_find_it_on_my_visits_and_inspect(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    venue_id = await make_venue(db)
    tab = await client.get(f"/venues/{venue_id}/inspections")
    assert tab.status_code == 200 and "Start an inspection now" in tab.text
    refused = await client.post(
        f"/venues/{venue_id}/visits", data={"planned_on": str(today()), "kind": "reactive"}
    )
    assert refused.status_code == 422 and "Reason is required for a reactive visit" in refused.text
    planned = await client.post(
        f"/venues/{venue_id}/visits",
        data={"planned_on": str(today()), "kind": "reactive", "reason": "Complaint about noise"},
    )
    assert planned.status_code in (302, 303)
    visits = await client.get("/visits")
    assert "The Swan" in visits.text and "Complaint about noise" in visits.text
    visit_id = await db.fetchval("SELECT id FROM visits")
    page = await client.get(f"/venues/{venue_id}/inspect?visit={visit_id}")
    assert page.status_code == 200
    assert 'data-key="check:dps"' in page.text and 'accept="image/*" capture' in page.text
    assert "htmx" not in page.text  # the tablet page loads only its own script
    assert "<script>" not in page.text and 'style="' not in page.text
    sw = await client.get("/sw.js")
    assert sw.status_code == 200 and sw.headers["content-type"].startswith("text/javascript")


async def test_the_report_and_the_actions_tab(
    client: httpx.AsyncClient, db: asyncpg.Connection, people: People
) -> None:
    venue_id = await make_venue(db)
    inspection = await completed_with_breach(client, venue_id)
    await client.post(
        f"/api/v1/inspections/{inspection['id']}/photos",
        data={"client_uuid": str(uuid.uuid4()), "item_key": "check:dps"},
        files={"photo": ("p.png", io.BytesIO(PNG), "image/png")},
    )
    report = await client.get(f"/inspections/{inspection['id']}/report")
    assert report.status_code == 200
    assert "Minor breach" in report.text and "DPS unreachable" in report.text
    assert "/api/v1/photos/" in report.text
    action_id = inspection["actions"][0]["id"]
    async with await people.signed_in("venue_manager", [venue_id]) as manager:
        tab = await manager.get(f"/venues/{venue_id}/actions")
        assert "Send answer" in tab.text and "Verify" not in tab.text
        empty = await manager.post(
            f"/venues/{venue_id}/actions/{action_id}", data={"action": "answer", "note": ""}
        )
        assert empty.status_code == 422 and "Note is required" in empty.text
        bad = await manager.post(
            f"/venues/{venue_id}/actions/{action_id}",
            data={"action": "answer", "note": "Fixed"},
            files={"file": ("x.exe", io.BytesIO(b"MZ\x90\x00"), "application/octet-stream")},
        )
        assert (
            bad.status_code == 422 and "Photo or file must be a PDF, JPEG or PNG file" in bad.text
        )
        assert await db.fetchval("SELECT status FROM actions WHERE id = $1", action_id) == "open"
        ok = await manager.post(
            f"/venues/{venue_id}/actions/{action_id}",
            data={"action": "answer", "note": "DPS number on the wall"},
            files={"file": ("wall.png", io.BytesIO(PNG), "image/png")},
        )
        assert ok.status_code in (302, 303)
    row = await db.fetchrow(
        "SELECT a.status, f.filename FROM actions a JOIN action_files f ON f.action_id = a.id"
    )
    assert (row["status"], row["filename"]) == ("answered", "wall.png")
    tab = await client.get(f"/venues/{venue_id}/actions")
    assert "DPS number on the wall" in tab.text and "Verify" in tab.text

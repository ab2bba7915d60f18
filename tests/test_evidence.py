"""Evidence bundles: a PDF per audience with the period's exhibits in date order, the same
pages for everyone, the venue's copy naming no victim, its hash in the audit trail, and only
the licensing team may make or read one."""

from __future__ import annotations

import hashlib
import io
import re
import struct
import uuid
import zlib
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import pytest
from pypdf import PdfReader

from tests.conftest import People
from tests.helpers import BROWSER, Client, add_venue, problem

START, END = date(2026, 3, 1), date(2026, 5, 31)
VICTIM = "Jane Doe"
SENSITIVE = (
    f"{VICTIM} was followed into the toilets and assaulted; door staff held the man until "
    "the police came. She left with a friend; the bar manager kept the CCTV of the corridor "
    "and the till roll, and the door supervisor wrote a statement at the end of the night. "
) * 3
REPORTER = "Maxine Manager"


def png(width: int = 64, height: int = 48) -> bytes:
    """A real (tiny) PNG, so Typst can draw it."""
    rows = b"".join(
        b"\x00" + b"".join(bytes((x * 4 % 256, y * 5 % 256, 128)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def at(day: date, hour: int = 22) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


class Review:
    """A venue with a season of history: what a review of it should exhibit."""

    venue: int
    other: int
    officer: int
    manager: int
    expected_kinds: list[str]


@pytest.fixture
async def review(db: asyncpg.Connection, people: People) -> Review:
    r = Review()
    r.venue = await add_venue(db, "The Swan")
    await db.execute(
        "UPDATE venues SET premises_licence_no = 'MBC/PL/0042', licence_holder = 'Swan Pubs Ltd' "
        "WHERE id = $1",
        r.venue,
    )
    await db.execute(
        "INSERT INTO conditions (venue_id, kind, objective, text) "
        "VALUES ($1, 'cctv', 'crime_disorder', 'CCTV kept for 31 days and shown to police')",
        r.venue,
    )
    r.other = await add_venue(db, "The Crown")
    r.officer = await people.user("officer")
    r.manager = await people.user("venue_manager", [r.venue])
    await db.execute("UPDATE users SET display_name = $1 WHERE id = $2", REPORTER, r.manager)

    async def incident(when: datetime, description: str, sensitive: bool, reporter: int) -> None:
        await db.execute(
            """INSERT INTO incidents (venue_id, occurred_at, category, severity, source,
                                      description, sensitive, reported_by)
               VALUES ($1, $2, $3, 'high', 'venue', $4, $5, $6)""",
            r.venue,
            when,
            "sexual_offence" if sensitive else "violence",
            description,
            sensitive,
            reporter,
        )

    await incident(
        at(date(2026, 3, 14)), "Glass thrown at the bar; one cut hand.", False, r.manager
    )
    await incident(at(date(2026, 4, 2)), SENSITIVE, True, r.officer)
    await incident(at(date(2026, 6, 20)), "After the period: not an exhibit.", False, r.manager)
    await incident(at(date(2026, 2, 1)), "Before the period: not an exhibit.", False, r.manager)

    inspection = await db.fetchval(
        """INSERT INTO inspections (venue_id, client_uuid, fingerprint, officer_id, started_at,
                                    completed_at, outcome, summary)
           VALUES ($1, $2, '\\x00', $3, $4::timestamptz, $4::timestamptz + interval '1 hour', 'minor',
                   'CCTV not working')
           RETURNING id""",
        r.venue,
        uuid.uuid4(),
        r.officer,
        at(date(2026, 4, 20), 21),
    )
    item = await db.fetchval(
        """INSERT INTO inspection_items (inspection_id, venue_id, position, key, kind, question,
                                         result, note)
           VALUES ($1, $2, 1, 'check:cctv', 'cctv', 'Is the CCTV recording?', 'minor',
                   'Camera 2 dark') RETURNING id""",
        inspection,
        r.venue,
    )
    image = png()
    await db.execute(
        """INSERT INTO inspection_photos (inspection_id, venue_id, item_id, client_uuid, sha256,
                                          content_type, size, content)
           VALUES ($1, $2, $3, $4, $5, 'image/png', $6, $7)""",
        inspection,
        r.venue,
        item,
        uuid.uuid4(),
        hashlib.sha256(image).digest(),
        len(image),
        image,
    )
    await db.execute(
        """INSERT INTO actions (inspection_id, item_id, venue_id, item, severity, description,
                                due_on, status, answer, answered_at)
           VALUES ($1, $2, $3, 'Is the CCTV recording?', 'minor', 'Repair camera 2', $4,
                   'answered', 'Camera replaced on 1 May', $5)""",
        inspection,
        item,
        r.venue,
        date(2026, 5, 18),
        at(date(2026, 5, 1), 10),
    )
    await db.execute(
        "INSERT INTO test_purchases (venue_id, attempted_on, agency, outcome) "
        "VALUES ($1, $2, 'Kent Trading Standards', 'fail')",
        r.venue,
        date(2026, 3, 20),
    )
    await db.execute(
        "INSERT INTO angela_tests (venue_id, tested_on, tester_organisation, outcome) "
        "VALUES ($1, $2, 'Kent Police', 'pass')",
        r.venue,
        date(2026, 5, 9),
    )
    await db.execute(
        """INSERT INTO flags (venue_id, rule, cause_key, severity, explanation, opened_at)
           VALUES ($1, 'underage_sale', 'test_purchase:1', 'high', 'Alcohol sold to a child', $2)""",
        r.venue,
        at(date(2026, 3, 21), 2),
    )
    await db.execute(
        """INSERT INTO monthly_returns (venue_id, period, refusals, incidents_unreported,
                                        angela_activations, door_staff_hours, cctv_checks,
                                        submitted_at)
           VALUES ($1, '2026-03-01', 4, 0, 1, 120, 4, $2)""",
        r.venue,
        at(date(2026, 4, 5), 12),
    )
    r.expected_kinds = [
        "Incident",  # 14 Mar
        "Test purchase",  # 20 Mar
        "Flag",  # 21 Mar
        "Incident",  # 2 Apr
        "Monthly return",  # 5 Apr
        "Inspection",  # 20 Apr
        "Breach (minor) and action",  # 20 Apr, raised when the inspection was completed
        "Ask for Angela test",  # 9 May
    ]
    return r


def text_pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def index_of(pages: list[str]) -> list[tuple[str, str, int]]:
    """(number, kind, page) of each exhibit, as the index page says."""
    index = "\n".join(p for p in pages[1:4] if "Index of exhibits" in p)
    found = re.findall(r"^(E\d+)\s+\d{1,2} \w{3} \d{4}\s+(.+?)\s+(\d+)$", index, re.M)
    return [(n, kind.strip(), int(page)) for n, kind, page in found]


async def make(client: Client, venue: int, audience: str) -> Any:
    return await client.post(
        f"/api/v1/venues/{venue}/evidence",
        json={"from": START.isoformat(), "to": END.isoformat(), "audience": audience},
    )


async def test_a_bundle_for_each_audience(
    people: People, db: asyncpg.Connection, review: Review
) -> None:
    copies: dict[str, bytes] = {}
    async with await people.client_for(review.officer) as officer:
        for audience in ("panel", "venue", "police"):
            response = await make(officer, review.venue, audience)
            assert response.status_code == 201, response.text
            assert response.headers["content-type"] == "application/pdf"
            copies[audience] = response.content
        listed = (await officer.get(f"/api/v1/venues/{review.venue}/evidence")).json()
    texts = {a: text_pages(pdf) for a, pdf in copies.items()}

    for audience, pages in texts.items():
        total = len(pages)
        assert total >= 3, audience
        for n, page in enumerate(pages, start=1):
            assert f"page {n} of {total}" in page, (audience, n)
        index = index_of(pages)
        assert [kind for _, kind, _ in index] == review.expected_kinds, audience
        assert [n for n, _, _ in index] == [f"E{i}" for i in range(1, 9)]
        for number, kind, page in index:
            # The index sends the reader to the page the exhibit starts on.
            assert re.search(rf"^{number}\s+{re.escape(kind)}", pages[page - 1], re.M), (
                audience,
                number,
            )
        cover = pages[0]
        assert "The Swan" in cover and "MBC/PL/0042" in cover
        assert "2026-03-01 to 2026-05-31" in cover
        assert "Test officer" in cover  # who made it
        assert "CCTV kept for 31 days" in "\n".join(pages)
        assert "After the period" not in "\n".join(pages)
        assert "Before the period" not in "\n".join(pages)

    # The same pages and numbers for everyone; the venue's copy names no victim or reporter.
    assert len({len(pages) for pages in texts.values()}) == 1
    assert index_of(texts["panel"]) == index_of(texts["venue"]) == index_of(texts["police"])
    panel, venue = "\n".join(texts["panel"]), "\n".join(texts["venue"])
    assert VICTIM in panel and "followed into the toilets" in panel
    assert VICTIM in "\n".join(texts["police"])
    assert VICTIM not in venue and "toilets" not in venue
    assert REPORTER in panel and REPORTER not in venue
    assert "[redacted]" in venue and "[redacted]" not in panel
    assert "Glass thrown at the bar" in venue  # what the venue may read, it reads

    # Each copy's hash, audience and maker are in the audit trail and the list.
    audited = await db.fetch(
        "SELECT actor_id, after FROM audit_log WHERE table_name = 'evidence_bundles' ORDER BY id"
    )
    assert [row["after"]["audience"] for row in audited] == ["panel", "venue", "police"]
    for row, audience in zip(audited, ("panel", "venue", "police"), strict=True):
        assert row["after"]["sha256"] == hashlib.sha256(copies[audience]).hexdigest()
        assert row["after"]["made_by"] == review.officer and row["actor_id"] == review.officer
        assert "content" not in row["after"]
    assert {b["sha256"] for b in listed} == {
        hashlib.sha256(pdf).hexdigest() for pdf in copies.values()
    }
    assert {b["pages"] for b in listed} == {len(texts["panel"])}


async def test_a_copy_is_checked_against_the_bundles_made(people: People, review: Review) -> None:
    async with await people.client_for(review.officer) as officer:
        pdf = (await make(officer, review.venue, "venue")).content
        listed = (await officer.get(f"/api/v1/venues/{review.venue}/evidence")).json()
        fetched = await officer.get(listed[0]["url"])
        assert fetched.content == pdf
        same = await officer.post(
            f"/api/v1/venues/{review.venue}/evidence/check",
            content=pdf,
            headers={"content-type": "application/pdf"},
        )
        changed = await officer.post(
            f"/api/v1/venues/{review.venue}/evidence/check",
            content=pdf + b"\n% edited",
            headers={"content-type": "application/pdf"},
        )
        page = await officer.post(
            f"/venues/{review.venue}/evidence/check",
            files={"copy": ("bundle.pdf", pdf, "application/pdf")},
            headers=BROWSER,
        )
    assert same.json()["matches"] is True and same.json()["bundle"]["audience"] == "venue"
    assert changed.json()["matches"] is False and changed.json()["bundle"] is None
    assert "unchanged" in page.text


async def test_a_venue_manager_cannot_make_or_fetch_a_bundle(
    people: People, review: Review
) -> None:
    async with await people.client_for(review.officer) as officer:
        bundle = (await make(officer, review.venue, "panel")).headers["x-bundle-id"]
    other_manager = await people.user("venue_manager", [review.other])
    for manager, status in ((review.manager, 403), (other_manager, 404)):
        async with await people.client_for(manager) as client:
            made = await make(client, review.venue, "venue")
            problem(made, status)
            problem(await client.get(f"/api/v1/venues/{review.venue}/evidence"), status)
            problem(await client.get(f"/api/v1/venues/{review.venue}/evidence/{bundle}"), status)
            page = await client.get(
                f"/venues/{review.venue}/evidence/{bundle}/download", headers=BROWSER
            )
            assert page.status_code == status
            assert b"%PDF" not in page.content


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"from": "2026-05-01", "to": "2026-04-01", "audience": "panel"}, "to"),
        ({"from": "2026-03-01", "to": "2026-04-01", "audience": "press"}, "audience"),
        ({"from": "yesterday", "to": "2026-04-01", "audience": "panel"}, "from"),
        ({"from": "2030-01-01", "to": "2030-02-01", "audience": "panel"}, "from"),
    ],
)
async def test_a_bad_request_names_its_field_and_makes_nothing(
    client: Client, db: asyncpg.Connection, body: dict[str, str], field: str
) -> None:
    venue = await add_venue(db)
    response = await client.post(f"/api/v1/venues/{venue}/evidence", json=body)
    details = problem(response, (400, 422))
    assert field in str(details), details
    assert await db.fetchval("SELECT count(*) FROM evidence_bundles") == 0


async def test_the_venue_page_offers_the_form_to_the_licensing_team_only(
    people: People, review: Review
) -> None:
    async with await people.client_for(review.officer) as officer:
        page = await officer.get(f"/venues/{review.venue}", headers=BROWSER)
        assert f'action="/venues/{review.venue}/evidence"' in page.text
        made = await officer.post(
            f"/venues/{review.venue}/evidence",
            data={"from": START.isoformat(), "to": END.isoformat(), "audience": "panel"},
            headers=BROWSER,
        )
        assert made.status_code == 201
        assert made.headers["content-type"] == "application/pdf"
        assert "attachment" in made.headers["content-disposition"]
        listing = await officer.get(f"/venues/{review.venue}/evidence", headers=BROWSER)
        assert hashlib.sha256(made.content).hexdigest() in listing.text
        # The venue page lists them too, in the part htmx loads once the page is shown.
        assert f'hx-get="/venues/{review.venue}/evidence/made"' in page.text
        shown = await officer.get(f"/venues/{review.venue}/evidence/made", headers=BROWSER)
        assert hashlib.sha256(made.content).hexdigest() in shown.text
        bad = await officer.post(
            f"/venues/{review.venue}/evidence",
            data={"from": END.isoformat(), "to": START.isoformat(), "audience": "panel"},
            headers=BROWSER,
        )
        assert bad.status_code == 422 and "must be on or after from" in bad.text
    async with await people.client_for(review.manager) as manager:
        page = await manager.get(f"/venues/{review.venue}", headers=BROWSER)
        assert "/evidence" not in page.text

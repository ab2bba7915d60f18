"""How long, how big and how much memory is an evidence bundle of a busy venue?

``nte bench evidence --events 500 --photos 50`` makes one venue in a scratch database with
that many exhibits in two years (incidents, a tenth sensitive; inspections with a photo
each; their actions; test purchases; Angela tests; flags; monthly returns), then makes the
panel's and the venue's bundles through the code the endpoint runs, and reports each one's
time, pages, size and the process's resident high-water growth (Typst's compiler is native
code, so Python's own allocation counter would not see most of it).
"""

from __future__ import annotations

import asyncio
import random
import resource
import struct
import time
import uuid
import zlib
from datetime import UTC, datetime, timedelta

import msgspec

from inspections.evidence.service import make_bundle
from nte.auth.identity import Identity
from nte.clock import today
from nte.db import connect
from nte.scratch import scratch_database
from venues.queries import get_venue

__all__ = ["EvidenceBenchmark", "run"]

PHOTO_SIZE = (400, 300)
"""Random pixels do not compress: 360 KB a photo, about what the tablet's 1600-pixel JPEG
of an inspection is."""


def photo(seed: int) -> bytes:
    width, height = PHOTO_SIZE
    pixels = random.Random(seed).randbytes(width * 3 * height)
    rows = b"".join(b"\x00" + pixels[y * width * 3 : (y + 1) * width * 3] for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows, 1))
        + chunk(b"IEND", b"")
    )


class BundleRun(msgspec.Struct):
    audience: str
    seconds: float
    cpu_seconds: float
    """This process's own CPU time (Typst compiles in-process): less disturbed by a busy machine."""
    pages: int
    exhibits: int
    megabytes: float
    rss_growth_mb: float


class EvidenceBenchmark(msgspec.Struct):
    events: int
    photos: int
    photo_kb: float
    runs: list[BundleRun]
    peak_rss_mb: float

    def report(self) -> list[str]:
        return [
            f"nte bench evidence: one venue, {self.events} events, {self.photos} photos "
            f"of {self.photo_kb:.0f} KB",
            *(
                f"  {r.audience:>6} copy: {r.seconds:5.1f} s ({r.cpu_seconds:.1f} s CPU), "
                f"{r.pages} pages, {r.exhibits} exhibits, {r.megabytes:.1f} MB; "
                f"resident high-water grew {r.rss_growth_mb:.0f} MB"
                for r in self.runs
            ),
            f"  process peak resident memory: {self.peak_rss_mb:.0f} MB",
        ]


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _arrange(conn: object, events: int, photos: int) -> tuple[int, int]:
    db = conn  # an asyncpg connection; typed loosely to keep this module's imports small
    venue = await db.fetchval(  # type: ignore[attr-defined]
        "INSERT INTO venues (name, address, postcode, premises_licence_no, licence_holder, "
        "licensable_activities) VALUES ('The Bench Arms', '1 High Street', 'ME14 1AA', "
        "'MBC/PL/9999', 'Bench Pubs Ltd', '{sale_of_alcohol}') RETURNING id"
    )
    officer = await db.fetchval(  # type: ignore[attr-defined]
        "INSERT INTO users (email, display_name, role, password_hash) "
        "VALUES ('bench@example.org', 'Bench Officer', 'officer', 'x') RETURNING id"
    )
    start = datetime.now(UTC) - timedelta(days=700)
    inspections = photos
    actions = photos
    fixed = 40 + 20 + 20 + 20  # test purchases, Angela tests, flags, returns
    incidents = max(events - inspections - actions - fixed, 0)

    def when(n: int, of: int) -> datetime:
        return start + timedelta(days=690 * n / max(of, 1), hours=22)

    for n in range(incidents):
        await db.execute(  # type: ignore[attr-defined]
            "INSERT INTO incidents (venue_id, occurred_at, category, severity, source, "
            "description, sensitive, reported_by) VALUES ($1, $2, $3, 'medium', 'venue', $4, $5, $6)",
            venue,
            when(n, incidents),
            "sexual_offence" if n % 10 == 0 else "violence",
            f"Incident {n}: a customer was asked to leave after an argument at the bar; door "
            "staff walked them out and the CCTV was kept. " * 2,
            n % 10 == 0,
            officer,
        )
    for n in range(inspections):
        at = when(n, inspections)
        inspection = await db.fetchval(  # type: ignore[attr-defined]
            "INSERT INTO inspections (venue_id, client_uuid, fingerprint, officer_id, started_at, "
            "completed_at, outcome, summary) VALUES ($1, $2, '\\x00', $3, $4::timestamptz, "
            "$4::timestamptz + interval '1 hour', 'minor', 'Routine visit') RETURNING id",
            venue,
            uuid.uuid4(),
            officer,
            at,
        )
        item = await db.fetchval(  # type: ignore[attr-defined]
            "INSERT INTO inspection_items (inspection_id, venue_id, position, key, kind, question, "
            "result, note) VALUES ($1, $2, 1, 'check:cctv', 'cctv', 'Is the CCTV recording?', "
            "'minor', 'Camera 2 dark') RETURNING id",
            inspection,
            venue,
        )
        image = photo(n)
        await db.execute(  # type: ignore[attr-defined]
            "INSERT INTO inspection_photos (inspection_id, venue_id, item_id, client_uuid, sha256, "
            "content_type, size, content) VALUES ($1, $2, $3, $4, '\\x00', 'image/png', $5, $6)",
            inspection,
            venue,
            item,
            uuid.uuid4(),
            len(image),
            image,
        )
        await db.execute(  # type: ignore[attr-defined]
            "INSERT INTO actions (inspection_id, item_id, venue_id, item, severity, description, "
            "due_on, status, answer, answered_at) VALUES ($1, $2, $3, 'Is the CCTV recording?', "
            "'minor', 'Repair camera 2', $4, 'answered', 'Repaired', $5)",
            inspection,
            item,
            venue,
            (at + timedelta(days=28)).date(),
            at + timedelta(days=7),
        )
    for n in range(40):
        await db.execute(  # type: ignore[attr-defined]
            "INSERT INTO test_purchases (venue_id, attempted_on, agency, outcome) "
            "VALUES ($1, $2, 'Kent Trading Standards', $3)",
            venue,
            when(n, 40).date(),
            "fail" if n % 5 == 0 else "pass",
        )
    for n in range(20):
        await db.execute(  # type: ignore[attr-defined]
            "INSERT INTO angela_tests (venue_id, tested_on, tester_organisation, outcome) "
            "VALUES ($1, $2, 'Kent Police', 'pass')",
            venue,
            when(n, 20).date(),
        )
        await db.execute(  # type: ignore[attr-defined]
            "INSERT INTO flags (venue_id, rule, cause_key, severity, explanation, opened_at) "
            "VALUES ($1, 'violence_cluster', $2, 'high', 'Three violent incidents in 28 days', $3)",
            venue,
            f"bench:{n}",
            when(n, 20),
        )
        period = (start + timedelta(days=31 * (n + 1))).date().replace(day=1)
        await db.execute(  # type: ignore[attr-defined]
            "INSERT INTO monthly_returns (venue_id, period, refusals, incidents_unreported, "
            "angela_activations, door_staff_hours, cctv_checks, submitted_at) "
            "VALUES ($1, $2, 3, 0, 1, 100, 4, $3)",
            venue,
            period,
            datetime.combine(period, datetime.min.time(), UTC) + timedelta(days=35),
        )
    return venue, officer


async def _measure(server_url: str, events: int, photos: int) -> EvidenceBenchmark:
    runs = []
    async with scratch_database(server_url) as url:
        conn = await connect(url)
        try:
            venue_id, officer = await _arrange(conn, events, photos)
            venue = await get_venue(conn, venue_id)
            assert venue is not None
            maker = Identity(
                user_id=officer,
                email="bench@example.org",
                display_name="Bench Officer",
                role="officer",
                venue_ids=frozenset(),
                via="token",
            )
            for audience in ("panel", "venue"):
                before = _maxrss_mb()
                started, cpu = time.perf_counter(), time.process_time()
                async with conn.transaction():
                    bundle, content = await make_bundle(
                        conn,
                        venue,
                        start=today() - timedelta(days=730),
                        end=today(),
                        audience=audience,
                        maker=maker,
                        return_due_days=14,
                    )
                runs.append(
                    BundleRun(
                        audience=audience,
                        seconds=time.perf_counter() - started,
                        cpu_seconds=time.process_time() - cpu,
                        pages=bundle.pages,
                        exhibits=bundle.exhibits,
                        megabytes=len(content) / 1e6,
                        rss_growth_mb=_maxrss_mb() - before,
                    )
                )
        finally:
            await conn.close()
    return EvidenceBenchmark(
        events=events,
        photos=photos,
        photo_kb=len(photo(0)) / 1e3,
        runs=runs,
        peak_rss_mb=_maxrss_mb(),
    )


def run(server_url: str, events: int, photos: int) -> EvidenceBenchmark:
    return asyncio.run(_measure(server_url, events, photos))

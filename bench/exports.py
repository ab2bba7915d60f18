"""Is an export's memory flat? ``nte bench exports --incidents 2000000`` streams the incidents
CSV of a made-up borough through the code the endpoint runs (cursor, the viewer's redaction,
neutralised cells, chunks), once for a small table and once for the large one, in one run.

Two figures per run: the peak of Python's own allocations while exporting (tracemalloc, the
memory the export holds) and the growth of the process's resident high-water mark.
"""

from __future__ import annotations

import asyncio
import resource
import time
import tracemalloc

import msgspec

from inspections.exports.service import columns, csv_chunks
from nte.auth.identity import Identity
from nte.db import connect
from nte.scratch import scratch_database
from venues.incidents.queries import stream_incidents
from venues.incidents.schemas import Incident

__all__ = ["ExportRun", "ExportsBenchmark", "run"]

SMALL = 20_000

# A tenth of them sensitive, a venue manager's view so the redaction runs on every row.
_GENERATE = [
    """INSERT INTO venues (name, licensable_activities, generated)
       SELECT 'Bench venue ' || n, '{sale_of_alcohol}', true FROM generate_series(1, 200) n""",
    """INSERT INTO incidents (venue_id, occurred_at, category, severity, source, description,
                              sensitive, generated)
       SELECT 1 + n % 200, now() - make_interval(mins => n),
              (ARRAY['violence', 'asb', 'theft', 'sexual_offence'])[1 + n % 4],
              'medium', 'police',
              CASE WHEN n % 50 = 0 THEN '=HYPERLINK("x")' ELSE 'Incident number ' || n
                   || ': two people argued by the door and were asked to leave' END,
              n % 4 = 3, true
       FROM generate_series(1, $1::int) n""",
]


class ExportRun(msgspec.Struct):
    rows: int
    bytes: int
    seconds: float
    python_peak_mb: float
    rss_growth_mb: float


class ExportsBenchmark(msgspec.Struct):
    small: ExportRun
    large: ExportRun

    def report(self) -> list[str]:
        s, big = self.small, self.large
        return [
            "nte bench exports: /api/v1/exports/incidents.csv as an officer streams it",
            *(
                f"  {r.rows:>9,} incidents: {r.bytes / 1e6:8.1f} MB of CSV in {r.seconds:6.1f} s "
                f"({r.rows / r.seconds:,.0f} rows/s); export's Python peak {r.python_peak_mb:.2f} MB, "
                f"resident high-water grew {r.rss_growth_mb:.1f} MB"
                for r in (s, big)
            ),
            f"  memory ratio large/small: {big.python_peak_mb / s.python_peak_mb:.2f} x "
            f"for {big.rows / s.rows:.0f} x the rows (flat is about 1)",
        ]


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _export(url: str, rows: int) -> ExportRun:
    viewer = Identity(
        user_id=1, email="", display_name="", role="officer", venue_ids=frozenset(), via="token"
    )
    conn = await connect(url)
    try:
        rss_before = _maxrss_mb()
        tracemalloc.start()
        started = time.perf_counter()
        size = 0
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            async for chunk in csv_chunks(columns(Incident), stream_incidents(conn, viewer)):
                size += len(chunk)  # what a socket would send; nothing keeps it
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return ExportRun(
            rows=rows,
            bytes=size,
            seconds=seconds,
            python_peak_mb=peak / 1e6,
            rss_growth_mb=_maxrss_mb() - rss_before,
        )
    finally:
        await conn.close()


async def _measure(server_url: str, incidents: int) -> ExportsBenchmark:
    results = []
    for rows in (SMALL, incidents):
        async with scratch_database(server_url) as url:
            conn = await connect(url)
            try:
                await conn.execute("ALTER TABLE incidents DISABLE TRIGGER USER")
                for sql in _GENERATE:
                    await conn.execute(sql, *((rows,) if "$1" in sql else ()))
                await conn.execute("VACUUM ANALYZE incidents")
            finally:
                await conn.close()
            results.append(await _export(url, rows))
    return ExportsBenchmark(small=results[0], large=results[1])


def run(server_url: str, incidents: int) -> ExportsBenchmark:
    return asyncio.run(_measure(server_url, incidents))

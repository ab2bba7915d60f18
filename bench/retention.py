"""How long does a retention run take on a large borough? ``nte bench retention``.

``nte bench retention --incidents 2000000`` makes, in a scratch database, three years of
incidents (about one in sixteen sensitive, as sexual offences, child safeguarding and some
harassment, spiking and vulnerable-person reports are) at one venue per hundred incidents,
with staff, leavers and their training certificates. Then it times, in the same run: one
aggregate scan of the incident table (the baseline), the first run (which clears the whole
backlog: every sensitive incident older than 24 months), the next night's run (one more
day falls due) and a rerun (nothing left to do). The audit trigger is on for the runs, as
in production: each redaction writes its audit row.
"""

from __future__ import annotations

import asyncio
import resource
import time
from datetime import timedelta

import msgspec

from nte import clock
from nte.db import connect
from nte.scratch import scratch_database
from nte.settings import Settings
from venues.retention.service import run_retention

__all__ = ["RetentionBenchmark", "run"]

# Seeded set-based generators; triggers are off while loading (no audit rows for made-up
# history) and back on for the runs.
_GENERATE = [
    "SELECT setseed(0.2413)",
    """INSERT INTO venues (name, venue_type, capacity, generated)
       SELECT 'Bench venue ' || n, (ARRAY['pub', 'bar', 'nightclub'])[1 + n % 3], 100 + n % 700, true
       FROM generate_series(1, $1::int) n""",
    # eight people a venue; one in six of them left, up to three years ago
    """INSERT INTO staff (venue_id, name, role, front_of_house, left_on)
       SELECT v.id, 'Person ' || v.id || '-' || k, CASE WHEN k = 1 THEN 'manager' ELSE 'bar' END,
              k > 1, CASE WHEN (v.id + k) % 6 = 0 THEN current_date - ((v.id * 7 + k * 31) % 1100)::int END
       FROM venues v CROSS JOIN generate_series(1, 8) k""",
    """INSERT INTO training (venue_id, staff_id, course, completed_on, expires_on)
       SELECT s.venue_id, s.id, 'wave', d.done, d.done + 365
       FROM staff s CROSS JOIN LATERAL (SELECT current_date - 1200 + (s.id % 700)::int AS done) d""",
    # a small certificate for one training record in two
    """INSERT INTO training_certificates (venue_id, training_id, filename, content_type, size, content)
       SELECT t.venue_id, t.id, 'wave-' || t.id || '.pdf', 'application/pdf', 2048,
              convert_to(rpad('%PDF-1.4 ', 2048, 'x'), 'UTF8')
       FROM training t WHERE t.id % 2 = 0""",
    """INSERT INTO incidents (venue_id, occurred_at, category, severity, source, police_ref,
                              description, involved_child, sensitive, generated)
       SELECT CASE WHEN r.a < 0.05 THEN NULL ELSE 1 + floor(r.b * $1::int)::bigint END,
              now() - make_interval(days => floor(r.c * 1095)::int, hours => floor(r.d * 6)::int),
              c.category,
              (ARRAY['low', 'medium', 'high', 'serious'])[1 + floor(r.e * 4)::int],
              (ARRAY['police', 'venue', 'officer', 'radio', 'public'])[1 + floor(r.a * 5)::int],
              CASE WHEN r.e < 0.4 THEN '46/' || (100000 + floor(r.f * 899999))::int || '/24' END,
              'Woman reported that a man touched her at the bar; door staff spoke to her friend, '
                  || 'CCTV kept. Bench record ' || n,
              c.child, c.category = 'sexual_offence' OR c.child OR r.g < 0.04, true
       FROM generate_series(1, $2::int) n
       CROSS JOIN LATERAL (SELECT random() a, random() b, random() c, random() d, random() e,
                                  random() f, random() g, random() h WHERE n = n) r
       CROSS JOIN LATERAL (SELECT CASE
           WHEN r.h < 0.25 THEN 'violence' WHEN r.h < 0.45 THEN 'asb' WHEN r.h < 0.58 THEN 'theft'
           WHEN r.h < 0.68 THEN 'public_order' WHEN r.h < 0.76 THEN 'criminal_damage'
           WHEN r.h < 0.82 THEN 'drugs' WHEN r.h < 0.88 THEN 'vulnerable_person'
           WHEN r.h < 0.92 THEN 'sexual_harassment' WHEN r.h < 0.94 THEN 'drink_spiking'
           WHEN r.h < 0.955 THEN 'weapons' WHEN r.h < 0.975 THEN 'sexual_offence'
           ELSE 'other' END AS category,
           r.h >= 0.82 AND r.h < 0.88 AND r.g > 0.9 AS child) c""",
]
_TABLES = ["venues", "staff", "training", "training_certificates", "incidents"]


class RetentionBenchmark(msgspec.Struct):
    incidents: int
    sensitive: int
    generate_seconds: float
    scan_seconds: float
    first_seconds: float
    first_redacted: int
    first_certificates: int
    next_night_seconds: float
    next_night_redacted: int
    rerun_seconds: float
    rerun_changes: int
    expected_redacted: int
    peak_rss_mb: float

    def report(self) -> list[str]:
        scan = self.scan_seconds
        return [
            f"borough: {self.incidents:,} incidents over 3 years, {self.sensitive:,} sensitive "
            f"(made in {self.generate_seconds:.1f} s)",
            f"baseline, one aggregate scan of incidents: {scan:.3f} s",
            f"first run (the backlog: {self.first_redacted:,} incidents redacted, "
            f"{self.expected_redacted:,} due; {self.first_certificates:,} certificates deleted): "
            f"{self.first_seconds:.3f} s = {self.first_seconds / scan:.2f} x baseline",
            f"next night (one more day due: {self.next_night_redacted:,} redacted): "
            f"{self.next_night_seconds:.3f} s = {self.next_night_seconds / scan:.2f} x baseline",
            f"rerun (nothing due, {self.rerun_changes} changes): {self.rerun_seconds:.3f} s "
            f"= {self.rerun_seconds / scan:.3f} x baseline",
            f"ratio: {self.first_seconds / scan:.2f}",
            f"peak memory of this process: {self.peak_rss_mb:,.0f} MB",
        ]


async def _best_of(n: int, work: object) -> float:
    best = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        await work()  # type: ignore[operator]
        best = min(best, time.perf_counter() - t0)
    return best


async def _measure(server_url: str, settings: Settings, incidents: int) -> RetentionBenchmark:
    venues = max(1, incidents // 100)
    async with scratch_database(server_url) as url:
        conn = await connect(url)
        try:
            started = time.perf_counter()
            for table in _TABLES:
                await conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            for sql in _GENERATE:
                args = (venues, incidents) if "$2" in sql else (venues,) if "$1" in sql else ()
                await conn.execute(sql, *args)
            for table in _TABLES:
                await conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            await conn.execute("VACUUM ANALYZE")
            generated = time.perf_counter() - started
            now = clock.now()
            months = settings.sensitive_retention_months
            sensitive, due = await conn.fetchrow(
                """SELECT count(*),
                          count(*) FILTER (
                              WHERE occurred_at < $1::timestamptz - make_interval(months => $2))
                   FROM incidents WHERE sensitive""",
                now,
                months,
            )
            scan = await _best_of(
                3,
                lambda: conn.fetch(
                    "SELECT category, count(*), max(occurred_at) FROM incidents GROUP BY category"
                ),
            )
            first = await run_retention(conn, settings, trigger="benchmark", now=now)
            await conn.execute("VACUUM ANALYZE incidents")
            tomorrow = await run_retention(
                conn, settings, trigger="benchmark", now=now + timedelta(days=1)
            )
            last: list[int] = []

            async def rerun() -> None:
                r = await run_retention(
                    conn, settings, trigger="benchmark", now=now + timedelta(days=1)
                )
                last.append(r.incidents_redacted + r.certificates_deleted)

            rerun_seconds = await _best_of(3, rerun)
        finally:
            await conn.close()
    return RetentionBenchmark(
        incidents=incidents,
        sensitive=sensitive,
        generate_seconds=generated,
        scan_seconds=scan,
        first_seconds=first.seconds,
        first_redacted=first.incidents_redacted,
        first_certificates=first.certificates_deleted,
        next_night_seconds=tomorrow.seconds,
        next_night_redacted=tomorrow.incidents_redacted,
        rerun_seconds=rerun_seconds,
        rerun_changes=sum(last),
        expected_redacted=due,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )


def run(server_url: str, settings: Settings, incidents: int) -> RetentionBenchmark:
    return asyncio.run(_measure(server_url, settings, incidents))

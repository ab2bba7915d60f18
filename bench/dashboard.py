"""How fast are the officers' home page and the risk recompute over a large borough?

``nte bench dashboard --venues 20000 --incidents 2000000`` makes the borough of ``nte bench
checks`` in a scratch database (its generator, plus completed inspections and their actions),
then times, in the same run: one aggregate scan of the incident table (the baseline), the
risk recompute of every venue (first, and the nightly rerun with nothing changed) and the
home page as an officer's request gets it (through the app, template rendered).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta

import httpx
import msgspec

from bench.checks import BASELINE_SQL, best_of, make_borough
from inspections.flags.sweep import run_checks
from inspections.risk.service import recompute_risk
from nte.accounts import create_user
from nte.app import create_app
from nte.auth.middleware import SESSION_COOKIE
from nte.auth.store import create_session
from nte.clock import LONDON
from nte.db import connect, create_pool
from nte.scratch import scratch_database
from nte.settings import Settings

__all__ = ["DashboardBenchmark", "run"]

HOME_TARGET = 2.0
RECOMPUTE_TARGET = 3.0

# Inspections for most venues over the last 30 months (so some are past 24 months), the
# officer's confidence at each, and an action for each breach (some of them overdue).
_INSPECTIONS = (
    """INSERT INTO inspections (venue_id, client_uuid, fingerprint, started_at, completed_at,
                                outcome, confidence_in_management, generated)
       SELECT v.id, gen_random_uuid(), '\\x00', d.at, d.at,
              (ARRAY['compliant', 'compliant', 'compliant', 'minor', 'minor', 'major'])[1 + v.id % 6],
              (ARRAY[0, 5, 5, 10, 10, 20, 30])[1 + (v.id * 7 + k) % 7], true
       FROM venues v CROSS JOIN generate_series(1, 2) k
       CROSS JOIN LATERAL (SELECT now() - make_interval(days => ((v.id * 31 + k * 211) % 900)::int) AS at) d
       WHERE v.id % 5 <> 0 AND $1::int > 0""",
    """INSERT INTO actions (inspection_id, venue_id, item, severity, description, due_on, status)
       SELECT i.id, i.venue_id, 'Refusals log', CASE i.outcome WHEN 'major' THEN 'major' ELSE 'minor' END,
              'Keep the refusals log up to date',
              (i.completed_at AT TIME ZONE 'Europe/London')::date + 28,
              CASE WHEN i.id % 3 = 0 THEN 'open' ELSE 'verified' END
       FROM inspections i WHERE i.outcome <> 'compliant' AND $1::int > 0""",
)


class DashboardBenchmark(msgspec.Struct):
    venues: int
    incidents: int
    generate_seconds: float
    scan_seconds: float
    recompute_first_seconds: float
    recompute_rerun_seconds: float
    rated: int
    rerun_writes: int
    home_seconds: float
    home_bytes: int
    bands: dict[str, int]

    def report(self) -> list[str]:
        home = self.home_seconds / self.scan_seconds
        first = self.recompute_first_seconds / self.scan_seconds
        rerun = self.recompute_rerun_seconds / self.scan_seconds
        return [
            f"borough: {self.venues:,} venues, {self.incidents:,} incidents "
            f"(made in {self.generate_seconds:.1f} s)",
            f"baseline, one aggregate scan of incidents: {self.scan_seconds:.3f} s",
            f"risk recompute, first (rates {self.rated:,} venues): "
            f"{self.recompute_first_seconds:.3f} s, ratio: {first:.2f} (target <= {RECOMPUTE_TARGET:g})",
            f"risk recompute, nightly rerun ({self.rerun_writes} writes): "
            f"{self.recompute_rerun_seconds:.3f} s, ratio: {rerun:.2f} (target <= {RECOMPUTE_TARGET:g})",
            f"home page, server time: {self.home_seconds:.3f} s, ratio: {home:.2f} "
            f"(target <= {HOME_TARGET:g}); {self.home_bytes:,} bytes of HTML",
            "bands: " + ", ".join(f"{b} {n:,}" for b, n in sorted(self.bands.items())),
        ]


async def _measure(
    server_url: str, settings: Settings, venues: int, incidents: int
) -> DashboardBenchmark:
    settings = msgspec.structs.replace(settings, scheduler=False)
    async with scratch_database(server_url) as url:
        conn = await connect(url)
        try:
            generated = await make_borough(conn, venues, incidents, _INSPECTIONS)
            scan = await best_of(3, lambda: conn.fetch(BASELINE_SQL))
            now = datetime.now(UTC)
            today = now.astimezone(LONDON).date()

            async def recompute() -> object:
                async with conn.transaction():
                    return await recompute_risk(conn, settings, now, today)

            t0 = time.perf_counter()
            first = await recompute()
            first_seconds = time.perf_counter() - t0
            await conn.execute("VACUUM ANALYZE venue_risk")
            rerun_seconds = await best_of(3, recompute)
            again = await recompute()
            # the flags the home page counts, as the nightly checks leave them
            pool = await create_pool(url, max_size=2)
            try:
                await run_checks(conn, settings, pool=pool)
            finally:
                await pool.close()
            await conn.execute("VACUUM ANALYZE")
            officer = await create_user(
                conn, email="bench@officer.test", role="officer", display_name="Bench"
            )
            await conn.execute(
                "INSERT INTO visits (venue_id, officer_id, planned_on)"
                " SELECT id, $1, $2 FROM venues ORDER BY id LIMIT 6",
                officer,
                today,
            )
            session = await create_session(conn, officer, absolute=timedelta(hours=1))
            bands = {
                r["band"]: r["n"]
                for r in await conn.fetch(
                    "SELECT band, count(*)::int AS n FROM venue_risk GROUP BY band"
                )
            }
        finally:
            await conn.close()

        # one line per request would bury the figures
        for name in ("httpx", "nte.request"):
            logging.getLogger(name).setLevel(logging.WARNING)
        app = create_app(settings, url, pool_size=2)
        app.state.pool = await create_pool(url, max_size=2)
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
                base_url="http://bench.local",
            ) as client:
                client.cookies.set(SESSION_COOKIE, session, domain="bench.local")
                answer = await client.get("/")  # warm: templates compiled, statements prepared
                assert answer.status_code == 200, answer.text[:200]

                async def home() -> None:
                    await client.get("/")

                home_seconds = await best_of(5, home)
        finally:
            await app.state.pool.close()
    return DashboardBenchmark(
        venues=venues,
        incidents=incidents,
        generate_seconds=generated,
        scan_seconds=scan,
        recompute_first_seconds=first_seconds,
        recompute_rerun_seconds=rerun_seconds,
        rated=first.rated,  # type: ignore[attr-defined]
        rerun_writes=again.rated + again.band_changes,  # type: ignore[attr-defined]
        home_seconds=home_seconds,
        home_bytes=len(answer.content),
        bands=bands,
    )


def run(server_url: str, settings: Settings, venues: int, incidents: int) -> DashboardBenchmark:
    return asyncio.run(_measure(server_url, settings, venues, incidents))

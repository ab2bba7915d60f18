"""What does the read audit cost a list? ``nte bench reads --incidents 200``.

In a scratch database, two venues hold the same number of incidents, identical but for
one thing: at one venue every incident is sensitive, at the other none is. A real server
(``nte serve``, one process, on a loopback port) is asked by an officer for each venue's
list (``GET /api/v1/venues/{id}/incidents?limit=N``) in turn, one request at a time.
Both requests run the same query and send the same amount of JSON; only the sensitive
list writes access rows (one INSERT of N rows), so the difference between the two is
the cost of the read audit.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import statistics
import subprocess
import sys
import time

import httpx
import msgspec

from bench.http import server_stop
from nte.accounts import create_user
from nte.auth.store import create_api_token
from nte.db import connect
from nte.scratch import scratch_database

__all__ = ["ReadsBenchmark", "run"]


class ReadsBenchmark(msgspec.Struct):
    incidents: int
    rounds: int
    without_ms: list[float]
    with_ms: list[float]
    rows_written: int
    rows_expected: int

    def report(self) -> list[str]:
        def line(name: str, times: list[float]) -> str:
            times = sorted(times)
            return (
                f"{name}: median {statistics.median(times):6.2f} ms, "
                f"p90 {times[int(len(times) * 0.9)]:6.2f} ms"
            )

        without, with_ = statistics.median(self.without_ms), statistics.median(self.with_ms)
        return [
            f"list of {self.incidents} incidents, GET /api/v1/venues/{{id}}/incidents"
            f"?limit={self.incidents}, {self.rounds} rounds (one officer, one request at a time, "
            "one uvicorn process)",
            line("without the read audit (no sensitive incident)", self.without_ms),
            line(f"with the read audit ({self.incidents} sensitive)        ", self.with_ms),
            f"cost of the read audit: {with_ - without:+.2f} ms a request "
            f"({self.rows_written:,} access rows written, {self.rows_expected:,} expected)",
            f"ratio: {with_ / without:.2f}",
        ]


_INCIDENTS = """
    INSERT INTO incidents (venue_id, occurred_at, category, severity, source, description,
                           sensitive, generated)
    SELECT $1, now() - make_interval(hours => n), 'vulnerable_person', 'medium', 'venue',
           'Young woman alone and unwell by the bar; staff called her sister and waited with '
           || 'her until she was collected. Reference ' || n, $2, true
    FROM generate_series(1, $3::int) n
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _measure(server_url: str, incidents: int, rounds: int) -> ReadsBenchmark:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    async with scratch_database(server_url) as url:
        conn = await connect(url)
        try:
            add = "INSERT INTO venues (name) VALUES ($1) RETURNING id"
            plain = await conn.fetchval(add, "Bench plain")
            sensitive = await conn.fetchval(add, "Bench sensitive")
            await conn.execute(_INCIDENTS, plain, False, incidents)
            await conn.execute(_INCIDENTS, sensitive, True, incidents)
            await conn.execute("VACUUM ANALYZE")
            officer = await create_user(conn, email="bench@example.org", role="officer")
            token = await create_api_token(conn, officer, "benchmark")
            port = _free_port()
            env = {**os.environ, "DATABASE_URL": url, "NTE_SCHEDULER": "off"}
            # Started once, before the clock runs: blocking here costs the measurement nothing.
            server = subprocess.Popen(  # noqa: S603, ASYNC220
                [sys.executable, "-m", "nte", "serve", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                async with httpx.AsyncClient(
                    base_url=f"http://127.0.0.1:{port}",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=30,
                ) as client:
                    for _ in range(100):
                        try:
                            if (await client.get("/healthz")).status_code == 200:
                                break
                        except httpx.TransportError:
                            await asyncio.sleep(0.1)

                    async def timed(venue_id: int) -> float:
                        t0 = time.perf_counter()
                        r = await client.get(
                            f"/api/v1/venues/{venue_id}/incidents", params={"limit": incidents}
                        )
                        took = (time.perf_counter() - t0) * 1000
                        if r.status_code != 200 or len(r.json()["items"]) != incidents:
                            raise RuntimeError(f"the list answered {r.status_code}: {r.text[:200]}")
                        return took

                    for _ in range(20):  # warm up: plans cached, pool connections open
                        await timed(plain)
                        await timed(sensitive)
                    before = await conn.fetchval("SELECT count(*) FROM access_log")
                    without_ms, with_ms = [], []
                    for n in range(rounds):
                        # Alternate the order, so neither side always follows the other.
                        if n % 2:
                            without_ms.append(await timed(plain))
                            with_ms.append(await timed(sensitive))
                        else:
                            with_ms.append(await timed(sensitive))
                            without_ms.append(await timed(plain))
                    written = await conn.fetchval("SELECT count(*) FROM access_log") - before
            finally:
                await server_stop(server)
        finally:
            await conn.close()
    return ReadsBenchmark(
        incidents=incidents,
        rounds=rounds,
        without_ms=without_ms,
        with_ms=with_ms,
        rows_written=written,
        rows_expected=rounds * incidents,
    )


def run(server_url: str, incidents: int = 200, rounds: int = 200) -> ReadsBenchmark:
    return asyncio.run(_measure(server_url, incidents, rounds))

"""Request rates of a real server: GET /api/v1/venues/{id} against /healthz, in one run.

Starts ``nte serve`` (uvicorn, one process) on a loopback port over a scratch database
with the demo borough, then drives it from this process with httpx over keep-alive
connections, a fixed number of requests at a fixed concurrency, and reports requests per
second for both paths: the ratio says what the database, the session lookup and the
serialisation cost on top of the bare framework.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import time

import httpx
import msgspec

from nte.accounts import create_user
from nte.auth.store import create_api_token
from nte.db import connect
from nte.scratch import scratch_database

__all__ = ["HttpBenchmark", "run"]


class HttpBenchmark(msgspec.Struct):
    requests: int
    concurrency: int
    healthz_rps: float
    venue_rps: float
    venue_p50_ms: float
    venue_p99_ms: float
    tool: str = "httpx"

    def report(self) -> list[str]:
        load = f"{self.requests:,} requests per path" if self.tool == "httpx" else "5 s per path"
        return [
            f"load: {load}, {self.concurrency} at a time, {self.tool} in another process "
            "(httpx in this one when wrk is missing), server: one uvicorn process",
            f"GET /healthz:             {self.healthz_rps:8,.0f} requests/s",
            f"GET /api/v1/venues/{{id}}: {self.venue_rps:8,.0f} requests/s "
            f"(p50 {self.venue_p50_ms:.1f} ms, p99 {self.venue_p99_ms:.1f} ms) "
            f"= {self.venue_rps / self.healthz_rps:.2f} x /healthz",
        ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _drive(
    client: httpx.AsyncClient, paths: list[str], concurrency: int, headers: dict[str, str]
) -> tuple[float, list[float]]:
    queue = list(paths)
    latencies: list[float] = []

    async def worker() -> None:
        while queue:
            path = queue.pop()
            t0 = time.perf_counter()
            response = await client.get(path, headers=headers)
            latencies.append(time.perf_counter() - t0)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(paths) / (time.perf_counter() - started), sorted(latencies)


async def server_stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    await asyncio.to_thread(server.wait, 10)


async def _wrk(url: str, concurrency: int, headers: dict[str, str]) -> tuple[float, float, float]:
    """Requests per second, median and 99th-percentile latency (ms) from wrk."""
    args = ["wrk", "-t2", f"-c{concurrency}", "-d5s", "--latency", url]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    proc = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.PIPE)
    out = (await proc.communicate())[0].decode()
    if "Non-2xx" in out:
        raise RuntimeError(f"{url} answered errors under load:\n{out}")

    def ms(label: str) -> float:
        m = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert m, out
        return float(m[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m[2]]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert rps, out
    return float(rps[1]), ms("50%"), ms("99%")


async def _measure(server_url: str, requests: int, concurrency: int) -> HttpBenchmark:
    from venues.demo import load_demo

    async with scratch_database(server_url) as url:
        conn = await connect(url)
        try:
            await load_demo(conn, progress=False)
            user = await create_user(conn, email="bench@example.org", role="officer")
            token = await create_api_token(conn, user, "benchmark")
            ids = [r["id"] for r in await conn.fetch("SELECT id FROM venues ORDER BY id")]
        finally:
            await conn.close()
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
            base = f"http://127.0.0.1:{port}"
            limits = httpx.Limits(
                max_connections=concurrency, max_keepalive_connections=concurrency
            )
            async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
                for _ in range(100):
                    try:
                        if (await client.get("/healthz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        await asyncio.sleep(0.1)
                auth = {"Authorization": f"Bearer {token}"}
                warm = [f"/api/v1/venues/{ids[i % len(ids)]}" for i in range(200)]
                await _drive(client, warm, concurrency, auth)
                if shutil.which("wrk"):
                    # A load generator in C: Python's own client would be the bottleneck.
                    health = await _wrk(f"{base}/healthz", concurrency, {})
                    venue = await _wrk(f"{base}/api/v1/venues/{ids[0]}", concurrency, auth)
                    await server_stop(server)
                    return HttpBenchmark(
                        requests=requests,
                        concurrency=concurrency,
                        healthz_rps=health[0],
                        venue_rps=venue[0],
                        venue_p50_ms=venue[1],
                        venue_p99_ms=venue[2],
                        tool="wrk",
                    )
                health_rps, _ = await _drive(client, ["/healthz"] * requests, concurrency, {})
                venue_paths = [f"/api/v1/venues/{ids[i % len(ids)]}" for i in range(requests)]
                venue_rps, lat = await _drive(client, venue_paths, concurrency, auth)
        finally:
            if server.poll() is None:
                await server_stop(server)
    return HttpBenchmark(
        requests=requests,
        concurrency=concurrency,
        healthz_rps=health_rps,
        venue_rps=venue_rps,
        venue_p50_ms=lat[len(lat) // 2] * 1000,
        venue_p99_ms=lat[int(len(lat) * 0.99)] * 1000,
    )


def run(server_url: str, requests: int = 3000, concurrency: int = 16) -> HttpBenchmark:
    return asyncio.run(_measure(server_url, requests, concurrency))

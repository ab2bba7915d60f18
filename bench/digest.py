"""How much does the outbox cost over plain SMTP, for a Monday's digests?

``nte bench digest --recipients 2000`` makes a borough and that many people (officers,
partners, and venue managers of one or two venues each) in a scratch database, starts an
SMTP server (aiosmtpd) on loopback in a process of its own, and times, in the same run:

- the digest: build every person's digest, queue it in the outbox, and drain the outbox
  over ``--connections`` SMTP connections (``nte digest send``'s whole path);
- the baseline: the same messages, already built, sent with plain aiosmtplib over the same
  number of connections, nothing else.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time

import aiosmtplib
import msgspec

from inspections.digest.service import last_full_week, send_week
from nte.clock import now
from nte.db import connect, create_pool
from nte.outbox import drain
from nte.scratch import scratch_database
from nte.settings import Settings

__all__ = ["DigestBenchmark", "run"]

TARGET_RATIO = 1.5

# The SMTP server, in its own process so that it does not share this one's interpreter lock.
_SINK = """
import asyncio, sys
from aiosmtpd.controller import Controller

class Sink:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"

controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
"""

_GENERATE = [
    "SELECT setseed(0.2026)",
    """INSERT INTO venues (name, venue_type, capacity, licensable_activities, generated)
       SELECT 'Bench venue ' || n, (ARRAY['pub', 'bar', 'nightclub'])[1 + n % 3],
              60 + (n * 37) % 900, '{sale_of_alcohol}', true
       FROM generate_series(1, $1::int) n""",
    """INSERT INTO staff (venue_id, name, role, front_of_house, sia_licence_no, sia_expires_on)
       SELECT v.id, 'Person ' || v.id || '-' || k,
              CASE WHEN k = 1 THEN 'dps' WHEN k IN (2, 3) THEN 'door_supervisor' ELSE 'bar' END,
              k > 1,
              CASE WHEN k IN (2, 3) THEN lpad((v.id * 10 + k)::text, 16, '1') END,
              CASE WHEN k IN (2, 3) THEN current_date + ((v.id * 7 + k * 131) % 400 - 30)::int END
       FROM venues v CROSS JOIN generate_series(1, 8) k""",
    """INSERT INTO training (venue_id, staff_id, course, completed_on, expires_on)
       SELECT s.venue_id, s.id, c.course, d.done, d.done + interval '12 months'
       FROM staff s
       CROSS JOIN (VALUES ('wave'), ('ask_for_angela')) c(course)
       CROSS JOIN LATERAL (SELECT current_date - ((s.id * 13 + length(c.course) * 29) % 380)::int AS done) d
       WHERE s.front_of_house""",
    """INSERT INTO monthly_returns (venue_id, period, refusals, incidents_unreported,
                                    angela_activations, door_staff_hours, cctv_checks)
       SELECT v.id, m::date, 3, 0, 0, 20, 4
       FROM venues v
       CROSS JOIN generate_series(date_trunc('month', current_date - interval '13 months'),
                                  date_trunc('month', current_date - interval '1 month'),
                                  interval '1 month') m
       WHERE (v.id * 7 + extract(month FROM m)::int * 13) % 11 <> 0""",
    """INSERT INTO test_purchases (venue_id, attempted_on, agency, outcome, generated)
       SELECT v.id, current_date - (v.id % 9)::int, 'Kent Trading Standards',
              CASE WHEN v.id % 7 = 0 THEN 'fail' ELSE 'pass' END, true
       FROM venues v""",
    """INSERT INTO angela_tests (venue_id, tested_on, tester_organisation, outcome, generated)
       SELECT v.id, current_date - ((v.id * 17) % 40)::int, 'Kent Police',
              CASE WHEN v.id % 4 = 0 THEN 'fail' ELSE 'pass' END, true
       FROM venues v""",
    """INSERT INTO incidents (venue_id, occurred_at, category, severity, source, description,
                              generated, created_at)
       SELECT 1 + (n * 7919) % $1::int, now() - make_interval(hours => (n * 37) % 840),
              (ARRAY['violence', 'asb', 'theft', 'drugs'])[1 + n % 4], 'medium', 'police',
              'Made up for the benchmark', true, now() - make_interval(hours => (n * 37) % 840)
       FROM generate_series(1, $1::int * 4) n""",
    """INSERT INTO flags (venue_id, rule, cause_key, severity, explanation, opened_at)
       SELECT v.id, (ARRAY['violence_cluster', 'underage_sale', 'sia_expiring'])[1 + v.id % 3],
              'bench:' || v.id, 'high', 'Made up for the benchmark', now() - interval '2 days'
       FROM venues v WHERE v.id % 5 = 0""",
    """INSERT INTO visits (venue_id, officer_id, planned_on)
       SELECT v.id, (SELECT min(id) FROM users WHERE role = 'officer'),
              current_date + (v.id % 10)::int - 3
       FROM venues v WHERE v.id % 6 = 0""",
    """WITH i AS (
         INSERT INTO inspections (venue_id, client_uuid, fingerprint, completed_at, outcome)
         SELECT v.id, gen_random_uuid(), '\\x00', now() - interval '20 days', 'minor'
         FROM venues v WHERE v.id % 2 = 0 RETURNING id, venue_id)
       INSERT INTO actions (inspection_id, venue_id, item, severity, description, due_on)
       SELECT i.id, i.venue_id, 'Refusals log kept', 'minor', 'Keep the log',
              current_date + (i.venue_id % 20)::int - 10
       FROM i""",
]

# People: one in twenty an officer, three in twenty partners, the rest venue managers of one
# venue, or two for every fourth of them.
_PEOPLE = [
    """INSERT INTO users (email, display_name, role)
       SELECT 'person' || n || '@bench.example', 'Person ' || n,
              CASE WHEN n % 20 = 0 THEN 'officer' WHEN n % 20 IN (1, 2, 3) THEN 'partner'
                   ELSE 'venue_manager' END
       FROM generate_series(1, $1::int) n""",
    """INSERT INTO user_venues (user_id, venue_id)
       SELECT u.id, 1 + (u.id * 13) % $1::int FROM users u WHERE u.role = 'venue_manager'
       UNION
       SELECT u.id, 1 + (u.id * 17 + 5) % $1::int FROM users u
       WHERE u.role = 'venue_manager' AND u.id % 4 = 0""",
]


class DigestBenchmark(msgspec.Struct):
    recipients: int
    venues: int
    connections: int
    build_seconds: float
    drain_seconds: float
    baseline_seconds: float
    sent: int
    largest_bytes: int
    mean_bytes: float

    @property
    def outbox_seconds(self) -> float:
        return self.build_seconds + self.drain_seconds

    def report(self) -> list[str]:
        ratio = self.outbox_seconds / self.baseline_seconds
        return [
            f"digests: {self.recipients:,} people over {self.venues:,} venues, "
            f"{self.connections} SMTP connections to aiosmtpd on loopback",
            f"through the outbox: {self.outbox_seconds:.2f} s (build and queue "
            f"{self.build_seconds:.2f} s, drain {self.drain_seconds:.2f} s), {self.sent:,} sent",
            f"baseline, the same {self.sent:,} prebuilt messages with plain aiosmtplib: "
            f"{self.baseline_seconds:.2f} s",
            f"largest digest: {self.largest_bytes:,} bytes (mean {self.mean_bytes:,.0f})",
            f"ratio: {ratio:.2f} (target <= {TARGET_RATIO:g})",
        ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _baseline(
    port: int, messages: list[tuple[str, bytes]], connections: int, sender: str
) -> float:
    queue = list(messages)

    async def worker() -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
        await client.connect()
        try:
            while queue:
                recipient, message = queue.pop()
                await client.sendmail(sender, [recipient], message)
        finally:
            await client.quit()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return time.perf_counter() - started


async def _measure(
    server_url: str, settings: Settings, recipients: int, connections: int
) -> DigestBenchmark:
    venues = max(50, recipients // 10)
    port = _free_port()
    sink = subprocess.Popen(  # noqa: S603, ASYNC220 (this interpreter, our own script)
        [sys.executable, "-c", _SINK, str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert sink.stdout is not None
        if sink.stdout.readline().strip() != "ready":
            raise RuntimeError("the SMTP server for the benchmark did not start")
        settings = msgspec.structs.replace(
            settings,
            smtp_host="127.0.0.1",
            smtp_port=port,
            mail_connections=connections,
            base_url="https://nte.example",
        )
        async with scratch_database(server_url) as url:
            conn = await connect(url)
            try:
                await conn.execute("SET session_replication_role = replica")  # no audit rows
                await conn.execute(_GENERATE[0])
                await conn.execute(_GENERATE[1], venues)
                await conn.execute(_PEOPLE[0], recipients)
                await conn.execute(_PEOPLE[1], venues)
                for sql in _GENERATE[2:]:
                    await (conn.execute(sql, venues) if "$1" in sql else conn.execute(sql))
                await conn.execute("SET session_replication_role = origin")
                await conn.execute("ANALYZE")
                week = last_full_week(now())
                pool = await create_pool(url, max_size=connections + 1)
                try:
                    started = time.perf_counter()
                    report = await send_week(conn, settings, week)
                    built = time.perf_counter()
                    drained = await drain(pool, settings)
                    finished = time.perf_counter()
                finally:
                    await pool.close()
                assert report.queued == recipients and drained.sent == recipients, (
                    report.line(),
                    drained.line(),
                )
                rows = await conn.fetch("SELECT recipient, message FROM outbox ORDER BY id")
                messages = [(r["recipient"], bytes(r["message"])) for r in rows]
            finally:
                await conn.close()
        baseline = await _baseline(port, messages, connections, settings.mail_from)
        sizes = [len(m) for _, m in messages]
        return DigestBenchmark(
            recipients=recipients,
            venues=venues,
            connections=connections,
            build_seconds=built - started,
            drain_seconds=finished - built,
            baseline_seconds=baseline,
            sent=drained.sent,
            largest_bytes=max(sizes),
            mean_bytes=sum(sizes) / len(sizes),
        )
    finally:
        if sink.stdin is not None:
            sink.stdin.close()
        try:
            sink.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sink.kill()
            sink.wait()
        if sink.stdout is not None:
            sink.stdout.close()


def run(server_url: str, settings: Settings, recipients: int, connections: int) -> DigestBenchmark:
    return asyncio.run(_measure(server_url, settings, recipients, connections))

"""How fast is ``nte import police``? Measured against a plain COPY of the same file.

Runs in a scratch database it creates and drops itself, on the embedded server or the one
``DATABASE_URL`` names, so it never touches real data.
"""

from __future__ import annotations

import asyncio
import csv
import resource
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import msgspec

from nte.db import connect
from nte.migrate import apply_migrations
from venues.police.demo import DEMO_POLICE_FILE
from venues.police.importer import HEADER, import_police

__all__ = ["BenchmarkError", "BenchmarkResult", "build_csv", "run"]

TARGET_RATIO = 2.0


class BenchmarkError(RuntimeError):
    """The benchmark cannot run here (no scratch database allowed); the message says why."""


class BenchmarkResult(msgspec.Struct):
    rows: int
    file_bytes: int
    import_seconds: float
    copy_seconds: float
    imported: int
    peak_rss_mb: float

    @property
    def ratio(self) -> float:
        return self.import_seconds / self.copy_seconds

    def report(self) -> list[str]:
        return [
            f"rows: {self.rows:,} ({self.file_bytes / 1e6:,.0f} MB of CSV)",
            f"(a) nte import police: {self.import_seconds:7.2f} s  "
            f"{self.rows / self.import_seconds:>10,.0f} rows/s  ({self.imported:,} imported)",
            f"(b) plain COPY (text): {self.copy_seconds:7.2f} s  "
            f"{self.rows / self.copy_seconds:>10,.0f} rows/s",
            f"ratio (a)/(b): {self.ratio:.2f} (target <= {TARGET_RATIO:g})",
            f"peak memory of this process: {self.peak_rss_mb:,.0f} MB",
        ]


def build_csv(path: Path, rows: int, source: Path = DEMO_POLICE_FILE) -> int:
    """Write ``rows`` rows by repeating the real file, each copy with fresh crime ids.

    Rows without an id stay without one, so the made-key path is measured too.
    """
    with source.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        real = list(reader)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        written = copy = 0
        while written < rows:
            batch = real[: rows - written]
            # Same length and alphabet as a real id, different in every copy.
            tag = f"{copy:08x}"
            writer.writerows([r[0][:56] + tag, *r[1:]] if r[0] else r for r in batch)
            written += len(batch)
            copy += 1
    return path.stat().st_size


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


async def _measure(server_url: str, path: Path, rows: int) -> tuple[float, float, int]:
    name = f"nte_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    except asyncpg.PostgresError as exc:
        raise BenchmarkError(f"cannot create a scratch database on that server: {exc}") from None
    finally:
        await admin.close()
    try:
        conn = await connect(_with_database(server_url, name))
        try:
            await apply_migrations(conn)
            started = time.perf_counter()
            summary = await import_police(conn, [path], progress=False)
            import_seconds = time.perf_counter() - started

            columns = ", ".join(f'"{c}" text' for c in HEADER)
            await conn.execute(f"CREATE TABLE plain_copy ({columns})")
            try:  # so (b) does not pay for the WAL that (a) left behind
                await conn.execute("CHECKPOINT")
            except asyncpg.InsufficientPrivilegeError:
                pass
            started = time.perf_counter()
            await conn.copy_to_table("plain_copy", source=path, format="csv", header=True)
            copy_seconds = time.perf_counter() - started
            copied = await conn.fetchval("SELECT count(*) FROM plain_copy")
            if copied != rows or summary.new != rows:
                raise BenchmarkError(
                    f"expected {rows:,} rows, the import made {summary.new:,} "
                    f"and the COPY {copied:,}"
                )
        finally:
            await conn.close()
    finally:
        admin = await asyncpg.connect(server_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
    return import_seconds, copy_seconds, summary.new


def run(server_url: str, rows: int) -> BenchmarkResult:
    """Build the file in a temporary folder, measure (a) and (b) in one scratch database."""
    with tempfile.TemporaryDirectory(prefix="nte-bench-") as tmp:
        path = Path(tmp) / f"police_{rows}.csv"
        size = build_csv(path, rows)
        import_seconds, copy_seconds, imported = asyncio.run(_measure(server_url, path, rows))
    return BenchmarkResult(
        rows=rows, file_bytes=size, import_seconds=import_seconds, copy_seconds=copy_seconds,
        imported=imported,
        # Linux reports kilobytes.
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )

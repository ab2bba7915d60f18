"""How fast is ``nte import police``? Measured against a plain COPY of the same file.

Runs in a scratch database (nte.scratch) on the embedded server or the one ``DATABASE_URL``
names, so it never touches real data.
"""

from __future__ import annotations

import asyncio
import csv
import resource
import tempfile
import time
from pathlib import Path

import asyncpg
import msgspec

from nte.db import connect
from nte.scratch import scratch_database
from venues.police.demo import DEMO_POLICE_FILE
from venues.police.importer import HEADER, import_police

__all__ = ["BenchmarkResult", "build_csv", "run"]

TARGET_RATIO = 2.0


class BenchmarkResult(msgspec.Struct):
    rows: int
    file_bytes: int
    import_seconds: float
    import_cpu_seconds: float
    """CPU time of this process during (a): parsing and encoding the rows."""
    copy_seconds: tuple[float, float]
    """(b) before and after (a): other work on the machine moves both, the mean is fairer."""
    imported: int
    peak_rss_mb: float

    @property
    def copy_mean(self) -> float:
        return sum(self.copy_seconds) / 2

    @property
    def ratio(self) -> float:
        return self.import_seconds / self.copy_mean

    def report(self) -> list[str]:
        before, after = self.copy_seconds
        return [
            f"rows: {self.rows:,} ({self.file_bytes / 1e6:,.0f} MB of CSV)",
            f"(a) nte import police: {self.import_seconds:7.2f} s "
            f"{self.rows / self.import_seconds:>10,.0f} rows/s  ({self.imported:,} imported; "
            f"{self.import_cpu_seconds:.1f} s CPU in this process)",
            f"(b) plain COPY (text): {self.copy_mean:7.2f} s "
            f"{self.rows / self.copy_mean:>10,.0f} rows/s  (mean of {before:.2f} s before "
            f"and {after:.2f} s after (a))",
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


async def _plain_copy(conn: asyncpg.Connection, path: Path, table: str) -> float:
    """(b): the file as it is into a bare table of text columns."""
    columns = ", ".join(f'"{c}" text' for c in HEADER)
    await conn.execute(f"CREATE TABLE {table} ({columns})")
    await _checkpoint(conn)
    started = time.perf_counter()
    await conn.copy_to_table(table, source=path, format="csv", header=True)
    return time.perf_counter() - started


async def _checkpoint(conn: asyncpg.Connection) -> None:
    # So that no step pays for the WAL the one before it left behind.
    try:
        await conn.execute("CHECKPOINT")
    except asyncpg.InsufficientPrivilegeError:
        pass


async def _measure(server_url: str, path: Path) -> tuple[float, float, tuple[float, float], int]:
    async with scratch_database(server_url) as url:
        conn = await connect(url)
        try:
            before = await _plain_copy(conn, path, "plain_before")
            await _checkpoint(conn)
            started, cpu = time.perf_counter(), time.process_time()
            summary = await import_police(conn, [path], progress=False)
            import_seconds = time.perf_counter() - started
            import_cpu = time.process_time() - cpu
            after = await _plain_copy(conn, path, "plain_after")
        finally:
            await conn.close()
    return import_seconds, import_cpu, (before, after), summary.new


def run(server_url: str, rows: int) -> BenchmarkResult:
    """Build the file in a temporary folder, then measure (b), (a), (b) in one scratch database."""
    with tempfile.TemporaryDirectory(prefix="nte-bench-") as tmp:
        path = Path(tmp) / f"police_{rows}.csv"
        size = build_csv(path, rows)
        import_seconds, import_cpu, copies, imported = asyncio.run(_measure(server_url, path))
    # A fast import that lost rows would be no result at all.
    if imported != rows:
        raise RuntimeError(f"the import made {imported:,} rows of {rows:,}")
    return BenchmarkResult(
        rows=rows,
        file_bytes=size,
        import_seconds=import_seconds,
        import_cpu_seconds=import_cpu,
        copy_seconds=copies,
        imported=imported,
        # Linux reports kilobytes.
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )

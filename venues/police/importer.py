"""Import data.police.uk street CSV files with COPY: into a staging table and then one upsert
per file, or, into an empty table, straight in with its big indexes built afterwards.

Rows are keyed by their Crime ID. Anti-social behaviour rows have none, so they get a key
made from their content and the number of times that same content appeared before in the
file: a rerun finds the same keys and adds nothing, while two identical reports in one file
(two incidents the police recorded at the same snapped point) stay two crimes.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date
from hashlib import sha256
from itertools import chain, count, repeat
from pathlib import Path
from typing import Any, TextIO

from nte.db import Connection
from nte.progress import Progress
from venues.police.schemas import SHOWN_BAD_LINES, BadRows, ImportSummary

__all__ = ["HEADER", "PoliceFileError", "check_header", "import_police"]

HEADER = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
]
COLUMNS = (
    "crime_key",
    "month",
    "reported_by",
    "falls_within",
    "longitude",
    "latitude",
    "location",
    "lsoa_code",
    "lsoa_name",
    "crime_type",
    "last_outcome",
    "context",
)
_MONTH = re.compile(r"(\d{4})-(\d{2})")
# Read this much text at a time: big enough that the per-chunk work vanishes.
_CHUNK_CHARS = 1 << 22


class PoliceFileError(ValueError):
    """A file that is not a data.police.uk street CSV; nothing was imported."""


def check_header(path: Path) -> None:
    """Raise PoliceFileError unless the file starts with the street files' header."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            first = f.readline(4096)
    except UnicodeDecodeError:
        raise PoliceFileError(f"{path}: not a data.police.uk street CSV (not UTF-8 text)") from None
    except OSError as exc:
        raise PoliceFileError(f"{path}: cannot be read ({exc.strerror})") from None
    if not first.strip():
        raise PoliceFileError(f"{path}: the file is empty, not a data.police.uk street CSV")
    found = next(csv.reader([first]), [])
    if [name.strip() for name in found] != HEADER:
        raise PoliceFileError(
            f"{path}: not a data.police.uk street CSV (its header is "
            f"{','.join(found)[:80]!r}, expected '{','.join(HEADER[:4])},...')"
        )


def _month(raw: str) -> date | None:
    m = _MONTH.fullmatch(raw)
    if m is None or not 1 <= int(m[2]) <= 12 or int(m[1]) < 1:
        return None
    return date(int(m[1]), int(m[2]), 1)


_BAD = ["\x00"]  # stands in for a row the csv module could not read: one column, so skipped
_NUL_LINE = re.compile(r"^.*\x00.*$", re.MULTILINE)


def _without_nul(text: str) -> str:
    # PostgreSQL text cannot hold NUL: a line with one becomes a one-column (so bad) row,
    # reported like any other instead of failing the whole import.
    return _NUL_LINE.sub("\x00", text) if "\x00" in text else text


def _csv_rows(blocks: Iterable[str], line: int) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) read by the csv module; ``line`` lines came before."""
    reader = csv.reader(chain.from_iterable(io.StringIO(b, newline="") for b in blocks))
    while True:
        try:
            for row in reader:
                yield line + reader.line_num, row
            return
        except csv.Error:  # e.g. a stray quote made a field too large
            yield line + reader.line_num, _BAD


class _FileRows:
    """One file's rows as COPY records, counting what it skips and what has no coordinates."""

    def __init__(self, path: Path, bar: Progress) -> None:
        self.path = path
        self.bar = bar
        self.rows = 0
        """Data rows read, bad ones included (blank lines are no rows)."""
        self.unmapped = 0
        self.bad = 0
        self.bad_lines: list[int] = []
        self.months: set[date] = set()
        """The months the file's rows name."""

    def _skip(self, line: int) -> None:
        self.bad += 1
        if len(self.bad_lines) < SHOWN_BAD_LINES:
            self.bad_lines.append(line)

    def _blocks(self, f: TextIO) -> Iterator[str]:
        """The rest of the file in big blocks of whole lines, moving the progress bar."""
        carry = ""
        done = 0
        while chunk := f.read(_CHUNK_CHARS):
            position = f.buffer.tell()
            self.bar.advance(position - done)
            done = position
            text = carry + chunk
            cut = text.rfind("\n") + 1
            text, carry = text[:cut], text[cut:]
            if text:
                yield _without_nul(text)
        if carry:
            yield _without_nul(carry)

    def _numbered_rows(self, f: TextIO) -> Iterator[tuple[int, list[str]]]:
        """(line number, fields) of every line after the header.

        The street files quote nothing, so a block without quotes is split on commas, several
        times faster than the csv module; from the first quote on, the csv module reads the
        rest (a quoted field may hold a comma or run over several lines).
        """
        f.readline()  # the header, checked before the import began
        line = 1
        blocks = self._blocks(f)
        for block in blocks:
            text = block.replace("\r\n", "\n") if "\r" in block else block
            if '"' in text or "\r" in text:
                yield from _csv_rows(chain([text], blocks), line)
                return
            lines = text.split("\n")
            if lines[-1] == "":
                lines.pop()
            yield from zip(count(line + 1), map(str.split, lines, repeat(",")), strict=False)
            line += len(lines)

    def records(self) -> Iterator[tuple[Any, ...]]:
        """The good rows as tuples in COLUMNS order: the hot loop, so locals and few calls."""
        seen_ids: set[str] = set()
        content_repeats: dict[str, int] = {}
        months: dict[str, date] = {}
        lon: float | None
        lat: float | None
        good = unmapped = 0
        skip = self._skip
        line = 1
        try:
            with self.path.open(encoding="utf-8-sig", newline="") as f:
                for line, row in self._numbered_rows(f):
                    if len(row) != 12:
                        if len(row) > 1 or (row and row[0]):  # a blank line is no row at all
                            skip(line)
                        continue
                    (
                        crime_id,
                        month_raw,
                        reported_by,
                        falls_within,
                        lon_raw,
                        lat_raw,
                        location,
                        lsoa_code,
                        lsoa_name,
                        crime_type,
                        outcome,
                        context,
                    ) = row
                    month = months.get(month_raw)
                    if month is None:
                        month = _month(month_raw)
                        if month is None:
                            skip(line)
                            continue
                        months[month_raw] = month
                    if lon_raw or lat_raw:
                        try:
                            x, y = float(lon_raw), float(lat_raw)
                        except ValueError:  # one of the two missing, or not a number
                            skip(line)
                            continue
                        if not (-180.0 <= x <= 180.0 and -90.0 <= y <= 90.0):  # NaN fails too
                            skip(line)
                            continue
                        lon, lat = x, y
                    else:
                        lon = lat = None
                        unmapped += 1
                    if crime_id:
                        key = crime_id
                        if key in seen_ids:
                            key = _repeated_id(crime_id, seen_ids)
                        seen_ids.add(key)
                    else:
                        content = "\x1f".join(row)
                        n = content_repeats[content] = content_repeats.get(content, 0) + 1
                        key = "made:" + sha256(f"{content}\x1f{n}".encode()).hexdigest()
                    good += 1
                    yield (
                        key,
                        month,
                        reported_by,
                        falls_within,
                        lon,
                        lat,
                        location,
                        lsoa_code,
                        lsoa_name,
                        crime_type,
                        outcome,
                        context,
                    )
        except UnicodeDecodeError:
            raise PoliceFileError(
                f"{self.path}: line {_undecodable_line(self.path)} is not UTF-8 text"
            ) from None
        finally:
            self.rows = good + self.bad
            self.unmapped = unmapped
            self.months = set(months.values())


def _undecodable_line(path: Path) -> int:
    """The line of the first byte that is not UTF-8 (the file was read in big blocks)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return line + chunk.count(b"\n", 0, max(exc.start, 0))
            line += chunk.count(b"\n")
    return line


def _repeated_id(crime_id: str, seen: set[str]) -> str:
    """The key of a Crime ID met again in the same file: "<id>#2", "#3"...

    Kent's November 2022 file has one id twice, for two thefts in different streets: both
    are kept (the police's ids are hashes, and sometimes collide).
    """
    n = 2
    while f"{crime_id}#{n}" in seen:
        n += 1
    return f"{crime_id}#{n}"


_STAGING = """
CREATE TEMPORARY TABLE police_staging (
    crime_key text COLLATE "C", month date, reported_by text, falls_within text,
    longitude double precision, latitude double precision, location text, lsoa_code text,
    lsoa_name text, crime_type text, last_outcome text, context text
)
"""

_FIELDS = ", ".join(COLUMNS)
_DATA = COLUMNS[1:]


def _row(alias: str) -> str:
    return "(" + ", ".join(f"{alias}.{c}" for c in _DATA) + ")"


_UPSERT = f"""
WITH written AS (
    INSERT INTO police_crimes AS p ({_FIELDS})
    SELECT {", ".join("s." + c for c in COLUMNS)}
    FROM police_staging s LEFT JOIN police_crimes old ON old.crime_key = s.crime_key
    -- Unchanged rows are left out before the upsert: ON CONFLICT DO UPDATE would lock, and
    -- so write, every row it meets even when its WHERE keeps it from updating one.
    WHERE old.crime_key IS NULL OR {_row("old")} IS DISTINCT FROM {_row("s")}
    ON CONFLICT (crime_key) DO UPDATE SET
        ({", ".join(_DATA)}, imported_at) = ({", ".join("EXCLUDED." + c for c in _DATA)}, now())
    WHERE {_row("p")} IS DISTINCT FROM {_row("EXCLUDED")}
    RETURNING (xmax = 0) AS created
)
SELECT count(*) FILTER (WHERE created) AS new, count(*) FILTER (WHERE NOT created) AS updated
FROM written
"""


# Built after a first load rather than kept up row by row: measured on a million rows, each
# costs over twice as much server time to maintain during the COPY as to build afterwards.
# (The unmapped index holds few rows and is kept.)
_REBUILT = ("police_crimes_pkey", "police_crimes_position_idx")
# Their definitions as the migrations made them, to drop and make again.
_INDEXES = """
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS index_sql,
       c.conname AS constraint_name, pg_get_constraintdef(c.oid) AS constraint_sql
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
WHERE i.indrelid = 'police_crimes'::regclass AND ic.relname = ANY($1::text[])
ORDER BY c.conname IS NULL  -- the primary key first
"""


async def _load_into_empty_table(conn: Connection, file_rows: _FileRows) -> int | None:
    """COPY straight into the empty table with its big indexes dropped, then build them.

    The way pg_restore loads: no staging copy, and each index built once from all the rows.
    Keys are unique within a file by construction, so nothing can conflict. The lock keeps
    readers waiting for the few seconds it takes (they would find nothing anyway). None when
    another import filled the table first.
    """
    await conn.execute("LOCK TABLE police_crimes IN ACCESS EXCLUSIVE MODE")
    if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM police_crimes)"):
        return None
    indexes = await conn.fetch(_INDEXES, list(_REBUILT))
    for ix in indexes:
        if ix["constraint_name"]:
            await conn.execute(
                f'ALTER TABLE police_crimes DROP CONSTRAINT "{ix["constraint_name"]}"'
            )
        else:
            await conn.execute(f"DROP INDEX {ix['name']}")
    status = await conn.copy_records_to_table(
        "police_crimes", records=file_rows.records(), columns=COLUMNS
    )
    # Sort in memory rather than on disk; for this transaction only.
    await conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for ix in indexes:
        if ix["constraint_name"]:
            await conn.execute(
                f'ALTER TABLE police_crimes ADD CONSTRAINT "{ix["constraint_name"]}" '
                f"{ix['constraint_sql']}"
            )
        else:
            await conn.execute(ix["index_sql"])
    return int(status.split()[-1])


async def _upsert(conn: Connection, file_rows: _FileRows) -> tuple[int, int]:
    """COPY into the staging table, then one upsert: (new, updated)."""
    await conn.execute(_STAGING)
    await conn.copy_records_to_table("police_staging", records=file_rows.records(), columns=COLUMNS)
    await conn.execute("ANALYZE police_staging")  # so the join is planned for its real size
    counts = await conn.fetchrow(_UPSERT)
    await conn.execute("DROP TABLE police_staging")
    return counts["new"], counts["updated"]


async def import_police(
    conn: Connection, paths: list[Path], *, progress: bool = True
) -> ImportSummary:
    """Import the files in order, all or nothing; a later file's row updates an earlier one's.

    Every header is checked before anything is read, so one wrong file imports nothing.
    """
    for path in paths:
        check_header(path)
    rows = new = updated = unmapped = skipped = 0
    bad: list[BadRows] = []
    size = sum(p.stat().st_size for p in paths)
    with Progress("Importing police data (bytes)", size, show=progress) as bar:
        async with conn.transaction():
            # One import at a time: two first loads into the empty table would otherwise
            # each wait for the other's lock.
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext('nte import police'))")
            for path in paths:
                # One file at a time, so a key repeated across files is an update, not a
                # conflict inside one statement.
                file_rows = _FileRows(path, bar)
                written = None
                if not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM police_crimes)"):
                    written = await _load_into_empty_table(conn, file_rows)
                if written is None:
                    file_new, file_updated = await _upsert(conn, file_rows)
                else:
                    file_new, file_updated = written, 0
                await conn.execute(
                    "INSERT INTO police_months (month) SELECT unnest($1::date[]) "
                    "ON CONFLICT DO NOTHING",
                    sorted(file_rows.months),
                )
                rows += file_rows.rows
                new += file_new
                updated += file_updated
                unmapped += file_rows.unmapped
                skipped += file_rows.bad
                if file_rows.bad:
                    bad.append(BadRows(str(path), file_rows.bad_lines, file_rows.bad))
    return ImportSummary(
        files=len(paths),
        rows=rows,
        new=new,
        updated=updated,
        unchanged=rows - skipped - new - updated,
        unmapped=unmapped,
        skipped=skipped,
        bad=bad,
    )

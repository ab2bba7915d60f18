"""Import data.police.uk street CSV files: COPY into a staging table, then one upsert per file.

Rows are keyed by their Crime ID. Anti-social behaviour rows have none, so they get a key
made from their content and the number of times that same content appeared before in the
file: a rerun finds the same keys and adds nothing, while two identical reports in one file
(two incidents the police recorded at the same snapped point) stay two crimes.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import date
from hashlib import sha256
from pathlib import Path
from typing import Any, TextIO

from nte.db import Connection
from nte.progress import Progress
from venues.police.schemas import SHOWN_BAD_LINES, BadRows, ImportSummary

__all__ = ["HEADER", "PoliceFileError", "check_header", "import_police", "read_rows"]

HEADER = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]
COLUMNS = (
    "crime_key", "month", "reported_by", "falls_within", "longitude", "latitude", "location",
    "lsoa_code", "lsoa_name", "crime_type", "last_outcome", "context",
)
_MONTH = re.compile(r"(\d{4})-(\d{2})")
# Lines handed to the csv module at a time: big enough that the per-chunk work vanishes.
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


class _FileRows:
    """One file's rows as COPY records, counting what it skips and what has no coordinates."""

    def __init__(self, path: Path, bar: Progress) -> None:
        self.path = path
        self.bar = bar
        self.rows = 0
        self.unmapped = 0
        self.bad_lines: list[int] = []
        self.bad = 0
        self._nul = False

    def _skip(self, line: int) -> None:
        self.bad += 1
        if len(self.bad_lines) < SHOWN_BAD_LINES:
            self.bad_lines.append(line)

    def _lines(self, f: TextIO) -> Iterator[str]:
        done = 0
        while chunk := f.readlines(_CHUNK_CHARS):
            # PostgreSQL text cannot hold NUL; rows with one are skipped rather than
            # failing the whole import. Looked for once per chunk, not per row.
            self._nul = self._nul or "\x00" in "".join(chunk)
            position = f.buffer.tell()  # type: ignore[attr-defined]
            self.bar.advance(position - done)
            done = position
            yield from chunk

    def records(self) -> Iterator[tuple[Any, ...]]:
        """The good rows as tuples in COLUMNS order; the hot loop of the import."""
        seen_ids: set[str] = set()
        id_repeats: dict[str, int] = {}
        content_repeats: dict[str, int] = {}
        months: dict[str, date] = {}
        try:
            with self.path.open(encoding="utf-8-sig", newline="") as f:
                reader = csv.reader(self._lines(f))
                next(reader, None)  # the header, checked before the import began
                while True:
                    try:
                        for row in reader:
                            if len(row) != 12:
                                if row:  # a blank line is no row at all
                                    self.rows += 1
                                    self._skip(reader.line_num)
                                continue
                            self.rows += 1
                            (crime_id, month_raw, reported_by, falls_within, lon_raw, lat_raw,
                             location, lsoa_code, lsoa_name, crime_type, outcome, context) = row
                            if self._nul and "\x00" in "".join(row):
                                self._skip(reader.line_num)
                                continue
                            month = months.get(month_raw)
                            if month is None:
                                month = _month(month_raw)
                                if month is None:
                                    self._skip(reader.line_num)
                                    continue
                                months[month_raw] = month
                            lon: float | None = None
                            lat: float | None = None
                            if lon_raw or lat_raw:
                                try:
                                    lon, lat = float(lon_raw), float(lat_raw)
                                except ValueError:  # one of the two missing, or not a number
                                    self._skip(reader.line_num)
                                    continue
                                # Written so that NaN fails it too.
                                if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
                                    self._skip(reader.line_num)
                                    continue
                            else:
                                self.unmapped += 1
                            if crime_id:
                                key = crime_id
                                if crime_id in seen_ids:
                                    # The same Crime ID twice in one file (Kent, November 2022,
                                    # has one, for two thefts in different streets): both kept.
                                    n = id_repeats[crime_id] = id_repeats.get(crime_id, 1) + 1
                                    key = f"{crime_id}#{n}"
                                else:
                                    seen_ids.add(crime_id)
                            else:
                                content = "\x1f".join(row)
                                n = content_repeats[content] = content_repeats.get(content, 0) + 1
                                key = "made:" + sha256(f"{content}\x1f{n}".encode()).hexdigest()
                            yield (key, month, reported_by, falls_within, lon, lat, location,
                                   lsoa_code, lsoa_name, crime_type, outcome, context)
                        break
                    except csv.Error:  # e.g. a stray quote made a field too large
                        self.rows += 1
                        self._skip(reader.line_num)
        except UnicodeDecodeError as exc:
            raise PoliceFileError(
                f"{self.path}: not UTF-8 text (byte {exc.start} of a block near line "
                f"{self.rows + 1})"
            ) from None


def read_rows(path: Path) -> tuple[list[tuple[Any, ...]], _FileRows]:
    """Every good row of one file and the file's counts, without a database (for tests)."""
    with Progress("", None, show=False) as bar:
        rows = _FileRows(path, bar)
        return list(rows.records()), rows


_STAGING = """
CREATE TEMPORARY TABLE police_staging (
    crime_key text, month date, reported_by text, falls_within text,
    longitude double precision, latitude double precision, location text, lsoa_code text,
    lsoa_name text, crime_type text, last_outcome text, context text
) ON COMMIT DROP
"""

_FIELDS = ", ".join(COLUMNS)
_CHANGED = ", ".join(COLUMNS[1:])
_UPSERT = f"""
WITH written AS (
    INSERT INTO police_crimes AS p ({_FIELDS})
    SELECT {_FIELDS} FROM police_staging
    ON CONFLICT (crime_key) DO UPDATE SET
        ({_CHANGED}, imported_at) =
        ({", ".join("EXCLUDED." + c for c in COLUMNS[1:])}, now())
    -- An unchanged row is left alone: a rerun writes nothing.
    WHERE ({", ".join("p." + c for c in COLUMNS[1:])})
          IS DISTINCT FROM ({", ".join("EXCLUDED." + c for c in COLUMNS[1:])})
    RETURNING (xmax = 0) AS created
)
SELECT count(*) FILTER (WHERE created) AS new, count(*) FILTER (WHERE NOT created) AS updated
FROM written
"""


async def import_police(
    conn: Connection, paths: list[Path], *, progress: bool = True
) -> ImportSummary:
    """Import the files in order, all or nothing; a later file's row updates an earlier one's.

    Every header is checked before anything is read, so one wrong file imports nothing.
    """
    for path in paths:
        check_header(path)
    total = rows = new = updated = unmapped = skipped = 0
    bad: list[BadRows] = []
    size = sum(p.stat().st_size for p in paths)
    with Progress("Importing police data (bytes)", size, show=progress) as bar:
        async with conn.transaction():
            await conn.execute(_STAGING)
            for path in paths:
                file_rows = _FileRows(path, bar)
                await conn.copy_records_to_table(
                    "police_staging", records=file_rows.records(), columns=COLUMNS
                )
                counts = await conn.fetchrow(_UPSERT)
                # One file at a time, so a key repeated across files is an update, not a
                # conflict inside one statement.
                await conn.execute("TRUNCATE police_staging")
                rows += file_rows.rows
                total += file_rows.rows - file_rows.bad
                new += counts["new"]
                updated += counts["updated"]
                unmapped += file_rows.unmapped
                skipped += file_rows.bad
                if file_rows.bad:
                    bad.append(BadRows(str(path), file_rows.bad_lines, file_rows.bad))
    return ImportSummary(
        files=len(paths), rows=rows, new=new, updated=updated,
        unchanged=total - new - updated, unmapped=unmapped, skipped=skipped, bad=bad,
    )

"""CSV for the exports: cells a spreadsheet would run as a formula made inert, rows in chunks."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from typing import Any

import msgspec

__all__ = ["CHUNK_ROWS", "FORMULA_STARTS", "columns", "csv_chunks", "neutralise"]

# A cell starting with one of these is read as a formula by Excel, LibreOffice and Sheets
# (tab and carriage return too: some of them skip leading whitespace before looking).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CHUNK_ROWS = 500
"""Rows encoded per chunk sent: memory holds one chunk, however long the export."""


def columns(struct: type[msgspec.Struct]) -> list[str]:
    """The CSV header: the field names the API answers."""
    return [f.encode_name for f in msgspec.structs.fields(struct)]


def neutralise(value: Any) -> str:
    """A cell as text; text that would start a formula gets a leading apostrophe, which
    spreadsheets show as text and hide. Numbers stay numbers: -0.52 is a longitude."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | dict):
        value = msgspec.json.encode(value).decode()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


async def csv_chunks(
    columns: Sequence[str], rows: AsyncIterable[msgspec.Struct]
) -> AsyncIterator[bytes]:
    """The header, then the rows as CSV (UTF-8, CRLF as RFC 4180 says), a chunk at a time.
    Each row is the Struct the API would answer, as the API would encode it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    count = 0
    async for row in rows:
        data = msgspec.to_builtins(row)
        writer.writerow([neutralise(data.get(c)) for c in columns])
        count += 1
        if count % CHUNK_ROWS == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()

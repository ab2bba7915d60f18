"""Structs for police-recorded crime: the import's summary and a venue's area counts."""

from __future__ import annotations

import msgspec

__all__ = ["ATTRIBUTION", "AreaCrimes", "AreaMonth", "BadRows", "ImportSummary", "TypeCount"]

# The Open Government Licence asks for this wherever the data is shown.
ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0."

SHOWN_BAD_LINES = 10


class BadRows(msgspec.Struct):
    """Rows of one file that were skipped: the first line numbers and how many in all."""

    file: str
    lines: list[int]
    count: int


class ImportSummary(msgspec.Struct):
    files: int
    rows: int
    """Data rows read (bad ones included, blank lines not)."""
    new: int
    updated: int
    unchanged: int
    unmapped: int
    """Rows without coordinates: kept, but they lie near no venue."""
    skipped: int
    bad: list[BadRows]

    def report(self) -> list[str]:
        """The lines ``nte import police`` prints."""
        lines = [
            f"{self.files} file(s), {self.rows:,} rows read: {self.new:,} imported (new), "
            f"{self.updated:,} updated, {self.unchanged:,} unchanged; "
            f"{self.unmapped:,} unmapped (no coordinates, kept); "
            f"{self.skipped:,} bad rows skipped"
        ]
        for b in self.bad:
            shown = ", ".join(map(str, b.lines))
            more = f" (the first {len(b.lines)} of {b.count:,})" if b.count > len(b.lines) else ""
            lines.append(f"  skipped in {b.file}: line{'s' if b.count > 1 else ''} {shown}{more}")
        return lines


class TypeCount(msgspec.Struct):
    crime_type: str
    count: int


class AreaMonth(msgspec.Struct):
    month: str
    """YYYY-MM, as the police files write it."""
    total: int
    by_type: list[TypeCount]
    """Only the types with crimes that month, in the order of ``AreaCrimes.by_type``."""


class AreaCrimes(msgspec.Struct):
    """Police-recorded crimes within a radius of a venue, by month and by type.

    Context for the area, never incidents at the venue: the police snap every location to
    an anonymised point.
    """

    venue_id: int
    radius_metres: int
    latitude: float | None
    longitude: float | None
    located: bool
    """False when the venue has no coordinates: nothing can be counted around it."""
    first_month: str | None
    last_month: str | None
    """The months the imported police data covers (None when none is imported)."""
    months: list[AreaMonth]
    """Every month from ``first_month`` to ``last_month``, quiet months included."""
    by_type: list[TypeCount]
    """Totals per crime type, the most frequent first."""
    total: int
    unmapped: int
    """Crimes of those months without coordinates: not included, they cannot be placed."""
    attribution: str = ATTRIBUTION

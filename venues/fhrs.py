"""Import venues from a Food Standards Agency FHRS XML export: pubs, bars and nightclubs only."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import msgspec

from nte.db import Connection
from nte.progress import Progress

__all__ = ["FhrsError", "FhrsSummary", "FhrsVenue", "import_fhrs", "read_fhrs"]

PUB_BAR_NIGHTCLUB = "7843"  # BusinessTypeID of "Pub/bar/nightclub" in every FHRS export


class FhrsError(ValueError):
    """The file is not a complete FHRS export; nothing was imported."""


class FhrsVenue(msgspec.Struct):
    fhrs_id: int
    name: str
    address: str
    postcode: str
    latitude: float | None
    longitude: float | None
    rating: str | None
    venue_type: str


class FhrsSummary(msgspec.Struct):
    created: int
    updated: int
    unchanged: int
    skipped: int
    """Establishments of other business types (restaurants, shops...)."""


# Members' and sports clubs: "Working Mens Club", "Working Men's Club", "Village Club"...
_MEMBERS_CLUB = re.compile(
    r"\b(working\s*men'?s?|club|social|sports|cricket|football|rugby|golf|bowls|squash|"
    r"snooker|tennis|hockey|scouts?|legion|gym)\b",
    re.IGNORECASE,
)


def guess_venue_type(name: str) -> str:
    """FHRS lumps pubs, bars and nightclubs together; the name is the best first guess."""
    if re.search(r"night\s*club", name, re.IGNORECASE):
        return "nightclub"
    # Before the clubs: a "Sports Bar" is a bar.
    if re.search(r"\bbar\b", name, re.IGNORECASE):
        return "bar"
    if _MEMBERS_CLUB.search(name):
        return "other"
    return "pub"


def _text(element: ET.Element, tag: str) -> str:
    """The element's text with runs of whitespace made single ("Clothworkers  Arms")."""
    found = element.find(tag)
    return " ".join((found.text or "").split()) if found is not None else ""


def _coordinate(element: ET.Element, tag: str, fhrs_id: int) -> float | None:
    raw = _text(element, f"Geocode/{tag}")
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise FhrsError(f"establishment {fhrs_id} has an unreadable {tag}: {raw!r}") from None


def read_fhrs(path: Path) -> tuple[list[FhrsVenue], int]:
    """Parse the whole file first, so a broken one imports nothing; return (venues, skipped)."""
    venues: list[FhrsVenue] = []
    skipped = 0
    listed = 0
    promised: int | None = None
    root_seen = False
    try:
        # The file is one the administrator chose; expat >= 2.4.1 refuses entity-expansion bombs.
        for event, element in ET.iterparse(path, events=("start", "end")):  # noqa: S314
            if event == "start":
                if not root_seen:
                    root_seen = True
                    if element.tag != "FHRSEstablishment":
                        raise FhrsError(
                            f"not an FHRS export: the document starts with <{element.tag}>, "
                            "not <FHRSEstablishment>"
                        )
                continue
            if element.tag == "ItemCount" and (element.text or "").strip().isdigit():
                promised = int((element.text or "").strip())
                continue
            if element.tag != "EstablishmentDetail":
                continue
            listed += 1
            raw_id = _text(element, "FHRSID")
            if not raw_id.isdigit():
                raise FhrsError(f"an establishment has no valid FHRSID ({raw_id!r})")
            fhrs_id = int(raw_id)
            if _text(element, "BusinessTypeID") != PUB_BAR_NIGHTCLUB:
                skipped += 1
                element.clear()
                continue
            name = _text(element, "BusinessName")
            if not name:
                raise FhrsError(f"establishment {fhrs_id} has no BusinessName")
            lines = [_text(element, f"AddressLine{i}") for i in range(1, 5)]
            venues.append(
                FhrsVenue(
                    fhrs_id=fhrs_id,
                    name=name,
                    address=", ".join(line for line in lines if line),
                    postcode=_text(element, "PostCode"),
                    latitude=_coordinate(element, "Latitude", fhrs_id),
                    longitude=_coordinate(element, "Longitude", fhrs_id),
                    rating=_text(element, "RatingValue") or None,
                    venue_type=guess_venue_type(name),
                )
            )
            element.clear()
    except ET.ParseError as exc:
        line, column = exc.position
        raise FhrsError(
            f"the file is not complete, well-formed XML (line {line}, column {column})"
        ) from None
    except OSError as exc:
        raise FhrsError(f"cannot read {path}: {exc.strerror}") from None
    if not root_seen:
        raise FhrsError("the file is empty")
    # A cut file that something later closed again still parses: the header gives it away.
    if promised is not None and promised != listed:
        raise FhrsError(
            f"the header promises {promised} establishments but the file lists {listed}"
        )
    # An export lists each establishment once; should one repeat, the last entry wins.
    unique = {v.fhrs_id: v for v in venues}
    return list(unique.values()), skipped


_UPSERT = """
INSERT INTO venues (fhrs_id, name, address, postcode, latitude, longitude, fhrs_rating, venue_type)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[],
                     $5::float8[], $6::float8[], $7::text[], $8::text[])
ON CONFLICT (fhrs_id) DO UPDATE SET
    name = EXCLUDED.name, address = EXCLUDED.address, postcode = EXCLUDED.postcode,
    latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude,
    fhrs_rating = EXCLUDED.fhrs_rating, updated_at = now()
    -- the venue type is an officer's call once the venue exists; the import only guesses it
WHERE (venues.name, venues.address, venues.postcode, venues.latitude, venues.longitude,
       venues.fhrs_rating)
      IS DISTINCT FROM
      (EXCLUDED.name, EXCLUDED.address, EXCLUDED.postcode, EXCLUDED.latitude,
       EXCLUDED.longitude, EXCLUDED.fhrs_rating)
RETURNING (xmax = 0) AS created
"""

BATCH = 500


async def import_fhrs(conn: Connection, path: Path, *, progress: bool = True) -> FhrsSummary:
    """Upsert the file's pubs, bars and nightclubs by FHRS id, all or nothing."""
    venues, skipped = read_fhrs(path)
    created = updated = 0
    with Progress("Importing venues", len(venues), show=progress) as bar:
        async with conn.transaction():
            for start in range(0, len(venues), BATCH):
                chunk = venues[start : start + BATCH]
                rows = await conn.fetch(
                    _UPSERT,
                    [v.fhrs_id for v in chunk],
                    [v.name for v in chunk],
                    [v.address for v in chunk],
                    [v.postcode for v in chunk],
                    [v.latitude for v in chunk],
                    [v.longitude for v in chunk],
                    [v.rating for v in chunk],
                    [v.venue_type for v in chunk],
                )
                created += sum(1 for r in rows if r["created"])
                updated += sum(1 for r in rows if not r["created"])
                bar.advance(len(chunk))
    return FhrsSummary(
        created=created, updated=updated, unchanged=len(venues) - created - updated, skipped=skipped
    )

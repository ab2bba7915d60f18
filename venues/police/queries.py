"""SQL for police-recorded crime around a venue, shared by the API and the area page."""

from __future__ import annotations

import math

from nte.db import Connection
from venues.police.schemas import AreaCrimes, AreaMonth, TypeCount

__all__ = [
    "EARTH_RADIUS_METRES",
    "MAX_RADIUS",
    "MIN_RADIUS",
    "area_crimes",
    "density",
    "distance_metres",
    "months_near",
]

# The radius of the area around a venue, in metres: wide enough for a street, not a town.
MIN_RADIUS, MAX_RADIUS = 25, 1000


EARTH_RADIUS_METRES = 6_371_008.8  # the mean radius (IUGG)

# The bounding box ($4, $5: half its height and width in degrees) lets the position index
# narrow the search; the haversine distance then keeps only what lies inside the circle.
_NEAR = """
SELECT to_char(month, 'YYYY-MM') AS month, crime_type, count(*)::int AS count
FROM police_crimes
WHERE latitude BETWEEN $1::float8 - $4::float8 AND $1::float8 + $4::float8
  AND longitude BETWEEN $2::float8 - $5::float8 AND $2::float8 + $5::float8
  AND 2 * 6371008.8 * asin(least(1, sqrt(
        sin(radians(latitude - $1::float8) / 2) ^ 2
        + cos(radians($1::float8)) * cos(radians(latitude))
          * sin(radians(longitude - $2::float8) / 2) ^ 2
      ))) <= $3::float8
GROUP BY month, crime_type
"""
_MONTHS = "SELECT to_char(month, 'YYYY-MM') FROM police_months ORDER BY month"
_UNMAPPED = "SELECT count(*)::int FROM police_crimes WHERE latitude IS NULL"


def distance_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The haversine distance the SQL above computes, for callers and tests."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_METRES * math.asin(min(1.0, math.sqrt(h)))


def _box(latitude: float, radius_metres: int) -> tuple[float, float]:
    """Half the height and width, in degrees, of a box a little wider than the circle, so
    rounding never cuts off a crime on its edge."""
    half_height = math.degrees(radius_metres / EARTH_RADIUS_METRES) * 1.01
    return half_height, half_height / max(math.cos(math.radians(latitude)), 0.01)


async def months_near(
    conn: Connection, latitude: float, longitude: float, radius_metres: int, crime_types: list[str]
) -> list[tuple[str, dict[str, int]]]:
    """Every imported month (oldest first) with its count of each of ``crime_types`` within
    ``radius_metres`` of the point: the same circle as a venue's area."""
    months = [r[0] for r in await conn.fetch(_MONTHS)]
    cells: dict[str, dict[str, int]] = {m: dict.fromkeys(crime_types, 0) for m in months}
    if months:
        half_height, half_width = _box(latitude, radius_metres)
        for r in await conn.fetch(
            _NEAR, latitude, longitude, float(radius_metres), half_height, half_width
        ):
            if r["crime_type"] in crime_types:
                cells.setdefault(r["month"], dict.fromkeys(crime_types, 0))[r["crime_type"]] = r[
                    "count"
                ]
    return sorted(cells.items())


async def area_crimes(
    conn: Connection,
    venue_id: int,
    latitude: float | None,
    longitude: float | None,
    radius_metres: int,
) -> AreaCrimes:
    """Crimes within ``radius_metres`` of the point by month and type, every imported month."""
    months = [r[0] for r in await conn.fetch(_MONTHS)]
    unmapped = await conn.fetchval(_UNMAPPED) if months else 0
    cells: dict[str, dict[str, int]] = {m: {} for m in months}
    type_totals: dict[str, int] = {}
    located = latitude is not None and longitude is not None
    if located and months:
        assert latitude is not None and longitude is not None
        half_height, half_width = _box(latitude, radius_metres)
        for r in await conn.fetch(
            _NEAR, latitude, longitude, float(radius_metres), half_height, half_width
        ):
            cells.setdefault(r["month"], {})[r["crime_type"]] = r["count"]
            type_totals[r["crime_type"]] = type_totals.get(r["crime_type"], 0) + r["count"]
    by_type = [
        TypeCount(crime_type=t, count=n)
        for t, n in sorted(type_totals.items(), key=lambda item: (-item[1], item[0]))
    ]
    order = [t.crime_type for t in by_type]
    return AreaCrimes(
        venue_id=venue_id,
        radius_metres=radius_metres,
        latitude=latitude,
        longitude=longitude,
        located=located,
        first_month=months[0] if months else None,
        last_month=months[-1] if months else None,
        months=[
            AreaMonth(
                month=m,
                total=sum(cells[m].values()),
                by_type=[
                    TypeCount(crime_type=t, count=cells[m][t]) for t in order if t in cells[m]
                ],
            )
            for m in sorted(cells)
        ],
        by_type=by_type,
        total=sum(type_totals.values()),
        unmapped=unmapped,
    )


# Police-recorded crime counted in square cells of a grid over a box, in one pass over the
# position index: the density drawn under the maps.
DENSITY_SQL = """
SELECT floor((latitude - $1) / $5)::int AS row, floor((longitude - $2) / $6)::int AS col,
       count(*)::int AS n
FROM police_crimes
WHERE latitude BETWEEN $1 AND $3 AND longitude BETWEEN $2 AND $4
GROUP BY 1, 2
"""


async def density(
    conn: Connection,
    south: float,
    west: float,
    north: float,
    east: float,
    cell_lat: float,
    cell_lon: float,
) -> list[tuple[int, int, int]]:
    """(row from the south, column from the west, crimes) of every cell with any."""
    rows = await conn.fetch(DENSITY_SQL, south, west, north, east, cell_lat, cell_lon)
    return [(r["row"], r["col"], r["n"]) for r in rows]

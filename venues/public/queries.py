"""SQL for the public pages: Ask-for-Angela venues in good standing, the town centre's crime."""

from __future__ import annotations

from datetime import date

import msgspec

from nte.db import Connection
from venues.police.queries import months_near
from venues.public.schemas import AngelaVenue, TownMonth
from venues.staff.queries import front_of_house_coverage

__all__ = [
    "ASB",
    "TOWN_CENTRE",
    "TOWN_CENTRE_RADIUS",
    "VIOLENCE",
    "angela_candidates",
    "good_standing",
    "town_centre_months",
]

# Enrolled and not withdrawn (as Participation.participating says), posters up, the licence
# in force, and the last test not a failure: a failed test answers only to a later test.
_CANDIDATES = """
SELECT v.id, v.name, v.address, v.postcode, v.latitude, v.longitude
FROM venues v
JOIN angela_participation p ON p.venue_id = v.id
LEFT JOIN LATERAL (
    SELECT t.outcome FROM angela_tests t WHERE t.venue_id = v.id
    ORDER BY t.tested_on DESC, t.id DESC LIMIT 1
) last ON true
WHERE p.enrolled_on IS NOT NULL AND p.enrolled_on <= $1 AND p.withdrawn_on IS NULL
  AND p.posters_displayed
  AND v.status = 'active'
  AND last.outcome IS DISTINCT FROM 'fail'
ORDER BY lower(v.name), v.id
"""

# The middle of Maidstone's High Street, and a radius that takes in the streets of the
# night-time economy (Earl Street, Week Street, Gabriel's Hill, Lower Stone Street).
TOWN_CENTRE = (51.2727, 0.5219)
TOWN_CENTRE_RADIUS = 800
VIOLENCE = "Violence and sexual offences"
ASB = "Anti-social behaviour"


async def angela_candidates(conn: Connection, on: date) -> list[AngelaVenue]:
    return [msgspec.convert(dict(r), AngelaVenue) for r in await conn.fetch(_CANDIDATES, on)]


async def good_standing(conn: Connection, on: date, coverage_percent: int) -> list[AngelaVenue]:
    """The venues in Ask for Angela in good standing on ``on``: candidates whose trained
    front-of-house share (as the staff record counts it) is at least ``coverage_percent``."""
    candidates = await angela_candidates(conn, on)
    coverage = await front_of_house_coverage(conn, [v.id for v in candidates], on)
    return [
        v
        for v in candidates
        if (c := coverage.get(v.id)) is not None
        and c[1] > 0
        and c[0] * 100 >= coverage_percent * c[1]
    ]


async def town_centre_months(conn: Connection) -> list[TownMonth]:
    latitude, longitude = TOWN_CENTRE
    months = await months_near(conn, latitude, longitude, TOWN_CENTRE_RADIUS, [VIOLENCE, ASB])
    return [TownMonth(month=m, violence=c[VIOLENCE], asb=c[ASB]) for m, c in months]

"""Generated Ask-for-Angela participation and test visits for the demo borough.

Most town-centre venues are enrolled, some with posters up; police test visits pass about
72% of the time (published rates are 70-75%), and not every failure is re-tested within
the 28 days. Everything is labelled ``generated``.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta

from nte.clock import LONDON
from nte.db import Connection

__all__ = ["TOWN_CENTRE", "generate", "in_town_centre"]

TOWN_CENTRE = (51.2736, 0.5229)
"""Jubilee Square, Maidstone."""
PASS_RATE = 0.70
RETEST_PASS_RATE = 0.85
TESTERS = ["Kent Police"] * 8 + ["Kent Police and Maidstone BID", "Maidstone Borough Council"]
PASSED = [
    "Bar staff recognised the request at once and took the tester to a quiet area.",
    "Staff member offered to call a taxi and waited with the tester.",
    "The request was passed to the duty manager, who handled it discreetly.",
    "Door supervisor walked the tester to a safe spot and checked in twice.",
]
FAILED = [
    "Bar staff did not recognise the request: 'nobody called Angela works here'.",
    "Staff member laughed and carried on serving; posters were in the toilets.",
    "Request passed to a new member of staff who had not been briefed.",
    "Tester was told to ask at the door; door staff did not know the scheme.",
]


def in_town_centre(latitude: float | None, longitude: float | None, km: float = 1.0) -> bool:
    if latitude is None or longitude is None:
        return False
    north = (latitude - TOWN_CENTRE[0]) * 111.2
    east = (longitude - TOWN_CENTRE[1]) * 111.2 * math.cos(math.radians(TOWN_CENTRE[0]))
    return math.hypot(north, east) <= km


def _tests(rng: random.Random, enrolled_on: date, until: date) -> list[tuple[date, str, str, str]]:
    """Visits from enrolment (or 18 months before ``until``) to ``until``; a failure is
    usually re-tested within 28 days, sometimes only at the next routine visit."""
    visits = []
    day = max(enrolled_on, until - timedelta(days=540)) + timedelta(days=rng.randint(20, 200))
    retest = False
    while day <= until:
        # A venue re-tested after a failure has usually just re-briefed its staff.
        passed = rng.random() < (RETEST_PASS_RATE if retest else PASS_RATE)
        visits.append(
            (
                day,
                "pass" if passed else "fail",
                rng.choice(TESTERS),
                rng.choice(PASSED if passed else FAILED),
            )
        )
        retest = not passed and rng.random() < 0.6
        day += timedelta(days=rng.randint(7, 27) if retest else rng.randint(90, 240))
    return visits


async def generate(conn: Connection, rng: random.Random) -> int:
    """Participation and tests for generated venues that have none yet; how many rows added."""
    today = datetime.now(LONDON).date()
    venues = await conn.fetch(
        """SELECT v.id, v.venue_type, v.latitude, v.longitude FROM venues v
           WHERE v.generated
             AND NOT EXISTS (SELECT 1 FROM angela_participation p WHERE p.venue_id = v.id)
           ORDER BY v.id"""
    )
    participation, tests = [], []
    for v in venues:
        town = in_town_centre(v["latitude"], v["longitude"])
        late = v["venue_type"] in {"nightclub", "bar"}
        if rng.random() >= (0.95 if town and late else 0.8 if town else 0.15):
            continue
        enrolled_on = today - timedelta(days=rng.randint(200, 1500))
        withdrawn_on = None
        if rng.random() < 0.05:
            withdrawn_on = enrolled_on + timedelta(
                days=rng.randint(60, (today - enrolled_on).days - 30)
            )
        posters = withdrawn_on is None and rng.random() < 0.65
        participation.append((v["id"], enrolled_on, posters, withdrawn_on))
        until = withdrawn_on or today - timedelta(days=7)
        tests += [(v["id"], *t) for t in _tests(rng, enrolled_on, until)]
    await conn.executemany(
        """INSERT INTO angela_participation
               (venue_id, enrolled_on, posters_displayed, withdrawn_on, generated)
           VALUES ($1, $2, $3, $4, true)""",
        participation,
    )
    await conn.executemany(
        """INSERT INTO angela_tests
               (venue_id, tested_on, outcome, tester_organisation, notes, generated)
           VALUES ($1, $2, $3, $4, $5, true)""",
        tests,
    )
    return len(participation) + len(tests)

"""Generated incidents for the demo borough over the last 12 months.

Most at nightclubs and late bars, most on Friday and Saturday nights between 22:00 and
03:00; a few in the street; a few sensitive. Labelled ``generated``; nobody reported them.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from nte.clock import LONDON
from nte.db import Connection
from venues.angela.demo import in_town_centre
from venues.incidents.service import always_sensitive

__all__ = ["generate"]


# (category, weight, severity weights low/medium/high/serious, what a log would say)
CATEGORIES: list[tuple[str, int, tuple[int, int, int, int], list[str]]] = [
    (
        "violence",
        26,
        (30, 40, 22, 8),
        [
            "Two men fighting on the dance floor; door staff separated and ejected both.",
            "Customer punched another in the queue; police attended.",
            "Assault in the smoking area after an argument over a spilled drink.",
        ],
    ),
    (
        "asb",
        18,
        (60, 35, 5, 0),
        [
            "Group refusing to leave at closing time, shouting at staff.",
            "Customer urinating against the side wall; asked to leave.",
            "Persistent shouting and swearing outside after ejection.",
        ],
    ),
    (
        "public_order",
        11,
        (40, 45, 15, 0),
        [
            "Large group blocking the pavement and abusive to door staff.",
            "Disorder at the taxi rank after closing; police dispersed the group.",
        ],
    ),
    (
        "theft",
        10,
        (55, 40, 5, 0),
        [
            "Mobile phone taken from a table while the owner was dancing.",
            "Handbag stolen from the cloakroom area.",
        ],
    ),
    (
        "drugs",
        8,
        (35, 50, 15, 0),
        [
            "Door search found a small bag of white powder; customer refused entry.",
            "Suspected dealing in the toilets; police informed.",
        ],
    ),
    (
        "vulnerable_person",
        8,
        (20, 50, 25, 5),
        [
            "Heavily intoxicated young woman alone; staff called a friend and waited with her.",
            "Customer separated from friends and unable to get home; SOS bus contacted.",
        ],
    ),
    (
        "criminal_damage",
        5,
        (55, 40, 5, 0),
        [
            "Window smashed by a customer after ejection.",
            "Toilet fittings damaged; CCTV kept.",
        ],
    ),
    (
        "sexual_harassment",
        4,
        (20, 50, 30, 0),
        [
            "Customer repeatedly touched a woman at the bar; ejected and banned.",
            "Woman reported being followed to the toilets by a man; he was asked to leave.",
        ],
    ),
    (
        "drink_spiking",
        3,
        (0, 30, 55, 15),
        [
            "Customer felt suddenly unwell after one drink; glass kept, ambulance called.",
            "Two friends reported suspected spiking; police attended and took the glasses.",
        ],
    ),
    (
        "underage_sale",
        1,
        (20, 60, 20, 0),
        [
            "Staff found a 16-year-old with a drink bought by an older friend; both asked to leave.",
        ],
    ),
    (
        "sexual_offence",
        1,
        (0, 0, 50, 50),
        [
            "Sexual assault reported to door staff; police attended and CCTV kept.",
        ],
    ),
    (
        "weapons",
        1,
        (0, 10, 40, 50),
        [
            "Knife found during a door search; police called and the man detained.",
        ],
    ),
    (
        "other",
        4,
        (70, 30, 0, 0),
        [
            "Customer fell on the stairs; first aid given, no ambulance needed.",
            "Fire alarm activation; venue evacuated for ten minutes.",
        ],
    ),
]
SOURCES = ["venue"] * 9 + ["police"] * 5 + ["radio"] * 3 + ["public"] * 2 + ["officer"]
PER_YEAR = {"nightclub": (15, 35), "bar": (5, 14)}
STREET_INCIDENTS = 25


def _when(rng: random.Random, today: date) -> datetime:
    """Mostly a Friday or Saturday night, 22:00-03:00 London time; otherwise any evening."""
    if rng.random() < 0.75:
        weeks = rng.randint(0, 51)
        friday = today - timedelta(days=(today.weekday() - 4) % 7 + 7 * weeks)
        night = friday + timedelta(days=rng.choice([0, 1]))
        hour = rng.choices([22, 23, 0, 1, 2], weights=[15, 25, 25, 20, 15])[0]
        day = night + timedelta(days=1) if hour < 12 else night
    else:
        day = today - timedelta(days=rng.randint(1, 364))
        hour = rng.choice([13, 16, 18, 19, 20, 21, 22, 23])
    return datetime.combine(day, time(hour, rng.randrange(0, 60, 5)), LONDON)


def _incident(
    rng: random.Random, venue_id: int | None, today: date, now: datetime
) -> tuple[object, ...] | None:
    category, _, severities, texts = rng.choices(CATEGORIES, weights=[c[1] for c in CATEGORIES])[0]
    occurred_at = _when(rng, today)
    if occurred_at >= now:
        return None
    severity = rng.choices(["low", "medium", "high", "serious"], weights=severities)[0]
    source = rng.choice(SOURCES)
    police = source == "police" or severity in {"high", "serious"}
    police_ref = f"46/{rng.randint(100000, 999999)}/{occurred_at:%y}" if police else None
    child = category == "vulnerable_person" and rng.random() < 0.15
    sensitive = always_sensitive(category, child) or (
        category in {"sexual_harassment", "drink_spiking", "vulnerable_person"}
        and rng.random() < 0.25
    )
    return (
        venue_id,
        occurred_at,
        category,
        severity,
        source,
        police_ref,
        rng.choice(texts),
        child,
        sensitive,
    )


async def generate(conn: Connection, rng: random.Random) -> int:
    """A year of incidents for generated venues that have none yet, and some in the street."""
    now = datetime.now(LONDON)
    today = now.date()
    venues = await conn.fetch(
        """SELECT v.id, v.venue_type, v.latitude, v.longitude FROM venues v
           WHERE v.generated
             AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.venue_id = v.id AND i.generated)
           ORDER BY v.id"""
    )
    rows = []
    for v in venues:
        low, high = PER_YEAR.get(
            v["venue_type"], ((1, 6) if in_town_centre(v["latitude"], v["longitude"]) else (0, 2))
        )
        rows += [_incident(rng, v["id"], today, now) for _ in range(rng.randint(low, high))]
    if venues and not await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM incidents WHERE venue_id IS NULL AND generated)"
    ):
        rows += [_incident(rng, None, today, now) for _ in range(STREET_INCIDENTS)]
    found = [r for r in rows if r is not None]
    await conn.executemany(
        """INSERT INTO incidents (venue_id, occurred_at, category, severity, source, police_ref,
                                  description, involved_child, sensitive, generated)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, true)""",
        found,
    )
    return len(found)

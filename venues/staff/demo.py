"""Generated staff and training for the demo borough, labelled ``generated``.

Each generated venue gets its DPS (the one its licence names), managers, bar staff and, where
the licence asks for door supervisors, SIA-licensed door staff. Most training is current; some
venues let it lapse, some courses expire within the month, a few SIA licences expire within
60 days and one or two have expired, so the grid, the coverage and the checks have work to show.
Dates are relative to the day the demo is loaded; the draw is fixed by the seed.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from nte.clock import today
from nte.db import Connection
from nte.settings import load_settings
from venues.staff.service import add_months

__all__ = ["generate"]

FIRST = [
    "Amy",
    "Ben",
    "Cara",
    "Dev",
    "Ella",
    "Finn",
    "Gemma",
    "Harry",
    "Isla",
    "Josh",
    "Kezia",
    "Leon",
    "Maya",
    "Nathan",
    "Orla",
    "Piotr",
    "Rosie",
    "Sam",
    "Tia",
    "Umar",
    "Vicky",
    "Will",
    "Yasmin",
    "Zak",
    "Bex",
    "Callum",
    "Dominika",
    "Ewan",
    "Freya",
    "Jas",
]
LAST = [
    "Abbott",
    "Bailey",
    "Chapman",
    "Dunn",
    "Ellis",
    "Foster",
    "Griffin",
    "Hussain",
    "Iqbal",
    "Jenkins",
    "Khan",
    "Lloyd",
    "Murphy",
    "Nowak",
    "Osei",
    "Price",
    "Quinn",
    "Rahman",
    "Stevens",
    "Thompson",
    "Usher",
    "Vaughan",
    "Walsh",
    "Young",
]

# Courses beyond WAVE and Ask for Angela, by role: (course, chance of holding it).
EXTRA_COURSES: dict[str, list[tuple[str, float]]] = {
    "dps": [
        ("age_verification", 0.95),
        ("safeguarding", 0.8),
        ("act", 0.6),
        ("first_aid", 0.5),
        ("drink_spiking", 0.6),
    ],
    "manager": [
        ("age_verification", 0.9),
        ("safeguarding", 0.6),
        ("first_aid", 0.5),
        ("drink_spiking", 0.5),
        ("act", 0.4),
    ],
    "personal_licence_holder": [("age_verification", 0.9), ("drink_spiking", 0.4)],
    "bar": [("age_verification", 0.85), ("drink_spiking", 0.4)],
    "door_supervisor": [
        ("conflict_management", 0.9),
        ("first_aid", 0.7),
        ("act", 0.5),
        ("drink_spiking", 0.5),
    ],
    "other": [("first_aid", 0.3)],
}

# How well a venue keeps training current: (chance a front-of-house person has done WAVE
# and Ask for Angela at all, chance a course done has lapsed).
CARE: dict[str, tuple[float, float]] = {
    "good": (0.98, 0.02),
    "patchy": (0.88, 0.15),
    "poor": (0.7, 0.35),
}

STAFF_INSERT = """
    INSERT INTO staff (venue_id, name, role, front_of_house, started_on, left_on,
                       sia_licence_no, sia_expires_on, generated)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, true) RETURNING id"""
TRAINING_INSERT = """
    INSERT INTO training (venue_id, staff_id, course, completed_on, expires_on)
    VALUES ($1, $2, $3, $4, $5)"""


def _completed(rng: random.Random, on: date, months: int, care: str) -> date:
    """When a course was done, so that it is now valid, expiring within 30 days, or lapsed."""
    roll = rng.random()
    lapse = CARE[care][1]
    expiring = 0.06
    valid_for = add_months(on, -months)  # completed after this day: still valid today
    if roll < lapse:
        return valid_for - timedelta(days=rng.randint(1, 150))
    if roll < lapse + expiring:
        return valid_for + timedelta(days=rng.randint(0, 29))
    return valid_for + timedelta(days=rng.randint(31, max(32, (on - valid_for).days - 1)))


def _sia_number(rng: random.Random) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(16))


async def generate(conn: Connection, rng: random.Random) -> int:
    """Staff and training for generated venues that have no staff yet; how many people added."""
    on = today()
    months = load_settings().training_months
    venues = await conn.fetch(
        """SELECT v.id, v.dps_name, v.capacity, v.venue_type,
                  coalesce(max((c.params ->> 'count')::int)
                           FILTER (WHERE c.kind = 'door_supervisors'), 0) AS door_count
           FROM venues v LEFT JOIN conditions c ON c.venue_id = v.id
           WHERE v.generated AND NOT EXISTS (SELECT 1 FROM staff s WHERE s.venue_id = v.id)
           GROUP BY v.id ORDER BY v.id"""
    )
    people: list[tuple[int, dict[str, Any]]] = []
    for v in venues:
        care = rng.choices(["good", "patchy", "poor"], weights=[78, 16, 6])[0]
        roster: list[dict[str, Any]] = []
        if v["dps_name"]:
            roster.append({"name": v["dps_name"], "role": "dps", "front_of_house": True})
        roster.append(
            {"role": rng.choice(["manager", "personal_licence_holder"]), "front_of_house": True}
        )
        if (v["capacity"] or 0) > 200:
            roster.append({"role": "manager", "front_of_house": True})
        bar = max(2, min(10, (v["capacity"] or 100) // 45 + rng.randint(0, 2)))
        roster += [{"role": "bar", "front_of_house": True} for _ in range(bar)]
        if rng.random() < 0.5:
            roster.append({"role": "other", "front_of_house": False})  # kitchen, cellar
        door = v["door_count"] + (1 if v["door_count"] else 0)
        roster += [{"role": "door_supervisor", "front_of_house": True} for _ in range(door)]
        for person in roster:
            person.setdefault("name", f"{rng.choice(FIRST)} {rng.choice(LAST)}")
            person["started_on"] = on - timedelta(days=rng.randint(20, 6 * 365))
            person["left_on"] = None
            person["care"] = care
        if rng.random() < 0.3:  # someone who moved on, whose old training stays on record
            started = on - timedelta(days=rng.randint(400, 1500))
            roster.append(
                {
                    "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    "role": "bar",
                    "front_of_house": True,
                    "started_on": started,
                    "care": care,
                    "left_on": on - timedelta(days=rng.randint(10, 300)),
                }
            )
        people += [(v["id"], p) for p in roster]

    # SIA licences last three years: most are well inside it, some expire within 60 days,
    # and one or two across the borough have run out.
    doors = [p for _, p in people if p["role"] == "door_supervisor"]
    expired = set(map(id, rng.sample(doors, min(2, len(doors)))))
    for person in doors:
        person["sia_licence_no"] = _sia_number(rng)
        if id(person) in expired:
            person["sia_expires_on"] = on - timedelta(days=rng.randint(3, 40))
        elif rng.random() < 0.12:
            person["sia_expires_on"] = on + timedelta(days=rng.randint(5, 59))
        else:
            person["sia_expires_on"] = on + timedelta(days=rng.randint(61, 3 * 365))

    training: list[tuple[int, int, str, date, date]] = []
    for venue_id, person in people:
        staff_id = await conn.fetchval(
            STAFF_INSERT,
            venue_id,
            person["name"],
            person["role"],
            person["front_of_house"],
            person["started_on"],
            person["left_on"],
            person.get("sia_licence_no"),
            person.get("sia_expires_on"),
        )
        held = CARE[person["care"]][0]
        courses = [("wave", held), ("ask_for_angela", held)] if person["front_of_house"] else []
        for course, chance in courses + EXTRA_COURSES[person["role"]]:
            if rng.random() >= chance:
                continue
            done = _completed(rng, person["left_on"] or on, months[course], person["care"])
            done = max(done, person["started_on"])
            training.append((venue_id, staff_id, course, done, add_months(done, months[course])))
    await conn.executemany(TRAINING_INSERT, training)
    return len(people)

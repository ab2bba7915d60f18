"""Generated monthly returns for the demo borough: most venues report on time, a few fall behind.

Covers the last 12 ended months (the window the overdue check looks at), so what the
borough shows as missing is the venues' doing, not the demo's edge. Labelled ``generated``.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from nte.clock import LONDON, today
from nte.db import Connection
from venues.returns.queries import DEFAULT_DUE_DAYS
from venues.returns.service import month_end, recent_months

__all__ = ["generate"]

INCIDENT_NOTES = [
    "Customer ejected after a fight on the dance floor; door staff logged it, police not called.",
    "Glass broken in the smoking area, minor cut treated with first aid.",
    "Argument at closing time outside; dispersed by door staff.",
    "A customer felt unwell, possibly spiked; friends took her home, we kept the glass.",
]
STAFF_CHANGES = [
    "Two new bar staff started; both booked on WAVE training.",
    "One door supervisor left, replaced by agency staff.",
    "New assistant manager started.",
    "DPS on leave for two weeks; the personal licence holder covered.",
    "New DPS appointed; variation application sent to the council.",
]
NOTES = [
    "Quiet month.",
    "Busy weekends with the county show.",
    "Christmas party bookings most Fridays.",
    "Refusals register checked by the manager weekly.",
    "Football on the big screen drew larger crowds than usual.",
]

INSERT = """
    INSERT INTO monthly_returns (venue_id, period, refusals, incidents_unreported,
        incidents_note, angela_activations, door_staff_hours, cctv_checks, staff_changes, notes,
        submitted_at, reviewed_at, review_note, generated)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, true)
    ON CONFLICT (venue_id, period) DO NOTHING"""


Figures = tuple[int, int, str, int, float, int, str, str]


def _figures(rng: random.Random, venue_type: str) -> Figures:
    late_trade = venue_type in {"nightclub", "bar"}
    refusals = (
        rng.randint(15, 90)
        if venue_type == "nightclub"
        else (rng.randint(4, 35) if venue_type == "bar" else rng.randint(0, 15))
    )
    roll = rng.random()
    incidents = 2 if roll < 0.02 else 1 if roll < 0.10 else 0
    note = rng.choice(INCIDENT_NOTES) if incidents else ""
    angela = (
        rng.choice([0, 0, 1, 1, 2, 3])
        if venue_type == "nightclub"
        else (rng.choice([0, 0, 0, 1]) if venue_type == "bar" else int(rng.random() < 0.05))
    )
    if venue_type == "nightclub":
        door_hours = float(rng.randrange(120, 400, 4))
    elif late_trade or rng.random() < 0.15:
        door_hours = float(rng.choice([16, 32, 40, 48, 64, 80]))
    else:
        door_hours = 0.0
    cctv = 0 if rng.random() < 0.05 else rng.choice([4, 4, 5, 8, 30, 31])
    staff = rng.choice(STAFF_CHANGES) if rng.random() < 0.12 else ""
    notes = rng.choice(NOTES) if rng.random() < 0.10 else ""
    return refusals, incidents, note, angela, door_hours, cctv, staff, notes


def _moment(rng: random.Random, day: date) -> datetime:
    return datetime.combine(day, time(rng.randint(9, 22), rng.randrange(0, 60, 5)), LONDON)


async def generate(conn: Connection, rng: random.Random) -> int:
    """Returns for the generated venues over the last 12 ended months; how many were added."""
    on = today()
    now = datetime.now(LONDON)
    months = recent_months(on, 12)
    venues = await conn.fetch("SELECT id, venue_type FROM venues WHERE generated ORDER BY id")
    rows = []
    for v in venues:
        roll = rng.random()
        # Most venues are reliable; some skip months; a few stopped reporting recently.
        habit = "reliable" if roll < 0.75 else "patchy" if roll < 0.90 else "stopped"
        stopped_after = rng.randint(1, 3)  # the "stopped" venue's most recent months go missing
        for age, period in enumerate(months):
            figures = _figures(rng, v["venue_type"])
            if habit == "stopped" and age < stopped_after:
                continue
            if habit == "patchy" and rng.random() < 0.2:
                continue
            last_day = month_end(period)
            late = rng.random() < (0.25 if habit == "patchy" else 0.05)
            delay = (
                rng.randint(DEFAULT_DUE_DAYS + 1, 40) if late else rng.randint(1, DEFAULT_DUE_DAYS)
            )
            submitted = _moment(rng, last_day + timedelta(days=delay))
            if submitted >= now:
                continue  # not sent yet: the month may still be inside its due period
            # Officers are well through the older returns and behind on the latest.
            review_chance = 0.25 if age == 0 else 0.75 if age == 1 else 0.98
            reviewed = submitted + timedelta(days=rng.randint(1, 12), hours=rng.randint(1, 8))
            reviewed_at = reviewed if rng.random() < review_chance and reviewed < now else None
            note = "Checked; thank you." if reviewed_at and rng.random() < 0.2 else ""
            rows.append((v["id"], period, *figures, submitted, reviewed_at, note))
    before = await conn.fetchval("SELECT count(*) FROM monthly_returns")
    await conn.executemany(INSERT, rows)
    added: int = await conn.fetchval("SELECT count(*) FROM monthly_returns") - before
    return added

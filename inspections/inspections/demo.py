"""Generated past inspections for the demo borough: most venues compliant, some with breaches
and the actions they raised, older ones answered and verified. Labelled ``generated``."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

from inspections.actions import queries as action_queries
from inspections.inspections import queries, service
from nte.clock import now
from nte.db import Connection

__all__ = ["generate"]

# Fixed, so a rerun finds the same inspections and adds none.
NAMESPACE = uuid.UUID("6f1d2a52-8f0e-4c1e-9a43-7d3f0b1c5e11")
SUMMARIES = [
    "Busy night, well run; door team courteous and on the rota.",
    "Quiet midweek visit; records in order.",
    "Management engaged; a few things to put right, agreed on the night.",
    "Crowded at the bar; staff stretched but refusals logged.",
]
NOTES = {
    "minor": [
        "Register incomplete for last month",
        "Posters missing in the toilets",
        "Badge not on show",
    ],
    "major": ["Expired SIA licence on duty", "No one on site could download footage"],
}


async def generate(conn: Connection, seed: str) -> int:
    """One past inspection for about half the generated venues; how many were added.

    Each venue draws from its own generator, so a rerun makes the same choices for every
    venue whatever it finds already there, and adds nothing."""
    officer = await conn.fetchval(
        "SELECT id FROM users WHERE role = 'officer' AND NOT disabled ORDER BY id LIMIT 1"
    )
    venues = await conn.fetch(
        "SELECT id FROM venues WHERE generated AND status = 'active' ORDER BY fhrs_id, id"
    )
    added = 0
    moment = now()
    for v in venues:
        rng = random.Random(f"{seed}-{v['id']}")
        if rng.random() < 0.5:
            continue
        started = moment - timedelta(days=rng.randint(12, 420), hours=rng.randint(0, 6))
        new_id = await queries.insert_inspection(
            conn,
            venue_id=v["id"],
            client_uuid=uuid.uuid5(NAMESPACE, f"venue-{v['id']}"),
            fingerprint=b"generated",
            visit_id=None,
            officer_id=officer,
            kind="planned",
            reason="",
            scheduled_for=started.date(),
            started_at=started,
        )
        if new_id is None:
            continue  # a rerun: this venue's demo inspection is there already
        items = await service.checklist_for(conn, v["id"], on=started.date())
        await queries.insert_items(conn, new_id, v["id"], items)
        answers = []
        for item in items:
            roll = rng.random()
            result = (
                "major"
                if roll < 0.03
                else "minor"
                if roll < 0.10
                else "na"
                if roll < 0.13
                else "compliant"
            )
            note = rng.choice(NOTES[result]) if result in NOTES else ""
            answers.append((new_id, item.key, result, note))
        await conn.executemany(
            "UPDATE inspection_items SET result = $3, note = $4 WHERE inspection_id = $1 AND key = $2",
            answers,
        )
        completed = started + timedelta(minutes=rng.randint(40, 110))
        results = {a[2] for a in answers}
        outcome = "major" if "major" in results else "minor" if "minor" in results else "compliant"
        await conn.execute(
            """UPDATE inspections SET completed_at = $2, outcome = $3, confidence_in_management = $4,
                   summary = $5, generated = true WHERE id = $1""",
            new_id,
            completed,
            outcome,
            {
                "compliant": rng.choice([0, 0, 5]),
                "minor": rng.choice([5, 10]),
                "major": rng.choice([20, 30]),
            }[outcome],
            rng.choice(SUMMARIES),
        )
        on = completed.date()
        await action_queries.raise_for_inspection(
            conn, new_id, minor_due=on + timedelta(days=28), major_due=on + timedelta(days=7)
        )
        # Venues answer most actions; officers verify most answers once they are old enough.
        await conn.execute(
            """UPDATE actions SET created_at = $2,
                   status = CASE WHEN $3 THEN 'verified' ELSE 'answered' END,
                   answer = 'Put right: see the photo in the venue''s file.',
                   answered_at = $2::timestamptz + interval '5 days',
                   verified_at = CASE WHEN $3 THEN $2::timestamptz + interval '9 days' END,
                   verified_by = CASE WHEN $3 THEN $4::bigint END
               WHERE inspection_id = $1 AND $5""",
            new_id,
            completed,
            rng.random() < 0.8,
            officer,
            rng.random() < 0.85,
        )
        added += 1
    return added

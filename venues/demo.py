"""The demo borough: Maidstone's real pubs, bars and nightclubs with generated licences and conditions.

Everything generated is labelled (``venues.generated``) and comes from a fixed seed, so two
runs on two machines give the same borough.
"""

from __future__ import annotations

import random
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec

from nte.db import Connection
from venues.angela import demo as angela_demo
from venues.fhrs import FhrsSummary, import_fhrs
from venues.incidents import demo as incidents_demo
from venues.police import demo as police_demo
from venues.police.schemas import ImportSummary
from venues.queries import ensure_mandatory_conditions
from venues.returns import demo as returns_demo
from venues.staff import demo as staff_demo
from venues.test_purchases import demo as test_purchases_demo

__all__ = ["DEMO_FHRS_FILE", "DemoSummary", "demo_managed_venues", "load_demo"]

SEED = 20221114

DEMO_FHRS_FILE = Path(str(resources.files("venues.data").joinpath("FHRS185en-GB_2020-11-14.xml")))

FIRST = [
    "Sarah",
    "James",
    "Priya",
    "Tom",
    "Aisha",
    "Daniel",
    "Kerry",
    "Marek",
    "Chloe",
    "Liam",
    "Grace",
    "Oliver",
    "Hannah",
    "Tariq",
    "Zoe",
    "Connor",
    "Emma",
    "Ravi",
    "Sophie",
    "Jack",
]
LAST = [
    "Whitfield",
    "Okafor",
    "Patel",
    "Harding",
    "Kowalski",
    "Brennan",
    "Ashdown",
    "Fuller",
    "Mahmood",
    "Turner",
    "Clarke",
    "Gill",
    "Doherty",
    "Langley",
    "Shah",
    "Reeve",
]
HOLDERS = [
    "Shepherd Neame Ltd",
    "Greene King Pub Partners",
    "Stonegate Pub Company Ltd",
    "Punch Pubs & Co",
    "Admiral Taverns Ltd",
    "Marston's PLC",
    "Mitchells & Butlers plc",
]

# Town-centre names that trade late in the demo as nightclubs (their real trade may differ).
DEMO_NIGHTCLUBS = {"Century Club", "Society Rooms", "Bar Chocolate", "The Laugh Out Loud Bar"}


class DemoSummary(msgspec.Struct):
    fhrs: FhrsSummary
    licences_generated: int
    conditions_added: int
    police: ImportSummary | None = None
    """The real town-centre police file (an upsert: a rerun adds nothing)."""


def _hours(rng: random.Random, venue_type: str) -> dict[str, dict[str, str]]:
    if venue_type == "nightclub":
        late = {"open": "21:00", "close": rng.choice(["03:00", "03:30", "04:00"])}
        days = ["thu", "fri", "sat"] + (["wed"] if rng.random() < 0.4 else [])
        return {d: late for d in days}
    if venue_type == "bar":
        week = {"open": "12:00", "close": rng.choice(["23:30", "00:00"])}
        weekend = {"open": "12:00", "close": rng.choice(["01:00", "02:00"])}
    else:
        week = {"open": rng.choice(["10:00", "11:00", "12:00"]), "close": "23:00"}
        weekend = {"open": week["open"], "close": rng.choice(["23:30", "00:00", "00:30"])}
    hours = {d: week for d in ("mon", "tue", "wed", "thu", "sun")}
    hours.update({d: weekend for d in ("fri", "sat")})
    return hours


def _capacity(rng: random.Random, venue_type: str) -> int:
    low, high = {"nightclub": (350, 1200), "bar": (80, 320), "other": (60, 250)}.get(
        venue_type, (50, 260)
    )
    return rng.randrange(low, high, 10)


def _conditions(
    rng: random.Random, venue_type: str, capacity: int
) -> list[tuple[str, str, dict[str, Any], str]]:
    retention = rng.choice([28, 31])
    out: list[tuple[str, str, dict[str, Any], str]] = [
        (
            "cctv",
            "crime_disorder",
            {"retention_days": retention, "trained_operator": "yes"},
            f"A CCTV system shall be maintained covering all entrances and public areas, with "
            f"recordings kept for {retention} days and a trained member of staff on duty able "
            f"to download footage on request by police or the licensing authority.",
        ),
        (
            "age_verification",
            "protection_of_children",
            {"scheme": "Challenge 25"},
            "A Challenge 25 policy shall operate; the only acceptable identification is a "
            "passport, photocard driving licence or PASS-accredited card.",
        ),
        (
            "refusals_log",
            "protection_of_children",
            {"kept_months": 12},
            "A refusals register shall be kept, made available on request and retained for 12 months.",
        ),
        (
            "incident_log",
            "crime_disorder",
            {"kept_months": 12},
            "An incident log shall be kept recording all crime, disorder, ejections and first aid, "
            "and retained for 12 months.",
        ),
    ]
    if venue_type in {"nightclub", "bar"} or rng.random() < 0.15:
        count = max(2, capacity // 100) if venue_type == "nightclub" else 2
        start = "21:00" if venue_type == "nightclub" else "20:00"
        out.append(
            (
                "door_supervisors",
                "crime_disorder",
                {"count": count, "from": start, "days": "fri,sat"},
                f"A minimum of {count} SIA-licensed door supervisors shall be on duty from "
                f"{start} until close on Fridays and Saturdays.",
            )
        )
    if venue_type == "nightclub":
        out += [
            (
                "last_entry",
                "public_nuisance",
                {"time": "02:00"},
                "No admission or re-admission after 02:00.",
            ),
            (
                "glassware",
                "public_safety",
                {"after": "22:00", "material": "polycarbonate"},
                "Drinks shall be served in polycarbonate or toughened glassware after 22:00.",
            ),
            (
                "dispersal",
                "public_nuisance",
                {},
                "A written dispersal policy shall be kept and followed at closing time.",
            ),
        ]
    if rng.random() < 0.6:
        out.append(
            (
                "pubwatch",
                "crime_disorder",
                {"scheme": "Maidstone Pubwatch"},
                "The premises licence holder shall be a member of Maidstone Pubwatch.",
            )
        )
    out.append(
        (
            "capacity",
            "public_safety",
            {"max_persons": capacity},
            f"The number of persons on the premises shall not exceed {capacity}, staff excluded.",
        )
    )
    return out


async def load_demo(
    conn: Connection, *, fhrs_file: Path | None = None, progress: bool = True
) -> DemoSummary:
    """Import the real venues, then give each venue that has no licence yet a generated one."""
    fhrs = await import_fhrs(conn, fhrs_file or DEMO_FHRS_FILE, progress=progress)
    rng = random.Random(SEED)
    generated = added = 0
    async with conn.transaction():
        venues = await conn.fetch(
            "SELECT id, fhrs_id, name, venue_type FROM venues "
            "WHERE premises_licence_no IS NULL AND fhrs_id IS NOT NULL ORDER BY fhrs_id"
        )
        for v in venues:
            venue_type = "nightclub" if v["name"] in DEMO_NIGHTCLUBS else v["venue_type"]
            capacity = _capacity(rng, venue_type)
            activities = ["sale_of_alcohol", "recorded_music"]
            if venue_type == "nightclub":
                activities += ["performance_of_dance", "late_night_refreshment"]
            elif rng.random() < 0.4:
                activities.append("live_music")
            status = "active"
            roll = rng.random()
            if roll < 0.03:
                status = "suspended"
            elif roll < 0.06:
                status = "lapsed"
            await conn.execute(
                """UPDATE venues SET premises_licence_no = $2, licence_holder = $3, dps_name = $4,
                       licensable_activities = $5, licensed_hours = $6, capacity = $7,
                       venue_type = $8, status = $9, generated = true, updated_at = now()
                   WHERE id = $1""",
                v["id"],
                f"MBC/PREM/{v['fhrs_id']}",
                rng.choice(HOLDERS)
                if rng.random() < 0.6
                else f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                activities,
                _hours(rng, venue_type),
                capacity,
                venue_type,
                status,
            )
            conditions = _conditions(rng, venue_type, capacity)
            await conn.executemany(
                "INSERT INTO conditions (venue_id, kind, objective, params, text) "
                "VALUES ($1, $2, $3, $4, $5)",
                [
                    (v["id"], kind, objective, params, text)
                    for kind, objective, params, text in conditions
                ],
            )
            generated += 1
            added += len(conditions)
        added += await ensure_mandatory_conditions(conn)
        if generated:  # people for the venues licensed just now; a rerun adds nobody
            await staff_demo.generate(conn, random.Random(f"{SEED}-staff"))
        if generated:  # only alongside licences made in this run, so a rerun adds nothing
            await returns_demo.generate(conn, rng)
        if generated:  # each concern draws its own stream, so adding one changes no other
            await angela_demo.generate(conn, random.Random(f"{SEED}-angela"))
            await incidents_demo.generate(conn, random.Random(f"{SEED}-incidents"))
            await test_purchases_demo.generate(conn, random.Random(f"{SEED}-test-purchases"))
    police = await police_demo.load(conn, progress=progress)
    return DemoSummary(
        fhrs=fhrs, licences_generated=generated, conditions_added=added, police=police
    )


async def demo_managed_venues(conn: Connection, count: int = 2) -> list[int]:
    """The demo venues whose manager the demo's venue-manager account is: the same ones on every
    load (the first generated, active licences by FHRS id)."""
    rows = await conn.fetch(
        "SELECT id FROM venues WHERE generated AND status = 'active' ORDER BY fhrs_id LIMIT $1",
        count,
    )
    return [r["id"] for r in rows]

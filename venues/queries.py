"""SQL for venues and conditions: small async functions on one connection, for API and pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec

from nte.db import Connection
from venues.schemas import (
    Condition,
    ConditionCreate,
    ConditionPatch,
    Venue,
    VenueCreate,
    VenuePatch,
    given_fields,
)

__all__ = [
    "CONDITION_OWNER",
    "MANDATORY_CONDITIONS",
    "any_venue",
    "create_condition",
    "create_venue",
    "delete_condition",
    "ensure_mandatory_conditions",
    "get_condition",
    "get_venue",
    "list_conditions",
    "list_venues",
    "stream_venues",
    "update_condition",
    "update_venue",
]

VENUE_COLUMNS = """
    v.id, v.name, v.address, v.postcode, v.latitude, v.longitude, v.venue_type, v.capacity,
    v.martyns_law_tier, v.premises_licence_no, v.licence_holder, v.dps_name,
    v.licensable_activities, v.licensed_hours, v.status, v.fhrs_id, v.fhrs_rating,
    v.generated, v.open_flags, v.flag_severity, v.risk_band AS band, v.risk_score,
    v.next_inspection_due, v.created_at, v.updated_at"""

# The venue a condition belongs to, for the venue-scope guard.
CONDITION_OWNER = "SELECT venue_id FROM conditions WHERE id = $1"

CONDITION_COLUMNS = """
    c.id, c.venue_id, c.kind, c.objective, c.params, c.text,
    c.mandatory_code IS NOT NULL AS mandatory, c.created_at, c.updated_at"""


def _venue(record: Any) -> Venue:
    return msgspec.convert(dict(record), Venue)


def _condition(record: Any) -> Condition:
    return msgspec.convert(dict(record), Condition)


def _like(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# The filters of the venue list, shared by the page and its total.
_VENUE_FILTER = """
    ($1::text IS NULL OR v.name ILIKE $1 OR v.address ILIKE $1 OR v.postcode ILIKE $1
     OR v.premises_licence_no ILIKE $1
     -- "me141aa" finds ME14 1AA: people type postcodes without the space
     OR replace(v.postcode, ' ', '') ILIKE replace($1, ' ', ''))
    AND ($2::text IS NULL OR v.status = $2)
    AND ($3::text IS NULL OR v.venue_type = $3)
    AND ($4::bigint[] IS NULL OR v.id = ANY ($4))
    AND ($5::boolean IS NULL OR (v.open_flags > 0) = $5)
    AND ($6::text IS NULL OR v.risk_band = $6)"""

# The orders of the venue list; the band and due date are the checks' columns on venues.
_ORDER = {
    "name": "lower(v.name), v.id",
    "risk": "v.risk_score DESC NULLS LAST, lower(v.name), v.id",
    "next_inspection_due": "v.next_inspection_due NULLS LAST, lower(v.name), v.id",
}


async def list_venues(
    conn: Connection,
    *,
    q: str | None = None,
    status: str | None = None,
    venue_type: str | None = None,
    flagged: bool | None = None,
    band: str | None = None,
    sort: str = "name",
    limit: int = 50,
    offset: int = 0,
    venue_ids: list[int] | None = None,
) -> tuple[list[Venue], int]:
    """A page of venues (by name, highest risk first, or soonest due), and how many match in
    all; ``venue_ids`` limits the scope, ``flagged`` keeps venues with (or without) open flags."""
    filters = (
        _like(q.strip()) if q and q.strip() else None,
        status,
        venue_type,
        venue_ids,
        flagged,
        band,
    )
    rows = await conn.fetch(
        f"""
        SELECT {VENUE_COLUMNS}, count(*) OVER () AS total
        FROM venues v WHERE {_VENUE_FILTER}
        ORDER BY {_ORDER[sort]}
        LIMIT $7 OFFSET $8
        """,
        *filters,
        limit,
        offset,
    )
    if rows:
        total = rows[0]["total"]
    else:
        # An offset past the end still owes the caller the true total.
        total = await conn.fetchval(
            f"SELECT count(*) FROM venues v WHERE {_VENUE_FILTER}", *filters
        )
    return [_venue({k: r[k] for k in r.keys() if k != "total"}) for r in rows], total


async def stream_venues(
    conn: Connection, *, venue_ids: list[int] | None = None, status: str | None = None
) -> AsyncIterator[Venue]:
    """Every venue ``list_venues`` would page through, by name, from a cursor (the connection
    must be in a transaction)."""
    sql = f"""SELECT {VENUE_COLUMNS} FROM venues v WHERE {_VENUE_FILTER}
              ORDER BY lower(v.name), v.id"""
    args = (None, status, None, venue_ids, None, None)  # $1-$6 of the filter: no search, any band
    async for record in conn.cursor(sql, *args, prefetch=500):
        yield _venue(record)


async def get_venue(conn: Connection, venue_id: int) -> Venue | None:
    row = await conn.fetchrow(f"SELECT {VENUE_COLUMNS} FROM venues v WHERE v.id = $1", venue_id)
    return _venue(row) if row else None


async def create_venue(conn: Connection, data: VenueCreate, *, generated: bool = False) -> Venue:
    fields = given_fields(data)
    fields["generated"] = generated
    columns = ", ".join(fields)
    placeholders = ", ".join(f"${i}" for i in range(1, len(fields) + 1))
    row = await conn.fetchrow(
        f"""WITH v AS (INSERT INTO venues ({columns}) VALUES ({placeholders}) RETURNING *)
            SELECT {VENUE_COLUMNS} FROM v""",
        *fields.values(),
    )
    venue = _venue(row)
    await ensure_mandatory_conditions(conn, venue.id)
    return venue


async def update_venue(conn: Connection, venue_id: int, patch: VenuePatch) -> Venue | None:
    fields = given_fields(patch)
    if not fields:
        return await get_venue(conn, venue_id)
    sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(fields, start=2))
    row = await conn.fetchrow(
        f"""WITH v AS (UPDATE venues SET {sets}, updated_at = now() WHERE id = $1 RETURNING *)
            SELECT {VENUE_COLUMNS} FROM v""",
        venue_id,
        *fields.values(),
    )
    if row is None:
        return None
    await ensure_mandatory_conditions(conn, venue_id)
    return _venue(row)


# The mandatory conditions of the Licensing Act 2003 (ss.19-21) and the Licensing Act 2003
# (Mandatory Licensing Conditions) Order 2010, as amended: every licence that authorises
# the sale of alcohol carries them, whatever the council adds.
MANDATORY_CONDITIONS: tuple[tuple[str, str, str, str], ...] = (
    (
        "dps",
        "other",
        "crime_disorder",
        "No supply of alcohol may be made when there is no designated premises supervisor, or "
        "when the designated premises supervisor does not hold a personal licence or it is "
        "suspended.",
    ),
    (
        "personal_licence",
        "other",
        "crime_disorder",
        "Every supply of alcohol must be made or authorised by a person who holds a personal "
        "licence.",
    ),
    (
        "door_sia",
        "door_supervisors",
        "crime_disorder",
        "Any individual carrying out a security activity at the premises must be licensed by "
        "the Security Industry Authority.",
    ),
    (
        "irresponsible_promotions",
        "other",
        "crime_disorder",
        "The responsible person must ensure that staff do not carry out, arrange or "
        "participate in any irresponsible promotions.",
    ),
    (
        "free_tap_water",
        "other",
        "public_safety",
        "The responsible person must ensure that free potable water is provided on request "
        "to customers where it is reasonably available.",
    ),
    (
        "age_verification",
        "age_verification",
        "protection_of_children",
        "The premises licence holder must ensure that an age verification policy is adopted "
        "and that the supply of alcohol is made only on production of photographic "
        "identification bearing the holder's photograph, date of birth and a holographic "
        "mark or ultraviolet feature.",
    ),
    (
        "small_measures",
        "other",
        "crime_disorder",
        "Beer or cider in 1/2 pints, gin, rum, vodka or whisky in 25 ml or 35 ml, and still "
        "wine in 125 ml glasses must be available, and customers made aware of them.",
    ),
    (
        "minimum_price",
        "other",
        "crime_disorder",
        "Alcohol must not be sold for consumption on or off the premises for a price less "
        "than the permitted price (duty plus VAT).",
    ),
)


async def ensure_mandatory_conditions(conn: Connection, venue_id: int | None = None) -> int:
    """Add any missing mandatory condition to alcohol licences (one venue, or all); count added."""
    result = await conn.execute(
        """
        INSERT INTO conditions (venue_id, mandatory_code, kind, objective, text)
        SELECT v.id, m.code, m.kind, m.objective, m.text
        FROM venues v
        CROSS JOIN unnest($2::text[], $3::text[], $4::text[], $5::text[])
             AS m(code, kind, objective, text)
        WHERE 'sale_of_alcohol' = ANY (v.licensable_activities)
          AND ($1::bigint IS NULL OR v.id = $1)
        ON CONFLICT (venue_id, mandatory_code) DO NOTHING
        """,
        venue_id,
        *[list(column) for column in zip(*MANDATORY_CONDITIONS, strict=True)],
    )
    return int(result.rsplit(" ", 1)[-1])


async def list_conditions(conn: Connection, venue_id: int) -> list[Condition]:
    rows = await conn.fetch(
        f"""SELECT {CONDITION_COLUMNS} FROM conditions c WHERE c.venue_id = $1
            ORDER BY c.mandatory_code IS NULL, c.id""",
        venue_id,
    )
    return [_condition(r) for r in rows]


async def get_condition(conn: Connection, condition_id: int) -> Condition | None:
    row = await conn.fetchrow(
        f"SELECT {CONDITION_COLUMNS} FROM conditions c WHERE c.id = $1", condition_id
    )
    return _condition(row) if row else None


async def create_condition(conn: Connection, venue_id: int, data: ConditionCreate) -> Condition:
    row = await conn.fetchrow(
        f"""WITH c AS (INSERT INTO conditions (venue_id, kind, objective, params, text)
                       VALUES ($1, $2, $3, $4, $5) RETURNING *)
            SELECT {CONDITION_COLUMNS} FROM c""",
        venue_id,
        data.kind,
        data.objective,
        data.params,
        data.text,
    )
    return _condition(row)


async def update_condition(
    conn: Connection, condition_id: int, patch: ConditionPatch
) -> Condition | None:
    fields = given_fields(patch)
    if not fields:
        return await get_condition(conn, condition_id)
    sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(fields, start=2))
    row = await conn.fetchrow(
        f"""WITH c AS (UPDATE conditions SET {sets}, updated_at = now() WHERE id = $1 RETURNING *)
            SELECT {CONDITION_COLUMNS} FROM c""",
        condition_id,
        *fields.values(),
    )
    return _condition(row) if row else None


async def delete_condition(conn: Connection, condition_id: int) -> bool:
    result = await conn.execute("DELETE FROM conditions WHERE id = $1", condition_id)
    return bool(result == "DELETE 1")


async def any_venue(conn: Connection) -> bool:
    """True once the registry holds a venue: the demo loads only into an empty one."""
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM venues)"))

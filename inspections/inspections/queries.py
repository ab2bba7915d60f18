"""SQL for visits, inspections, their checklist snapshot and photos."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import msgspec

from inspections.inspections.checklist import ChecklistContext, ChecklistItem, DoorSupervisor
from inspections.inspections.schemas import (
    ActionBrief,
    Inspection,
    InspectionItem,
    InspectionSummary,
    Photo,
    Visit,
    VisitCreate,
)
from nte.db import Connection

__all__ = [
    "INSPECTION_OWNER",
    "PHOTO_OWNER",
    "VISIT_OWNER",
    "checklist_inputs",
    "create_visit",
    "get_inspection",
    "list_inspections",
    "list_visits",
    "manager_emails",
]

# Owner lookups for venue_scope guards: the venue each record belongs to.
INSPECTION_OWNER = "SELECT venue_id FROM inspections WHERE id = $1"
PHOTO_OWNER = "SELECT venue_id FROM inspection_photos WHERE id = $1"
VISIT_OWNER = "SELECT venue_id FROM visits WHERE id = $1"


async def checklist_inputs(
    conn: Connection, venue_id: int, on: date
) -> tuple[list[tuple[int, str, dict[str, Any], str]], ChecklistContext]:
    """The venue's conditions (its own first, then the law's) and the facts the standard
    checks name, read in one round trip."""
    row = await conn.fetchrow(
        """
        SELECT v.dps_name,
               coalesce((SELECT jsonb_agg(jsonb_build_array(c.id, c.kind, c.params, c.text)
                                          ORDER BY c.mandatory_code IS NOT NULL, c.id)
                         FROM conditions c WHERE c.venue_id = v.id), '[]') AS conditions,
               coalesce((SELECT jsonb_agg(jsonb_build_object('name', s.name,
                                    'sia_licence_no', s.sia_licence_no,
                                    'sia_expires_on', s.sia_expires_on) ORDER BY s.name, s.id)
                         FROM staff s WHERE s.venue_id = v.id AND s.role = 'door_supervisor'
                           AND (s.left_on IS NULL OR s.left_on > $2)), '[]') AS door,
               p.enrolled_on IS NOT NULL AND (p.withdrawn_on IS NULL OR p.withdrawn_on > $2)
                   AS angela_enrolled,
               coalesce(p.posters_displayed, false) AS angela_posters,
               (SELECT count(DISTINCT t.staff_id) FROM training t JOIN staff s ON s.id = t.staff_id
                WHERE t.venue_id = v.id AND t.course = 'ask_for_angela' AND t.expires_on >= $2
                  AND s.front_of_house AND (s.left_on IS NULL OR s.left_on > $2)) AS angela_trained
        FROM venues v LEFT JOIN angela_participation p ON p.venue_id = v.id
        WHERE v.id = $1
        """,
        venue_id,
        on,
    )
    if row is None:
        return [], ChecklistContext(on=on)
    conditions = [(c[0], c[1], c[2] or {}, c[3]) for c in row["conditions"]]
    ctx = ChecklistContext(
        on=on,
        dps_name=row["dps_name"],
        door_supervisors=msgspec.convert(row["door"], list[DoorSupervisor]),
        angela_enrolled=bool(row["angela_enrolled"]),
        angela_posters=row["angela_posters"],
        angela_trained=row["angela_trained"],
    )
    return conditions, ctx


# -- inspections ------------------------------------------------------------------------------


async def find_by_uuid(conn: Connection, client_uuid: uuid.UUID) -> tuple[int, bytes] | None:
    row = await conn.fetchrow(
        "SELECT id, fingerprint FROM inspections WHERE client_uuid = $1", client_uuid
    )
    return (row["id"], bytes(row["fingerprint"])) if row else None


async def insert_inspection(
    conn: Connection,
    *,
    venue_id: int,
    client_uuid: uuid.UUID,
    fingerprint: bytes,
    visit_id: int | None,
    officer_id: int | None,
    kind: str,
    reason: str,
    scheduled_for: date | None,
    started_at: datetime | None,
) -> int | None:
    """The new inspection's id, or None when that client_uuid is already stored (a retry).

    ON CONFLICT makes two racing uploads of one draft wait for each other and store one row.
    """
    new_id: int | None = await conn.fetchval(
        """
        INSERT INTO inspections (venue_id, client_uuid, fingerprint, visit_id, officer_id, kind,
                                 reason, scheduled_for, started_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9, now()))
        ON CONFLICT (client_uuid) DO NOTHING
        RETURNING id
        """,
        venue_id,
        client_uuid,
        fingerprint,
        visit_id,
        officer_id,
        kind,
        reason,
        scheduled_for,
        started_at,
    )
    return new_id


async def insert_items(
    conn: Connection, inspection_id: int, venue_id: int, items: list[ChecklistItem], start: int = 0
) -> None:
    await conn.executemany(
        """
        INSERT INTO inspection_items (inspection_id, venue_id, position, key, condition_id,
                                      "check", kind, question, guidance, condition_text)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        """,
        [
            (
                inspection_id,
                venue_id,
                start + n,
                i.key,
                i.condition_id,
                i.check,
                i.kind,
                i.question,
                i.guidance,
                i.condition_text,
            )
            for n, i in enumerate(items)
        ],
    )


async def visit_for(conn: Connection, visit_id: int) -> tuple[int, date, str, str] | None:
    row = await conn.fetchrow(
        "SELECT venue_id, planned_on, kind, reason FROM visits WHERE id = $1", visit_id
    )
    return (row["venue_id"], row["planned_on"], row["kind"], row["reason"]) if row else None


_PHOTO_COLUMNS = """p.id, p.client_uuid, p.item_id, p.content_type, p.size, p.uploaded_at,
    '/api/v1/photos/' || p.id AS url"""


async def get_inspection(conn: Connection, inspection_id: int) -> Inspection | None:
    """The inspection with its items, their photos and its actions, in one round trip."""
    row = await conn.fetchrow(
        f"""
        SELECT i.id, i.venue_id, v.name AS venue_name, i.client_uuid, i.visit_id, i.officer_id,
               coalesce(nullif(u.display_name, ''), u.email, '') AS officer_name, i.kind,
               i.reason, i.scheduled_for, i.started_at, i.completed_at, i.outcome,
               i.confidence_in_management, i.summary, i.generated,
               coalesce((SELECT jsonb_agg(to_jsonb(it) || jsonb_build_object('photos',
                             coalesce((SELECT jsonb_agg(to_jsonb(ph) ORDER BY ph.id)
                                       FROM (SELECT {_PHOTO_COLUMNS} FROM inspection_photos p
                                             WHERE p.item_id = it.id) ph), '[]'))
                             ORDER BY it.position)
                         FROM (SELECT id, key, position, condition_id, "check", kind, question,
                                      guidance, condition_text, result, note
                               FROM inspection_items WHERE inspection_id = i.id) it), '[]')
                   AS items,
               coalesce((SELECT jsonb_agg(jsonb_build_object('id', a.id, 'item', a.item,
                             'description', a.description, 'due_on', a.due_on,
                             'status', a.status) ORDER BY a.id)
                         FROM actions a WHERE a.inspection_id = i.id), '[]') AS actions
        FROM inspections i JOIN venues v ON v.id = i.venue_id
        LEFT JOIN users u ON u.id = i.officer_id
        WHERE i.id = $1
        """,
        inspection_id,
    )
    if row is None:
        return None
    data = dict(row)
    data["items"] = msgspec.convert(data["items"], list[InspectionItem], strict=False)
    data["actions"] = msgspec.convert(data["actions"], list[ActionBrief], strict=False)
    return msgspec.convert(data, Inspection, from_attributes=True, strict=False)


async def list_inspections(conn: Connection, venue_id: int) -> list[InspectionSummary]:
    rows = await conn.fetch(
        """
        SELECT i.id, i.venue_id, i.client_uuid,
               coalesce(nullif(u.display_name, ''), u.email, '') AS officer_name, i.kind,
               i.started_at, i.completed_at, i.outcome,
               (SELECT count(*) FROM inspection_items it
                WHERE it.inspection_id = i.id AND it.result IN ('minor', 'major')) AS breaches,
               (SELECT count(*) FROM actions a
                WHERE a.inspection_id = i.id AND a.status <> 'verified') AS open_actions
        FROM inspections i LEFT JOIN users u ON u.id = i.officer_id
        WHERE i.venue_id = $1
        ORDER BY i.started_at DESC, i.id DESC
        """,
        venue_id,
    )
    return [msgspec.convert(dict(r), InspectionSummary) for r in rows]


async def item_ids(conn: Connection, inspection_id: int) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT key, id FROM inspection_items WHERE inspection_id = $1", inspection_id
    )
    return {r["key"]: r["id"] for r in rows}


async def set_item(conn: Connection, item_id: int, result: str | None, note: str | None) -> None:
    # IS DISTINCT FROM: an unchanged answer writes nothing, so a retry adds no audit noise.
    await conn.execute(
        """UPDATE inspection_items SET result = coalesce($2, result), note = coalesce($3, note)
           WHERE id = $1 AND (result, note) IS DISTINCT FROM (coalesce($2, result), coalesce($3, note))""",
        item_id,
        result,
        note,
    )


async def set_fields(conn: Connection, inspection_id: int, fields: dict[str, Any]) -> None:
    if not fields:
        return
    names = list(fields)
    sets = ", ".join(f"{n} = ${k + 2}" for k, n in enumerate(names))
    changed = " OR ".join(f"{n} IS DISTINCT FROM ${k + 2}" for k, n in enumerate(names))
    await conn.execute(
        f"UPDATE inspections SET {sets}, updated_at = now() WHERE id = $1 AND ({changed})",
        inspection_id,
        *fields.values(),
    )


async def complete(conn: Connection, inspection_id: int) -> datetime | None:
    """Mark it completed with its derived outcome; None if it already was (completed once)."""
    at: datetime | None = await conn.fetchval(
        """
        UPDATE inspections i SET completed_at = now(), updated_at = now(),
               outcome = CASE WHEN EXISTS (SELECT 1 FROM inspection_items it
                                           WHERE it.inspection_id = i.id AND it.result = 'major')
                                   THEN 'major'
                              WHEN EXISTS (SELECT 1 FROM inspection_items it
                                           WHERE it.inspection_id = i.id AND it.result = 'minor')
                                   THEN 'minor'
                              ELSE 'compliant' END
        WHERE i.id = $1 AND i.completed_at IS NULL
        RETURNING completed_at
        """,
        inspection_id,
    )
    return at


async def lock(conn: Connection, inspection_id: int) -> bool:
    """Hold the inspection's row for this transaction: concurrent PATCHes apply one by one."""
    found = await conn.fetchval(
        "SELECT true FROM inspections WHERE id = $1 FOR UPDATE", inspection_id
    )
    return bool(found)


# -- photos -----------------------------------------------------------------------------------


async def find_photo(conn: Connection, client_uuid: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        "SELECT id, inspection_id, item_id, sha256 FROM inspection_photos WHERE client_uuid = $1",
        client_uuid,
    )
    return dict(row) if row else None


async def insert_photo(
    conn: Connection,
    *,
    inspection_id: int,
    venue_id: int,
    item_id: int | None,
    client_uuid: uuid.UUID,
    sha256: bytes,
    content_type: str,
    content: bytes,
) -> int | None:
    new_id: int | None = await conn.fetchval(
        """
        INSERT INTO inspection_photos (inspection_id, venue_id, item_id, client_uuid, sha256,
                                       content_type, size, content)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (client_uuid) DO NOTHING
        RETURNING id
        """,
        inspection_id,
        venue_id,
        item_id,
        client_uuid,
        sha256,
        content_type,
        len(content),
        content,
    )
    return new_id


async def get_photo(conn: Connection, photo_id: int) -> Photo | None:
    row = await conn.fetchrow(
        f"SELECT {_PHOTO_COLUMNS} FROM inspection_photos p WHERE p.id = $1", photo_id
    )
    return msgspec.convert(dict(row), Photo) if row else None


async def photo_content(conn: Connection, photo_id: int) -> tuple[str, bytes] | None:
    row = await conn.fetchrow(
        "SELECT content_type, content FROM inspection_photos WHERE id = $1", photo_id
    )
    return (row["content_type"], bytes(row["content"])) if row else None


# -- visits -----------------------------------------------------------------------------------

# Distance on a sphere (haversine) in metres; enough to say which venue is nearest on foot.
_DISTANCE = """CASE WHEN $3::float8 IS NULL OR v.latitude IS NULL THEN NULL ELSE
    2 * 6371000 * asin(sqrt(power(sin(radians(v.latitude - $3) / 2), 2)
        + cos(radians($3)) * cos(radians(v.latitude))
          * power(sin(radians(v.longitude - $4) / 2), 2))) END"""

_VISIT_SELECT = f"""
    SELECT vi.id, vi.venue_id, v.name AS venue_name, v.address, v.postcode, v.latitude,
           v.longitude, vi.officer_id, vi.planned_on, vi.kind, vi.reason,
           CASE WHEN i.completed_at IS NOT NULL THEN 'done'
                WHEN vi.planned_on < $2 THEN 'overdue'
                WHEN vi.planned_on = $2 THEN 'today' ELSE 'coming' END AS status,
           i.id AS inspection_id, {_DISTANCE} AS distance_m
    FROM visits vi JOIN venues v ON v.id = vi.venue_id
    LEFT JOIN inspections i ON i.visit_id = vi.id
"""


async def list_visits(
    conn: Connection,
    officer_id: int,
    on: date,
    *,
    lat: float | None = None,
    lon: float | None = None,
    days_ahead: int = 14,
) -> list[Visit]:
    """The officer's visits not yet done: overdue and today's first (nearest first when the
    tablet says where it is), then the coming fortnight by date."""
    rows = await conn.fetch(
        f"""{_VISIT_SELECT}
        WHERE vi.officer_id = $1 AND i.completed_at IS NULL AND vi.planned_on <= $2 + $5::int
        ORDER BY vi.planned_on > $2, CASE WHEN vi.planned_on <= $2 THEN {_DISTANCE} END NULLS LAST,
                 vi.planned_on, vi.id""",
        officer_id,
        on,
        lat,
        lon,
        days_ahead,
    )
    return [msgspec.convert(dict(r), Visit) for r in rows]


async def venue_visits(conn: Connection, venue_id: int, on: date) -> list[Visit]:
    rows = await conn.fetch(
        f"{_VISIT_SELECT} WHERE vi.venue_id = $1 ORDER BY vi.planned_on DESC, vi.id DESC LIMIT 50",
        venue_id,
        on,
        None,
        None,
    )
    return [msgspec.convert(dict(r), Visit) for r in rows]


async def get_visit(conn: Connection, visit_id: int, on: date) -> Visit | None:
    row = await conn.fetchrow(
        f"{_VISIT_SELECT} WHERE vi.id = $1",
        visit_id,
        on,
        None,
        None,
    )
    return msgspec.convert(dict(row), Visit) if row else None


async def create_visit(conn: Connection, venue_id: int, officer_id: int, data: VisitCreate) -> int:
    visit_id: int = await conn.fetchval(
        "INSERT INTO visits (venue_id, officer_id, planned_on, kind, reason) "
        "VALUES ($1, $2, $3, $4, $5) RETURNING id",
        venue_id,
        officer_id,
        data.planned_on,
        data.kind,
        data.reason.strip(),
    )
    return visit_id


async def is_officer(conn: Connection, user_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT true FROM users WHERE id = $1 AND role IN ('officer', 'admin') AND NOT disabled",
            user_id,
        )
    )


async def manager_emails(conn: Connection, venue_id: int) -> list[str]:
    """Who manages the venue and may be written to (enabled accounts)."""
    rows = await conn.fetch(
        """SELECT u.email FROM user_venues uv JOIN users u ON u.id = uv.user_id
           WHERE uv.venue_id = $1 AND u.role = 'venue_manager' AND NOT u.disabled
           ORDER BY u.email""",
        venue_id,
    )
    return [r["email"] for r in rows]

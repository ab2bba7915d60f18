"""SQL for a venue's people, training and certificates, and front-of-house coverage."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec

from nte.db import Connection
from venues.staff.schemas import CertificateInfo, Staff, Training

__all__ = [
    "STAFF_OWNER",
    "TRAINING_OWNER",
    "WRITABLE",
    "create_staff",
    "create_training",
    "front_of_house_coverage",
    "get_certificate",
    "get_staff",
    "get_training",
    "latest_training",
    "list_staff",
    "list_training",
    "other_dps",
    "save_certificate",
    "update_staff",
]

# For the venue_scope guard: the venue a person or a training record belongs to.
STAFF_OWNER = "SELECT venue_id FROM staff WHERE id = $1"
TRAINING_OWNER = "SELECT venue_id FROM training WHERE id = $1"

# `active` depends on the day, so it is computed when read; $1 of every query below is the day.
STAFF_COLUMNS = """
    s.id, s.venue_id, s.name, s.role, s.front_of_house, s.started_on, s.left_on,
    s.sia_licence_no, s.sia_expires_on, staff_active_on(s.left_on, $1) AS active,
    s.generated, s.created_at, s.updated_at"""

# The certificate's facts without its bytes: `content` is never named, so never read.
TRAINING_COLUMNS = """
    t.id, t.venue_id, t.staff_id, t.course, t.completed_on, t.expires_on, t.created_at,
    c.filename, c.content_type, c.size, c.uploaded_at"""
TRAINING_FROM = "training t LEFT JOIN training_certificates c ON c.training_id = t.id"


def _staff(record: Any) -> Staff:
    return msgspec.convert(dict(record), Staff)


def _training(record: Any) -> Training:
    row = dict(record)
    info = {k: row.pop(k) for k in ("filename", "content_type", "size", "uploaded_at")}
    row["certificate"] = (
        msgspec.convert(info, CertificateInfo) if info["filename"] is not None else None
    )
    return msgspec.convert(row, Training)


async def list_staff(
    conn: Connection, venue_id: int, on: date, *, include_left: bool = True
) -> list[Staff]:
    """A venue's people: active ones first, each group by name."""
    rows = await conn.fetch(
        f"""SELECT {STAFF_COLUMNS} FROM staff s
            WHERE s.venue_id = $2 AND ($3 OR staff_active_on(s.left_on, $1))
            ORDER BY staff_active_on(s.left_on, $1) DESC, lower(s.name), s.id""",
        on,
        venue_id,
        include_left,
    )
    return [_staff(r) for r in rows]


async def get_staff(conn: Connection, staff_id: int, on: date) -> Staff | None:
    row = await conn.fetchrow(f"SELECT {STAFF_COLUMNS} FROM staff s WHERE s.id = $2", on, staff_id)
    return _staff(row) if row else None


# The columns a person's record may be written with: names are put into SQL, so they come
# from this list, never from whatever keys a caller passes.
WRITABLE = frozenset(
    {"name", "role", "front_of_house", "started_on", "left_on", "sia_licence_no", "sia_expires_on"}
)


def _writable(fields: dict[str, Any]) -> None:
    if unknown := set(fields) - WRITABLE:
        raise ValueError(f"not a writable staff column: {', '.join(sorted(unknown))}")


async def create_staff(conn: Connection, venue_id: int, fields: dict[str, Any], on: date) -> Staff:
    _writable(fields)
    columns = ["venue_id", *fields]
    placeholders = ", ".join(f"${i}" for i in range(2, len(columns) + 2))
    row = await conn.fetchrow(
        f"""WITH s AS (INSERT INTO staff ({", ".join(columns)}) VALUES ({placeholders})
                       RETURNING *)
            SELECT {STAFF_COLUMNS} FROM s""",
        on,
        venue_id,
        *fields.values(),
    )
    return _staff(row)


async def update_staff(
    conn: Connection, staff_id: int, fields: dict[str, Any], on: date
) -> Staff | None:
    _writable(fields)
    if not fields:
        return await get_staff(conn, staff_id, on)
    sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(fields, start=3))
    row = await conn.fetchrow(
        f"""WITH s AS (UPDATE staff SET {sets}, updated_at = now() WHERE id = $2 RETURNING *)
            SELECT {STAFF_COLUMNS} FROM s""",
        on,
        staff_id,
        *fields.values(),
    )
    return _staff(row) if row else None


async def list_training(conn: Connection, staff_id: int) -> list[Training]:
    """One person's training records, the latest expiry first."""
    rows = await conn.fetch(
        f"""SELECT {TRAINING_COLUMNS} FROM {TRAINING_FROM} WHERE t.staff_id = $1
            ORDER BY t.expires_on DESC, t.id DESC""",
        staff_id,
    )
    return [_training(r) for r in rows]


async def get_training(conn: Connection, training_id: int) -> Training | None:
    row = await conn.fetchrow(
        f"SELECT {TRAINING_COLUMNS} FROM {TRAINING_FROM} WHERE t.id = $1", training_id
    )
    return _training(row) if row else None


async def create_training(
    conn: Connection, staff: Staff, course: str, completed_on: date, expires_on: date
) -> Training:
    training_id = await conn.fetchval(
        """INSERT INTO training (venue_id, staff_id, course, completed_on, expires_on)
           VALUES ($1, $2, $3, $4, $5) RETURNING id""",
        staff.venue_id,
        staff.id,
        course,
        completed_on,
        expires_on,
    )
    training = await get_training(conn, training_id)
    assert training is not None
    return training


async def other_dps(conn: Connection, venue_id: int, staff_id: int | None) -> str | None:
    """The name of the venue's DPS on record other than ``staff_id``, if there is one.

    "On record" is the database's one-DPS rule (``staff_one_dps_idx``: no leaving date), not
    "active today": a DPS handing over with a leaving date set lets the new one be entered.
    """
    name: str | None = await conn.fetchval(
        """SELECT name FROM staff WHERE venue_id = $1 AND role = 'dps' AND left_on IS NULL
             AND id IS DISTINCT FROM $2 LIMIT 1""",
        venue_id,
        staff_id,
    )
    return name


async def latest_training(
    conn: Connection, venue_id: int, on: date
) -> dict[tuple[int, str], Training]:
    """Each person's record with the latest expiry per course at one venue, of those completed
    by ``on`` (a record completed later did not exist yet that day)."""
    rows = await conn.fetch(
        f"""SELECT DISTINCT ON (t.staff_id, t.course) {TRAINING_COLUMNS}
            FROM {TRAINING_FROM} WHERE t.venue_id = $1 AND t.completed_on <= $2
            ORDER BY t.staff_id, t.course, t.expires_on DESC, t.id DESC""",
        venue_id,
        on,
    )
    return {(r["staff_id"], r["course"]): _training(r) for r in rows}


async def save_certificate(
    conn: Connection, training: Training, filename: str, content_type: str, content: bytes
) -> CertificateInfo:
    """Attach (or replace) the certificate of a training record."""
    row = await conn.fetchrow(
        """INSERT INTO training_certificates
               (venue_id, training_id, filename, content_type, size, content)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (training_id) DO UPDATE SET
               filename = excluded.filename, content_type = excluded.content_type,
               size = excluded.size, content = excluded.content, uploaded_at = now()
           RETURNING filename, content_type, size, uploaded_at""",
        training.venue_id,
        training.id,
        filename,
        content_type,
        len(content),
        content,
    )
    return msgspec.convert(dict(row), CertificateInfo)


async def get_certificate(
    conn: Connection, training_id: int
) -> tuple[CertificateInfo, bytes] | None:
    row = await conn.fetchrow(
        """SELECT filename, content_type, size, uploaded_at, content
           FROM training_certificates WHERE training_id = $1""",
        training_id,
    )
    if row is None:
        return None
    info = {k: row[k] for k in ("filename", "content_type", "size", "uploaded_at")}
    return msgspec.convert(info, CertificateInfo), bytes(row["content"])


async def front_of_house_coverage(
    conn: Connection, venue_ids: list[int] | None, on: date | None = None
) -> dict[int, tuple[int, int]]:
    """venue_id -> (covered, total): of the active front-of-house staff (total), how many hold
    valid WAVE and Ask-for-Angela training on ``on`` (covered). One pass over all venues
    (``venue_ids`` None) or the ones named; a venue with nobody front of house is (0, 0).

    Valid and active as the database defines them (training_valid_on, staff_active_on).
    """
    rows = await conn.fetch(
        """
        WITH d AS (
            -- The venues' own today unless asked about another day.
            SELECT coalesce($2::date, (now() AT TIME ZONE 'Europe/London')::date) AS day
        ),
        trained AS (
            SELECT t.staff_id
            FROM training t, d
            WHERE t.course IN ('wave', 'ask_for_angela')
              AND training_valid_on(t.completed_on, t.expires_on, d.day)
              AND ($1::bigint[] IS NULL OR t.venue_id = ANY ($1))
            GROUP BY t.staff_id
            HAVING count(DISTINCT t.course) = 2
        )
        SELECT v.id AS venue_id,
               count(s.id) AS total,
               count(tr.staff_id) AS covered
        FROM venues v
        CROSS JOIN d
        LEFT JOIN staff s ON s.venue_id = v.id AND s.front_of_house
                         AND staff_active_on(s.left_on, d.day)
        LEFT JOIN trained tr ON tr.staff_id = s.id
        WHERE ($1::bigint[] IS NULL OR v.id = ANY ($1))
        GROUP BY v.id
        """,
        venue_ids,
        on,
    )
    return {r["venue_id"]: (r["covered"], r["total"]) for r in rows}

"""SQL for actions: raised from an inspection's breaches, listed, answered, verified."""

from __future__ import annotations

from datetime import date

import msgspec

from inspections.actions.schemas import Action
from nte.db import Connection

__all__ = [
    "ACTION_OWNER",
    "get_action",
    "get_file",
    "list_actions",
    "raise_for_inspection",
    "save_file",
    "set_status",
]

ACTION_OWNER = "SELECT venue_id FROM actions WHERE id = $1"

_SELECT = """
    SELECT a.id, a.inspection_id, a.venue_id, v.name AS venue_name, a.item, a.severity,
           a.description, a.due_on, a.status, a.status <> 'verified' AND a.due_on < $2 AS overdue,
           a.answer, a.answered_at, a.verified_at, a.officer_note,
           CASE WHEN f.action_id IS NULL THEN NULL ELSE jsonb_build_object(
               'filename', f.filename, 'content_type', f.content_type, 'size', f.size,
               'uploaded_at', f.uploaded_at, 'url', '/api/v1/actions/' || a.id || '/file') END
               AS file
    FROM actions a JOIN venues v ON v.id = a.venue_id
    LEFT JOIN action_files f ON f.action_id = a.id
"""


def _action(row: object) -> Action:
    return msgspec.convert(dict(row), Action, strict=False)  # type: ignore[call-overload]


async def raise_for_inspection(
    conn: Connection, inspection_id: int, *, minor_due: date, major_due: date
) -> int:
    """One action per minor or major item; an item already holding one is left as it is."""
    result = await conn.execute(
        """
        INSERT INTO actions (inspection_id, item_id, venue_id, item, severity, description, due_on)
        SELECT it.inspection_id, it.id, it.venue_id, it.question, it.result,
               CASE WHEN btrim(it.note) <> '' THEN it.note ELSE it.question END,
               CASE it.result WHEN 'major' THEN $3::date ELSE $2::date END
        FROM inspection_items it
        WHERE it.inspection_id = $1 AND it.result IN ('minor', 'major')
        ORDER BY it.position
        ON CONFLICT (item_id) DO NOTHING
        """,
        inspection_id,
        minor_due,
        major_due,
    )
    return int(result.rsplit(" ", 1)[-1])


async def list_actions(conn: Connection, venue_id: int, on: date) -> list[Action]:
    rows = await conn.fetch(
        f"""{_SELECT} WHERE a.venue_id = $1
            ORDER BY a.status = 'verified', a.due_on, a.id""",
        venue_id,
        on,
    )
    return [_action(r) for r in rows]


async def get_action(conn: Connection, action_id: int, on: date) -> Action | None:
    row = await conn.fetchrow(f"{_SELECT} WHERE a.id = $1", action_id, on)
    return _action(row) if row else None


async def set_status(conn: Connection, action_id: int, step: str, note: str, user_id: int) -> None:
    if step == "answer":
        await conn.execute(
            """UPDATE actions SET status = 'answered', answer = $2, answered_at = now(),
                   answered_by = $3, updated_at = now() WHERE id = $1""",
            action_id,
            note,
            user_id,
        )
    elif step == "verify":
        await conn.execute(
            """UPDATE actions SET status = 'verified', verified_at = now(), verified_by = $3,
                   officer_note = CASE WHEN $2 = '' THEN officer_note ELSE $2 END,
                   updated_at = now() WHERE id = $1""",
            action_id,
            note,
            user_id,
        )
    else:
        await conn.execute(
            """UPDATE actions SET status = 'reopened', verified_at = NULL, verified_by = NULL,
                   officer_note = $2, updated_at = now() WHERE id = $1""",
            action_id,
            note,
        )


async def save_file(
    conn: Connection,
    action_id: int,
    venue_id: int,
    *,
    filename: str,
    content_type: str,
    content: bytes,
    user_id: int,
) -> None:
    await conn.execute(
        """
        INSERT INTO action_files (action_id, venue_id, filename, content_type, size, content,
                                  uploaded_by)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (action_id) DO UPDATE SET filename = excluded.filename,
            content_type = excluded.content_type, size = excluded.size,
            content = excluded.content, uploaded_by = excluded.uploaded_by, uploaded_at = now()
        """,
        action_id,
        venue_id,
        filename,
        content_type,
        len(content),
        content,
        user_id,
    )


async def get_file(conn: Connection, action_id: int) -> tuple[str, str, bytes] | None:
    row = await conn.fetchrow(
        "SELECT filename, content_type, content FROM action_files WHERE action_id = $1", action_id
    )
    return (row["filename"], row["content_type"], bytes(row["content"])) if row else None

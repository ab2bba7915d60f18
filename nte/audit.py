"""Reading the audit trail. Writing it is the database's job (the audit_change trigger)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from nte.db import Connection

__all__ = ["WITHHELD", "AuditEntry", "act_as", "venue_history"]


async def act_as(conn: Connection, actor: str) -> None:
    """Name who every later change on this connection is by (a command, not a person signed
    in): session-wide, so each of its transactions is audited under that name."""
    await conn.execute("SELECT set_config('nte.actor', $1, false)", actor)


class AuditEntry(msgspec.Struct):
    id: int
    at: datetime
    actor: str
    action: str
    table_name: str
    record_id: int | None
    changes: dict[str, list[Any]]
    """Field -> [before, after] for updates; every field for creates and deletes."""
    request_id: str | None


WITHHELD = "(text withheld)"
"""How a withheld value reads: the trail keeps only a hash of special-category text
(migration 0011), so it can say that the text changed, never what it said."""


def _shown(value: Any) -> Any:
    if isinstance(value, dict) and value.get("withheld") is True:
        return WITHHELD
    return value


def _changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list[Any]]:
    before, after = before or {}, after or {}
    skip = {"id", "created_at", "updated_at"}
    keys = [k for k in {**before, **after} if k not in skip]
    return {
        k: [_shown(before.get(k)), _shown(after.get(k))]
        for k in keys
        if before.get(k) != after.get(k)
    }


async def venue_history(conn: Connection, venue_id: int, limit: int = 50) -> list[AuditEntry]:
    """Every recorded change to a venue and the records under it, newest first."""
    rows = await conn.fetch(
        """SELECT id, at, actor, action, table_name, record_id, before, after, request_id
           FROM audit_log WHERE venue_id = $1 ORDER BY at DESC, id DESC LIMIT $2""",
        venue_id,
        limit,
    )
    return [
        AuditEntry(
            id=r["id"],
            at=r["at"],
            actor=r["actor"],
            action=r["action"],
            table_name=r["table_name"],
            record_id=r["record_id"],
            changes=_changes(r["before"], r["after"]),
            request_id=r["request_id"],
        )
        for r in rows
    ]

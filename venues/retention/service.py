"""The retention rules (DOMAIN.md, "Data protection"), applied nightly and by ``nte retention run``.

- A sensitive incident older than ``NTE_SENSITIVE_RETENTION_MONTHS`` (24) loses its free
  text: the description becomes a note saying it was removed and when, the police
  reference goes. Category, severity, date, venue, source and the flags stay, so the
  checks and the counts see the incident as before.
- Training certificates of staff who left more than ``NTE_STAFF_RETENTION_MONTHS`` (12)
  ago are deleted; the training record itself (course and dates) stays.

Each run is one transaction and one row in ``retention_runs`` (how many of each, never
what was removed). A rerun finds nothing left to do and changes nothing; two runs at
once (a command and the nightly fire) do each thing once, since the second waits on the
first's row locks and then finds the rows already done.
"""

from __future__ import annotations

import time
from datetime import date, datetime

import msgspec

from nte import clock
from nte.db import Connection, set_actor
from nte.settings import Settings

__all__ = ["RetentionResult", "redaction_note", "run_retention"]


class RetentionResult(msgspec.Struct):
    run_id: int
    trigger: str
    incidents_before: datetime
    """Sensitive incidents that happened before this moment lost their free text."""
    staff_left_before: date
    """Certificates of people who left before this day were deleted."""
    incidents_redacted: int
    certificates_deleted: int
    seconds: float


def redaction_note(on: date, months: int) -> str:
    """What a redacted incident's description says instead."""
    return (
        f"Details removed on {on:%-d %b %Y} under the retention rule: the free text of a "
        f"sensitive incident is kept for {months} months."
    )


_START = """
    INSERT INTO retention_runs (trigger, started_at, incidents_before, staff_left_before)
    VALUES ($1, $2::timestamptz, $2::timestamptz - make_interval(months => $3),
            ($4::date - make_interval(months => $5))::date)
    RETURNING id, incidents_before, staff_left_before
"""

# The partial index incidents_retention_idx holds exactly the rows still due.
_REDACT = """
    UPDATE incidents
    SET description = $2, police_ref = NULL, redacted_at = $3
    WHERE sensitive AND redacted_at IS NULL AND occurred_at < $1
"""

_DELETE_CERTIFICATES = """
    DELETE FROM training_certificates c
    USING training t JOIN staff s ON s.id = t.staff_id
    WHERE t.id = c.training_id AND s.left_on < $1
"""

_FINISH = """
    UPDATE retention_runs
    SET finished_at = clock_timestamp(), incidents_redacted = $2, certificates_deleted = $3
    WHERE id = $1
"""


def _count(status: str) -> int:
    """Rows touched, from asyncpg's command tag ("UPDATE 12", "DELETE 3")."""
    return int(status.rsplit(" ", 1)[-1])


async def run_retention(
    conn: Connection, settings: Settings, *, trigger: str = "manual", now: datetime | None = None
) -> RetentionResult:
    """Apply both rules as of ``now`` (default: the clock) in one transaction."""
    now = now or clock.now()
    today = now.astimezone(clock.LONDON).date()
    started = time.perf_counter()
    async with conn.transaction():
        # The audit trail names the rule, not whoever happened to run the command.
        await set_actor(conn, actor_id=None, actor=f"retention rule ({trigger})")
        run = await conn.fetchrow(
            _START,
            trigger,
            now,
            settings.sensitive_retention_months,
            today,
            settings.staff_retention_months,
        )
        redacted = _count(
            await conn.execute(
                _REDACT,
                run["incidents_before"],
                redaction_note(today, settings.sensitive_retention_months),
                now,
            )
        )
        deleted = _count(await conn.execute(_DELETE_CERTIFICATES, run["staff_left_before"]))
        await conn.execute(_FINISH, run["id"], redacted, deleted)
    return RetentionResult(
        run_id=run["id"],
        trigger=trigger,
        incidents_before=run["incidents_before"],
        staff_left_before=run["staff_left_before"],
        incidents_redacted=redacted,
        certificates_deleted=deleted,
        seconds=time.perf_counter() - started,
    )

"""The recompute of the borough's risk ratings: every factor once, in one statement.

Run by the scheduled checks before their rules (the inspection_overdue rule reads the due
date it writes). Only what changed is written, so a rerun with nothing new writes nothing.
"""

from __future__ import annotations

import re
import time
from datetime import datetime

import msgspec

from inspections.risk.factors import FACTORS, Factor
from nte.db import Connection
from nte.settings import Settings

__all__ = ["RiskResult", "recompute_risk", "recompute_sql"]


class RiskResult(msgspec.Struct):
    rated: int = 0
    """Venues whose rating (score, factors or due date) was written."""
    removed: int = 0
    band_changes: int = 0
    seconds: float = 0.0


_PARAM = re.compile(r"\$(\d+)(?![\d:])")

# $1 now, $2 today, $3..$9 the bands and their intervals, $10..$12 the factors' names,
# titles and absent reasons; each factor's own settings follow, in order.
_FIXED = 12


def _placed(sql: str, first: int) -> str:
    """A factor's SQL with its own parameters ($3...) moved to start at ``first``, every
    one cast where it is used (all are whole numbers)."""

    def place(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n == 1:
            return "$1::timestamptz"
        if n == 2:
            return "$2::date"
        return f"${first + n - 3}::int"

    return _PARAM.sub(place, sql)


def recompute_sql(factors: tuple[Factor, ...], settings: Settings) -> tuple[str, list[object]]:
    """The statement and its settings parameters (after $1 and $2)."""
    ctes, params = [], []
    n = _FIXED + 1
    for pos, factor in enumerate(factors, 1):
        own = factor.params(settings)
        ctes.append(
            f"f{pos} AS (SELECT {pos} AS pos, * FROM ({_placed(factor.sql, n)})"
            " AS f(venue_id, points, reason))"
        )
        params.extend(own)
        n += len(own)
    found = " UNION ALL ".join(f"SELECT * FROM f{pos}" for pos in range(1, len(factors) + 1))
    sql = f"""
    WITH {", ".join(ctes)},
    found AS ({found}),
    meta AS (
        SELECT * FROM unnest($10::text[], $11::text[], $12::text[]) WITH ORDINALITY
            AS m(name, title, absent, pos)
    ),
    per_venue AS (
        -- the factors of each venue in the rating's order, absent ones at 0 with their reason
        SELECT v.id AS venue_id, v.created_at,
               jsonb_agg(jsonb_build_object('name', m.name, 'title', m.title,
                                            'points', coalesce(f.points, 0),
                                            'reason', coalesce(f.reason, m.absent))
                         ORDER BY m.pos) AS factors,
               sum(coalesce(f.points, 0))::int AS score
        FROM venues v CROSS JOIN meta m
        LEFT JOIN found f ON f.venue_id = v.id AND f.pos = m.pos
        WHERE v.status = 'active'
        GROUP BY v.id
    ),
    last AS (
        SELECT DISTINCT ON (venue_id) venue_id, completed_at
        FROM inspections WHERE completed_at IS NOT NULL AND completed_at <= $1::timestamptz
        ORDER BY venue_id, completed_at DESC
    ),
    banded AS (
        SELECT p.*, l.completed_at AS last_at,
               (l.completed_at AT TIME ZONE 'Europe/London')::date AS last_on,
               CASE WHEN p.score >= $3::int THEN 'A' WHEN p.score >= $4::int THEN 'B'
                    WHEN p.score >= $5::int THEN 'C' ELSE 'D' END AS band
        FROM per_venue p LEFT JOIN last l ON l.venue_id = p.venue_id
    ),
    intervals AS (
        SELECT b.*, CASE b.band WHEN 'A' THEN $6::int WHEN 'B' THEN $7::int
                                WHEN 'C' THEN $8::int ELSE $9::int END AS months
        FROM banded b
    ),
    by_band AS (
        -- a venue never inspected is due from the day it was added
        SELECT i.*, coalesce((i.last_on + make_interval(months => i.months))::date,
                             (i.created_at AT TIME ZONE 'Europe/London')::date) AS band_due
        FROM intervals i
    ),
    rated AS (
        SELECT d.venue_id, d.score, d.band, d.factors, d.last_on,
               CASE WHEN earlier THEN o.due_on ELSE d.band_due END AS due,
               CASE WHEN earlier THEN 'Brought forward by an officer: ' || o.reason
                    WHEN d.last_on IS NULL THEN 'Never inspected: due since it was added'
                    ELSE 'Band ' || d.band || ': every ' || d.months || ' months after the last '
                         || 'inspection (' || to_char(d.last_on, 'FMDD Mon YYYY') || ')' END AS due_reason
        FROM by_band d
        LEFT JOIN inspection_due_overrides o ON o.venue_id = d.venue_id
        CROSS JOIN LATERAL (
            -- an officer's date counts while it is earlier and no inspection has happened since
            SELECT o.venue_id IS NOT NULL AND o.due_on < d.band_due
                   AND (d.last_at IS NULL OR o.set_at > d.last_at) AS earlier
        ) e
    ),
    changed AS (
        SELECT r.*, old.band AS old_band, old.score AS old_score, old.factors AS old_factors
        FROM rated r LEFT JOIN venue_risk old ON old.venue_id = r.venue_id
        WHERE old.venue_id IS NULL
           OR (old.score, old.band, old.factors, old.last_inspected_on, old.next_inspection_due,
               old.due_reason)
              IS DISTINCT FROM (r.score, r.band, r.factors, r.last_on, r.due, r.due_reason)
    ),
    written AS (
        INSERT INTO venue_risk AS vr (venue_id, score, band, factors, last_inspected_on,
                                      next_inspection_due, due_reason, computed_at)
        SELECT venue_id, score, band, factors, last_on, due, due_reason, $1::timestamptz
        FROM changed
        ON CONFLICT (venue_id) DO UPDATE
            SET score = EXCLUDED.score, band = EXCLUDED.band, factors = EXCLUDED.factors,
                last_inspected_on = EXCLUDED.last_inspected_on,
                next_inspection_due = EXCLUDED.next_inspection_due,
                due_reason = EXCLUDED.due_reason, computed_at = EXCLUDED.computed_at
        RETURNING vr.venue_id
    ),
    gone AS (
        -- a licence no longer active is not rated
        DELETE FROM venue_risk vr
        WHERE NOT EXISTS (SELECT 1 FROM rated r WHERE r.venue_id = vr.venue_id)
        RETURNING vr.venue_id
    ),
    events AS (
        -- a band change, with the factors whose points moved (the first rating is no change)
        INSERT INTO risk_changes (venue_id, at, old_band, new_band, old_score, new_score, moved)
        SELECT c.venue_id, $1::timestamptz, c.old_band, c.band, c.old_score, c.score,
               (SELECT coalesce(jsonb_agg(jsonb_build_object(
                           'name', n.f ->> 'name', 'title', n.f ->> 'title',
                           'old_points', coalesce((o ->> 'points')::int, 0),
                           'new_points', (n.f ->> 'points')::int,
                           'reason', n.f ->> 'reason') ORDER BY n.i), '[]'::jsonb)
                FROM jsonb_array_elements(c.factors) WITH ORDINALITY AS n(f, i)
                LEFT JOIN jsonb_array_elements(c.old_factors) o ON o ->> 'name' = n.f ->> 'name'
                WHERE (o ->> 'points') IS DISTINCT FROM (n.f ->> 'points'))
        FROM changed c
        WHERE c.old_band IS NOT NULL AND c.old_band <> c.band
        RETURNING id
    ),
    badges AS (
        -- the columns the venue list filters and sorts on
        UPDATE venues v SET risk_band = r.band, risk_score = r.score, next_inspection_due = r.due
        FROM venues v2 LEFT JOIN rated r ON r.venue_id = v2.id
        WHERE v.id = v2.id
          AND (v.risk_band, v.risk_score, v.next_inspection_due)
              IS DISTINCT FROM (r.band, r.score, r.due)
        RETURNING v.id
    )
    SELECT (SELECT count(*) FROM written) AS rated, (SELECT count(*) FROM gone) AS removed,
           (SELECT count(*) FROM events) AS band_changes, (SELECT count(*) FROM badges) AS badges
    """
    fixed: list[object] = [
        settings.risk_band_a,
        settings.risk_band_b,
        settings.risk_band_c,
        settings.risk_interval_a_months,
        settings.risk_interval_b_months,
        settings.risk_interval_c_months,
        settings.risk_interval_d_months,
        [f.name for f in factors],
        [f.title for f in factors],
        [f.describe(settings) for f in factors],
    ]
    return sql, [*fixed, *params]


async def recompute_risk(
    conn: Connection,
    settings: Settings,
    now: datetime,
    today: object,
    factors: tuple[Factor, ...] = FACTORS,
) -> RiskResult:
    """Rate every active venue now; write only ratings that changed, and record band changes."""
    sql, params = recompute_sql(factors, settings)
    started = time.perf_counter()
    row = await conn.fetchrow(sql, now, today, *params)
    return RiskResult(
        rated=row["rated"],
        removed=row["removed"],
        band_changes=row["band_changes"],
        seconds=time.perf_counter() - started,
    )

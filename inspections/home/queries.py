"""The home page's SQL: a few set-based reads over the whole borough, none per venue."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

import msgspec

from inspections.home.schemas import Attention, RuleCount, Trends
from nte.clock import LONDON
from nte.db import Connection

__all__ = ["ATTENTION_SQL", "TRENDS_SQL", "attention", "flag_counts", "trends"]

# Venues that need attention, most urgent first: open serious flags, then the band, then an
# overdue inspection, overdue actions and the score. The reason is the factor that scores
# most, so the home page and the venue's risk panel say the same thing.
ATTENTION_SQL = """
WITH serious AS (
    SELECT venue_id, count(*)::int AS n FROM flags
    WHERE status <> 'resolved' AND severity = 'serious' GROUP BY venue_id
),
late AS (
    SELECT venue_id, count(*)::int AS n FROM actions
    WHERE status <> 'verified' AND due_on < $1 GROUP BY venue_id
)
SELECT r.venue_id, v.name, r.band, r.score, r.next_inspection_due,
       r.next_inspection_due < $1 AS inspection_overdue,
       coalesce(s.n, 0) AS serious_flags, v.open_flags, coalesce(l.n, 0) AS actions_overdue,
       (SELECT f ->> 'reason' FROM jsonb_array_elements(r.factors) WITH ORDINALITY AS x(f, i)
        ORDER BY (f ->> 'points')::int DESC, i LIMIT 1) AS reason
FROM venue_risk r
JOIN venues v ON v.id = r.venue_id
LEFT JOIN serious s ON s.venue_id = r.venue_id
LEFT JOIN late l ON l.venue_id = r.venue_id
WHERE r.band IN ('A', 'B') OR s.n > 0 OR l.n > 0 OR r.next_inspection_due < $1
ORDER BY coalesce(s.n, 0) > 0 DESC, r.band, r.next_inspection_due < $1 DESC,
         coalesce(l.n, 0) > 0 DESC, r.score DESC, lower(v.name), r.venue_id
LIMIT $2
"""


async def attention(conn: Connection, today: date, limit: int = 10) -> list[Attention]:
    rows = await conn.fetch(ATTENTION_SQL, today, limit)
    return [msgspec.convert(dict(r), Attention) for r in rows]


async def flag_counts(conn: Connection) -> list[RuleCount]:
    rows = await conn.fetch(
        """SELECT rule, count(*)::int AS count FROM flags WHERE status <> 'resolved'
           GROUP BY rule ORDER BY count(*) DESC, rule"""
    )
    return [msgspec.convert(dict(r), RuleCount) for r in rows]


# One pass over the venue-linked incidents of the last 16 weeks (12 drawn, 4 more for the
# first weeks' averages), counted by hour and category: a plain GROUP BY on the index that
# PostgreSQL can share among parallel workers. The few thousand hours are then put into
# London weeks, weekdays and hours (London is a whole number of hours from UTC).
TRENDS_SQL = """
WITH hours AS (
    SELECT date_trunc('hour', occurred_at) AS h, category, count(*)::int AS n
    FROM incidents
    WHERE venue_id IS NOT NULL AND occurred_at >= $1 AND occurred_at < $2
    GROUP BY 1, 2
)
SELECT date_trunc('week', h AT TIME ZONE 'Europe/London')::date AS week, category,
       extract(isodow FROM h AT TIME ZONE 'Europe/London')::int AS dow,
       extract(hour FROM h AT TIME ZONE 'Europe/London')::int AS hour, sum(n)::int AS n
FROM hours GROUP BY 1, 2, 3, 4
"""

WEEKS = 12
SHOWN_CATEGORIES = 5


async def trends(conn: Connection, today: date, now: datetime) -> Trends:
    this_monday = today - timedelta(days=today.weekday())
    first = this_monday - timedelta(weeks=WEEKS + 3)
    start = datetime.combine(first, time(), LONDON)
    rows = await conn.fetch(TRENDS_SQL, start, now)
    all_weeks = [first + timedelta(weeks=k) for k in range(WEEKS + 4)]
    index = {w: k for k, w in enumerate(all_weeks)}
    by_category: dict[str, list[int]] = defaultdict(lambda: [0] * len(all_weeks))
    heat = [[0] * 24 for _ in range(7)]
    for r in rows:
        k = index.get(r["week"])
        if k is None:
            continue
        by_category[r["category"]][k] += r["n"]
        if k >= 4:
            heat[r["dow"] - 1][r["hour"]] += r["n"]
    totals = [sum(c[k] for c in by_category.values()) for k in range(len(all_weeks))]
    ranked = sorted(by_category, key=lambda c: (-sum(by_category[c][4:]), c))
    shown = ranked[:SHOWN_CATEGORIES]
    series = [by_category[c][4:] for c in shown]
    if len(ranked) > SHOWN_CATEGORIES:
        rest = [
            sum(by_category[c][k] for c in ranked[SHOWN_CATEGORIES:])
            for k in range(4, len(all_weeks))
        ]
        shown, series = [*shown, "other categories"], [*series, rest]
    average = [sum(totals[k - 4 : k]) / 4 for k in range(4, len(all_weeks))]
    return Trends(weeks=all_weeks[4:], categories=shown, by_week=series, average=average, heat=heat)


class MapVenue(msgspec.Struct):
    id: int
    name: str
    latitude: float
    longitude: float
    band: str | None
    open_flags: int
    flag_severity: str | None


async def map_venues(conn: Connection, venue_ids: list[int] | None = None) -> list[MapVenue]:
    """Every venue with coordinates, highest risk first (the list beside the map)."""
    rows = await conn.fetch(
        """SELECT id, name, latitude, longitude, risk_band AS band, open_flags, flag_severity
           FROM venues
           WHERE latitude IS NOT NULL AND longitude IS NOT NULL
             AND ($1::bigint[] IS NULL OR id = ANY ($1))
           ORDER BY risk_score DESC NULLS LAST, lower(name), id""",
        venue_ids,
    )
    return [msgspec.convert(dict(r), MapVenue) for r in rows]

"""The factors of the risk rating (DOMAIN.md): one small, self-contained piece per factor.

A factor is one set-based query over the whole borough (never a query per venue) that
returns at most one row per venue it has something to say about:

    venue_id bigint, points int, reason text

A venue the query leaves out scores 0 for the factor, with the factor's ``absent`` reason.
Every query gets $1 the moment of the rating (timestamptz), $2 that day in London (date),
then the factor's own settings (whole numbers) in the order of ``params``. Every number is
a setting: the points as much as the thresholds.

To add a factor: write its SQL and add a ``Factor`` to ``FACTORS``. Nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from inspections.flags.rules import SALES, SETTING_NAMES, VIOLENT, _holders
from nte.settings import Settings

__all__ = ["FACTORS", "Factor"]


@dataclass(frozen=True)
class Factor:
    name: str
    title: str
    """What people call it ("Violent incidents")."""
    sql: str
    params: Callable[[Settings], list[Any]] = field(default=lambda s: [])
    absent: str = "Nothing recorded"
    """The reason shown where the query has no row for a venue (0 points), with
    ``{setting}`` where a setting decides a number (read it through ``describe``)."""

    def describe(self, settings: Settings) -> str:
        """The absent reason with this borough's numbers in it."""
        return self.absent.format_map({name: getattr(settings, name) for name in SETTING_NAMES})


_ACTIVE_VENUE = "v.status = 'active'"
_DAY = "to_char({}, 'FMDD Mon YYYY')"
_LONDON_DAY = "(({}) AT TIME ZONE 'Europe/London')::date"
_WEEKDAYS = "ARRAY['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']"

# The last completed inspection of each venue, up to the moment of the rating.
LAST_INSPECTION = """
    SELECT DISTINCT ON (venue_id) venue_id, id, completed_at, outcome, confidence_in_management
    FROM inspections
    WHERE completed_at IS NOT NULL AND completed_at <= $1
    ORDER BY venue_id, completed_at DESC, id DESC
"""

VENUE_TYPE = Factor(
    name="venue_type",
    title="Venue type and hours",
    params=lambda s: [
        s.risk_points_nightclub,
        s.risk_points_past_midnight,
        s.risk_points_alcohol_led,
        s.risk_points_other_type,
    ],
    # "Close earlier than open" runs past midnight; a close of 00:00 ends at midnight.
    sql=f"""
    SELECT v.id,
           CASE WHEN v.venue_type = 'nightclub' THEN $3
                WHEN late.days IS NOT NULL THEN $4
                WHEN v.venue_type IN ('pub', 'bar', 'off_licence') THEN $5
                ELSE $6 END,
           CASE WHEN v.venue_type = 'nightclub' THEN 'A nightclub'
                WHEN late.days IS NOT NULL THEN 'Licensed past midnight (' || late.days || ')'
                WHEN v.venue_type IN ('pub', 'bar', 'off_licence')
                    THEN 'An alcohol-led venue (' || replace(v.venue_type, '_', ' ')
                         || ') closing by midnight'
                ELSE 'A ' || replace(v.venue_type, '_', ' ') || ', not alcohol-led' END
    FROM venues v
    LEFT JOIN LATERAL (
        SELECT string_agg(initcap(d.key) || ' until ' || (d.value ->> 'close'), ', '
                          ORDER BY array_position({_WEEKDAYS}, d.key)) AS days
        FROM jsonb_each(v.licensed_hours) d
        WHERE (d.value ->> 'close') < (d.value ->> 'open') AND (d.value ->> 'close') > '00:00'
    ) late ON true
    WHERE {_ACTIVE_VENUE}
    """,
)

CAPACITY = Factor(
    name="capacity",
    title="Capacity",
    absent="Capacity not recorded",
    params=lambda s: [
        s.risk_capacity_large,
        s.risk_capacity_medium,
        s.risk_points_capacity_large,
        s.risk_points_capacity_medium,
    ],
    sql=f"""
    SELECT v.id,
           CASE WHEN v.capacity >= $3 THEN $5 WHEN v.capacity >= $4 THEN $6 ELSE 0 END,
           'Capacity ' || v.capacity
               || CASE WHEN v.capacity >= $3 THEN ' (' || $3 || ' or more)'
                       WHEN v.capacity >= $4 THEN ' (' || $4 || ' to ' || ($3 - 1) || ')'
                       ELSE ' (under ' || $4 || ')' END
    FROM venues v
    WHERE {_ACTIVE_VENUE} AND v.capacity IS NOT NULL
    """,
)

VIOLENCE = Factor(
    name="violence",
    title="Violent incidents",
    absent="No violent incidents at the venue in the last {risk_violence_days} days",
    params=lambda s: [
        s.risk_violence_days,
        s.risk_violence_some_count,
        s.risk_violence_more_count,
        s.risk_violence_most_count,
        s.risk_points_violence_some,
        s.risk_points_violence_more,
        s.risk_points_violence_most,
    ],
    sql=f"""
    SELECT i.venue_id,
           CASE WHEN count(*) >= $6 THEN $9 WHEN count(*) >= $5 THEN $8
                WHEN count(*) >= $4 THEN $7 ELSE 0 END,
           count(*) || ' violent incident' || CASE WHEN count(*) > 1 THEN 's' ELSE '' END
               || ' at the venue in the last ' || $3 || ' days (latest '
               || {_DAY.format(_LONDON_DAY.format("max(i.occurred_at)"))} || ')'
    FROM incidents i
    WHERE i.category IN {VIOLENT} AND i.venue_id IS NOT NULL
      AND i.occurred_at > $1 - make_interval(days => $3) AND i.occurred_at <= $1
    GROUP BY i.venue_id
    """,
)

SERIOUS = Factor(
    name="serious_incident",
    title="Serious violent or sexual incident",
    absent="No serious violent or sexual incident in the last {risk_violence_days} days",
    params=lambda s: [s.risk_violence_days, s.risk_points_serious],
    sql=f"""
    SELECT i.venue_id, $4,
           'Serious ' || replace((array_agg(i.category ORDER BY i.occurred_at DESC))[1], '_', ' ')
               || ' incident on ' || {_DAY.format(_LONDON_DAY.format("max(i.occurred_at)"))}
               || CASE WHEN count(*) > 1 THEN ' (' || count(*) || ' in ' || $3 || ' days)' ELSE '' END
    FROM incidents i
    WHERE i.venue_id IS NOT NULL AND i.category IN {VIOLENT}
      AND (i.severity = 'serious' OR i.category = 'weapons')
      AND i.occurred_at > $1 - make_interval(days => $3) AND i.occurred_at <= $1
    GROUP BY i.venue_id
    """,
)

SALES_TO_CHILDREN = Factor(
    name="sales_to_children",
    title="Sales to children",
    absent="No sales to children in the last {risk_sales_months} months",
    params=lambda s: [s.risk_sales_months, s.risk_points_one_sale, s.risk_points_repeat_sales],
    sql=f"""
    SELECT s.venue_id, CASE WHEN count(*) >= 2 THEN $5 ELSE $4 END,
           CASE WHEN count(*) >= 2 THEN count(*) || ' sales to under-18s in the last ' || $3
                                        || ' months (the s.147A pattern): '
                ELSE 'A sale to an under-18 in the last ' || $3 || ' months: ' END
               || string_agg({_DAY.format("s.sold_on")}, ', ' ORDER BY s.sold_on, s.cause_key)
    FROM ({SALES}) s
    WHERE s.sold_on > $2 - make_interval(months => $3) AND s.sold_on <= $2
    GROUP BY s.venue_id
    """,
)

LAST_OUTCOME = Factor(
    name="last_inspection",
    title="Last inspection",
    params=lambda s: [
        s.risk_inspection_months,
        s.risk_points_inspection_major,
        s.risk_points_inspection_minor,
        s.risk_points_inspection_compliant,
        s.risk_points_not_inspected,
    ],
    sql=f"""
    SELECT v.id,
           CASE WHEN l.completed_at IS NULL OR l.completed_at <= $1 - make_interval(months => $3) THEN $7
                WHEN l.outcome = 'major' THEN $4 WHEN l.outcome = 'minor' THEN $5 ELSE $6 END,
           CASE WHEN l.completed_at IS NULL THEN 'Never inspected'
                WHEN l.completed_at <= $1 - make_interval(months => $3)
                    THEN 'Not inspected in the last ' || $3 || ' months (last on '
                         || {_DAY.format(_LONDON_DAY.format("l.completed_at"))} || ')'
                ELSE 'Last inspection on ' || {_DAY.format(_LONDON_DAY.format("l.completed_at"))} || ': '
                     || CASE l.outcome WHEN 'major' THEN 'major breach'
                                       WHEN 'minor' THEN 'minor breach' ELSE 'compliant' END END
    FROM venues v LEFT JOIN ({LAST_INSPECTION}) l ON l.venue_id = v.id
    WHERE {_ACTIVE_VENUE}
    """,
)

ACTIONS_OVERDUE = Factor(
    name="actions_overdue",
    title="Actions past due",
    absent="No actions past due",
    params=lambda s: [s.risk_points_actions_overdue],
    # Answered but unverified still counts, as for the actions_overdue flag.
    sql=f"""
    SELECT a.venue_id, $3,
           count(*) || ' action' || CASE WHEN count(*) > 1 THEN 's' ELSE '' END
               || ' past due (the oldest due ' || {_DAY.format("min(a.due_on)")} || ')'
    FROM actions a
    WHERE a.status <> 'verified' AND a.due_on < $2
    GROUP BY a.venue_id
    """,
)

TRAINING = Factor(
    name="training",
    title="Training and DPS",
    absent="Front-of-house training and the DPS raise no concern",
    params=lambda s: [s.training_coverage_percent, s.risk_points_training],
    # The same judgement as the training_lapsed flag: coverage of WAVE and Ask for Angela
    # among front-of-house staff, and a DPS on a kept staff list of an alcohol licence.
    sql=f"""
    WITH per_venue AS (
        SELECT s.venue_id,
               count(*) FILTER (WHERE s.front_of_house) AS total,
               count(*) FILTER (WHERE s.front_of_house AND wave.staff_id IS NOT NULL
                                AND angela.staff_id IS NOT NULL) AS covered,
               bool_or(s.role = 'dps') AS has_dps
        FROM staff s
        LEFT JOIN ({_holders("wave")}) wave ON wave.staff_id = s.id
        LEFT JOIN ({_holders("ask_for_angela")}) angela ON angela.staff_id = s.id
        WHERE staff_active_on(s.left_on, $2)
        GROUP BY s.venue_id
    ),
    judged AS (
        SELECT c.venue_id,
               CASE WHEN c.total > 0 AND 100 * c.covered < $3 * c.total
                    THEN 'Only ' || c.covered || ' of ' || c.total
                         || ' front-of-house staff trained in WAVE and Ask for Angela ('
                         || round(100.0 * c.covered / c.total) || '%, below ' || $3 || '%)' END AS coverage,
               CASE WHEN NOT c.has_dps AND 'sale_of_alcohol' = ANY (v.licensable_activities)
                    THEN 'No DPS on the staff list' END AS dps
        FROM per_venue c JOIN venues v ON v.id = c.venue_id
        WHERE {_ACTIVE_VENUE}
    )
    SELECT venue_id, $4, concat_ws('; ', coverage, dps)
    FROM judged WHERE coverage IS NOT NULL OR dps IS NOT NULL
    """,
)

ANGELA = Factor(
    name="angela_retest",
    title="Ask for Angela re-test",
    absent="No failed Ask for Angela test waiting for a re-test",
    params=lambda s: [s.risk_points_angela_retest],
    sql=f"""
    SELECT t.venue_id, $3,
           'Ask for Angela test failed on ' || {_DAY.format("t.tested_on")} || ', not re-tested'
    FROM (SELECT DISTINCT ON (venue_id) venue_id, tested_on, outcome
          FROM angela_tests WHERE tested_on <= $2
          ORDER BY venue_id, tested_on DESC, id DESC) t
    WHERE t.outcome = 'fail'
      AND NOT EXISTS (SELECT 1 FROM angela_participation p
                      WHERE p.venue_id = t.venue_id AND p.withdrawn_on <= $2)
    """,
)

CONFIDENCE = Factor(
    name="confidence",
    title="Confidence in management",
    absent="No judgement of confidence in management at an inspection in the last"
    " {risk_inspection_months} months",
    params=lambda s: [s.risk_inspection_months, s.risk_confidence_percent],
    sql=f"""
    SELECT l.venue_id, (l.confidence_in_management * $4 / 100),
           'The officer''s confidence in management at the inspection on '
               || {_DAY.format(_LONDON_DAY.format("l.completed_at"))} || ': '
               || CASE l.confidence_in_management WHEN 0 THEN 'full' WHEN 5 THEN 'high'
                       WHEN 10 THEN 'some' WHEN 20 THEN 'little' ELSE 'no' END || ' confidence'
               || ' (' || l.confidence_in_management || ' of 30)'
    FROM ({LAST_INSPECTION}) l
    WHERE l.confidence_in_management IS NOT NULL
      AND l.completed_at > $1 - make_interval(months => $3)
    """,
)

FACTORS: tuple[Factor, ...] = (
    VENUE_TYPE,
    CAPACITY,
    VIOLENCE,
    SERIOUS,
    SALES_TO_CHILDREN,
    LAST_OUTCOME,
    ACTIONS_OVERDUE,
    TRAINING,
    ANGELA,
    CONFIDENCE,
)

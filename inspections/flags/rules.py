"""The rule set of the scheduled checks: one small, self-contained piece per rule.

A rule is one set-based query over the whole borough (never a query per venue) that
returns, for every venue where the rule holds now, one row per cause:

    venue_id bigint, cause_key text (NULL for a state), evidence jsonb, explanation text

- An *event* rule names its cause (``test_purchase:42``): each event is its own flag,
  which resolves by itself once the event no longer counts (e.g. older than 12 months).
- A *state* rule names a condition of the venue (``cluster``: three violent incidents in
  28 days); the flag's key is that name and the day it was first seen
  (``cluster@2026-11-28``), kept while the state lasts, so a new flag opens only after
  the state has cleared and come back.

Every query gets the same parameters: $1 the moment of the check (timestamptz), $2 that
day in London (date), then the rule's own settings in the order of ``params``. Evidence
arrays are ordered, so that a rerun produces exactly the same flag (and no audit noise).

To add a rule: write its SQL and add a ``Rule`` to ``RULES``. Nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec

from nte.settings import Settings

__all__ = ["RULES", "Rule", "Severity"]

Severity = Literal["low", "medium", "high", "serious"]


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    """What people call it ("SIA expired")."""
    severity: Severity
    sql: str
    params: Callable[[Settings], list[Any]] = field(default=lambda s: [])
    summary: str = ""
    """One line for people: what the rule looks for, with ``{setting}`` where a setting decides
    a number (read it through ``describe``, never as it stands)."""
    cleared: str = "the cause has cleared"
    """Recorded on a flag the checks resolve because the rule no longer holds."""
    state: bool = False
    """True when cause_key names a state of the venue rather than an event (see above)."""

    def describe(self, settings: Settings) -> str:
        """The summary with this borough's numbers in it."""
        return self.summary.format_map({name: getattr(settings, name) for name in SETTING_NAMES})


SETTING_NAMES = frozenset(f.name for f in msgspec.structs.fields(Settings))

VIOLENT = "('violence', 'sexual_offence', 'weapons')"

# -- underage sales --------------------------------------------------------------------------

# Sales to children: failed test purchases and recorded underage-sale incidents.
SALES = """
    SELECT tp.venue_id, 'test_purchase:' || tp.id AS cause_key, tp.attempted_on AS sold_on,
           'test purchase' AS what, tp.id
    FROM test_purchases tp WHERE tp.outcome = 'fail'
    UNION ALL
    SELECT i.venue_id, 'incident:' || i.id, (i.occurred_at AT TIME ZONE 'Europe/London')::date,
           'recorded incident', i.id
    FROM incidents i WHERE i.category = 'underage_sale' AND i.venue_id IS NOT NULL
"""

UNDERAGE_SALE = Rule(
    name="underage_sale",
    title="Underage sale",
    severity="high",
    summary="Any failed test purchase or underage-sale incident"
    " in the last {underage_lookback_months} months",
    cleared="the sale is now older than the look-back period",
    params=lambda s: [s.underage_lookback_months],
    sql=f"""
    SELECT s.venue_id, s.cause_key,
           jsonb_build_object(split_part(s.cause_key, ':', 1) || 's', jsonb_build_array(s.id)),
           'Alcohol sold to a person under 18 (' || s.what || ' on '
               || to_char(s.sold_on, 'FMDD Mon YYYY') || ')'
    FROM ({SALES}) s
    WHERE s.sold_on > $2 - make_interval(months => $3) AND s.sold_on <= $2
    """,
)

PERSISTENT_UNDERAGE_SALES = Rule(
    name="persistent_underage_sales",
    title="Persistent underage sales (s.147A)",
    severity="serious",
    summary="Two or more sales to children within any three consecutive months (s.147A)",
    cleared="no two sales within three months end inside the look-back period any more",
    state=True,
    params=lambda s: [s.underage_lookback_months],
    # s.147A Licensing Act 2003: two or more occasions within a period of three consecutive
    # months. Rolling, so a December and a February sale count across the year's turn; the
    # pair only has to end within the look-back for the flag to stand.
    sql=f"""
    WITH sales AS ({SALES}),
    pairs AS (
        SELECT a.venue_id, a.id AS a_id, a.cause_key AS a_key, a.sold_on AS a_on,
               b.id AS b_id, b.cause_key AS b_key, b.sold_on AS b_on
        FROM sales a JOIN sales b
          ON b.venue_id = a.venue_id AND b.cause_key <> a.cause_key
         AND (b.sold_on, b.cause_key) > (a.sold_on, a.cause_key)
         AND b.sold_on < a.sold_on + interval '3 months'
        WHERE b.sold_on > $2 - make_interval(months => $3) AND b.sold_on <= $2
    ),
    involved AS (
        SELECT venue_id, a_key AS k, a_on AS d FROM pairs
        UNION SELECT venue_id, b_key, b_on FROM pairs
    )
    SELECT venue_id, 'pattern',
           jsonb_build_object('sales', jsonb_agg(k ORDER BY d, k)),
           count(*) || ' sales to under-18s within 3 months: '
               || string_agg(to_char(d, 'FMDD Mon YYYY'), ', ' ORDER BY d, k)
    FROM involved GROUP BY venue_id
    """,
)

# -- violence ----------------------------------------------------------------------------------

VIOLENCE_CLUSTER = Rule(
    name="violence_cluster",
    title="Violence cluster",
    severity="high",
    summary="{violence_cluster_count} or more violent incidents at the venue in {violence_window_days} days",
    cleared="fewer violent incidents than the threshold in the window now",
    state=True,
    params=lambda s: [s.violence_cluster_count, s.violence_window_days],
    sql=f"""
    SELECT i.venue_id, 'cluster',
           jsonb_build_object('incidents', jsonb_agg(i.id ORDER BY i.occurred_at, i.id)),
           count(*) || ' violent incidents in ' || $4 || ' days (latest '
               || to_char(max(i.occurred_at) AT TIME ZONE 'Europe/London', 'FMDD Mon YYYY')
               || ')'
    FROM incidents i
    WHERE i.category IN {VIOLENT} AND i.venue_id IS NOT NULL
      AND i.occurred_at > $1 - make_interval(days => $4) AND i.occurred_at <= $1
    GROUP BY i.venue_id
    HAVING count(*) >= $3
    """,
)

SERIOUS_VIOLENCE = Rule(
    name="serious_violence",
    title="Serious violence",
    severity="serious",
    summary="A serious violent or sexual incident, or one with a weapon,"
    " in the last {violence_window_days} days",
    cleared="the incident is now older than the window",
    params=lambda s: [s.violence_window_days],
    sql=f"""
    SELECT i.venue_id, 'incident:' || i.id,
           jsonb_build_object('incidents', jsonb_build_array(i.id)),
           'Serious ' || replace(i.category, '_', ' ') || ' incident on '
               || to_char(i.occurred_at AT TIME ZONE 'Europe/London', 'FMDD Mon YYYY HH24:MI')
    FROM incidents i
    WHERE i.venue_id IS NOT NULL AND i.category IN {VIOLENT}
      AND (i.severity = 'serious' OR i.category = 'weapons')
      AND i.occurred_at > $1 - make_interval(days => $3) AND i.occurred_at <= $1
    """,
)

# -- people and training ---------------------------------------------------------------------

# Who works there on the day of the check; a course is valid up to and including its expiry day.
_ACTIVE = "staff_active_on(s.left_on, $2)"
_VALID = "training_valid_on(t.completed_on, t.expires_on, $2)"


# Who holds a valid course today: one range scan of the training index per course (an
# index-only scan), where a correlated probe per person would visit the table twice each.
def _holders(course: str) -> str:
    return f"SELECT DISTINCT t.staff_id FROM training t WHERE t.course = '{course}' AND {_VALID}"


TRAINING_LAPSED = Rule(
    name="training_lapsed",
    title="Training lapsed",
    severity="medium",
    state=True,
    summary="Front-of-house WAVE and Ask-for-Angela coverage below {training_coverage_percent}%,"
    " or no DPS on the staff list",
    cleared="training coverage is back above the threshold and a DPS is recorded",
    params=lambda s: [s.training_coverage_percent],
    sql=f"""
    WITH per_venue AS (
        SELECT s.venue_id, count(*) AS staff,
               count(*) FILTER (WHERE s.front_of_house) AS total,
               count(*) FILTER (WHERE s.front_of_house AND wave.staff_id IS NOT NULL
                                AND angela.staff_id IS NOT NULL) AS covered,
               bool_or(s.role = 'dps') AS has_dps
        FROM staff s
        LEFT JOIN ({_holders("wave")}) wave ON wave.staff_id = s.id
        LEFT JOIN ({_holders("ask_for_angela")}) angela ON angela.staff_id = s.id
        WHERE {_ACTIVE}
        GROUP BY s.venue_id
    )
    SELECT c.venue_id, 'coverage',
           jsonb_build_object('covered', c.covered, 'front_of_house', c.total),
           'Only ' || c.covered || ' of ' || c.total
               || ' front-of-house staff have valid WAVE and Ask for Angela training ('
               || round(100.0 * c.covered / c.total) || '%, below ' || $3 || '%)'
    FROM per_venue c
    WHERE c.total > 0 AND 100 * c.covered < $3 * c.total
    UNION ALL
    -- Judged only where the venue keeps a staff list: no list is not evidence of no DPS.
    SELECT c.venue_id, 'no_dps', jsonb_build_object('staff_on_list', c.staff),
           'No designated premises supervisor on the staff list of a licence that sells alcohol'
    FROM per_venue c JOIN venues v ON v.id = c.venue_id
    WHERE NOT c.has_dps AND v.status = 'active'
      AND 'sale_of_alcohol' = ANY (v.licensable_activities)
    """,
)

SIA_EXPIRING = Rule(
    name="sia_expiring",
    title="SIA licence expiring",
    severity="medium",
    summary="A door supervisor's SIA licence expires within {sia_warning_days} days",
    cleared="the licence was renewed, or it has now expired (see SIA expired)",
    params=lambda s: [s.sia_warning_days],
    sql=f"""
    SELECT s.venue_id, 'staff:' || s.id || ':' || s.sia_expires_on,
           jsonb_build_object('staff', jsonb_build_array(s.id)),
           s.name || ': SIA licence expires on ' || to_char(s.sia_expires_on, 'FMDD Mon YYYY')
               || ' (in ' || (s.sia_expires_on - $2) || ' days)'
    FROM staff s
    WHERE s.role = 'door_supervisor' AND {_ACTIVE}
      AND s.sia_expires_on >= $2 AND s.sia_expires_on <= $2 + $3::int
    """,
)

SIA_EXPIRED = Rule(
    name="sia_expired",
    title="SIA licence expired",
    severity="high",
    summary="A door supervisor on the staff list has an expired SIA licence (a breach if on duty)",
    cleared="the licence was renewed or the door supervisor left",
    sql=f"""
    SELECT s.venue_id, 'staff:' || s.id || ':' || s.sia_expires_on,
           jsonb_build_object('staff', jsonb_build_array(s.id)),
           s.name || ': SIA licence expired on ' || to_char(s.sia_expires_on, 'FMDD Mon YYYY')
    FROM staff s
    WHERE s.role = 'door_supervisor' AND {_ACTIVE} AND s.sia_expires_on < $2
    """,
)

# -- Ask for Angela --------------------------------------------------------------------------

ANGELA_RETEST_DUE = Rule(
    name="angela_retest_due",
    title="Ask for Angela re-test due",
    severity="medium",
    summary="A failed Ask for Angela test not re-tested within {angela_retest_days} days",
    cleared="the venue was tested again",
    params=lambda s: [s.angela_retest_days],
    sql="""
    SELECT t.venue_id, 'angela_test:' || t.id,
           jsonb_build_object('angela_tests', jsonb_build_array(t.id)),
           'Ask for Angela test failed on ' || to_char(t.tested_on, 'FMDD Mon YYYY')
               || '; the re-test was due by ' || to_char(t.tested_on + $3::int, 'FMDD Mon YYYY')
    FROM angela_tests t
    WHERE t.outcome = 'fail' AND t.tested_on + $3::int < $2
      AND NOT EXISTS (SELECT 1 FROM angela_tests later
                      WHERE later.venue_id = t.venue_id
                        AND (later.tested_on, later.id) > (t.tested_on, t.id))
      AND NOT EXISTS (SELECT 1 FROM angela_participation p
                      WHERE p.venue_id = t.venue_id AND p.withdrawn_on <= $2)
    """,
)

ANGELA_POSTERS_UNTRAINED = Rule(
    name="angela_posters_untrained",
    title="Angela posters, no trained staff",
    severity="high",
    state=True,
    summary="Ask for Angela posters on display but no front-of-house staff trained to answer",
    cleared="trained staff are on the list again, or the posters came down",
    # One probe per venue with posters, through the venue's own training records.
    sql=f"""
    SELECT p.venue_id, 'posters', jsonb_build_object('participation', p.id),
           'Ask for Angela posters are displayed but no front-of-house staff member has valid '
               || 'Ask for Angela training'
    FROM angela_participation p
    WHERE p.posters_displayed AND (p.withdrawn_on IS NULL OR p.withdrawn_on > $2)
      AND NOT EXISTS (
          SELECT 1 FROM training t JOIN staff s ON s.id = t.staff_id
          WHERE t.venue_id = p.venue_id AND t.course = 'ask_for_angela' AND {_VALID}
            AND s.front_of_house AND {_ACTIVE})
    """,
)

# -- monthly returns -------------------------------------------------------------------------

RETURN_OVERDUE = Rule(
    name="return_overdue",
    title="Monthly return overdue",
    severity="low",
    state=True,
    summary="A monthly return is overdue (due {return_due_days} days after the month ends)",
    cleared="every return due in the last 12 months is in",
    params=lambda s: [s.return_due_days],
    # Due on the month's last day plus the setting; overdue from the day after. One flag per
    # venue that names every missing month, not one per month. The months each venue sent
    # come from one pass over the returns, compared as arrays, rather than a probe for
    # every venue and month.
    sql="""
    WITH months AS (
        SELECT array_agg(m::date ORDER BY m) AS due
        FROM generate_series(date_trunc('month', $2::date - interval '13 months'),
                             date_trunc('month', $2::date), interval '1 month') AS m
        WHERE return_due_on(m::date, $3) < $2
          AND return_due_on(m::date, $3) >= ($2 - interval '12 months')::date
    ),
    sent AS (
        SELECT r.venue_id, array_agg(r.period) AS periods
        FROM monthly_returns r, months
        WHERE r.period = ANY (months.due)
        GROUP BY r.venue_id
    ),
    missing AS (
        SELECT v.id AS venue_id,
               ARRAY(SELECT d FROM unnest(months.due) d
                     WHERE s.periods IS NULL OR NOT d = ANY (s.periods) ORDER BY d) AS periods
        FROM venues v CROSS JOIN months LEFT JOIN sent s ON s.venue_id = v.id
        WHERE v.status = 'active' AND (s.periods IS NULL OR cardinality(s.periods) < cardinality(months.due))
    )
    SELECT m.venue_id, 'overdue',
           jsonb_build_object('periods', (SELECT jsonb_agg(to_char(p, 'YYYY-MM') ORDER BY p)
                                          FROM unnest(m.periods) p)),
           cardinality(m.periods) || ' monthly return'
               || CASE WHEN cardinality(m.periods) > 1 THEN 's' ELSE '' END || ' overdue: '
               || (SELECT string_agg(to_char(p, 'FMMonth YYYY'), ', ' ORDER BY p)
                   FROM unnest(m.periods) p)
    FROM missing m
    WHERE cardinality(m.periods) > 0
    """,
)

# -- actions ---------------------------------------------------------------------------------

ACTIONS_OVERDUE = Rule(
    name="actions_overdue",
    title="Actions overdue",
    severity="medium",
    state=True,
    summary="An action set at an inspection is past its due date and not verified",
    cleared="every action past its due date is verified",
    # One flag per venue naming every late action; answered but unverified still counts,
    # since only an officer's verification says the breach is put right.
    sql="""
    SELECT a.venue_id, 'overdue',
           jsonb_build_object('actions', jsonb_agg(a.id ORDER BY a.due_on, a.id)),
           count(*) || ' action' || CASE WHEN count(*) > 1 THEN 's' ELSE '' END
               || ' past due: ' || string_agg(a.item || ' (due '
               || to_char(a.due_on, 'FMDD Mon YYYY') || ')', '; ' ORDER BY a.due_on, a.id)
    FROM actions a
    WHERE a.status <> 'verified' AND a.due_on < $2
    GROUP BY a.venue_id
    """,
)

# -- inspections -----------------------------------------------------------------------------

INSPECTION_OVERDUE = Rule(
    name="inspection_overdue",
    title="Inspection overdue",
    severity="medium",
    state=True,
    summary="The venue is past its next inspection due date (set by its risk band,"
    " or brought forward by an officer)",
    cleared="an inspection was completed, or the due date moved",
    # The due date is the risk rating's, which the sweep writes before the rules run.
    sql="""
    SELECT r.venue_id, 'overdue',
           jsonb_build_object('due', r.next_inspection_due, 'band', r.band),
           'Inspection was due by ' || to_char(r.next_inspection_due, 'FMDD Mon YYYY')
               || ' (band ' || r.band || '; ' || r.due_reason || ')'
    FROM venue_risk r
    WHERE r.next_inspection_due < $2
    """,
)

RULES: tuple[Rule, ...] = (
    UNDERAGE_SALE,
    PERSISTENT_UNDERAGE_SALES,
    VIOLENCE_CLUSTER,
    SERIOUS_VIOLENCE,
    TRAINING_LAPSED,
    SIA_EXPIRING,
    SIA_EXPIRED,
    ANGELA_RETEST_DUE,
    ANGELA_POSTERS_UNTRAINED,
    RETURN_OVERDUE,
    ACTIONS_OVERDUE,
    INSPECTION_OVERDUE,
)

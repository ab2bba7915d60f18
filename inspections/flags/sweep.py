"""One sweep of the scheduled checks: every rule once over the whole borough, in one transaction."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, date, datetime

import asyncpg
import msgspec

from inspections.flags.rules import RULES, Rule
from inspections.risk.service import RiskResult, recompute_risk
from nte.db import Connection, set_actor
from nte.scheduler import LONDON
from nte.settings import Settings

__all__ = ["SweepResult", "refresh_badges", "run_checks"]


class RuleResult(msgspec.Struct):
    opened: int = 0
    updated: int = 0
    resolved: int = 0
    seconds: float = 0.0


class SweepResult(msgspec.Struct):
    run_id: int
    by_rule: dict[str, RuleResult]
    seconds: float
    risk: RiskResult = msgspec.field(default_factory=RiskResult)

    @property
    def opened(self) -> int:
        return sum(r.opened for r in self.by_rule.values())

    @property
    def resolved(self) -> int:
        return sum(r.resolved for r in self.by_rule.values())

    @property
    def updated(self) -> int:
        return sum(r.updated for r in self.by_rule.values())


_PARAM = re.compile(r"\$(\d+)(?![\d:])")


def _typed(sql: str) -> str:
    """Cast every parameter where it is used, so a rule's SQL need not: $1 is the moment of
    the check, $2 its day, the rest the rule's settings (all whole numbers)."""

    def cast(match: re.Match[str]) -> str:
        n = int(match.group(1))
        return f"${n}::" + {1: "timestamptz", 2: "date"}.get(n, "int")

    return _PARAM.sub(cast, sql)


def _sweep_sql(rule: Rule, n_params: int) -> str:
    """Upsert what the rule finds now and resolve what it no longer finds, in one statement."""
    name, severity, cleared = f"${n_params + 1}", f"${n_params + 2}", f"${n_params + 3}"
    key = (
        "coalesce(o.cause_key, f.cause_key || '@' || to_char($2::date, 'YYYY-MM-DD'))"
        if rule.state
        else "f.cause_key"
    )
    return f"""
    WITH typed AS (
        -- names every parameter once, for a rule that does not use them all
        SELECT {", ".join(_typed(f"${i}") for i in range(1, n_params + 1))}
    ),
    found AS (
        SELECT * FROM ({_typed(rule.sql)}) AS f(venue_id, cause_key, evidence, explanation)
    ),
    keyed AS (
        -- A state keeps the key of its open flag; a new state is named by the day it was seen.
        SELECT DISTINCT ON (venue_id, cause_key) venue_id, cause_key, evidence, explanation
        FROM (
            SELECT f.venue_id, {key} AS cause_key, f.evidence, f.explanation, o.opened_at
            FROM found f
            LEFT JOIN flags o
              ON {"true" if rule.state else "false"} AND o.venue_id = f.venue_id
             AND o.rule = {name} AND o.status <> 'resolved'
             AND split_part(o.cause_key, '@', 1) = f.cause_key
        ) k
        ORDER BY venue_id, cause_key, opened_at
    ),
    changed AS (
        -- Only what is new or different reaches the upsert: ON CONFLICT would lock (and so
        -- write) every unchanged flag on every run.
        SELECT k.* FROM keyed k
        LEFT JOIN flags fl ON fl.venue_id = k.venue_id AND fl.rule = {name}
                          AND fl.cause_key = k.cause_key
        WHERE fl.id IS NULL
           OR (fl.status <> 'resolved'
               AND (fl.evidence, fl.explanation) IS DISTINCT FROM (k.evidence, k.explanation))
    ),
    upserted AS (
        INSERT INTO flags AS fl
            (venue_id, rule, cause_key, severity, evidence, explanation, opened_at, updated_at)
        SELECT venue_id, {name}, cause_key, {severity}, evidence, explanation, $1, $1 FROM changed
        ON CONFLICT (venue_id, rule, cause_key) DO UPDATE
            SET evidence = EXCLUDED.evidence, explanation = EXCLUDED.explanation,
                updated_at = EXCLUDED.updated_at
            -- a resolved flag stays resolved: the same cause never opens a second flag
            WHERE fl.status <> 'resolved'
              AND (fl.evidence, fl.explanation) IS DISTINCT FROM (EXCLUDED.evidence, EXCLUDED.explanation)
        RETURNING (xmax = 0) AS opened
    ),
    cleared AS (
        UPDATE flags fl
        SET status = 'resolved', resolved_at = $1, updated_at = $1,
            resolution = 'Resolved by the checks: ' || {cleared}
        WHERE fl.rule = {name} AND fl.status <> 'resolved'
          AND NOT EXISTS (SELECT 1 FROM keyed k
                          WHERE k.venue_id = fl.venue_id AND k.cause_key = fl.cause_key)
        RETURNING fl.id
    )
    SELECT (SELECT count(*) FILTER (WHERE opened) FROM upserted) AS opened,
           (SELECT count(*) FILTER (WHERE NOT opened) FROM upserted) AS updated,
           (SELECT count(*) FROM cleared) AS resolved
    """


_BADGES = """
WITH open_flags AS (
    SELECT venue_id, count(*) AS n,
           (array_agg(severity ORDER BY array_position(
               ARRAY['low', 'medium', 'high', 'serious'], severity) DESC))[1] AS worst
    FROM flags WHERE status <> 'resolved' AND ($1::bigint[] IS NULL OR venue_id = ANY ($1))
    GROUP BY venue_id
)
UPDATE venues v SET open_flags = coalesce(o.n, 0), flag_severity = o.worst
FROM venues v2 LEFT JOIN open_flags o ON o.venue_id = v2.id
WHERE v.id = v2.id AND ($1::bigint[] IS NULL OR v.id = ANY ($1))
  AND (v.open_flags, v.flag_severity) IS DISTINCT FROM (coalesce(o.n, 0), o.worst)
"""


async def refresh_badges(conn: Connection, venue_ids: list[int] | None = None) -> None:
    """Bring the venues' flag badges (count, worst severity) in line with their open flags."""
    await conn.execute(_BADGES, venue_ids)


async def _sweep_rule(
    conn: Connection, settings: Settings, rule: Rule, now: datetime, today: date
) -> RuleResult:
    params = rule.params(settings)
    started = time.perf_counter()
    row = await conn.fetchrow(
        _sweep_sql(rule, 2 + len(params)),
        now,
        today,
        *params,
        rule.name,
        rule.severity,
        rule.cleared,
    )
    return RuleResult(row["opened"], row["updated"], row["resolved"], time.perf_counter() - started)


async def run_checks(
    conn: Connection,
    settings: Settings,
    *,
    trigger: str = "manual",
    now: datetime | None = None,
    rules: tuple[Rule, ...] = RULES,
    pool: asyncpg.Pool | None = None,
    parallel: int = 2,
) -> SweepResult:
    """Run every rule now; a rerun with nothing changed opens, updates and resolves nothing.

    On ``conn`` alone the whole sweep is one transaction. Given a ``pool``, up to
    ``parallel`` rules run at once, each in its own transaction on its own connection: the
    rules are independent (each upserts only its own flags), and a server with more than
    one core answers the sweep that much sooner. The badges and the record of the run are
    written on ``conn`` once every rule is done.
    """
    now = now or datetime.now(UTC)
    today = now.astimezone(LONDON).date()
    started = time.perf_counter()
    async with conn.transaction():
        await set_actor(conn, actor_id=None, actor="scheduled checks")
        # The risk rating first: the inspection_overdue rule reads the due date it writes.
        if pool is None:
            risk = await recompute_risk(conn, settings, now, today)
        else:
            async with pool.acquire() as own, own.transaction():
                await set_actor(own, actor_id=None, actor="scheduled checks")
                risk = await recompute_risk(own, settings, now, today)
        if pool is None:
            by_rule = {r.name: await _sweep_rule(conn, settings, r, now, today) for r in rules}
        else:
            gate = asyncio.Semaphore(parallel)

            async def alone(rule: Rule) -> RuleResult:
                async with gate, pool.acquire() as own, own.transaction():
                    await set_actor(own, actor_id=None, actor="scheduled checks")
                    return await _sweep_rule(own, settings, rule, now, today)

            results = await asyncio.gather(*(alone(r) for r in rules))
            by_rule = {r.name: result for r, result in zip(rules, results, strict=True)}
        await refresh_badges(conn)
        seconds = time.perf_counter() - started
        run_id = await conn.fetchval(
            """INSERT INTO check_runs (trigger, started_at, finished_at, opened, updated, resolved, by_rule)
               VALUES ($1, $2::timestamptz, $2::timestamptz + make_interval(secs => $3), $4, $5, $6, $7)
               RETURNING id""",
            trigger,
            now,
            seconds,
            sum(r.opened for r in by_rule.values()),
            sum(r.updated for r in by_rule.values()),
            sum(r.resolved for r in by_rule.values()),
            msgspec.to_builtins(by_rule),
        )
    return SweepResult(run_id=run_id, by_rule=by_rule, seconds=seconds, risk=risk)

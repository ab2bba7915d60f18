"""The timeline as one query: a UNION of each record's events, redacted for the viewer.

Police open data never appears here: it cannot say that anything happened at the venue.
A sensitive incident whose details the viewer is shown is a read, recorded in the access
log through the door the caller names.
"""

from __future__ import annotations

from datetime import date

import msgspec

from nte.access_log import Door, record_reads
from nte.auth.identity import Identity
from nte.db import Connection
from venues.incidents.schemas import CATEGORY_LABELS
from venues.incidents.service import sees_every_detail
from venues.timeline.schemas import TimelineItem

__all__ = ["timeline"]


# A day's event (a test purchase on 3 March) sorts at midday London time that day.
_NOON = "(({d})::timestamp + interval '12 hours') AT TIME ZONE 'Europe/London'"

# $1 venue, $2 may the viewer see every sensitive detail, $3 the viewer, $4 may they see
# who changed the licence (the audit trail names people), $5 kinds, $6 from, $7 to.
_EVENTS = f"""
    SELECT i.occurred_at AS at, 'incident' AS kind,
           CASE WHEN NOT i.sensitive OR $2::boolean OR coalesce(i.reported_by = $3::bigint, false)
                THEN $8::jsonb ->> i.category ELSE 'Sensitive incident' END AS title,
           CASE WHEN NOT i.sensitive OR $2::boolean OR coalesce(i.reported_by = $3::bigint, false)
                THEN initcap(i.severity) || ' · ' || i.description ELSE '' END AS detail,
           i.id AS record_id, '/venues/' || $1::bigint || '/incidents#incident-' || i.id AS link,
           -- the details of a sensitive incident are on show: a read to record
           CASE WHEN i.sensitive AND ($2::boolean OR coalesce(i.reported_by = $3::bigint, false))
                THEN i.id END AS sensitive_read
    FROM incidents i WHERE i.venue_id = $1::bigint
    UNION ALL
    SELECT {_NOON.format(d="tp.attempted_on")}, 'test_purchase',
           'Test purchase: ' || CASE tp.outcome WHEN 'fail' THEN 'sold to a child' ELSE 'refused (pass)' END,
           tp.agency || CASE WHEN tp.notes <> '' THEN ' · ' || tp.notes ELSE '' END,
           tp.id, '/venues/' || $1::bigint || '/test-purchases', NULL::bigint
    FROM test_purchases tp WHERE tp.venue_id = $1::bigint
    UNION ALL
    SELECT {_NOON.format(d="t.tested_on")}, 'angela_test',
           'Ask for Angela test: ' || CASE t.outcome WHEN 'fail' THEN 'failed' ELSE 'passed' END,
           t.tester_organisation || CASE WHEN t.notes <> '' THEN ' · ' || t.notes ELSE '' END,
           t.id, '/venues/' || $1::bigint || '/angela', NULL::bigint
    FROM angela_tests t WHERE t.venue_id = $1::bigint
    UNION ALL
    SELECT r.submitted_at, 'return',
           'Monthly return for ' || to_char(r.period, 'FMMonth YYYY') || ' submitted',
           r.refusals || ' refusals, ' || r.angela_activations || ' Angela activations, '
               || r.cctv_checks || ' CCTV checks',
           r.id, '/venues/' || $1::bigint || '/returns', NULL::bigint
    FROM monthly_returns r WHERE r.venue_id = $1::bigint
    UNION ALL
    SELECT {_NOON.format(d="t.completed_on")}, 'training',
           s.name || ' completed ' || replace(t.course, '_', ' ') || ' training',
           'Valid until ' || to_char(t.expires_on, 'FMDD Mon YYYY'),
           t.id, '/venues/' || $1::bigint || '/staff', NULL::bigint
    FROM training t JOIN staff s ON s.id = t.staff_id WHERE t.venue_id = $1::bigint
    UNION ALL
    SELECT {_NOON.format(d="s.started_on")}, 'staff',
           s.name || ' started as ' || replace(s.role, '_', ' '), '', s.id,
           '/venues/' || $1::bigint || '/staff', NULL::bigint
    FROM staff s WHERE s.venue_id = $1::bigint AND s.started_on IS NOT NULL
    UNION ALL
    SELECT {_NOON.format(d="s.left_on")}, 'staff', s.name || ' left', '', s.id,
           '/venues/' || $1::bigint || '/staff', NULL::bigint
    FROM staff s WHERE s.venue_id = $1::bigint AND s.left_on IS NOT NULL
    UNION ALL
    -- Inspections and actions, through a view their migration keeps: this package reads the
    -- rows and imports none of the code that makes them.
    SELECT w.at, w.kind, w.title, w.detail, w.record_id, w.link, NULL::bigint
    FROM venue_work_events w WHERE w.venue_id = $1::bigint
    UNION ALL
    -- One event per act (a request, or a command's minute), however many rows it touched.
    SELECT max(a.at), 'licence',
           CASE WHEN count(*) = 1
                THEN CASE min(a.table_name) WHEN 'venues' THEN 'Licence details '
                                            ELSE 'Licence condition ' END
                     || CASE min(a.action) WHEN 'create' THEN 'added' WHEN 'update' THEN 'changed'
                                           ELSE 'removed' END
                ELSE 'Licence record: ' || count(*) || ' changes' END,
           'By ' || a.actor, min(a.record_id), '/venues/' || $1::bigint || '#history', NULL::bigint
    FROM audit_log a
    WHERE $4::boolean AND a.venue_id = $1::bigint AND a.table_name IN ('venues', 'conditions')
    GROUP BY a.actor, coalesce(a.request_id, to_char(date_trunc('minute', a.at), 'YYYY-MM-DD HH24:MI'))
"""

_PAGE = f"""
    SELECT *, count(*) OVER () AS total FROM ({_EVENTS}) e
    WHERE ($5::text[] IS NULL OR e.kind = ANY ($5))
      AND ($6::date IS NULL OR e.at >= ($6::date::timestamp AT TIME ZONE 'Europe/London'))
      AND ($7::date IS NULL OR e.at < (($7::date + 1)::timestamp AT TIME ZONE 'Europe/London'))
    ORDER BY e.at DESC, e.kind, e.record_id DESC
    LIMIT $9 OFFSET $10
"""


async def timeline(
    conn: Connection,
    venue_id: int,
    viewer: Identity,
    *,
    door: Door,
    kinds: list[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[TimelineItem], int]:
    rows = await conn.fetch(
        _PAGE,
        venue_id,
        sees_every_detail(viewer),
        viewer.user_id,
        viewer.role in ("admin", "officer"),
        kinds or None,
        since,
        until,
        CATEGORY_LABELS,
        limit,
        offset,
    )
    total = rows[0]["total"] if rows else 0
    await record_reads(
        conn, viewer, [r["sensitive_read"] for r in rows if r["sensitive_read"] is not None], door
    )
    internal = {"total", "sensitive_read"}
    return [
        msgspec.convert({k: r[k] for k in r.keys() if k not in internal}, TimelineItem)
        for r in rows
    ], total

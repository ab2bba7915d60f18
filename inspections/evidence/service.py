"""The evidence bundle: the venue's history in a period as exhibits, redacted for an audience.

Redaction keeps the shape. A field the audience may not see is drawn as "[redacted]" and
bars over exactly the lines the full text takes, so each audience's copy has the same
exhibits, numbers, pages and page numbers: a hearing can say "page 12" to everyone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from inspections.actions.queries import list_actions
from inspections.actions.schemas import Action
from inspections.evidence.pdf import Rendered, lines, render
from inspections.evidence.queries import insert_bundle, maker_name, reporter_names
from inspections.evidence.schemas import AUDIENCE_LABELS, Bundle, Exhibit, Field, Gathered
from inspections.flags.queries import stream_flags
from inspections.inspections.queries import get_inspection, list_inspections, photo_content
from nte.auth.identity import Identity
from nte.clock import LONDON, now
from nte.db import Connection
from nte.errors import InvalidInput
from venues.angela.queries import list_tests
from venues.incidents.queries import record_sensitive_reads, stream_incidents
from venues.incidents.schemas import CATEGORY_LABELS, Incident
from venues.queries import list_conditions
from venues.returns.queries import list_returns
from venues.schemas import Venue
from venues.test_purchases.queries import list_test_purchases

__all__ = [
    "MAX_PERIOD_DAYS",
    "NOTES",
    "REDACTED",
    "audience_viewer",
    "check_period",
    "gather",
    "make_bundle",
]

REDACTED = "[redacted]"
MAX_PERIOD_DAYS = 3 * 366
"""A review looks back a few years at most; a longer period is a mistake."""


def check_period(start: date, end: date, today: date) -> None:
    errors = {}
    if end < start:
        errors["to"] = "must be on or after from"
    elif (end - start).days > MAX_PERIOD_DAYS:
        errors["to"] = f"the period may be at most {MAX_PERIOD_DAYS} days"
    if start > today:
        errors["from"] = "cannot be in the future"
    if errors:
        raise InvalidInput(errors)


def audience_viewer(audience: str, maker: Identity, venue_id: int) -> Identity:
    """Whose eyes the incident log is read through for this audience. The venue's copy is
    read as a manager of the venue who reported nothing would read it, through the same
    query and redaction as their own API reads, so it can show no more than they may see."""
    if audience != "venue":
        return maker
    return Identity(
        user_id=0,
        email="",
        display_name="",
        role="venue_manager",
        venue_ids=frozenset({venue_id}),
        via="session",
    )


def _bars(shape: list[str]) -> list[str]:
    """What stands for removed text: "[redacted]", then bars over the lines it took."""
    out = []
    for n, line in enumerate(shape):
        width = max(len(line), len(REDACTED) if n == 0 else 1)
        out.append(
            REDACTED + " " + "█" * max(width - len(REDACTED) - 1, 0) if n == 0 else "█" * width
        )
    return [line.rstrip() for line in out]


def _field(label: str, full: Any, shown: Any, hidden: bool) -> Field:
    shape = lines(full)
    return Field(label, _bars(shape) if hidden else lines(shown))


def _london(value: datetime) -> str:
    return value.astimezone(LONDON).strftime("%-d %b %Y %H:%M")


def _day(value: date) -> datetime:
    """A date's exhibits sort at noon in London, beside the day's timed events."""
    return datetime.combine(value, time(12), LONDON)


def _yes(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


async def _incidents(
    conn: Connection,
    out: Gathered,
    venue_id: int,
    maker: Identity,
    viewer: Identity,
    since: datetime,
    until: datetime,
    hide_names: bool,
) -> None:
    period = {"venue_id": venue_id, "since": since, "until": until, "oldest_first": True}
    full = [i async for i in stream_incidents(conn, maker, **period)]  # type: ignore[arg-type]
    if viewer is maker:
        shown = {i.id: i for i in full}
    else:
        shown = {i.id: i async for i in stream_incidents(conn, viewer, **period)}  # type: ignore[arg-type]
    # Every sensitive incident this copy shows in full is a read by its maker (one INSERT).
    await record_sensitive_reads(conn, maker, list(shown.values()), "evidence")
    names = await reporter_names(conn, sorted({i.reported_by for i in full if i.reported_by}))
    for i in full:
        s = shown[i.id]
        redacted = s.redacted

        def field(
            label: str,
            get: Callable[[Incident], Any],
            *,
            hidden: bool = redacted,
            full: Incident = i,
            seen: Incident = s,
        ) -> Field:
            return _field(label, get(full), get(seen), hidden)

        def reporter(x: Incident) -> str:
            return names.get(x.reported_by, "a former account") if x.reported_by else "-"

        out.exhibits.append(
            Exhibit(
                kind="Incident",
                at=i.occurred_at,
                source=f"Incident log, record {i.id}, entered {_london(i.created_at)}"
                + (" (made up by the demo)" if i.generated else ""),
                fields=[
                    Field("Occurred", lines(_london(i.occurred_at))),
                    field("Category", lambda x: CATEGORY_LABELS.get(x.category or "", x.category)),
                    field("Severity", lambda x: x.severity),
                    field("Source", lambda x: x.source),
                    field("Police reference", lambda x: x.police_ref),
                    field("Involved a child", lambda x: _yes(x.involved_child)),
                    field("Sensitive", lambda x: _yes(x.sensitive), hidden=False),
                    field("Description", lambda x: x.description),
                    # A person's name from an incident never goes to the venue's copy.
                    field("Reported by", reporter, hidden=redacted or hide_names),
                ],
                redacted=redacted or hide_names,
            )
        )


async def _inspections(
    conn: Connection, out: Gathered, venue_id: int, since: datetime, until: datetime, on: date
) -> None:
    actions: dict[int, list[Action]] = {}
    for a in await list_actions(conn, venue_id, on):
        actions.setdefault(a.inspection_id, []).append(a)
    for summary in reversed(await list_inspections(conn, venue_id)):
        if not since <= summary.started_at < until:
            continue
        inspection = await get_inspection(conn, summary.id)
        if inspection is None:
            continue
        fields = [
            Field("Officer", lines(inspection.officer_name)),
            Field(
                "Kind",
                lines(inspection.kind + (f": {inspection.reason}" if inspection.reason else "")),
            ),
            Field("Started", lines(_london(inspection.started_at))),
            Field(
                "Completed",
                lines(
                    _london(inspection.completed_at) if inspection.completed_at else "not completed"
                ),
            ),
            Field("Outcome", lines(inspection.outcome or "not completed")),
            Field("Summary", lines(inspection.summary)),
        ]
        photos: list[str] = []
        for item in inspection.items:
            if item.result in ("not_checked",) and not item.note and not item.photos:
                continue
            text = f"{item.result.replace('_', ' ')}: {item.question}"
            if item.note:
                text += f". Note: {item.note}"
            if item.photos:
                text += f" ({len(item.photos)} photo{'s' if len(item.photos) > 1 else ''})"
            fields.append(Field(f"Item {item.position}", lines(text)))
            for photo in item.photos:
                found = await photo_content(conn, photo.id)
                if found is None:
                    continue
                content_type, content = found
                extension = {"image/png": "png", "image/webp": "webp"}.get(content_type, "jpg")
                name = f"photo-{photo.id}.{extension}"
                out.photos[name] = (content_type, content)
                photos.append(name)
        out.exhibits.append(
            Exhibit(
                kind="Inspection",
                at=inspection.started_at,
                source=f"Inspection record {inspection.id}, by {inspection.officer_name or 'an officer'}",
                fields=fields,
                photos=photos,
            )
        )
        for a in actions.get(inspection.id, []):
            out.exhibits.append(
                Exhibit(
                    kind=f"Breach ({a.severity}) and action",
                    at=inspection.completed_at or inspection.started_at,
                    source=f"Action {a.id}, raised by inspection record {inspection.id}",
                    fields=[
                        Field("Breach", lines(a.item)),
                        Field("Action required", lines(a.description)),
                        Field("Due", lines(a.due_on.isoformat())),
                        Field("Status", lines(a.status + (" (overdue)" if a.overdue else ""))),
                        Field("Venue's answer", lines(a.answer)),
                        Field("Answered", lines(_london(a.answered_at) if a.answered_at else None)),
                        Field("Verified", lines(_london(a.verified_at) if a.verified_at else None)),
                        Field("Officer's note", lines(a.officer_note)),
                    ],
                )
            )


async def gather(
    conn: Connection,
    venue_id: int,
    *,
    start: date,
    end: date,
    audience: str,
    maker: Identity,
    on: date,
    return_due_days: int,
) -> Gathered:
    """Every exhibit of the period (both days included, London dates), numbered in date order."""
    since = datetime.combine(start, time(0), LONDON)
    until = datetime.combine(end + timedelta(days=1), time(0), LONDON)
    out = Gathered()
    viewer = audience_viewer(audience, maker, venue_id)
    await _incidents(conn, out, venue_id, maker, viewer, since, until, audience == "venue")
    await _inspections(conn, out, venue_id, since, until, on)
    for p in await list_test_purchases(conn, venue_id):
        if start <= p.attempted_on <= end:
            out.exhibits.append(
                Exhibit(
                    kind="Test purchase",
                    at=_day(p.attempted_on),
                    source=f"Test purchase record {p.id}, by {p.agency}",
                    fields=[
                        Field("Attempted on", lines(p.attempted_on.isoformat())),
                        Field("Agency", lines(p.agency)),
                        Field(
                            "Outcome",
                            lines("sold (fail)" if p.outcome == "fail" else "refused (pass)"),
                        ),
                        Field("Notes", lines(p.notes)),
                    ],
                )
            )
    for t in await list_tests(conn, venue_id):
        if start <= t.tested_on <= end:
            out.exhibits.append(
                Exhibit(
                    kind="Ask for Angela test",
                    at=_day(t.tested_on),
                    source=f"Ask for Angela test record {t.id}, by {t.tester_organisation}",
                    fields=[
                        Field("Tested on", lines(t.tested_on.isoformat())),
                        Field("Tester", lines(t.tester_organisation)),
                        Field("Outcome", lines(t.outcome)),
                        Field("Notes", lines(t.notes)),
                    ],
                )
            )
    async for f in stream_flags(conn, venue_id=venue_id, opened_since=since, opened_until=until):
        out.exhibits.append(
            Exhibit(
                kind="Flag",
                at=f.opened_at,
                source=f"Flag {f.id}, raised by the scheduled check '{f.rule}'",
                fields=[
                    Field("Rule", lines(f.rule.replace("_", " "))),
                    Field("Severity", lines(f.severity)),
                    Field("Why", lines(f.explanation)),
                    Field("Status", lines(f.status)),
                    Field("Resolution", lines(f.resolution)),
                ],
            )
        )
    for r in await list_returns(conn, venue_id, due_days=return_due_days):
        if since <= r.submitted_at < until:
            out.exhibits.append(
                Exhibit(
                    kind="Monthly return",
                    at=r.submitted_at,
                    source=f"Monthly return {r.id} for {r.period:%B %Y}, submitted by the venue",
                    fields=[
                        Field("Month", lines(f"{r.period:%B %Y}")),
                        Field("Submitted", lines(_london(r.submitted_at) + f" (due {r.due_on})")),
                        Field("Refusals", lines(r.refusals)),
                        Field("Incidents not reported", lines(r.incidents_unreported)),
                        Field("Ask for Angela activations", lines(r.angela_activations)),
                        Field("Door staff hours", lines(r.door_staff_hours)),
                        Field("CCTV checks", lines(r.cctv_checks)),
                        Field("Notes", lines(r.notes)),
                        Field("Review", lines(r.status)),
                    ],
                )
            )
    # Mail sent to the venue joins here once the service keeps a record of sent mail (an
    # outbox): this branch sends mail without storing it, so there is nothing to exhibit.
    out.exhibits.sort(key=lambda e: (e.at, e.kind, e.source))
    for n, exhibit in enumerate(out.exhibits, start=1):
        exhibit.number = f"E{n}"
    return out


async def make_bundle(
    conn: Connection,
    venue: Venue,
    *,
    start: date,
    end: date,
    audience: str,
    maker: Identity,
    return_due_days: int,
) -> tuple[Bundle, bytes]:
    """Gather, render and store a bundle; the audit trail gets its hash, audience and maker
    (the table's trigger), in this transaction."""
    made_at = now()
    gathered = await gather(
        conn,
        venue.id,
        start=start,
        end=end,
        audience=audience,
        maker=maker,
        on=made_at.astimezone(LONDON).date(),
        return_due_days=return_due_days,
    )
    made_by = await maker_name(conn, maker.user_id)
    label = AUDIENCE_LABELS[audience]
    conditions = await list_conditions(conn, venue.id)
    # Compiling takes seconds for a busy venue: off the event loop, so the process keeps
    # answering everyone else meanwhile.
    rendered: Rendered = await asyncio.to_thread(
        render,
        venue,
        conditions,
        gathered,
        period=(start.isoformat(), end.isoformat()),
        audience_label=label,
        made_by=made_by,
        made_at=made_at,
        note=NOTES[audience],
    )
    bundle = await insert_bundle(
        conn,
        {
            "venue_id": venue.id,
            "audience": audience,
            "period_from": start,
            "period_to": end,
            "sha256": rendered.sha256,
            "pages": rendered.pages,
            "exhibits": len(gathered.exhibits),
            "size": len(rendered.content),
            "made_by": maker.user_id,
            "made_by_name": made_by,
            "made_at": made_at,
            "content": rendered.content,
        },
    )
    return bundle, rendered.content


NOTES = {
    "panel": "The full record, for the sub-committee: sensitive details are included. Do not "
    "pass this copy to the licence holder; the venue's copy has the same exhibits and pages.",
    "venue": "The premises licence holder's copy. Details that could identify a victim or a "
    "reporter are shown as [redacted]; exhibits and page numbers are those of every copy.",
    "police": "The copy for Kent Police as a responsible authority: sensitive details are "
    "included. Exhibits and page numbers are those of every copy.",
}

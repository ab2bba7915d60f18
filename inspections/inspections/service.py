"""Starting, recording and completing inspections; idempotent by the tablet's uuids.

The tablet may send any step again (a lost answer, a flat battery, a queue retried on the
`online` event): the same ``client_uuid`` with the same content is stored once and answered
as the first time; a different body under a known ``client_uuid`` is a 409, as ODK Central
answers a resubmission that differs.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import date, timedelta
from typing import Any

import msgspec
from litestar.exceptions import HTTPException, NotFoundException
from litestar.status_codes import HTTP_409_CONFLICT

from inspections.actions import queries as action_queries
from inspections.inspections import queries
from inspections.inspections.checklist import ChecklistItem, build_checklist
from inspections.inspections.schemas import (
    Inspection,
    InspectionCreate,
    InspectionPatch,
    ItemUpdate,
    Photo,
    Result,
    Visit,
    VisitCreate,
)
from nte.clock import today
from nte.db import Connection
from nte.errors import InvalidInput
from nte.mail import Mail, send_mail
from nte.settings import Settings

__all__ = [
    "MAX_PHOTO_BYTES",
    "Conflict",
    "add_photo",
    "checklist_for",
    "photo_type",
    "plan_visit",
    "record",
    "start",
]

log = logging.getLogger(__name__)

MAX_PHOTO_BYTES = 10 * 1024 * 1024
"""10 MB: the tablet sends a 1600 px JPEG of a few hundred KB; a camera original still fits."""


class Conflict(HTTPException):
    status_code = HTTP_409_CONFLICT
    title = "Conflict"


def photo_type(content: bytes) -> str | None:
    """The image type its first bytes prove (JPEG, PNG, WebP), never what the name claims."""
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


async def checklist_for(
    conn: Connection, venue_id: int, on: date | None = None
) -> list[ChecklistItem]:
    conditions, ctx = await queries.checklist_inputs(conn, venue_id, on or today())
    return build_checklist(conditions, ctx)


def _fingerprint(venue_id: int, data: msgspec.Struct) -> bytes:
    body = msgspec.json.encode({"venue_id": venue_id, "body": data}, order="sorted")
    return hashlib.sha256(body).digest()


async def _loaded(conn: Connection, inspection_id: int) -> Inspection:
    found = await queries.get_inspection(conn, inspection_id)
    if found is None:
        raise NotFoundException(f"No inspection with id {inspection_id}")
    return found


async def start(
    conn: Connection,
    settings: Settings,
    venue_id: int,
    data: InspectionCreate,
    *,
    officer_id: int,
    base_url: str,
) -> Inspection:
    """Start (and, if the body says so, record and complete) an inspection, once per uuid."""
    fingerprint = _fingerprint(venue_id, data)
    scheduled_for = None
    kind, reason = data.kind, data.reason.strip()
    if data.visit_id is not None:
        visit = await queries.visit_for(conn, data.visit_id)
        if visit is None or visit[0] != venue_id:
            raise InvalidInput({"visit_id": "is not a visit planned for this venue"})
        scheduled_for = visit[1]
        kind, reason = ("reactive" if visit[2] == "reactive" else "planned"), reason or visit[3]
    if kind == "reactive" and not reason:
        raise InvalidInput({"reason": "is required for a reactive inspection"})
    new_id = await queries.insert_inspection(
        conn,
        venue_id=venue_id,
        client_uuid=data.client_uuid,
        fingerprint=fingerprint,
        visit_id=data.visit_id,
        officer_id=officer_id,
        kind=kind,
        reason=reason,
        scheduled_for=scheduled_for,
        started_at=data.started_at,
    )
    if new_id is None:
        known = await queries.find_by_uuid(conn, data.client_uuid)
        assert known is not None
        if known[1] != fingerprint:
            raise Conflict(
                detail=f"client_uuid {data.client_uuid} is already used by an inspection "
                "with different content"
            )
        # A retry: what the first request made is the answer, nothing is applied twice.
        return await _loaded(conn, known[0])
    await queries.insert_items(conn, new_id, venue_id, await checklist_for(conn, venue_id))
    if (
        data.items is not msgspec.UNSET
        or data.complete
        or data.summary is not msgspec.UNSET
        or data.confidence_in_management is not msgspec.UNSET
    ):
        patch = InspectionPatch(
            items=data.items,
            summary=data.summary,
            confidence_in_management=data.confidence_in_management,
            complete=data.complete,
        )
        return await record(conn, settings, new_id, patch, base_url=base_url)
    return await _loaded(conn, new_id)


def _item_changes(
    inspection: Inspection, updates: list[ItemUpdate]
) -> tuple[list[tuple[int, Result | None, str | None]], list[tuple[ItemUpdate, str]]]:
    """(existing item id, result, note) to set, and new items (for keys the snapshot lacks)."""
    by_id = {i.id: i for i in inspection.items}
    by_key = {i.key: i for i in inspection.items}
    changes: list[tuple[int, Result | None, str | None]] = []
    new: list[tuple[ItemUpdate, str]] = []
    errors: dict[str, str] = {}
    for n, u in enumerate(updates):
        item = by_id.get(u.id) if u.id is not None else by_key.get(u.key or "")
        result = None if u.result is msgspec.UNSET else u.result
        note = None if u.note is msgspec.UNSET else u.note
        if item is not None:
            changes.append((item.id, result, note))
        elif u.id is not None:
            errors[f"items[{n}].id"] = "is not an item of this inspection"
        elif u.key and u.question:
            new.append((u, u.key))
        elif u.key:
            errors[f"items[{n}].key"] = "is not an item of this inspection (give its question)"
        else:
            errors[f"items[{n}]"] = "needs an id or a key"
    if errors:
        raise InvalidInput(errors)
    return changes, new


def _would_change(inspection: Inspection, patch: InspectionPatch) -> bool:
    by_id = {i.id: i for i in inspection.items}
    if patch.items is not msgspec.UNSET:
        changes, new = _item_changes(inspection, patch.items)
        if new:
            return True
        for item_id, result, note in changes:
            item = by_id[item_id]
            if (result is not None and result != item.result) or (
                note is not None and note != item.note
            ):
                return True
    if patch.summary is not msgspec.UNSET and patch.summary != inspection.summary:
        return True
    return (
        patch.confidence_in_management is not msgspec.UNSET
        and patch.confidence_in_management != inspection.confidence_in_management
    )


async def record(
    conn: Connection,
    settings: Settings,
    inspection_id: int,
    patch: InspectionPatch,
    *,
    base_url: str,
) -> Inspection:
    """Apply answers, summary and confidence; complete it if asked. Safe to repeat."""
    if not await queries.lock(conn, inspection_id):
        raise NotFoundException(f"No inspection with id {inspection_id}")
    inspection = await _loaded(conn, inspection_id)
    if inspection.completed_at is not None:
        if _would_change(inspection, patch):
            raise Conflict(
                detail="This inspection is completed and can no longer be changed "
                f"(completed {inspection.completed_at:%Y-%m-%d %H:%M} UTC)"
            )
        return inspection  # completed twice is completed once
    if patch.items is not msgspec.UNSET:
        changes, new = _item_changes(inspection, patch.items)
        for item_id, result, note in changes:
            await queries.set_item(conn, item_id, result, note)
        if new:
            extra = [
                ChecklistItem(key=key, kind="asked", question=u.question or key) for u, key in new
            ]
            await queries.insert_items(
                conn, inspection_id, inspection.venue_id, extra, start=len(inspection.items)
            )
            ids = await queries.item_ids(conn, inspection_id)
            for u, key in new:
                await queries.set_item(
                    conn,
                    ids[key],
                    None if u.result is msgspec.UNSET else u.result,
                    None if u.note is msgspec.UNSET else u.note,
                )
    fields: dict[str, Any] = {}
    if patch.summary is not msgspec.UNSET:
        fields["summary"] = patch.summary.strip()
    if patch.confidence_in_management is not msgspec.UNSET:
        fields["confidence_in_management"] = patch.confidence_in_management
    if (
        patch.complete
        and "confidence_in_management" not in fields
        and (inspection.confidence_in_management is None)
    ):
        raise InvalidInput(
            {
                "confidence_in_management": "is required to complete the inspection (0, 5, 10, 20 or 30)"
            }
        )
    await queries.set_fields(conn, inspection_id, fields)
    if patch.complete:
        completed_at = await queries.complete(conn, inspection_id)
        if completed_at is not None:
            on = completed_at.date()
            await action_queries.raise_for_inspection(
                conn,
                inspection_id,
                minor_due=on + timedelta(days=settings.action_due_days_minor),
                major_due=on + timedelta(days=settings.action_due_days_major),
            )
            done = await _loaded(conn, inspection_id)
            await _mail_report(conn, settings, done, base_url)
            return done
    return await _loaded(conn, inspection_id)


def report_text(inspection: Inspection, base_url: str) -> str:
    outcome = {"compliant": "Compliant", "minor": "Minor breach", "major": "Major breach"}
    lines = [
        f"Inspection of {inspection.venue_name}",
        f"Outcome: {outcome.get(inspection.outcome or '', 'Not completed')}",
        f"Officer: {inspection.officer_name}",
        "",
    ]
    if inspection.summary:
        lines += [inspection.summary, ""]
    labels = {
        "compliant": "Compliant",
        "minor": "Minor breach",
        "major": "Major breach",
        "not_checked": "Not checked",
        "na": "Not applicable",
    }
    for item in inspection.items:
        lines.append(f"- {item.question}: {labels[item.result]}")
        if item.note:
            lines.append(f"  {item.note}")
    if inspection.actions:
        lines += ["", "Actions for the venue:"]
        lines += [f"- {a.item} (due {a.due_on:%-d %B %Y})" for a in inspection.actions]
    lines += ["", f"The full report: {base_url}/inspections/{inspection.id}/report"]
    return "\n".join(lines) + "\n"


async def _mail_report(
    conn: Connection, settings: Settings, inspection: Inspection, base_url: str
) -> None:
    """The report to each of the venue's managers, through the core transport.

    A mail server that is down must not lose the inspection the tablet worked to upload:
    the failure is logged and the completion stands (the outbox will retry such mail).
    """
    text = report_text(inspection, base_url)
    for email in await queries.manager_emails(conn, inspection.venue_id):
        try:
            await send_mail(
                settings,
                Mail(to=email, subject=f"Inspection report: {inspection.venue_name}", text=text),
            )
        except Exception:
            log.warning(
                "inspection %s: the report to %s was not sent", inspection.id, email, exc_info=True
            )


async def add_photo(
    conn: Connection,
    inspection_id: int,
    *,
    client_uuid: uuid.UUID,
    item_id: int | None,
    item_key: str | None,
    content: bytes,
) -> Photo:
    """Store a photo once per uuid; the same photo again answers the same, another one 409."""
    inspection = await _loaded(conn, inspection_id)
    if not content:
        raise InvalidInput({"photo": "is an empty file"})
    if len(content) > MAX_PHOTO_BYTES:
        raise InvalidInput({"photo": "must be at most 10 MB"})
    content_type = photo_type(content)
    if content_type is None:
        raise InvalidInput({"photo": "must be a JPEG, PNG or WebP image"})
    if item_key and item_id is None:
        item_id = next((i.id for i in inspection.items if i.key == item_key), None)
        if item_id is None:
            raise InvalidInput({"item_key": "is not an item of this inspection"})
    if item_id is not None and all(i.id != item_id for i in inspection.items):
        raise InvalidInput({"item_id": "is not an item of this inspection"})
    digest = hashlib.sha256(content).digest()
    new_id = await queries.insert_photo(
        conn,
        inspection_id=inspection_id,
        venue_id=inspection.venue_id,
        item_id=item_id,
        client_uuid=client_uuid,
        sha256=digest,
        content_type=content_type,
        content=content,
    )
    if new_id is None:
        known = await queries.find_photo(conn, client_uuid)
        assert known is not None
        if (known["inspection_id"], known["item_id"], bytes(known["sha256"])) != (
            inspection_id,
            item_id,
            digest,
        ):
            raise Conflict(detail=f"client_uuid {client_uuid} is already used by a different photo")
        new_id = known["id"]
    photo = await queries.get_photo(conn, new_id)
    assert photo is not None
    return photo


async def plan_visit(conn: Connection, venue_id: int, caller: int, data: VisitCreate) -> Visit:
    """Shared by the page and the API: checks, stores, and answers the visit."""
    if data.kind == "reactive" and not data.reason.strip():
        raise InvalidInput({"reason": "is required for a reactive visit"})
    officer = data.officer_id or caller
    if not await queries.is_officer(conn, officer):
        raise InvalidInput({"officer_id": "is not an officer's account"})
    visit_id = await queries.create_visit(conn, venue_id, officer, data)
    visit = await queries.get_visit(conn, visit_id, today())
    assert visit is not None
    return visit

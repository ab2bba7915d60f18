"""Payloads and rows of visits, inspections, their checklist items and photos."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

__all__ = [
    "CONFIDENCE",
    "RESULTS",
    "ActionBrief",
    "Confidence",
    "Inspection",
    "InspectionCreate",
    "InspectionItem",
    "InspectionPatch",
    "InspectionSummary",
    "ItemUpdate",
    "Outcome",
    "Photo",
    "Result",
    "Visit",
    "VisitCreate",
    "VisitKind",
]

Result = Literal["compliant", "minor", "major", "not_checked", "na"]
RESULTS: tuple[str, ...] = Result.__args__  # type: ignore[attr-defined]
Outcome = Literal["compliant", "minor", "major"]
VisitKind = Literal["planned", "reactive"]
# The officer's confidence in management: points towards the venue's risk score (DOMAIN.md).
Confidence = Literal[0, 5, 10, 20, 30]
CONFIDENCE: tuple[int, ...] = Confidence.__args__  # type: ignore[attr-defined]

Note = Annotated[str, Meta(max_length=4000)]
Reason = Annotated[str, Meta(max_length=500)]


class Photo(msgspec.Struct):
    id: int
    client_uuid: uuid.UUID
    item_id: int | None
    content_type: str
    size: int
    uploaded_at: datetime
    url: str


class InspectionItem(msgspec.Struct):
    id: int
    key: str
    position: int
    condition_id: int | None
    check: str | None
    kind: str
    question: str
    guidance: str
    condition_text: str
    result: Result
    note: str
    photos: list[Photo] = msgspec.field(default_factory=list)


class ActionBrief(msgspec.Struct):
    id: int
    item: str
    description: str
    due_on: date
    status: str


class Inspection(msgspec.Struct):
    id: int
    venue_id: int
    venue_name: str
    client_uuid: uuid.UUID
    visit_id: int | None
    officer_id: int | None
    officer_name: str
    kind: VisitKind
    reason: str
    scheduled_for: date | None
    started_at: datetime
    completed_at: datetime | None
    outcome: Outcome | None
    """Derived: any major item makes it major, else any minor makes it minor (set on completion)."""
    confidence_in_management: Confidence | None
    summary: str
    generated: bool
    items: list[InspectionItem] = msgspec.field(default_factory=list)
    actions: list[ActionBrief] = msgspec.field(default_factory=list)


class InspectionSummary(msgspec.Struct):
    id: int
    venue_id: int
    client_uuid: uuid.UUID
    officer_name: str
    kind: VisitKind
    started_at: datetime
    completed_at: datetime | None
    outcome: Outcome | None
    breaches: int
    open_actions: int


class ItemUpdate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One item's answer, named by its ``id`` or by the ``key`` the tablet knew it by."""

    id: int | None = None
    key: Annotated[str, Meta(max_length=100)] | None = None
    result: Result | UnsetType = UNSET
    note: Note | UnsetType = UNSET
    question: Annotated[str, Meta(min_length=1, max_length=500)] | None = None
    """For a key the server's checklist lacks (the condition went while the tablet was
    offline): the question as it was asked, so the answer is kept, not refused."""


class InspectionPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    items: list[ItemUpdate] | UnsetType = UNSET
    summary: Note | UnsetType = UNSET
    confidence_in_management: Confidence | UnsetType | None = UNSET
    complete: bool = False


class InspectionCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Starts an inspection; may carry the whole draft (items, summary, completion) at once.

    Idempotent by ``client_uuid``: the same body again answers the same, another body 409.
    """

    client_uuid: uuid.UUID
    visit_id: int | None = None
    kind: VisitKind = "planned"
    reason: Reason = ""
    started_at: datetime | None = None
    """When the officer started on the tablet (it may upload hours later)."""
    items: list[ItemUpdate] | UnsetType = UNSET
    summary: Note | UnsetType = UNSET
    confidence_in_management: Confidence | UnsetType | None = UNSET
    complete: bool = False


class Visit(msgspec.Struct):
    id: int
    venue_id: int
    venue_name: str
    address: str
    postcode: str
    latitude: float | None
    longitude: float | None
    officer_id: int
    planned_on: date
    kind: VisitKind
    reason: str
    status: Literal["overdue", "today", "coming", "done"]
    inspection_id: int | None
    distance_m: float | None


class VisitCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    planned_on: date
    kind: VisitKind = "planned"
    reason: Reason = ""
    officer_id: int | None = None
    """Whose visit it is; the caller when not given."""

"""Structs for monthly returns: the venue's self-report for a month, its review, and the gaps."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

__all__ = [
    "MissingReturn",
    "OverdueReturn",
    "Return",
    "ReturnCreate",
    "ReturnPatch",
    "ReturnStatus",
    "ReviewItem",
]

ReturnStatus = Literal["submitted", "reviewed"]

Count = Annotated[int, Meta(ge=0, le=100_000)]
# A month has at most 744 hours; this allows a dozen door supervisors every hour of it.
DoorHours = Annotated[float, Meta(ge=0, le=10_000)]
Note = Annotated[str, Meta(max_length=4000)]


class Return(msgspec.Struct, kw_only=True):
    """A submitted monthly return, as the venue and the officers see it."""

    id: int
    venue_id: int
    period: date
    """The month reported on, as its first day."""
    due_on: date
    """Last day of the month plus the ``return_due_days`` setting."""
    refusals: int
    incidents_unreported: int
    """Incidents in the month not yet reported to the police or the council."""
    incidents_note: str
    angela_activations: int
    door_staff_hours: float
    cctv_checks: int
    staff_changes: str
    """Changes of DPS or staff in the month, in the venue's words."""
    notes: str
    submitted_by: int | None
    submitted_by_name: str | None
    submitted_at: datetime
    status: ReturnStatus
    reviewed_by: int | None
    reviewed_by_name: str | None
    reviewed_at: datetime | None
    review_note: str
    generated: bool
    """Made up by ``nte demo``; the pages say so."""


class ReviewItem(Return, kw_only=True):
    """A return waiting for an officer, with its venue's name for the borough's list."""

    venue_name: str


class ReturnCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A venue's return for one ended month; every count is required (0 is an answer)."""

    period: Annotated[date, Meta(description="The month, as its first day: YYYY-MM-01")]
    refusals: Count
    incidents_unreported: Count
    incidents_note: Note = ""
    angela_activations: Count
    door_staff_hours: DoorHours
    cctv_checks: Count
    staff_changes: Note = ""
    notes: Note = ""


class ReturnPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """An officer's review: ``reviewed`` true marks it (the first reviewer is kept), false
    takes the mark back; the note changes only when given."""

    reviewed: bool | UnsetType = UNSET
    review_note: Note | UnsetType = UNSET


class MissingReturn(msgspec.Struct, frozen=True):
    """A month an active venue owes a return for, past its due date."""

    venue_id: int
    period: date
    due_on: date


class OverdueReturn(msgspec.Struct, kw_only=True):
    """A missing return as the officers' list shows it."""

    venue_id: int
    venue_name: str
    period: date
    due_on: date
    days_overdue: int

"""Actions raised by inspection breaches, and how the venue and the officer move them on."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

__all__ = ["Action", "ActionFile", "ActionPatch", "ActionStatus", "Step"]

ActionStatus = Literal["open", "answered", "verified", "reopened"]
Step = Literal["answer", "verify", "reopen"]


class ActionFile(msgspec.Struct):
    filename: str
    content_type: str
    size: int
    uploaded_at: datetime
    url: str


class Action(msgspec.Struct):
    id: int
    inspection_id: int
    venue_id: int
    venue_name: str
    item: str
    """The checklist question that was breached."""
    severity: Literal["minor", "major"]
    description: str
    due_on: date
    status: ActionStatus
    overdue: bool
    """Past its due date and not verified."""
    answer: str | None
    answered_at: datetime | None
    verified_at: datetime | None
    officer_note: str
    file: ActionFile | None = None


class ActionPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``answer`` by the venue (the note is the answer), ``verify`` or ``reopen`` by an officer."""

    action: Step
    note: Annotated[str, Meta(max_length=4000)] = ""

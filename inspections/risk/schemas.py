"""What a risk rating is, as the API and the pages show it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

__all__ = ["Band", "BandChange", "DueOverride", "DueOverrideSet", "Factor", "Rating"]

Band = Literal["A", "B", "C", "D"]


class Factor(msgspec.Struct):
    name: str
    title: str
    points: int
    reason: str


class Rating(msgspec.Struct):
    venue_id: int
    score: int
    """The sum of the factors' points."""
    band: Band
    next_inspection_due: date
    due_reason: str
    """Why the due date is what it is (the band's interval, or an officer's reason)."""
    last_inspected_on: date | None
    factors: list[Factor]
    computed_at: datetime


class MovedFactor(msgspec.Struct):
    name: str
    title: str
    old_points: int
    new_points: int
    reason: str


class BandChange(msgspec.Struct):
    id: int
    venue_id: int
    at: datetime
    old_band: Band
    new_band: Band
    old_score: int
    new_score: int
    moved: list[MovedFactor]


class DueOverrideSet(msgspec.Struct, forbid_unknown_fields=True):
    """An officer brings the next inspection forward, and says why."""

    due_on: date
    reason: Annotated[str, Meta(min_length=1, max_length=500, pattern=r"\S")]


class DueOverride(msgspec.Struct):
    venue_id: int
    due_on: date
    reason: str
    set_at: datetime

"""Structs for Ask for Angela: participation, test visits and readiness."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

__all__ = [
    "Angela",
    "AngelaTest",
    "AngelaTestCreate",
    "Participation",
    "ParticipationPut",
    "Readiness",
]

Outcome = Literal["pass", "fail"]
OUTCOMES: tuple[str, ...] = Outcome.__args__  # type: ignore[attr-defined]
Organisation = Annotated[str, Meta(min_length=1, max_length=200, pattern=r"\S")]
Notes = Annotated[str, Meta(max_length=2000)]


class Participation(msgspec.Struct, kw_only=True):
    """The venue's place in the scheme; all empty for a venue never enrolled."""

    enrolled_on: date | None = None
    posters_displayed: bool = False
    withdrawn_on: date | None = None
    generated: bool = False
    updated_at: datetime | None = None

    @property
    def participating(self) -> bool:
        return self.enrolled_on is not None and self.withdrawn_on is None


class ParticipationPut(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The whole participation, replaced: a field left out is cleared."""

    enrolled_on: date | None = None
    posters_displayed: bool = False
    withdrawn_on: date | None = None


class AngelaTest(msgspec.Struct, kw_only=True):
    id: int
    venue_id: int
    tested_on: date
    tester_organisation: str
    outcome: Outcome
    notes: str
    generated: bool
    created_at: datetime


class AngelaTestCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    tested_on: date
    tester_organisation: Organisation
    outcome: Outcome
    notes: Notes = ""


class Readiness(msgspec.Struct, kw_only=True):
    """Whether someone who asks for Angela here would be helped."""

    trained_staff: int | None
    """Active front-of-house staff with valid WAVE and Ask-for-Angela training."""
    front_of_house_staff: int | None
    """Active front-of-house staff; None while staff records are not known."""
    trained_share: float | None
    """trained_staff / front_of_house_staff (0..1); None when nobody is recorded front of house."""
    posters_without_trained_staff: bool
    """Posters promise help that nobody trained can give: worse than no posters."""
    last_test: AngelaTest | None
    retest_due_on: date | None
    """Set while the last test failed: that test's date plus the re-test window."""
    retest_overdue: bool
    """The re-test due date has passed without a later test."""


class Angela(msgspec.Struct, kw_only=True):
    """GET /venues/{id}/angela: participation and readiness."""

    venue_id: int
    participating: bool
    """Enrolled and not withdrawn."""
    enrolled_on: date | None
    posters_displayed: bool
    withdrawn_on: date | None
    generated: bool
    updated_at: datetime | None
    readiness: Readiness

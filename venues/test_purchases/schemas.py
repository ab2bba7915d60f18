"""Structs for test purchases."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

__all__ = ["OUTCOMES", "TestPurchase", "TestPurchaseCreate"]

Outcome = Literal["pass", "fail"]
OUTCOMES: tuple[str, ...] = Outcome.__args__  # type: ignore[attr-defined]
Agency = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=200,
        pattern=r"\S",
        examples=["Kent Trading Standards", "Kent Police"],
    ),
]
Notes = Annotated[str, Meta(max_length=2000)]


class TestPurchase(msgspec.Struct, kw_only=True):
    """``outcome`` "fail" means alcohol was sold to the young person."""

    __test__ = False  # not a pytest test class, whatever its name

    id: int
    venue_id: int
    attempted_on: date
    agency: str
    outcome: Outcome
    notes: str
    generated: bool
    created_at: datetime


class TestPurchaseCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    __test__ = False  # not a pytest test class, whatever its name

    attempted_on: date
    agency: Agency
    outcome: Outcome
    notes: Notes = ""

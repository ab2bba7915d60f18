"""What a timeline answer holds: one item per thing that happened, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

__all__ = ["KINDS", "Kind", "TimelineItem", "TimelinePage"]


Kind = Literal[
    "incident",
    "test_purchase",
    "angela_test",
    "return",
    "training",
    "staff",
    "licence",
    "inspection",
    "action",
    "risk",
]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]


class TimelineItem(msgspec.Struct):
    at: datetime
    kind: Kind
    title: str
    detail: str
    record_id: int | None
    link: str


class TimelinePage(msgspec.Struct):
    items: list[TimelineItem]
    total: int
    limit: int
    offset: int

"""What the officers' home page shows: where to look first, and the borough's trends."""

from __future__ import annotations

from datetime import date

import msgspec

__all__ = ["Attention", "RuleCount", "Trends"]


class Attention(msgspec.Struct):
    venue_id: int
    name: str
    band: str
    score: int
    reason: str
    """The factor that scores most: the same words as the venue's risk panel."""
    next_inspection_due: date
    inspection_overdue: bool
    serious_flags: int
    open_flags: int
    actions_overdue: int


class RuleCount(msgspec.Struct):
    rule: str
    count: int


class Trends(msgspec.Struct):
    weeks: list[date]
    """Mondays of the last 12 weeks, oldest first (the last one is this week, so far)."""
    categories: list[str]
    """The categories drawn, most incidents first ("other" last holds the rest)."""
    by_week: list[list[int]]
    """by_week[category][week]."""
    average: list[float]
    """The mean of the four weeks before each week."""
    heat: list[list[int]]
    """heat[weekday 0 = Monday][hour] over the 12 weeks."""

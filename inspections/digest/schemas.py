"""The weekly digest and the "this week" page: one shape for both."""

from __future__ import annotations

from datetime import date, datetime

import msgspec

__all__ = ["Bar", "Digest", "Group", "Line", "Recipient", "Section", "Window"]


class Window(msgspec.Struct, frozen=True):
    """What a digest covers: what happened in [start, end), and what is due as of ``as_of``."""

    week: str
    """The ISO week it is named after, "2026-W48"."""
    start: datetime
    end: datetime
    as_of: date
    label: str
    """How people read it: "23 to 29 November 2026", or "the last 7 days"."""


class Recipient(msgspec.Struct, frozen=True):
    id: int
    email: str
    display_name: str
    role: str
    venue_ids: list[int]
    digest_subscribed: bool
    digest_when_empty: bool


class Line(msgspec.Struct):
    """One thing to do or to know, and where it is done."""

    text: str
    href: str
    late: bool = False
    """Past its date: shown as overdue."""


class Section(msgspec.Struct):
    key: str
    title: str
    lines: list[Line]
    good: bool = False
    """What went well, rather than what needs doing."""
    more: int = 0
    """Lines left out to keep the mail short; ``more_href`` lists them all."""
    more_href: str = ""


class Bar(msgspec.Struct):
    """One week of the incident chart."""

    label: str
    count: int
    current: bool
    percent: int
    """Its length against the longest week, 0 to 100."""


class Group(msgspec.Struct):
    """The borough, or one venue of a venue manager's."""

    title: str
    href: str
    sections: list[Section]


class Digest(msgspec.Struct):
    recipient: Recipient
    window: Window
    groups: list[Group]
    chart: list[Bar] = msgspec.field(default_factory=list)
    chart_average: float | None = None

    @property
    def empty(self) -> bool:
        """Nothing needs this person: every section of every group is empty."""
        return not any(s.lines for g in self.groups for s in g.sections)

    @property
    def to_do(self) -> int:
        return sum(len(s.lines) + s.more for g in self.groups for s in g.sections if not s.good)

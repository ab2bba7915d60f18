"""What a flag is, as the API and the pages show it, and the change a person asks for."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

__all__ = ["Flag", "FlagChange", "FlagPage", "Status"]


Status = Literal["open", "acknowledged", "resolved"]


class Flag(msgspec.Struct):
    id: int
    venue_id: int
    venue_name: str
    rule: str
    severity: str
    status: Status
    opened_at: datetime
    resolved_at: datetime | None
    acknowledged_at: datetime | None
    explanation: str
    evidence: dict[str, Any]
    resolution: str | None


class FlagPage(msgspec.Struct):
    items: list[Flag]
    total: int
    limit: int
    offset: int


class FlagChange(msgspec.Struct, forbid_unknown_fields=True):
    action: Literal["acknowledge", "resolve"]
    note: Annotated[str, Meta(max_length=2000)] = ""

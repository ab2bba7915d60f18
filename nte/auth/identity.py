"""The person behind a request, as the guards and queries see them."""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = ["ALL_ROLES", "Identity", "Role"]

Role = Literal["admin", "officer", "partner", "venue_manager"]
ALL_ROLES: tuple[Role, ...] = ("admin", "officer", "partner", "venue_manager")


class Identity(msgspec.Struct, frozen=True):
    user_id: int
    email: str
    display_name: str
    role: Role
    venue_ids: frozenset[int]
    """The venues a venue manager manages; empty for every other role."""
    via: Literal["session", "token"]

    @property
    def label(self) -> str:
        """How the audit trail names this person."""
        return f"{self.email} ({self.role})"

    def venue_scope(self) -> list[int] | None:
        """The venues this person may see, or None for all of them."""
        return sorted(self.venue_ids) if self.role == "venue_manager" else None

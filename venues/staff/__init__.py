"""A venue's people: staff, door supervisors and the DPS, their training and certificates."""

from __future__ import annotations

from venues.staff.api import StaffController
from venues.staff.pages import StaffPages

__all__ = ["route_handlers"]

# What this package serves; the composition root mounts it.
route_handlers = [StaffController, StaffPages]

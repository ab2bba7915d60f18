"""The home page of officers and partners: where to go first, today's visits, the trends."""

from __future__ import annotations

from inspections.home.pages import HomePages

__all__ = ["route_handlers"]

# What this package serves; the composition root mounts it.
route_handlers = [HomePages]

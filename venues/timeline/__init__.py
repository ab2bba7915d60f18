"""Everything that happened at a venue, newest first, from every part of its record."""

from __future__ import annotations

from venues.timeline.api import TimelineController
from venues.timeline.pages import TimelinePages

__all__ = ["route_handlers"]

# What this package serves; the composition root mounts it.
route_handlers = [TimelineController, TimelinePages]

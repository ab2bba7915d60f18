"""Ask for Angela: a venue's participation, the police's test visits, and how ready it is."""

from __future__ import annotations

from venues.angela.api import AngelaController
from venues.angela.pages import AngelaPages

__all__ = ["route_handlers"]

# What this package serves; the composition root mounts it.
route_handlers = [AngelaController, AngelaPages]

"""The record of a venue: premises licence, conditions, and the imports that feed them."""

from __future__ import annotations

from venues.api import ConditionController, VenueController
from venues.pages import VenuePages

__all__ = ["route_handlers"]

# What this package serves; the composition root mounts it.
route_handlers = [VenueController, ConditionController, VenuePages]

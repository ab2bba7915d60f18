"""Incidents at venues and in the street; sensitive details kept from those who may not see them."""

from __future__ import annotations

from venues.incidents.api import IncidentController
from venues.incidents.pages import IncidentPages

__all__ = ["route_handlers"]

# What this package serves; the composition root mounts it.
route_handlers = [IncidentController, IncidentPages]

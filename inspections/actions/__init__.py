"""Actions: what a breach found at an inspection asks of the venue, answered and verified."""

from inspections.actions.api import ActionController, VenueActionController

__all__ = ["route_handlers"]

route_handlers = [VenueActionController, ActionController]

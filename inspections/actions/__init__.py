"""Actions: what a breach found at an inspection asks of the venue, answered and verified."""

from inspections.actions.api import ActionController, VenueActionController
from inspections.actions.pages import ActionPages

__all__ = ["route_handlers"]

route_handlers = [VenueActionController, ActionController, ActionPages]

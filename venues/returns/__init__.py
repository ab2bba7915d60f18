"""Monthly returns: each venue's self-report for a calendar month, reviewed by officers."""

from __future__ import annotations

from venues.returns.api import ReturnController, VenueReturnController
from venues.returns.pages import ReturnPages

__all__ = ["route_handlers"]

# What this package serves; the composition root mounts it.
route_handlers = [VenueReturnController, ReturnController, ReturnPages]

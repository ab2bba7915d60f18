"""Police-recorded crime from data.police.uk: the import, and the area around a venue."""

from __future__ import annotations

from venues.police.api import AreaController
from venues.police.pages import AreaPages

__all__ = ["route_handlers"]

# What this package serves; the composition root mounts it.
route_handlers = [AreaController, AreaPages]

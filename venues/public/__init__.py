"""The public pages: Ask-for-Angela venues in good standing and the town centre's picture."""

from __future__ import annotations

from venues.public.api import PublicApi
from venues.public.pages import PublicPages

__all__ = ["route_handlers"]

# What this package serves; the composition root mounts it.
route_handlers = [PublicPages, PublicApi]

"""Risk rating: each venue's points per factor, band and next inspection due."""

from __future__ import annotations

from inspections.risk.api import RiskController
from inspections.risk.pages import RiskPages

__all__ = ["route_handlers"]

# What this package serves; the composition root mounts it.
route_handlers = [RiskController, RiskPages]

"""Flags: what the scheduled checks raise, with their evidence, explanation and lifecycle."""

from __future__ import annotations

from inspections.flags.api import FlagController
from inspections.flags.pages import FlagPages

__all__ = ["route_handlers"]

# What this package serves; the composition root mounts it.
route_handlers = [FlagController, FlagPages]

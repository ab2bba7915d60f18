"""Evidence bundles for a licence review: the venue's history as numbered, paginated exhibits."""

from __future__ import annotations

from inspections.evidence.api import EvidenceController
from inspections.evidence.pages import EvidencePages

__all__ = ["route_handlers"]

# What this package serves; the composition root mounts it.
route_handlers = [EvidenceController, EvidencePages]

"""Inspections: planned visits, the checklist snapshot, recording on a tablet, photos, report."""

from inspections.inspections.api import (
    InspectionController,
    PhotoController,
    VenueInspectionController,
    VisitController,
)
from inspections.inspections.pages import InspectionPages, ServiceWorker

__all__ = ["route_handlers"]

route_handlers = [
    VenueInspectionController,
    InspectionController,
    PhotoController,
    VisitController,
    InspectionPages,
    ServiceWorker,
]

"""JSON API for visits, inspections and their photos.

/api/v1/venues/{id}/inspections (GET; POST starts one, idempotent by client_uuid),
/api/v1/inspections/{id} (GET, PATCH), /api/v1/inspections/{id}/photos (POST, idempotent by
the photo's client_uuid), /api/v1/photos/{id} (the image), /api/v1/visits (the caller's).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import State, UploadFile
from litestar.exceptions import NotFoundException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath, JSONBody, MultipartBody, QueryParameter

from inspections.inspections import queries, service
from inspections.inspections.checklist import ChecklistItem
from inspections.inspections.deps import inspection_or_404
from inspections.inspections.queries import INSPECTION_OWNER, PHOTO_OWNER
from inspections.inspections.schemas import (
    Inspection,
    InspectionCreate,
    InspectionPatch,
    InspectionSummary,
    Photo,
    Visit,
    VisitCreate,
)
from nte.auth.guards import READERS, STAFF, current_identity, roles, signed_in, venue_scope
from nte.clock import today
from nte.db import RequestConnection
from nte.errors import InvalidInput, handle_exception
from venues.deps import venue_or_404

__all__ = [
    "InspectionController",
    "PhotoController",
    "VenueInspectionController",
    "VisitController",
]

PHOTO_BODY_LIMIT = service.MAX_PHOTO_BYTES + 256 * 1024


class PhotoTooLarge(InvalidInput):
    status_code = 413


def _too_large(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return handle_exception(
        request, PhotoTooLarge({"photo": "must be at most 10 MB"}, detail="The photo is too large")
    )


class PhotoUpload(msgspec.Struct):
    client_uuid: str
    """Made by the tablet for this photo: the same uuid again is the same photo."""
    photo: UploadFile
    """A JPEG, PNG or WebP image of at most 10 MB."""
    item_id: str = ""
    item_key: str = ""
    """The checklist item it shows, by id or by the key the tablet knew it by."""


class VenueInspectionController(Controller):
    path = "/api/v1/venues/{venue_id:int}"
    tags = ["inspections"]
    guards = [signed_in, venue_scope(), roles(*READERS)]

    @get("/inspections", summary="A venue's inspections, newest first")
    async def list_inspections(
        self, conn: RequestConnection, venue_id: FromPath[int]
    ) -> list[InspectionSummary]:
        await venue_or_404(conn, venue_id)
        return await queries.list_inspections(conn, venue_id)

    @post(
        "/inspections",
        summary="Start an inspection (idempotent by client_uuid); answers it with its checklist",
        description="The body may carry the whole draft (items, summary, confidence, "
        "complete): the same client_uuid with the same body is stored once and answered the "
        "same every time; a different body under a known client_uuid is 409.",
        guards=[roles(*STAFF)],
    )
    async def start_inspection(
        self,
        request: Request[Any, Any, Any],
        state: State,
        conn: RequestConnection,
        venue_id: FromPath[int],
        data: JSONBody[InspectionCreate],
    ) -> Inspection:
        await venue_or_404(conn, venue_id)
        return await service.start(
            conn,
            state.settings,
            venue_id,
            data,
            officer_id=current_identity(request).user_id,
            base_url=state.settings.base_url,
        )

    @get(
        "/checklist",
        summary="The checklist an inspection started now would ask (for the tablet, offline)",
        guards=[roles(*STAFF)],
    )
    async def checklist(
        self, conn: RequestConnection, venue_id: FromPath[int]
    ) -> list[ChecklistItem]:
        await venue_or_404(conn, venue_id)
        return await service.checklist_for(conn, venue_id)

    @get("/visits", summary="Visits planned at the venue", guards=[roles(*STAFF)])
    async def venue_visits(self, conn: RequestConnection, venue_id: FromPath[int]) -> list[Visit]:
        await venue_or_404(conn, venue_id)
        return await queries.venue_visits(conn, venue_id, today())

    @post(
        "/visits",
        summary="Plan a visit (planned, or reactive with a reason)",
        guards=[roles(*STAFF)],
    )
    async def create_visit(
        self,
        request: Request[Any, Any, Any],
        conn: RequestConnection,
        venue_id: FromPath[int],
        data: JSONBody[VisitCreate],
    ) -> Visit:
        await venue_or_404(conn, venue_id)
        return await service.plan_visit(conn, venue_id, current_identity(request).user_id, data)


class InspectionController(Controller):
    path = "/api/v1/inspections/{inspection_id:int}"
    tags = ["inspections"]
    guards = [signed_in, venue_scope("inspection_id", INSPECTION_OWNER), roles(*READERS)]

    @get("/", summary="One inspection with its items, photos and actions")
    async def get_inspection(
        self, conn: RequestConnection, inspection_id: FromPath[int]
    ) -> Inspection:
        return await inspection_or_404(conn, inspection_id)

    @patch(
        "/",
        summary="Record answers, summary and confidence; complete it (completing twice is once)",
        guards=[roles(*STAFF)],
    )
    async def record(
        self,
        state: State,
        conn: RequestConnection,
        inspection_id: FromPath[int],
        data: JSONBody[InspectionPatch],
    ) -> Inspection:
        return await service.record(
            conn, state.settings, inspection_id, data, base_url=state.settings.base_url
        )

    @post(
        "/photos",
        summary="Add a photo (multipart; idempotent by the photo's client_uuid)",
        guards=[roles(*STAFF)],
        request_max_body_size=PHOTO_BODY_LIMIT,
        exception_handlers={RequestEntityTooLarge: _too_large},
    )
    async def add_photo(
        self,
        conn: RequestConnection,
        inspection_id: FromPath[int],
        data: MultipartBody[PhotoUpload],
    ) -> Photo:
        try:
            client_uuid = uuid.UUID(data.client_uuid)
        except ValueError:
            raise InvalidInput({"client_uuid": "must be a UUID"}) from None
        item_id = None
        if data.item_id:
            if not data.item_id.isdigit():
                raise InvalidInput({"item_id": "must be a whole number"})
            item_id = int(data.item_id)
        if not isinstance(data.photo, UploadFile):
            raise InvalidInput({"photo": "is required"})
        return await service.add_photo(
            conn,
            inspection_id,
            client_uuid=client_uuid,
            item_id=item_id,
            item_key=data.item_key or None,
            content=await data.photo.read(service.MAX_PHOTO_BYTES + 1),
        )


class PhotoController(Controller):
    path = "/api/v1/photos/{photo_id:int}"
    tags = ["inspections"]
    guards = [signed_in, venue_scope("photo_id", PHOTO_OWNER), roles(*READERS)]

    @get("/", summary="An inspection photo", media_type="application/octet-stream")
    async def get_photo(self, conn: RequestConnection, photo_id: FromPath[int]) -> Response[bytes]:
        found = await queries.photo_content(conn, photo_id)
        if found is None:
            raise NotFoundException(f"No photo with id {photo_id}")
        content_type, content = found
        return Response(
            content=content,
            media_type=content_type,
            headers={
                "X-Content-Type-Options": "nosniff",
                # Evidence: kept by nobody, so a shared tablet holds none of it after sign-out.
                "Cache-Control": "private, no-store",
            },
        )


class VisitController(Controller):
    path = "/api/v1/visits"
    tags = ["inspections"]
    guards = [signed_in, roles(*STAFF)]

    @get(
        "/",
        summary="The caller's visits: overdue and today's (nearest first with lat/lon), then coming",
    )
    async def my_visits(
        self,
        request: Request[Any, Any, Any],
        conn: RequestConnection,
        lat: Annotated[float | None, QueryParameter(ge=-90, le=90)] = None,
        lon: Annotated[float | None, QueryParameter(ge=-180, le=180)] = None,
    ) -> list[Visit]:
        if (lat is None) != (lon is None):
            raise InvalidInput({"lat" if lat is None else "lon": "is required with the other"})
        return await queries.list_visits(
            conn, current_identity(request).user_id, today(), lat=lat, lon=lon
        )

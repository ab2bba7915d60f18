"""JSON API for actions (/api/v1/venues/{id}/actions, /api/v1/actions/{id})."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath, JSONBody, MultipartBody

from inspections.actions import queries, service
from inspections.actions.deps import action_or_404
from inspections.actions.queries import ACTION_OWNER
from inspections.actions.schemas import Action, ActionPatch
from nte.auth.guards import READERS, current_identity, roles, signed_in, venue_scope
from nte.auth.identity import Role
from nte.clock import today
from nte.db import RequestConnection
from nte.errors import InvalidInput, handle_exception
from venues.deps import venue_or_404
from venues.staff.service import content_disposition

__all__ = ["ActionController", "VenueActionController", "file_response"]

# Who may move an action at all; which step each may take is the service's rule.
MOVERS: tuple[Role, ...] = ("admin", "officer", "venue_manager")


class FileTooLarge(InvalidInput):
    status_code = 413


def _too_large(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return handle_exception(
        request, FileTooLarge({"file": "must be at most 10 MB"}, detail="The file is too large")
    )


class ActionFileUpload(msgspec.Struct):
    file: UploadFile
    """A photo (JPEG, PNG) or a PDF of at most 10 MB."""


async def file_response(conn: Any, action_id: int) -> Response[bytes]:
    found = await queries.get_file(conn, action_id)
    if found is None:
        raise NotFoundException("This action has no file")
    filename, content_type, content = found
    return Response(
        content=content,
        media_type=content_type,
        headers={
            "Content-Disposition": content_disposition(filename),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


class VenueActionController(Controller):
    path = "/api/v1/venues/{venue_id:int}/actions"
    tags = ["actions"]
    guards = [signed_in, venue_scope(), roles(*READERS)]

    @get("/", summary="A venue's actions: open and overdue first, verified last")
    async def list_actions(self, conn: RequestConnection, venue_id: FromPath[int]) -> list[Action]:
        await venue_or_404(conn, venue_id)
        return await queries.list_actions(conn, venue_id, today())


class ActionController(Controller):
    path = "/api/v1/actions/{action_id:int}"
    tags = ["actions"]
    guards = [signed_in, venue_scope("action_id", ACTION_OWNER), roles(*READERS)]

    @get("/", summary="One action")
    async def get_action(self, conn: RequestConnection, action_id: FromPath[int]) -> Action:
        return await action_or_404(conn, action_id)

    @patch(
        "/",
        summary="Answer (the venue), verify or reopen (an officer) an action",
        guards=[roles(*MOVERS)],
    )
    async def move_action(
        self,
        request: Request[Any, Any, Any],
        conn: RequestConnection,
        action_id: FromPath[int],
        data: JSONBody[ActionPatch],
    ) -> Action:
        action = await action_or_404(conn, action_id)
        return await service.move(conn, action, data, current_identity(request))

    @post(
        "/file",
        summary="Attach the answer's photo or file (JPEG, PNG or PDF, 10 MB)",
        guards=[roles(*service.ANSWERERS)],
        request_max_body_size=service.FILE_BODY_LIMIT,
        exception_handlers={RequestEntityTooLarge: _too_large},
    )
    async def attach_file(
        self,
        request: Request[Any, Any, Any],
        conn: RequestConnection,
        action_id: FromPath[int],
        data: MultipartBody[ActionFileUpload],
    ) -> Action:
        action = await action_or_404(conn, action_id)
        await service.attach_file(conn, action, data.file, current_identity(request))
        return await action_or_404(conn, action_id)

    @get("/file", summary="The answer's photo or file", media_type="application/octet-stream")
    async def get_file(self, conn: RequestConnection, action_id: FromPath[int]) -> Response[bytes]:
        return await file_response(conn, action_id)

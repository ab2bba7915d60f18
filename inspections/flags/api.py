"""JSON API for flags: list (scoped to the caller's venues) and acknowledge/resolve."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, get, patch
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from inspections.flags.queries import FLAG_OWNER, list_flags
from inspections.flags.schemas import Flag, FlagChange, FlagPage
from inspections.flags.service import change_flag
from nte.auth.guards import READERS, STAFF, current_identity, roles, signed_in, venue_scope
from nte.db import RequestConnection
from nte.paging import Limit, Offset

__all__ = ["FlagController"]


class FlagController(Controller):
    path = "/api/v1/flags"
    tags = ["flags"]
    guards = [signed_in, venue_scope("flag_id", FLAG_OWNER), roles(*READERS)]

    @get("/", summary="Flags raised by the scheduled checks, most severe and newest first")
    async def list_flags(
        self,
        request: Request[Any, Any, Any],
        conn: RequestConnection,
        status: FromQuery[Literal["open", "acknowledged", "resolved", "current"] | None] = None,
        rule: Annotated[str | None, QueryParameter(max_length=60)] = None,
        venue_id: FromQuery[int | None] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> FlagPage:
        items, total = await list_flags(
            conn,
            status=status,
            rule=rule,
            venue_id=venue_id,
            limit=limit,
            offset=offset,
            venue_ids=current_identity(request).venue_scope(),
        )
        return FlagPage(items=items, total=total, limit=limit, offset=offset)

    @patch("/{flag_id:int}", summary="Acknowledge, or resolve with a note", guards=[roles(*STAFF)])
    async def change(
        self,
        request: Request[Any, Any, Any],
        conn: RequestConnection,
        flag_id: FromPath[int],
        data: JSONBody[FlagChange],
    ) -> Flag:
        flag = await change_flag(
            conn,
            flag_id,
            action=data.action,
            note=data.note,
            user_id=current_identity(request).user_id,
        )
        if flag is None:
            raise NotFoundException(f"No flag with id {flag_id}")
        return flag

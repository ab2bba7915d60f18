"""JSON API for venues and their licence conditions (/api/v1)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from nte.auth.guards import READERS, STAFF, current_identity, roles, signed_in, venue_scope
from nte.db import RequestConnection
from nte.paging import Limit, Offset
from venues import queries
from venues.deps import editable_condition, venue_or_404
from venues.schemas import (
    Band,
    Condition,
    ConditionCreate,
    ConditionPatch,
    LicenceStatus,
    Venue,
    VenueCreate,
    VenuePage,
    VenuePatch,
    VenueSort,
    VenueType,
)

__all__ = ["ConditionController", "VenueController"]


class VenueController(Controller):
    path = "/api/v1/venues"
    tags = ["venues"]
    # Scope before role: another venue's manager learns nothing, not even that it exists.
    guards = [signed_in, venue_scope(), roles(*READERS)]

    @get("/", summary="List venues")
    async def list_venues(
        self,
        request: Request[Any, Any, Any],
        conn: RequestConnection,
        q: Annotated[
            str | None,
            QueryParameter(
                description="Search name, address, postcode, licence no.", max_length=100
            ),
        ] = None,
        status: FromQuery[LicenceStatus | None] = None,
        venue_type: FromQuery[VenueType | None] = None,
        flagged: Annotated[
            bool | None, QueryParameter(description="Only venues with (true) or without open flags")
        ] = None,
        band: Annotated[
            Band | None, QueryParameter(description="Only venues in this risk band")
        ] = None,
        sort: Annotated[
            VenueSort,
            QueryParameter(
                description="name (default), risk (highest score first) or next_inspection_due"
                " (soonest first)"
            ),
        ] = "name",
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> VenuePage:
        items, total = await queries.list_venues(
            conn,
            q=q,
            status=status,
            venue_type=venue_type,
            flagged=flagged,
            band=band,
            sort=sort,
            limit=limit,
            offset=offset,
            venue_ids=current_identity(request).venue_scope(),
        )
        return VenuePage(items=items, total=total, limit=limit, offset=offset)

    @post("/", summary="Add a venue", guards=[roles(*STAFF)])
    async def create_venue(self, conn: RequestConnection, data: JSONBody[VenueCreate]) -> Venue:
        return await queries.create_venue(conn, data)

    @get("/{venue_id:int}", summary="One venue with its premises licence")
    async def get_venue(self, conn: RequestConnection, venue_id: FromPath[int]) -> Venue:
        return await venue_or_404(conn, venue_id)

    @patch("/{venue_id:int}", summary="Change a venue or its licence", guards=[roles(*STAFF)])
    async def update_venue(
        self, conn: RequestConnection, venue_id: FromPath[int], data: JSONBody[VenuePatch]
    ) -> Venue:
        venue = await queries.update_venue(conn, venue_id, data)
        if venue is None:
            raise NotFoundException(f"No venue with id {venue_id}")
        return venue

    @get("/{venue_id:int}/conditions", summary="The licence's conditions")
    async def list_conditions(
        self, conn: RequestConnection, venue_id: FromPath[int]
    ) -> list[Condition]:
        await venue_or_404(conn, venue_id)
        return await queries.list_conditions(conn, venue_id)

    @post(
        "/{venue_id:int}/conditions",
        summary="Add a condition to the licence",
        guards=[roles(*STAFF)],
    )
    async def create_condition(
        self, conn: RequestConnection, venue_id: FromPath[int], data: JSONBody[ConditionCreate]
    ) -> Condition:
        await venue_or_404(conn, venue_id)
        return await queries.create_condition(conn, venue_id, data)


class ConditionController(Controller):
    path = "/api/v1/conditions"
    tags = ["conditions"]
    guards = [signed_in, venue_scope("condition_id", queries.CONDITION_OWNER), roles(*STAFF)]

    @patch("/{condition_id:int}", summary="Change a condition")
    async def update_condition(
        self, conn: RequestConnection, condition_id: FromPath[int], data: JSONBody[ConditionPatch]
    ) -> Condition:
        await editable_condition(conn, condition_id)
        condition = await queries.update_condition(conn, condition_id, data)
        assert condition is not None
        return condition

    @delete("/{condition_id:int}", summary="Remove a condition", status_code=HTTP_204_NO_CONTENT)
    async def delete_condition(self, conn: RequestConnection, condition_id: FromPath[int]) -> None:
        await editable_condition(conn, condition_id)
        await queries.delete_condition(conn, condition_id)

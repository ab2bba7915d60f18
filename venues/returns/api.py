"""JSON API for monthly returns (/api/v1/venues/{id}/returns, /api/v1/returns)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody, QueryParameter

from nte.auth.guards import READERS, STAFF, current_identity, roles, signed_in, venue_scope
from nte.clock import today
from nte.db import RequestConnection
from venues.deps import venue_or_404
from venues.returns import queries, service
from venues.returns.deps import BOROUGH_READERS, SUBMITTERS, due_days, return_or_404
from venues.returns.schemas import OverdueReturn, Return, ReturnCreate, ReturnPatch

__all__ = ["ReturnController", "VenueReturnController"]


MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class VenueReturnController(Controller):
    path = "/api/v1/venues/{venue_id:int}/returns"
    tags = ["returns"]
    # Scope before role: another venue's manager learns nothing, not even that it exists.
    guards = [signed_in, venue_scope(), roles(*READERS)]

    @get("/", summary="A venue's monthly returns, newest month first")
    async def list_returns(
        self, state: State, conn: RequestConnection, venue_id: FromPath[int]
    ) -> list[Return]:
        await venue_or_404(conn, venue_id)
        return await queries.list_returns(conn, venue_id, due_days=due_days(state))

    @post(
        "/",
        summary="Submit the return for an ended month (one per month; 409 for a second)",
        guards=[roles(*SUBMITTERS)],
    )
    async def submit_return(
        self,
        request: Request[Any, Any, Any],
        state: State,
        conn: RequestConnection,
        venue_id: FromPath[int],
        data: JSONBody[ReturnCreate],
    ) -> Return:
        await venue_or_404(conn, venue_id)
        return await service.submit_return(
            conn,
            venue_id,
            data,
            submitted_by=current_identity(request).user_id,
            on=today(),
            due_days=due_days(state),
        )


class ReturnController(Controller):
    path = "/api/v1/returns"
    tags = ["returns"]
    guards = [signed_in, venue_scope("return_id", queries.RETURN_OWNER), roles(*READERS)]

    @get(
        "/missing",
        summary="Active venues without a return whose due date has passed",
        description="For one month (`month=YYYY-MM`), or every month due in the last 12 months.",
        guards=[roles(*BOROUGH_READERS)],
    )
    async def missing(
        self,
        state: State,
        conn: RequestConnection,
        month: Annotated[str | None, QueryParameter(pattern=MONTH, description="YYYY-MM")] = None,
    ) -> list[OverdueReturn]:
        period = date(int(month[:4]), int(month[5:]), 1) if month else None
        return await queries.overdue_returns(conn, today(), due_days=due_days(state), month=period)

    @get("/{return_id:int}", summary="One monthly return")
    async def get_return(
        self, state: State, conn: RequestConnection, return_id: FromPath[int]
    ) -> Return:
        return await return_or_404(conn, return_id, due_days(state))

    @patch(
        "/{return_id:int}",
        summary="Mark a return reviewed, with an optional note",
        guards=[roles(*STAFF)],
    )
    async def review_return(
        self,
        request: Request[Any, Any, Any],
        state: State,
        conn: RequestConnection,
        return_id: FromPath[int],
        data: JSONBody[ReturnPatch],
    ) -> Return:
        reviewed = await queries.review_return(
            conn,
            return_id,
            data,
            reviewer_id=current_identity(request).user_id,
            due_days=due_days(state),
        )
        if reviewed is None:
            raise NotFoundException(f"No return with id {return_id}")
        return reviewed

"""JSON API for Ask for Angela (/api/v1/venues/{id}/angela): participation and test visits."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.params import FromPath, JSONBody

from nte.auth.guards import READERS, current_identity, roles, signed_in, venue_scope
from nte.clock import today
from nte.db import RequestConnection
from venues.angela import queries, service
from venues.angela.deps import KEEPS_PARTICIPATION, RECORDS_TESTS, retest_days
from venues.angela.schemas import Angela, AngelaTest, AngelaTestCreate, ParticipationPut
from venues.deps import venue_or_404

__all__ = ["AngelaController"]


class AngelaController(Controller):
    path = "/api/v1/venues/{venue_id:int}/angela"
    tags = ["ask for angela"]
    # Scope before role: another venue's manager learns nothing, not even that it exists.
    guards = [signed_in, venue_scope(), roles(*READERS)]

    @get("/", summary="Participation in Ask for Angela, and readiness")
    async def get_angela(
        self, request: Request[Any, Any, Any], conn: RequestConnection, venue_id: FromPath[int]
    ) -> Angela:
        await venue_or_404(conn, venue_id)
        return await service.load(conn, venue_id, retest_days=retest_days(request), today=today())

    @put("/", summary="Set the participation", guards=[roles(*KEEPS_PARTICIPATION)])
    async def put_angela(
        self,
        request: Request[Any, Any, Any],
        conn: RequestConnection,
        venue_id: FromPath[int],
        data: JSONBody[ParticipationPut],
    ) -> Angela:
        await venue_or_404(conn, venue_id)
        on = today()
        service.check_participation(data, on)
        await queries.put_participation(conn, venue_id, data)
        return await service.load(conn, venue_id, retest_days=retest_days(request), today=on)

    @get("/tests", summary="Test visits, the latest first")
    async def list_tests(
        self, conn: RequestConnection, venue_id: FromPath[int]
    ) -> list[AngelaTest]:
        await venue_or_404(conn, venue_id)
        return await queries.list_tests(conn, venue_id)

    @post("/tests", summary="Record a test visit", guards=[roles(*RECORDS_TESTS)])
    async def create_test(
        self,
        request: Request[Any, Any, Any],
        conn: RequestConnection,
        venue_id: FromPath[int],
        data: JSONBody[AngelaTestCreate],
    ) -> AngelaTest:
        await venue_or_404(conn, venue_id)
        service.check_test(data, today())
        return await queries.create_test(
            conn, venue_id, data, recorded_by=current_identity(request).user_id
        )

"""JSON API for test purchases (/api/v1/venues/{id}/test-purchases)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody

from nte.auth.guards import READERS, current_identity, roles, signed_in, venue_scope
from nte.clock import today
from nte.db import RequestConnection
from venues.deps import venue_or_404
from venues.test_purchases import queries
from venues.test_purchases.deps import RECORDS_PURCHASES
from venues.test_purchases.schemas import TestPurchase, TestPurchaseCreate
from venues.test_purchases.service import check_test_purchase

__all__ = ["TestPurchaseController"]


class TestPurchaseController(Controller):
    __test__ = False  # not a pytest test class, whatever its name

    path = "/api/v1/venues/{venue_id:int}/test-purchases"
    tags = ["test purchases"]
    # Scope before role: another venue's manager learns nothing, not even that it exists.
    guards = [signed_in, venue_scope(), roles(*READERS)]

    @get("/", summary="A venue's test purchases, the latest first")
    async def list_test_purchases(
        self, conn: RequestConnection, venue_id: FromPath[int]
    ) -> list[TestPurchase]:
        await venue_or_404(conn, venue_id)
        return await queries.list_test_purchases(conn, venue_id)

    @post("/", summary="Record a test purchase", guards=[roles(*RECORDS_PURCHASES)])
    async def create_test_purchase(
        self,
        request: Request[Any, Any, Any],
        conn: RequestConnection,
        venue_id: FromPath[int],
        data: JSONBody[TestPurchaseCreate],
    ) -> TestPurchase:
        await venue_or_404(conn, venue_id)
        check_test_purchase(data, today())
        return await queries.create_test_purchase(
            conn, venue_id, data, recorded_by=current_identity(request).user_id
        )

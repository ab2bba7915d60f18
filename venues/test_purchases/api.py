"""JSON API for test purchases (/api/v1/venues/{id}/test-purchases)."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody

from nte.auth.guards import READERS, current_identity, roles, signed_in, venue_scope
from nte.auth.identity import Role
from nte.clock import today
from nte.db import RequestConnection
from nte.errors import InvalidInput
from venues.deps import venue_or_404
from venues.test_purchases import queries
from venues.test_purchases.schemas import TestPurchase, TestPurchaseCreate

__all__ = ["RECORDS_PURCHASES", "TestPurchaseController", "check_test_purchase"]


RECORDS_PURCHASES: tuple[Role, ...] = ("admin", "officer", "partner")
"""Trading standards and the police run them; the venue only reads its own."""


def check_test_purchase(data: TestPurchaseCreate, today: date) -> None:
    if data.attempted_on > today:
        raise InvalidInput({"attempted_on": "cannot be in the future"})


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

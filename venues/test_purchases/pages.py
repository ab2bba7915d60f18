"""HTML page for a venue's test purchases: the list, and the form for those who run them."""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from nte.auth.guards import READERS, current_identity, roles, signed_in, venue_scope
from nte.clock import today
from nte.db import Connection, RequestConnection
from nte.errors import InvalidInput
from nte.forms import FormInvalid, form_to_struct
from venues.deps import venue_or_404
from venues.test_purchases import queries
from venues.test_purchases.deps import RECORDS_PURCHASES
from venues.test_purchases.schemas import OUTCOMES, TestPurchaseCreate
from venues.test_purchases.service import check_test_purchase

__all__ = ["TestPurchasePages"]


class TestPurchasePages(Controller):
    __test__ = False  # not a pytest test class, whatever its name

    include_in_schema = False
    guards = [signed_in, venue_scope(), roles(*READERS)]

    @get("/venues/{venue_id:int}/test-purchases")
    async def test_purchases_page(
        self, request: Request[Any, Any, Any], conn: RequestConnection, venue_id: FromPath[int]
    ) -> Template:
        values = {"attempted_on": today().isoformat(), "agency": "Kent Trading Standards"}
        return await _page(request, conn, venue_id, values, {})

    @post("/venues/{venue_id:int}/test-purchases", guards=[roles(*RECORDS_PURCHASES)])
    async def record_test_purchase(
        self, request: Request[Any, Any, Any], conn: RequestConnection, venue_id: FromPath[int]
    ) -> Any:
        await venue_or_404(conn, venue_id)
        form = await request.form()
        values = {k: form.get(k, "") for k in ("attempted_on", "agency", "outcome", "notes")}
        # A blank date or unpicked outcome is missing ("is required"), not "not a date".
        given = {k: v for k, v in values.items() if v or k not in ("attempted_on", "outcome")}
        try:
            data = form_to_struct(given, TestPurchaseCreate)
            check_test_purchase(data, today())
        except (FormInvalid, InvalidInput) as exc:
            return await _page(request, conn, venue_id, values, exc.errors)
        await queries.create_test_purchase(
            conn, venue_id, data, recorded_by=current_identity(request).user_id
        )
        return Redirect(f"/venues/{venue_id}/test-purchases")


async def _page(
    request: Request[Any, Any, Any],
    conn: Connection,
    venue_id: int,
    values: dict[str, Any],
    errors: dict[str, str],
) -> Template:
    venue = await venue_or_404(conn, venue_id)
    return Template(
        template_name="venues/test_purchases/page.html",
        context={
            "venue": venue,
            "purchases": await queries.list_test_purchases(conn, venue_id),
            "values": values,
            "errors": errors,
            "outcomes": OUTCOMES,
            "records": current_identity(request).role in RECORDS_PURCHASES,
        },
        status_code=HTTP_422_UNPROCESSABLE_ENTITY if errors else 200,
        media_type=MediaType.HTML,
    )

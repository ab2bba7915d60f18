"""The venue page's risk panel (loaded by htmx; a page of its own without it)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from inspections.risk import queries
from nte.auth.guards import READERS, roles, signed_in, venue_scope
from nte.clock import today
from nte.db import RequestConnection

__all__ = ["RiskPages"]


class RiskPages(Controller):
    include_in_schema = False
    guards = [signed_in, venue_scope(), roles(*READERS)]

    @get("/venues/{venue_id:int}/risk")
    async def panel(
        self, request: Request[Any, Any, Any], conn: RequestConnection, venue_id: FromPath[int]
    ) -> Template:
        name = await queries.venue_name(conn, venue_id)
        if name is None:
            raise NotFoundException(f"No venue with id {venue_id}")
        settings = request.app.state.settings
        context = {
            "rating": await queries.get_rating(conn, venue_id),
            "changes": await queries.band_changes(conn, venue_id=venue_id, limit=5),
            "today": today(),
            "venue_id": venue_id,
            "venue_name": name,
            "bands": {
                "a": settings.risk_band_a,
                "b": settings.risk_band_b,
                "c": settings.risk_band_c,
                "ia": settings.risk_interval_a_months,
                "ib": settings.risk_interval_b_months,
                "ic": settings.risk_interval_c_months,
                "id": settings.risk_interval_d_months,
            },
        }
        fragment = request.headers.get("hx-request") == "true"
        return Template(
            template_name="risk/_panel.html" if fragment else "risk/page.html",
            context=context,
            headers={"Vary": "HX-Request"},
        )

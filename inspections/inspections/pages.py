"""HTML pages: my visits, a venue's inspections tab, the inspection on a tablet, the report.

The inspection page is a form the tablet fills without the server: its checklist is the
one the server would store now, and static/inspection.js keeps the draft in IndexedDB and
uploads it through the JSON API when there is a network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from inspections.inspections import queries, service
from inspections.inspections.deps import inspection_or_404
from inspections.inspections.queries import INSPECTION_OWNER
from inspections.inspections.schemas import CONFIDENCE, VisitCreate
from nte.auth.guards import READERS, STAFF, current_identity, roles, signed_in, venue_scope
from nte.clock import today
from nte.db import RequestConnection
from nte.errors import InvalidInput, invalid_params_from
from nte.forms import FormInvalid, form_to_struct
from venues.deps import venue_or_404

__all__ = ["InspectionPages", "ServiceWorker"]

RESULT_LABELS = [
    ("compliant", "Compliant"),
    ("minor", "Minor breach"),
    ("major", "Major breach"),
    ("not_checked", "Not checked"),
    ("na", "Not applicable"),
]
CONFIDENCE_LABELS = {
    0: "Full confidence (0)",
    5: "High confidence (5)",
    10: "Some confidence (10)",
    20: "Little confidence (20)",
    30: "No confidence (30)",
}
assert set(CONFIDENCE_LABELS) == set(CONFIDENCE)
OUTCOME_LABELS = {"compliant": "Compliant", "minor": "Minor breach", "major": "Major breach"}

SW_FILE = Path(__file__).resolve().parents[2] / "nte" / "static" / "sw.js"


class ServiceWorker(Controller):
    include_in_schema = False
    guards = [signed_in]

    # At the root so its scope covers /visits and /venues/...; the file lives with the other
    # static files, which are served under /static and could only control that folder.
    @get("/sw.js", media_type="text/javascript", cache_control=None)
    async def sw(self) -> Response[bytes]:
        return Response(
            content=SW_FILE.read_bytes(),
            media_type="text/javascript",
            headers={"Cache-Control": "no-store", "Service-Worker-Allowed": "/"},
        )


class InspectionPages(Controller):
    include_in_schema = False
    guards = [
        signed_in,
        venue_scope(),
        venue_scope("inspection_id", INSPECTION_OWNER),
        roles(*READERS),
    ]

    @get("/visits", guards=[roles(*STAFF)])
    async def my_visits(
        self,
        request: Request[Any, Any, Any],
        conn: RequestConnection,
        lat: FromQuery[float | None] = None,
        lon: FromQuery[float | None] = None,
    ) -> Template:
        if (lat is not None and not -90 <= lat <= 90) or (
            lon is not None and not -180 <= lon <= 180
        ):
            lat = lon = None
        if (lat is None) != (lon is None):
            lat = lon = None
        visits = await queries.list_visits(
            conn, current_identity(request).user_id, today(), lat=lat, lon=lon
        )
        return Template(
            template_name="inspections/visits.html",
            context={"visits": visits, "located": lat is not None, "today": today()},
        )

    @get("/venues/{venue_id:int}/inspections")
    async def venue_inspections(
        self, request: Request[Any, Any, Any], conn: RequestConnection, venue_id: FromPath[int]
    ) -> Template:
        venue = await venue_or_404(conn, venue_id)
        return await _venue_tab(request, conn, venue)

    @post("/venues/{venue_id:int}/visits", guards=[roles(*STAFF)])
    async def plan(
        self, request: Request[Any, Any, Any], conn: RequestConnection, venue_id: FromPath[int]
    ) -> Any:
        venue = await venue_or_404(conn, venue_id)
        form = await request.form()
        values = {k: str(form.get(k, "")).strip() for k in ("planned_on", "kind", "reason")}
        data = {k: v for k, v in values.items() if v}
        try:
            payload = form_to_struct(data, VisitCreate)
            await service.plan_visit(conn, venue_id, current_identity(request).user_id, payload)
        except (FormInvalid, InvalidInput) as exc:
            errors = exc.errors if isinstance(exc, FormInvalid) else invalid_params_from(exc)
            return await _venue_tab(
                request,
                conn,
                venue,
                values=values,
                errors=errors,
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return Redirect(f"/venues/{venue_id}/inspections?planned=1")

    @get("/venues/{venue_id:int}/inspect", guards=[roles(*STAFF)])
    async def inspect(
        self,
        conn: RequestConnection,
        venue_id: FromPath[int],
        visit: FromQuery[int | None] = None,
    ) -> Template:
        venue = await venue_or_404(conn, venue_id)
        planned = await queries.get_visit(conn, visit, today()) if visit else None
        if planned is not None and planned.venue_id != venue_id:
            planned = None
        checklist = await service.checklist_for(conn, venue_id)
        return Template(
            template_name="inspections/inspect.html",
            context={
                "venue": venue,
                "visit": planned,
                "checklist": checklist,
                "results": RESULT_LABELS,
                "confidence": CONFIDENCE_LABELS,
            },
        )

    @get("/inspections/{inspection_id:int}/report")
    async def report(self, conn: RequestConnection, inspection_id: FromPath[int]) -> Template:
        inspection = await inspection_or_404(conn, inspection_id)
        venue = await venue_or_404(conn, inspection.venue_id)
        return Template(
            template_name="inspections/report.html",
            context={
                "inspection": inspection,
                "venue": venue,
                "results": dict(RESULT_LABELS),
                "confidence": CONFIDENCE_LABELS,
                "outcomes": OUTCOME_LABELS,
            },
        )


async def _venue_tab(
    request: Request[Any, Any, Any],
    conn: RequestConnection,
    venue: Any,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    staff = current_identity(request).role in STAFF
    return Template(
        template_name="inspections/venue.html",
        context={
            "venue": venue,
            "inspections": await queries.list_inspections(conn, venue.id),
            "visits": await queries.venue_visits(conn, venue.id, today()) if staff else [],
            "can_inspect": staff,
            "values": values or {"planned_on": today().isoformat(), "kind": "planned"},
            "errors": errors or {},
            "planned": request.query_params.get("planned") == "1",
            "outcomes": OUTCOME_LABELS,
            "today": today(),
        },
        status_code=status_code,
        media_type=MediaType.HTML,
    )

"""HTML pages for Ask for Angela: readiness, the participation form and test visits."""

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
from venues.angela import queries, service
from venues.angela.deps import KEEPS_PARTICIPATION, RECORDS_TESTS, retest_days
from venues.angela.schemas import OUTCOMES, AngelaTestCreate, ParticipationPut
from venues.deps import venue_or_404

__all__ = ["AngelaPages"]


class AngelaPages(Controller):
    include_in_schema = False
    guards = [signed_in, venue_scope(), roles(*READERS)]

    @get("/venues/{venue_id:int}/angela")
    async def angela_page(
        self, request: Request[Any, Any, Any], conn: RequestConnection, venue_id: FromPath[int]
    ) -> Template:
        return await _page(request, conn, venue_id)

    @get("/venues/{venue_id:int}/angela/summary")
    async def angela_summary(
        self, request: Request[Any, Any, Any], conn: RequestConnection, venue_id: FromPath[int]
    ) -> Template:
        """The venue page's Ask-for-Angela panel, loaded by htmx once the page is shown."""
        venue = await venue_or_404(conn, venue_id)
        angela = await service.load(conn, venue_id, retest_days=retest_days(request), today=today())
        return Template(
            template_name="venues/angela/_readiness.html",
            context={"venue": venue, "angela": angela, "summary": True},
        )

    @post("/venues/{venue_id:int}/angela", guards=[roles(*KEEPS_PARTICIPATION)])
    async def save_participation(
        self, request: Request[Any, Any, Any], conn: RequestConnection, venue_id: FromPath[int]
    ) -> Any:
        await venue_or_404(conn, venue_id)
        form = await request.form()
        values: dict[str, Any] = {
            "enrolled_on": form.get("enrolled_on", ""),
            "withdrawn_on": form.get("withdrawn_on", ""),
            "posters_displayed": form.get("posters_displayed") == "yes",
        }
        try:
            data = form_to_struct(values, ParticipationPut)
            service.check_participation(data, today())
        except (FormInvalid, InvalidInput) as exc:
            return await _page(
                request,
                conn,
                venue_id,
                participation=values,
                participation_errors=exc.errors,
            )
        await queries.put_participation(conn, venue_id, data)
        return Redirect(f"/venues/{venue_id}/angela")

    @post("/venues/{venue_id:int}/angela/tests", guards=[roles(*RECORDS_TESTS)])
    async def record_test(
        self, request: Request[Any, Any, Any], conn: RequestConnection, venue_id: FromPath[int]
    ) -> Any:
        await venue_or_404(conn, venue_id)
        form = await request.form()
        names = ("tested_on", "tester_organisation", "outcome", "notes")
        values = {k: form.get(k, "") for k in names}
        # A blank date or unpicked outcome is missing ("is required"), not "not a date".
        given = {k: v for k, v in values.items() if v or k not in ("tested_on", "outcome")}
        try:
            data = form_to_struct(given, AngelaTestCreate)
            service.check_test(data, today())
        except (FormInvalid, InvalidInput) as exc:
            return await _page(request, conn, venue_id, test=values, test_errors=exc.errors)
        await queries.create_test(
            conn, venue_id, data, recorded_by=current_identity(request).user_id
        )
        return Redirect(f"/venues/{venue_id}/angela#tests")


async def _page(
    request: Request[Any, Any, Any],
    conn: Connection,
    venue_id: int,
    *,
    participation: dict[str, Any] | None = None,
    participation_errors: dict[str, str] | None = None,
    test: dict[str, Any] | None = None,
    test_errors: dict[str, str] | None = None,
) -> Template:
    venue = await venue_or_404(conn, venue_id)
    on = today()
    angela = await service.load(conn, venue_id, retest_days=retest_days(request), today=on)
    role = current_identity(request).role
    if participation is None:
        participation = {
            "enrolled_on": angela.enrolled_on,
            "withdrawn_on": angela.withdrawn_on,
            "posters_displayed": angela.posters_displayed,
        }
    failed = bool(participation_errors or test_errors)
    return Template(
        template_name="venues/angela/page.html",
        context={
            "venue": venue,
            "angela": angela,
            "tests": await queries.list_tests(conn, venue_id),
            "participation": participation,
            "participation_errors": participation_errors or {},
            "test": test or {"tested_on": on.isoformat(), "tester_organisation": "Kent Police"},
            "test_errors": test_errors or {},
            "outcomes": OUTCOMES,
            "keeps_participation": role in KEEPS_PARTICIPATION,
            "records_tests": role in RECORDS_TESTS,
            "summary": False,
        },
        status_code=HTTP_422_UNPROCESSABLE_ENTITY if failed else 200,
        media_type=MediaType.HTML,
    )

"""HTML pages for monthly returns: a venue's form and list, and the borough's overdue list."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, MediaType, Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_422_UNPROCESSABLE_ENTITY

from nte.auth.guards import READERS, STAFF, current_identity, roles, signed_in, venue_scope
from nte.clock import LONDON, today
from nte.db import Connection, RequestConnection
from nte.errors import InvalidInput
from nte.forms import NOT_A_DATE, FormInvalid, form_to_struct
from venues.deps import venue_or_404
from venues.returns import queries, service
from venues.returns.deps import BOROUGH_READERS, SUBMITTERS, due_days, return_or_404
from venues.returns.queries import RETURN_OWNER
from venues.returns.schemas import ReturnCreate, ReturnPatch
from venues.schemas import Venue

__all__ = ["ReturnPages"]

COUNTS = (
    "refusals",
    "incidents_unreported",
    "angela_activations",
    "door_staff_hours",
    "cctv_checks",
)
TEXTS = ("incidents_note", "staff_changes", "notes")
# The borough's review queue shows the longest waiting first; more is a backlog to page through
# on the venues' own pages, not one endless list.
WAITING_SHOWN = 200


async def _month_choices(
    conn: Connection, submitted: set[date], on: date, days: int
) -> list[dict[str, Any]]:
    """The ended months of the last year still without a return, newest first."""
    due = await queries.due_dates(conn, service.recent_months(on), due_days=days)
    return [
        {"value": m.isoformat(), "period": m, "due_on": due[m]} for m in due if m not in submitted
    ]


async def _venue_page(
    request: Request[Any, Any, Any],
    conn: Connection,
    venue: Venue,
    days: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    review_errors: dict[int, str] | None = None,
    submitted: int | None = None,
    status_code: int = HTTP_200_OK,
) -> Template:
    on = today()
    returns = await queries.list_returns(conn, venue.id, due_days=days)
    choices = await _month_choices(conn, {r.period for r in returns}, on, days)
    last = service.last_ended_month(on)
    default = (
        last
        if any(c["period"] == last for c in choices)
        else (choices[0]["period"] if choices else None)
    )
    role = current_identity(request).role
    context = {
        "venue": venue,
        "returns": returns,
        "choices": choices,
        "default": default,
        "last_month": last,
        "default_due": next((c["due_on"] for c in choices if c["period"] == default), None),
        "overdue": await queries.overdue_returns(conn, on, due_days=days, venue_ids=[venue.id]),
        "late": {r.id for r in returns if r.submitted_at.astimezone(LONDON).date() > r.due_on},
        "can_submit": role in SUBMITTERS,
        "can_review": role in STAFF,
        "values": values or {"period": default.isoformat() if default else ""},
        "errors": errors or {},
        "review_errors": review_errors or {},
        "submitted": submitted,
        "due_days": days,
    }
    return Template(
        template_name="venues/returns/venue.html",
        context=context,
        status_code=status_code,
        media_type=MediaType.HTML,
    )


async def _return_form_data(request: Request[Any, Any, Any]) -> dict[str, Any]:
    form = await request.form()
    data: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in TEXTS}
    if period := str(form.get("period", "")).strip():
        data["period"] = period
    for name in COUNTS:
        # An empty box is left out, so the reason is "is required", not "must be a number".
        if raw := str(form.get(name, "")).strip():
            data[name] = raw
    return data


class ReturnPages(Controller):
    include_in_schema = False
    guards = [signed_in, venue_scope(), venue_scope("return_id", RETURN_OWNER), roles(*READERS)]

    @get("/venues/{venue_id:int}/returns")
    async def venue_returns(
        self,
        request: Request[Any, Any, Any],
        state: State,
        conn: RequestConnection,
        venue_id: FromPath[int],
        submitted: FromQuery[int | None] = None,
    ) -> Template:
        venue = await venue_or_404(conn, venue_id)
        return await _venue_page(request, conn, venue, due_days(state), submitted=submitted)

    @post("/venues/{venue_id:int}/returns", guards=[roles(*SUBMITTERS)])
    async def submit_return(
        self,
        request: Request[Any, Any, Any],
        state: State,
        conn: RequestConnection,
        venue_id: FromPath[int],
    ) -> Any:
        venue = await venue_or_404(conn, venue_id)
        days = due_days(state)
        data = await _return_form_data(request)
        try:
            payload = form_to_struct(data, ReturnCreate)
            saved = await service.submit_return(
                conn,
                venue_id,
                payload,
                submitted_by=current_identity(request).user_id,
                on=today(),
                due_days=days,
            )
        except (FormInvalid, InvalidInput) as exc:
            errors = dict(exc.errors)
            if errors.get("period") == NOT_A_DATE:  # a month from outside the list
                errors["period"] = "must be one of the months offered"
            return await _venue_page(
                request,
                conn,
                venue,
                days,
                values=data,
                errors=errors,
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return Redirect(f"/venues/{venue_id}/returns?submitted={saved.id}#return-{saved.id}")

    @post("/returns/{return_id:int}/review", guards=[roles(*STAFF)])
    async def review_return(
        self,
        request: Request[Any, Any, Any],
        state: State,
        conn: RequestConnection,
        return_id: FromPath[int],
    ) -> Any:
        days = due_days(state)
        found = await return_or_404(conn, return_id, days)
        form = await request.form()
        note = str(form.get("review_note", "")).strip()
        try:
            patch = form_to_struct(
                {"reviewed": True, **({"review_note": note} if note else {})}, ReturnPatch
            )
        except FormInvalid as exc:
            venue = await venue_or_404(conn, found.venue_id)
            reason = "; ".join(f"Note {v}" for v in exc.errors.values())
            return await _venue_page(
                request,
                conn,
                venue,
                days,
                review_errors={return_id: reason},
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        await queries.review_return(
            conn, return_id, patch, reviewer_id=current_identity(request).user_id, due_days=days
        )
        # Back to where the officer pressed the button: the borough's list or the venue's.
        if form.get("back") == "borough":
            return Redirect("/returns#waiting")
        return Redirect(f"/venues/{found.venue_id}/returns#return-{return_id}")

    @get("/returns", guards=[roles(*BOROUGH_READERS)])
    async def borough_returns(
        self, request: Request[Any, Any, Any], state: State, conn: RequestConnection
    ) -> Template:
        days = due_days(state)
        on = today()
        return Template(
            template_name="venues/returns/borough.html",
            context={
                "overdue": await queries.overdue_returns(conn, on, due_days=days),
                "waiting": await queries.waiting_for_review(
                    conn, due_days=days, limit=WAITING_SHOWN
                ),
                "waiting_shown": WAITING_SHOWN,
                "can_review": current_identity(request).role in STAFF,
                "due_days": days,
            },
        )

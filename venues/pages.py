"""HTML pages for venues and conditions; the same queries as the API, forms re-render with reasons."""

from __future__ import annotations

import math
from typing import Annotated, Any

import asyncpg
from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from nte.db import Connection, RequestConnection
from nte.errors import invalid_params_from
from nte.forms import FormInvalid, form_to_struct
from venues import queries
from venues.api import editable_condition, venue_or_404
from venues.schemas import (
    ACTIVITIES,
    CONDITION_KINDS,
    OBJECTIVES,
    STATUSES,
    VENUE_TYPES,
    WEEKDAYS,
    ConditionCreate,
    ConditionPatch,
    Venue,
    VenueCreate,
    VenuePatch,
)

__all__ = ["VenuePages"]

PAGE_SIZE = 25

CHOICES = {
    "venue_types": VENUE_TYPES,
    "statuses": STATUSES,
    "activities": ACTIVITIES,
    "weekdays": WEEKDAYS,
    "condition_kinds": CONDITION_KINDS,
    "objectives": OBJECTIVES,
}


async def _venue_form_data(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The venue form's flat fields, reshaped to the API's payload."""
    form = await request.form()
    data: dict[str, Any] = {
        name: form.get(name, "")
        for name in (
            "name", "address", "postcode", "latitude", "longitude", "venue_type", "capacity",
            "premises_licence_no", "licence_holder", "dps_name", "status", "fhrs_id",
        )
    }
    for optional_text in ("address", "postcode"):
        data[optional_text] = (data[optional_text] or "").strip()
    data["licensable_activities"] = form.getall("licensable_activities", [])
    hours = {}
    for day in WEEKDAYS:
        opens, closes = form.get(f"open_{day}", ""), form.get(f"close_{day}", "")
        if opens or closes:
            hours[day] = {"open": opens, "close": closes}
    data["licensed_hours"] = hours
    return data


def _form_values(venue: Venue | None) -> dict[str, Any]:
    if venue is None:
        return {"venue_type": "pub", "status": "active", "licensable_activities": [], "hours": {}}
    values = {f: getattr(venue, f) for f in venue.__struct_fields__}
    values["hours"] = {d: {"open": h.open, "close": h.close} for d, h in venue.licensed_hours.items()}
    return values


def _values_from_submission(data: dict[str, Any]) -> dict[str, Any]:
    values = dict(data)
    values["hours"] = data.get("licensed_hours", {})
    return values


async def _save_or_errors(coro: Any) -> Any:
    """Run a write in a savepoint so a refused write leaves the request's transaction usable."""
    try:
        return await coro
    except asyncpg.PostgresError as exc:
        raise FormInvalid(invalid_params_from(exc) or {"form": "could not be saved"}) from None


class VenuePages(Controller):
    include_in_schema = False

    @get("/")
    async def home(self) -> Redirect:
        return Redirect("/venues")

    @get("/venues")
    async def venue_list(
        self,
        request: Request[Any, Any, Any],
        conn: RequestConnection,
        q: Annotated[str | None, QueryParameter(max_length=100)] = None,
        status: FromQuery[str | None] = None,
        page: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1,
    ) -> Template:
        status = status if status in STATUSES else None
        venues, total = await queries.list_venues(
            conn, q=q, status=status, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
        context = {
            "venues": venues,
            "total": total,
            "q": q or "",
            "status": status or "",
            "page": page,
            "pages": max(1, math.ceil(total / PAGE_SIZE)),
            **CHOICES,
        }
        # htmx live search swaps only the results, keeping the keyboard in the search box.
        name = "venues/_results.html" if request.headers.get("hx-request") else "venues/list.html"
        return Template(template_name=name, context=context)

    @get("/venues/new")
    async def new_venue(self) -> Template:
        return Template(
            template_name="venues/form.html",
            context={"venue": None, "values": _form_values(None), "errors": {}, **CHOICES},
        )

    @post("/venues")
    async def create_venue(self, request: Request[Any, Any, Any], conn: RequestConnection) -> Any:
        data = await _venue_form_data(request)
        try:
            payload = form_to_struct(data, VenueCreate)
            async with conn.transaction():
                venue = await _save_or_errors(queries.create_venue(conn, payload))
        except FormInvalid as exc:
            return Template(
                template_name="venues/form.html",
                context={"venue": None, "values": _values_from_submission(data),
                         "errors": exc.errors, **CHOICES},
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return Redirect(f"/venues/{venue.id}")

    @get("/venues/{venue_id:int}")
    async def venue_page(self, conn: RequestConnection, venue_id: FromPath[int]) -> Template:
        venue = await venue_or_404(conn, venue_id)
        conditions = await queries.list_conditions(conn, venue_id)
        return Template(
            template_name="venues/detail.html",
            context={"venue": venue, "conditions": conditions, **CHOICES},
        )

    @get("/venues/{venue_id:int}/edit")
    async def edit_venue(self, conn: RequestConnection, venue_id: FromPath[int]) -> Template:
        venue = await venue_or_404(conn, venue_id)
        return Template(
            template_name="venues/form.html",
            context={"venue": venue, "values": _form_values(venue), "errors": {}, **CHOICES},
        )

    @post("/venues/{venue_id:int}/edit")
    async def update_venue(
        self, request: Request[Any, Any, Any], conn: RequestConnection, venue_id: FromPath[int]
    ) -> Any:
        venue = await venue_or_404(conn, venue_id)
        data = await _venue_form_data(request)
        try:
            patch = form_to_struct(data, VenuePatch)
            async with conn.transaction():
                await _save_or_errors(queries.update_venue(conn, venue_id, patch))
        except FormInvalid as exc:
            return Template(
                template_name="venues/form.html",
                context={"venue": venue, "values": _values_from_submission(data),
                         "errors": exc.errors, **CHOICES},
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return Redirect(f"/venues/{venue_id}")

    @get("/venues/{venue_id:int}/conditions/new")
    async def new_condition(self, conn: RequestConnection, venue_id: FromPath[int]) -> Template:
        venue = await venue_or_404(conn, venue_id)
        return Template(
            template_name="venues/condition_form.html",
            context={"venue": venue, "condition": None, "values": {"params": ""},
                     "errors": {}, **CHOICES},
        )

    @post("/venues/{venue_id:int}/conditions")
    async def create_condition(
        self, request: Request[Any, Any, Any], conn: RequestConnection, venue_id: FromPath[int]
    ) -> Any:
        venue = await venue_or_404(conn, venue_id)
        data = await _condition_form_data(request)
        try:
            payload = _condition_payload(data, ConditionCreate)
            async with conn.transaction():
                await _save_or_errors(queries.create_condition(conn, venue_id, payload))
        except FormInvalid as exc:
            return Template(
                template_name="venues/condition_form.html",
                context={"venue": venue, "condition": None, "values": data,
                         "errors": exc.errors, **CHOICES},
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return Redirect(f"/venues/{venue_id}#conditions")

    @get("/conditions/{condition_id:int}/edit")
    async def edit_condition(self, conn: RequestConnection, condition_id: FromPath[int]) -> Template:
        condition = await editable_condition(conn, condition_id)
        venue = await venue_or_404(conn, condition.venue_id)
        values = {"kind": condition.kind, "objective": condition.objective,
                  "text": condition.text, "params": _params_text(condition.params)}
        return Template(
            template_name="venues/condition_form.html",
            context={"venue": venue, "condition": condition, "values": values,
                     "errors": {}, **CHOICES},
        )

    @post("/conditions/{condition_id:int}/edit")
    async def update_condition(
        self, request: Request[Any, Any, Any], conn: RequestConnection, condition_id: FromPath[int]
    ) -> Any:
        condition = await editable_condition(conn, condition_id)
        data = await _condition_form_data(request)
        try:
            patch = _condition_payload(data, ConditionPatch)
            async with conn.transaction():
                await _save_or_errors(queries.update_condition(conn, condition_id, patch))
        except FormInvalid as exc:
            venue = await venue_or_404(conn, condition.venue_id)
            return Template(
                template_name="venues/condition_form.html",
                context={"venue": venue, "condition": condition, "values": data,
                         "errors": exc.errors, **CHOICES},
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return Redirect(f"/venues/{condition.venue_id}#conditions")

    @post("/conditions/{condition_id:int}/delete")
    async def delete_condition(self, conn: RequestConnection, condition_id: FromPath[int]) -> Redirect:
        condition = await editable_condition(conn, condition_id)
        await queries.delete_condition(conn, condition_id)
        return Redirect(f"/venues/{condition.venue_id}#conditions")


def _params_text(params: dict[str, Any]) -> str:
    return "\n".join(f"{k}: {v}" for k, v in params.items())


def parse_params(raw: str) -> dict[str, Any]:
    """Condition parameters typed as ``name: value`` lines; whole numbers become numbers."""
    params: dict[str, Any] = {}
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        name, value = name.strip(), value.strip()
        if not sep or not name:
            raise FormInvalid({"params": f"line {number} needs the form 'name: value'"})
        params[name] = int(value) if value.lstrip("-").isdigit() else value
    return params


async def _condition_form_data(request: Request[Any, Any, Any]) -> dict[str, Any]:
    form = await request.form()
    data: dict[str, Any] = {k: form.get(k, "") for k in ("kind", "objective", "text")}
    data["params"] = form.get("params", "")
    return data


def _condition_payload(data: dict[str, Any], struct: type[Any]) -> Any:
    return form_to_struct({**data, "params": parse_params(data.get("params") or "")}, struct)

"""HTML pages for venues and conditions: the API's queries; forms re-render with reasons."""

from __future__ import annotations

import math
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from nte.audit import venue_history
from nte.auth.guards import READERS, STAFF, current_identity, roles, signed_in, venue_scope
from nte.db import RequestConnection
from nte.forms import NOT_IN_FORMAT, FormInvalid, form_page, form_to_struct, saved
from venues import queries
from venues.deps import editable_condition, venue_or_404
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
            "name",
            "address",
            "postcode",
            "latitude",
            "longitude",
            "venue_type",
            "capacity",
            "premises_licence_no",
            "licence_holder",
            "dps_name",
            "status",
            "fhrs_id",
        )
    }
    for optional_text in ("address", "postcode"):
        data[optional_text] = (data[optional_text] or "").strip()
    data["licensable_activities"] = form.getall("licensable_activities", [])
    hours = {}
    for day in WEEKDAYS:
        opens, closes = form.get(f"open_{day}", ""), form.get(f"close_{day}", "")
        if opens or closes:
            # A blank half is left out, so the error says it is required (not "bad format").
            hours[day] = {k: v for k, v in (("open", opens), ("close", closes)) if v}
    data["licensed_hours"] = hours
    return data


def _venue_form_errors(errors: dict[str, str]) -> dict[str, str]:
    # A time box that is not a time says what a time looks like; msgspec can only show its regex.
    return {
        name: "must be a time such as 23:30"
        if name.startswith("licensed_hours.") and reason == NOT_IN_FORMAT
        else reason
        for name, reason in errors.items()
    }


def _form_values(venue: Venue | None) -> dict[str, Any]:
    if venue is None:
        return {"venue_type": "pub", "status": "active", "licensable_activities": [], "hours": {}}
    values = {f: getattr(venue, f) for f in venue.__struct_fields__}
    values["hours"] = {
        d: {"open": h.open, "close": h.close} for d, h in venue.licensed_hours.items()
    }
    return values


def _values_from_submission(data: dict[str, Any]) -> dict[str, Any]:
    values = dict(data)
    values["hours"] = data.get("licensed_hours", {})
    return values


class VenuePages(Controller):
    include_in_schema = False
    guards = [
        signed_in,
        venue_scope(),
        venue_scope("condition_id", queries.CONDITION_OWNER),
        roles(*READERS),
    ]

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
            conn,
            q=q,
            status=status,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            venue_ids=current_identity(request).venue_scope(),
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
        # htmx live search swaps only the results, keeping the keyboard in the search box. A
        # history restore (back button, cache miss) is an htmx request too, but replaces the
        # whole body, so it gets the whole page.
        fragment = request.headers.get("hx-request") == "true" and (
            request.headers.get("hx-history-restore-request") != "true"
        )
        name = "venues/_results.html" if fragment else "venues/list.html"
        # One address, two bodies: caches must not hand the fragment to a plain navigation.
        return Template(
            template_name=name,
            context=context,
            headers={"Vary": "HX-Request, HX-History-Restore-Request"},
        )

    @get("/venues/new", guards=[roles(*STAFF)])
    async def new_venue(self) -> Template:
        return Template(
            template_name="venues/form.html",
            context={"venue": None, "values": _form_values(None), "errors": {}, **CHOICES},
        )

    @post("/venues", guards=[roles(*STAFF)])
    async def create_venue(self, request: Request[Any, Any, Any], conn: RequestConnection) -> Any:
        data = await _venue_form_data(request)
        try:
            payload = form_to_struct(data, VenueCreate)
            async with conn.transaction():
                venue = await saved(queries.create_venue(conn, payload))
        except FormInvalid as exc:
            return form_page(
                "venues/form.html",
                {
                    **CHOICES,
                    "venue": None,
                    "values": _values_from_submission(data),
                    "errors": _venue_form_errors(exc.errors),
                },
            )
        return Redirect(f"/venues/{venue.id}")

    @get("/venues/{venue_id:int}")
    async def venue_page(
        self, request: Request[Any, Any, Any], conn: RequestConnection, venue_id: FromPath[int]
    ) -> Template:
        venue = await venue_or_404(conn, venue_id)
        conditions = await queries.list_conditions(conn, venue_id)
        # The change history is evidence for officers; it names people, so not for everyone.
        staff = current_identity(request).role in STAFF
        history = await venue_history(conn, venue_id) if staff else None
        return Template(
            template_name="venues/detail.html",
            context={"venue": venue, "conditions": conditions, "history": history, **CHOICES},
        )

    @get("/venues/{venue_id:int}/edit", guards=[roles(*STAFF)])
    async def edit_venue(self, conn: RequestConnection, venue_id: FromPath[int]) -> Template:
        venue = await venue_or_404(conn, venue_id)
        return Template(
            template_name="venues/form.html",
            context={"venue": venue, "values": _form_values(venue), "errors": {}, **CHOICES},
        )

    @post("/venues/{venue_id:int}/edit", guards=[roles(*STAFF)])
    async def update_venue(
        self, request: Request[Any, Any, Any], conn: RequestConnection, venue_id: FromPath[int]
    ) -> Any:
        venue = await venue_or_404(conn, venue_id)
        data = await _venue_form_data(request)
        try:
            patch = form_to_struct(data, VenuePatch)
            async with conn.transaction():
                await saved(queries.update_venue(conn, venue_id, patch))
        except FormInvalid as exc:
            return form_page(
                "venues/form.html",
                {
                    **CHOICES,
                    "venue": venue,
                    "values": _values_from_submission(data),
                    "errors": _venue_form_errors(exc.errors),
                },
            )
        return Redirect(f"/venues/{venue_id}")

    @get("/venues/{venue_id:int}/conditions/new", guards=[roles(*STAFF)])
    async def new_condition(self, conn: RequestConnection, venue_id: FromPath[int]) -> Template:
        venue = await venue_or_404(conn, venue_id)
        return Template(
            template_name="venues/condition_form.html",
            context={
                "venue": venue,
                "condition": None,
                "values": {"params": ""},
                "errors": {},
                **CHOICES,
            },
        )

    @post("/venues/{venue_id:int}/conditions", guards=[roles(*STAFF)])
    async def create_condition(
        self, request: Request[Any, Any, Any], conn: RequestConnection, venue_id: FromPath[int]
    ) -> Any:
        venue = await venue_or_404(conn, venue_id)
        data = await _condition_form_data(request)
        try:
            payload = _condition_payload(data, ConditionCreate)
            async with conn.transaction():
                await saved(queries.create_condition(conn, venue_id, payload))
        except FormInvalid as exc:
            return form_page(
                "venues/condition_form.html",
                {
                    **CHOICES,
                    "venue": venue,
                    "condition": None,
                    "values": data,
                    "errors": exc.errors,
                },
            )
        return Redirect(f"/venues/{venue_id}#conditions")

    @get("/conditions/{condition_id:int}/edit", guards=[roles(*STAFF)])
    async def edit_condition(
        self, conn: RequestConnection, condition_id: FromPath[int]
    ) -> Template:
        condition = await editable_condition(conn, condition_id)
        venue = await venue_or_404(conn, condition.venue_id)
        values = {
            "kind": condition.kind,
            "objective": condition.objective,
            "text": condition.text,
            "params": _params_text(condition.params),
        }
        return Template(
            template_name="venues/condition_form.html",
            context={
                "venue": venue,
                "condition": condition,
                "values": values,
                "errors": {},
                **CHOICES,
            },
        )

    @post("/conditions/{condition_id:int}/edit", guards=[roles(*STAFF)])
    async def update_condition(
        self, request: Request[Any, Any, Any], conn: RequestConnection, condition_id: FromPath[int]
    ) -> Any:
        condition = await editable_condition(conn, condition_id)
        data = await _condition_form_data(request)
        try:
            patch = _condition_payload(data, ConditionPatch)
            async with conn.transaction():
                await saved(queries.update_condition(conn, condition_id, patch))
        except FormInvalid as exc:
            venue = await venue_or_404(conn, condition.venue_id)
            return form_page(
                "venues/condition_form.html",
                {
                    **CHOICES,
                    "venue": venue,
                    "condition": condition,
                    "values": data,
                    "errors": exc.errors,
                },
            )
        return Redirect(f"/venues/{condition.venue_id}#conditions")

    @post("/conditions/{condition_id:int}/delete", guards=[roles(*STAFF)])
    async def delete_condition(
        self, conn: RequestConnection, condition_id: FromPath[int]
    ) -> Redirect:
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

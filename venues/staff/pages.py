"""HTML pages for a venue's people and training: the grid, the forms, the venue page's summary."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State, UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from nte.auth.guards import READERS, current_identity, roles, signed_in, venue_scope
from nte.clock import today
from nte.db import Connection, RequestConnection
from nte.errors import InvalidInput
from nte.forms import FormInvalid, form_page, form_to_struct, saved
from venues.deps import venue_or_404
from venues.schemas import Venue
from venues.staff import queries, service
from venues.staff.deps import (
    CERTIFICATE_BODY_LIMIT,
    TOO_LARGE_HANDLERS,
    WRITERS,
    certificate_response,
    staff_or_404,
)
from venues.staff.queries import STAFF_OWNER, TRAINING_OWNER
from venues.staff.schemas import (
    COURSE_NAMES,
    COURSES,
    ROLE_NAMES,
    ROLES,
    Staff,
    StaffCreate,
    StaffPatch,
    TrainingCreate,
)

__all__ = ["StaffPages"]

PERSON_FIELDS = (
    "name",
    "role",
    "front_of_house",
    "started_on",
    "left_on",
    "sia_licence_no",
    "sia_expires_on",
)


def _context(request: Request[Any, Any, Any], **extra: Any) -> dict[str, Any]:
    return {
        "roles": ROLES,
        "role_names": ROLE_NAMES,
        "courses": COURSES,
        "course_names": COURSE_NAMES,
        "can_edit": current_identity(request).role in WRITERS,
        "today": today(),
        **extra,
    }


async def _person_form_data(request: Request[Any, Any, Any]) -> dict[str, Any]:
    form = await request.form()
    data: dict[str, Any] = {name: form.get(name, "") for name in PERSON_FIELDS}
    data["front_of_house"] = "true" if form.get("front_of_house") else "false"
    return data


def _person_values(staff: Staff | None) -> dict[str, Any]:
    if staff is None:
        return {"role": "bar", "front_of_house": True}
    return {f: getattr(staff, f) for f in PERSON_FIELDS}


def _submitted_values(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "front_of_house": data.get("front_of_house") == "true"}


def _dps_on_record(people: list[Staff], venue: Venue) -> dict[str, Any]:
    """The active DPS on the staff list beside the one the licence names."""
    dps = [p for p in people if p.role == "dps" and p.active]
    name = dps[0].name if dps else None
    licence = (venue.dps_name or "").strip() or None
    return {
        "name": name,
        "licence": licence,
        "agrees": name is not None
        and licence is not None
        and " ".join(name.lower().split()) == " ".join(licence.lower().split()),
    }


async def _person_page_context(
    request: Request[Any, Any, Any], conn: Connection, staff: Staff
) -> dict[str, Any]:
    venue = await venue_or_404(conn, staff.venue_id)
    training = await queries.list_training(conn, staff.id)
    on = today()
    return _context(
        request,
        venue=venue,
        person=staff,
        training=training,
        statuses={t.id: service.status_of(t.expires_on, on) for t in training},
        errors={},
        values={"course": request.query_params.get("course") or "wave"},
    )


class StaffPages(Controller):
    include_in_schema = False
    guards = [
        signed_in,
        venue_scope(),
        venue_scope("staff_id", STAFF_OWNER),
        venue_scope("training_id", TRAINING_OWNER),
        roles(*READERS),
    ]

    @get("/venues/{venue_id:int}/staff")
    async def staff_page(
        self,
        request: Request[Any, Any, Any],
        state: State,
        conn: RequestConnection,
        venue_id: FromPath[int],
    ) -> Template:
        venue = await venue_or_404(conn, venue_id)
        on = today()
        status = await service.training_status(conn, venue_id, on)
        people = await queries.list_staff(conn, venue_id, on)
        settings = state.settings
        doors = [p for p in people if p.active and p.sia_licence_no]
        return Template(
            template_name="venues/staff/list.html",
            context=_context(
                request,
                venue=venue,
                status=status,
                people=people,
                former=[p for p in people if not p.active],
                doors=doors,
                sia={
                    p.id: service.status_of(p.sia_expires_on, on, settings.sia_warning_days)
                    for p in doors
                },
                sia_warning_days=settings.sia_warning_days,
                coverage_target=settings.training_coverage_percent,
                dps=_dps_on_record(people, venue),
            ),
        )

    @get("/venues/{venue_id:int}/staff/summary")
    async def staff_summary(
        self, state: State, conn: RequestConnection, venue_id: FromPath[int]
    ) -> Template:
        """The venue page's panel, loaded after the page so the page itself stays quick."""
        venue = await venue_or_404(conn, venue_id)
        status = await service.training_status(conn, venue_id)
        people = await queries.list_staff(conn, venue_id, status.on, include_left=False)
        counts = {"expired": 0, "expiring": 0}
        for person in status.people:
            for course in person.courses.values():
                if course.status in counts:
                    counts[course.status] += 1
        return Template(
            template_name="venues/staff/_coverage.html",
            context={
                "venue": venue,
                "status": status,
                "counts": counts,
                "dps": _dps_on_record(people, venue),
                "coverage_target": state.settings.training_coverage_percent,
            },
        )

    @get("/venues/{venue_id:int}/staff/new", guards=[roles(*WRITERS)])
    async def new_person(
        self, request: Request[Any, Any, Any], conn: RequestConnection, venue_id: FromPath[int]
    ) -> Template:
        venue = await venue_or_404(conn, venue_id)
        return Template(
            template_name="venues/staff/form.html",
            context=_context(
                request, venue=venue, person=None, values=_person_values(None), errors={}
            ),
        )

    @post("/venues/{venue_id:int}/staff", guards=[roles(*WRITERS)])
    async def create_person(
        self, request: Request[Any, Any, Any], conn: RequestConnection, venue_id: FromPath[int]
    ) -> Any:
        venue = await venue_or_404(conn, venue_id)
        data = await _person_form_data(request)
        try:
            payload = form_to_struct(data, StaffCreate)
            async with conn.transaction():
                person = await saved(service.add_person(conn, venue_id, payload))
        except FormInvalid as exc:
            return form_page(
                "venues/staff/form.html",
                _context(
                    request,
                    venue=venue,
                    person=None,
                    values=_submitted_values(data),
                    errors=exc.errors,
                ),
            )
        return Redirect(f"/venues/{venue_id}/staff#person-{person.id}")

    @get("/staff/{staff_id:int}")
    async def person_page(
        self, request: Request[Any, Any, Any], conn: RequestConnection, staff_id: FromPath[int]
    ) -> Template:
        staff = await staff_or_404(conn, staff_id)
        return Template(
            template_name="venues/staff/person.html",
            context=await _person_page_context(request, conn, staff),
        )

    @get("/staff/{staff_id:int}/edit", guards=[roles(*WRITERS)])
    async def edit_person(
        self, request: Request[Any, Any, Any], conn: RequestConnection, staff_id: FromPath[int]
    ) -> Template:
        staff = await staff_or_404(conn, staff_id)
        venue = await venue_or_404(conn, staff.venue_id)
        return Template(
            template_name="venues/staff/form.html",
            context=_context(
                request, venue=venue, person=staff, values=_person_values(staff), errors={}
            ),
        )

    @post("/staff/{staff_id:int}/edit", guards=[roles(*WRITERS)])
    async def update_person(
        self, request: Request[Any, Any, Any], conn: RequestConnection, staff_id: FromPath[int]
    ) -> Any:
        staff = await staff_or_404(conn, staff_id)
        data = await _person_form_data(request)
        try:
            patch = form_to_struct(data, StaffPatch)
            async with conn.transaction():
                await saved(service.change_person(conn, staff, patch))
        except FormInvalid as exc:
            venue = await venue_or_404(conn, staff.venue_id)
            return form_page(
                "venues/staff/form.html",
                _context(
                    request,
                    venue=venue,
                    person=staff,
                    values=_submitted_values(data),
                    errors=exc.errors,
                ),
            )
        return Redirect(f"/venues/{staff.venue_id}/staff#person-{staff.id}")

    @post(
        "/staff/{staff_id:int}/training",
        guards=[roles(*WRITERS)],
        request_max_body_size=CERTIFICATE_BODY_LIMIT,
        exception_handlers=TOO_LARGE_HANDLERS,
    )
    async def record_training(
        self,
        request: Request[Any, Any, Any],
        state: State,
        conn: RequestConnection,
        staff_id: FromPath[int],
    ) -> Any:
        staff = await staff_or_404(conn, staff_id)
        form = await request.form()
        data = {k: form.get(k, "") for k in ("course", "completed_on")}
        # An empty box is a missing answer, not a malformed date.
        given = {k: v for k, v in data.items() if isinstance(v, str) and v.strip()}
        upload = form.get("certificate")
        errors: dict[str, str] = {}
        certificate = None
        # Every mistake at once: the course's and the file's.
        try:
            payload = form_to_struct(given, TrainingCreate)
        except FormInvalid as exc:
            errors.update(exc.errors)
        if isinstance(upload, UploadFile):
            try:
                certificate = await service.read_certificate(upload)
            except InvalidInput as exc:
                errors.update(exc.errors)
        try:
            if errors:
                raise FormInvalid(errors)
            async with conn.transaction():
                await saved(
                    service.record_training(
                        conn, staff, payload, state.settings.training_months, certificate
                    )
                )
        except FormInvalid as exc:
            context = await _person_page_context(request, conn, staff)
            return form_page(
                "venues/staff/person.html",
                {
                    **context,
                    "values": data,
                    "errors": exc.errors,
                },
            )
        return Redirect(f"/venues/{staff.venue_id}/staff#person-{staff.id}")

    @get("/training/{training_id:int}/certificate")
    async def certificate(self, conn: RequestConnection, training_id: FromPath[int]) -> Any:
        """The certificate for people reading the pages (the API serves the same file)."""
        return await certificate_response(conn, training_id)

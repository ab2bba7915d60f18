"""JSON API for a venue's people, their training and certificates (/api/v1)."""

from __future__ import annotations

from datetime import date

from litestar import Controller, Response, get, patch, post, put
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody

from nte.auth.guards import READERS, roles, signed_in, venue_scope
from nte.clock import today
from nte.db import RequestConnection
from venues.deps import venue_or_404
from venues.staff import queries, service
from venues.staff.deps import (
    CERTIFICATE_BODY_LIMIT,
    TOO_LARGE_HANDLERS,
    WRITERS,
    certificate_response,
    staff_or_404,
    training_or_404,
)
from venues.staff.queries import STAFF_OWNER, TRAINING_OWNER
from venues.staff.schemas import (
    CertificateInfo,
    CertificateUpload,
    Staff,
    StaffCreate,
    StaffPatch,
    Training,
    TrainingCreate,
    TrainingStatus,
)

__all__ = ["StaffController"]


class StaffController(Controller):
    path = "/api/v1"
    tags = ["staff"]
    # Scope before role: another venue's manager learns nothing, not even that it exists.
    guards = [
        signed_in,
        venue_scope(),
        venue_scope("staff_id", STAFF_OWNER),
        venue_scope("training_id", TRAINING_OWNER),
        roles(*READERS),
    ]

    @get("/venues/{venue_id:int}/staff", summary="A venue's people")
    async def list_staff(
        self,
        conn: RequestConnection,
        venue_id: FromPath[int],
        active: FromQuery[bool | None] = None,
    ) -> list[Staff]:
        await venue_or_404(conn, venue_id)
        people = await queries.list_staff(conn, venue_id, today())
        return [p for p in people if active is None or p.active == active]

    @post("/venues/{venue_id:int}/staff", summary="Add a person", guards=[roles(*WRITERS)])
    async def create_staff(
        self, conn: RequestConnection, venue_id: FromPath[int], data: JSONBody[StaffCreate]
    ) -> Staff:
        await venue_or_404(conn, venue_id)
        return await service.add_person(conn, venue_id, data)

    @get(
        "/venues/{venue_id:int}/training-status",
        summary="Each active person's status per course, and front-of-house coverage",
    )
    async def training_status(
        self,
        conn: RequestConnection,
        venue_id: FromPath[int],
        on: FromQuery[date | None] = None,
    ) -> TrainingStatus:
        await venue_or_404(conn, venue_id)
        return await service.training_status(conn, venue_id, on)

    @get("/staff/{staff_id:int}", summary="One person")
    async def get_staff(self, conn: RequestConnection, staff_id: FromPath[int]) -> Staff:
        return await staff_or_404(conn, staff_id)

    @patch("/staff/{staff_id:int}", summary="Change a person", guards=[roles(*WRITERS)])
    async def update_staff(
        self, conn: RequestConnection, staff_id: FromPath[int], data: JSONBody[StaffPatch]
    ) -> Staff:
        return await service.change_person(conn, await staff_or_404(conn, staff_id), data)

    @get("/staff/{staff_id:int}/training", summary="A person's training records")
    async def list_training(
        self, conn: RequestConnection, staff_id: FromPath[int]
    ) -> list[Training]:
        await staff_or_404(conn, staff_id)
        return await queries.list_training(conn, staff_id)

    @post(
        "/staff/{staff_id:int}/training",
        summary="Record a completed course; its expiry follows from the course",
        guards=[roles(*WRITERS)],
    )
    async def create_training(
        self,
        state: State,
        conn: RequestConnection,
        staff_id: FromPath[int],
        data: JSONBody[TrainingCreate],
    ) -> Training:
        staff = await staff_or_404(conn, staff_id)
        return await service.record_training(conn, staff, data, state.settings.training_months)

    @put(
        "/training/{training_id:int}/certificate",
        summary="Attach or replace a training record's certificate (PDF, JPEG or PNG, 10 MB)",
        guards=[roles(*WRITERS)],
        request_max_body_size=CERTIFICATE_BODY_LIMIT,
        exception_handlers=TOO_LARGE_HANDLERS,
    )
    async def put_certificate(
        self,
        conn: RequestConnection,
        training_id: FromPath[int],
        data: MultipartBody[CertificateUpload],
    ) -> CertificateInfo:
        training = await training_or_404(conn, training_id)
        file = await service.read_certificate(data.certificate)
        return await queries.save_certificate(
            conn, training, file.filename, file.content_type, file.content
        )

    @get(
        "/training/{training_id:int}/certificate",
        summary="A training record's certificate file",
        media_type="application/octet-stream",
    )
    async def get_certificate(
        self, conn: RequestConnection, training_id: FromPath[int]
    ) -> Response[bytes]:
        return await certificate_response(conn, training_id)

"""Who may change a venue's people, and the loaders and limits the staff pages and API share."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.exceptions.http_exceptions import RequestEntityTooLarge

from nte.auth.identity import Role
from nte.clock import today
from nte.db import Connection
from nte.errors import InvalidInput, found_or_404, handle_exception
from venues.staff import queries, service
from venues.staff.schemas import (
    Staff,
    Training,
)

__all__ = [
    "CERTIFICATE_BODY_LIMIT",
    "TOO_LARGE_HANDLERS",
    "WRITERS",
    "CertificateTooLarge",
    "certificate_response",
    "certificate_too_large",
    "staff_or_404",
    "training_or_404",
]


# Venue managers keep their own venues' staff and training current (DOMAIN.md).
WRITERS: tuple[Role, ...] = ("admin", "officer", "venue_manager")


# Room for a 10 MB certificate and the form around it; the file's own limit is checked
# exactly by service.read_certificate, so a refusal there can name the field.
CERTIFICATE_BODY_LIMIT = service.MAX_CERTIFICATE_BYTES + 256 * 1024


class CertificateTooLarge(InvalidInput):
    status_code = 413


def certificate_too_large(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A body far over the limit is refused before it is read; still say which field and why."""
    return handle_exception(
        request,
        CertificateTooLarge(
            {"certificate": "must be at most 10 MB"}, detail="The file is too large"
        ),
    )


TOO_LARGE_HANDLERS: dict[type[Exception] | int, Any] = {
    RequestEntityTooLarge: certificate_too_large
}


async def staff_or_404(conn: Connection, staff_id: int) -> Staff:
    staff = await queries.get_staff(conn, staff_id, today())
    return found_or_404(staff, f"No staff member with id {staff_id}")


async def training_or_404(conn: Connection, training_id: int) -> Training:
    training = await queries.get_training(conn, training_id)
    return found_or_404(training, f"No training record with id {training_id}")


async def certificate_response(conn: Connection, training_id: int) -> Response[bytes]:
    """The file as uploaded, under a type its content proved, never sniffed into another."""
    found = await queries.get_certificate(conn, training_id)
    info, content = found_or_404(found, "This training record has no certificate")
    return Response(
        content=content,
        media_type=info.content_type,
        headers={
            "Content-Disposition": service.content_disposition(info.filename),
            "X-Content-Type-Options": "nosniff",
            # Personal data: kept by nobody between the server and the person allowed to see it.
            "Cache-Control": "private, no-store",
        },
    )

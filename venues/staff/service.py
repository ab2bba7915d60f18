"""The rules of a venue's people and training: expiry dates, statuses, SIA numbers, certificates.

Dates: a course completed on day D with a validity of N months expires on the same day of
the month N months later; when that month is shorter, on its last day (29 February 2024 +
12 months -> 28 February 2025; 31 January + 1 month -> 28 or 29 February). A record is
valid on its expiry day and expired from the day after. "Today" is the date in
Europe/London, where the venues are.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

import msgspec
from litestar.datastructures import UploadFile

from nte.clock import today
from nte.db import Connection
from nte.errors import InvalidInput
from venues.schemas import given_fields
from venues.staff import queries
from venues.staff.schemas import (
    COURSES,
    CourseStatus,
    Coverage,
    PersonStatus,
    Staff,
    StaffCreate,
    StaffPatch,
    Status,
    Training,
    TrainingCreate,
    TrainingStatus,
)

__all__ = [
    "EXPIRING_DAYS",
    "MAX_CERTIFICATE_BYTES",
    "CertificateFile",
    "add_months",
    "add_person",
    "change_person",
    "check_person",
    "check_training",
    "content_disposition",
    "coverage_of",
    "expiry_for",
    "normalise_sia",
    "read_certificate",
    "record_training",
    "status_of",
    "training_status",
]


EXPIRING_DAYS = 30
"""A valid record expiring within this many days shows as expiring."""

MAX_CERTIFICATE_BYTES = 10 * 1024 * 1024
"""10 MB (10,485,760 bytes): a scanned certificate, with room to spare."""

# Identified by their first bytes, never by the file's name or the type the browser claims.
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)

_SIA = re.compile(r"[0-9]{16}")
SIA_REASON = "must be the 16 digits of the SIA licence (spaces are allowed)"
DOOR_ONLY_WITH_LICENCE = "is required for a door supervisor"


def add_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later, or that month's last day if it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def expiry_for(course: str, completed_on: date, training_months: dict[str, int]) -> date:
    return add_months(completed_on, training_months[course])


def status_of(expires_on: date | None, on: date, expiring_days: int = EXPIRING_DAYS) -> Status:
    """valid, expiring (valid, but within ``expiring_days``), expired or missing."""
    if expires_on is None:
        return "missing"
    if expires_on < on:
        return "expired"
    if expires_on <= on + timedelta(days=expiring_days):
        return "expiring"
    return "valid"


def normalise_sia(raw: str | None) -> str | None:
    """The 16 digits of an SIA licence number, typed with or without spaces; None if blank."""
    if raw is None or not raw.strip():
        return None
    digits = re.sub(r"\s+", "", raw)
    if not _SIA.fullmatch(digits):
        raise InvalidInput({"sia_licence_no": SIA_REASON})
    return digits


async def check_person(
    conn: Connection, venue_id: int, values: dict[str, Any], staff_id: int | None = None
) -> dict[str, Any]:
    """The person as they will be saved (SIA number without spaces), or InvalidInput naming
    every field that breaks a rule. ``values`` holds every column, old values merged with new."""
    errors: dict[str, str] = {}
    out = dict(values)
    try:
        out["sia_licence_no"] = normalise_sia(values.get("sia_licence_no"))
    except InvalidInput as exc:
        errors.update(exc.errors)
    if values.get("role") == "door_supervisor":
        for field in ("sia_licence_no", "sia_expires_on"):
            if field not in errors and not out.get(field):
                errors[field] = DOOR_ONLY_WITH_LICENCE
    started, left = values.get("started_on"), values.get("left_on")
    if started and left and left < started:
        errors["left_on"] = "must be on or after the date they started"
    if values.get("role") == "dps" and values.get("left_on") is None:
        if other := await queries.other_dps(conn, venue_id, staff_id):
            errors["role"] = (
                f"cannot be DPS while {other} is the venue's DPS; record the date they left first"
            )
    if errors:
        raise InvalidInput(errors)
    return out


def check_training(completed_on: date, on: date) -> None:
    if completed_on > on:
        raise InvalidInput({"completed_on": "cannot be in the future"})


class CertificateFile(msgspec.Struct):
    filename: str
    content_type: str
    content: bytes


def _safe_stem(raw: str | None) -> str:
    # Browsers on Windows may send a whole path; only the last part is the name.
    name = PurePosixPath((raw or "").replace("\\", "/")).name
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return re.sub(r"[^\w\- ]+", "_", stem).strip(" ._-")[:100] or "certificate"


async def read_certificate(upload: UploadFile, field: str = "certificate") -> CertificateFile:
    """The upload if it is a PDF, JPEG or PNG of at most 10 MB, else InvalidInput naming ``field``.

    The stored name keeps the stem the person gave and takes the extension of what the file
    really is, so a PNG called ``x.pdf`` is served as ``x.png``.
    """
    content = await upload.read(MAX_CERTIFICATE_BYTES + 1)
    if not content:
        raise InvalidInput({field: "is an empty file"})
    if len(content) > MAX_CERTIFICATE_BYTES:
        raise InvalidInput({field: "must be at most 10 MB"})
    for magic, content_type, extension in _SIGNATURES:
        if content.startswith(magic):
            name = _safe_stem(upload.filename) + extension
            return CertificateFile(filename=name, content_type=content_type, content=content)
    raise InvalidInput({field: "must be a PDF, JPEG or PNG file"})


def content_disposition(filename: str) -> str:
    """Shown in the browser (the type is checked) under its own name, for any alphabet."""
    ascii_name = re.sub(r"[^A-Za-z0-9._ -]", "_", filename)
    return f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


# --- the operations both the API and the pages perform ------------------------------------


async def add_person(conn: Connection, venue_id: int, data: StaffCreate) -> Staff:
    fields = await check_person(conn, venue_id, given_fields(data))
    return await queries.create_staff(conn, venue_id, fields, today())


async def change_person(conn: Connection, staff: Staff, patch: StaffPatch) -> Staff:
    changes = given_fields(patch)
    # The rules hold for the person as they will be, so check the old merged with the new.
    current = {f: getattr(staff, f) for f in StaffCreate.__struct_fields__}
    merged = await check_person(conn, staff.venue_id, {**current, **changes}, staff.id)
    fields = {k: merged[k] for k in changes}
    updated = await queries.update_staff(conn, staff.id, fields, today())
    assert updated is not None
    return updated


async def record_training(
    conn: Connection,
    staff: Staff,
    data: TrainingCreate,
    training_months: dict[str, int],
    certificate: CertificateFile | None = None,
) -> Training:
    """The training record with its derived expiry, and the certificate if one came with it."""
    check_training(data.completed_on, today())
    expires_on = expiry_for(data.course, data.completed_on, training_months)
    training = await queries.create_training(
        conn, staff, data.course, data.completed_on, expires_on
    )
    if certificate is not None:
        training.certificate = await queries.save_certificate(
            conn, training, certificate.filename, certificate.content_type, certificate.content
        )
    return training


def coverage_of(covered: int, total: int) -> Coverage:
    return Coverage(covered=covered, total=total, percent=covered * 100 // total if total else None)


async def training_status(
    conn: Connection, venue_id: int, on: date | None = None
) -> TrainingStatus:
    """Each active person's status per course on a day, and the venue's coverage."""
    on = on or today()
    people = await queries.list_staff(conn, venue_id, on, include_left=False)
    latest = await queries.latest_training(conn, venue_id, on)
    rows = []
    for person in people:
        courses = {}
        for course in COURSES:
            record = latest.get((person.id, course))
            courses[course] = CourseStatus(
                status=status_of(record.expires_on if record else None, on),
                expires_on=record.expires_on if record else None,
                training_id=record.id if record else None,
            )
        rows.append(
            PersonStatus(
                staff_id=person.id,
                name=person.name,
                role=person.role,
                front_of_house=person.front_of_house,
                courses=courses,  # type: ignore[arg-type]
            )
        )
    covered, total = (await queries.front_of_house_coverage(conn, [venue_id], on))[venue_id]
    return TrainingStatus(
        venue_id=venue_id,
        on=on,
        courses=list(COURSES),  # type: ignore[arg-type]
        people=rows,
        coverage=coverage_of(covered, total),
    )

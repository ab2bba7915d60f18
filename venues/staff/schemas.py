"""Structs for a venue's people, their training and certificates: rows, payloads and views."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from litestar.datastructures import UploadFile
from msgspec import UNSET, Meta, UnsetType

__all__ = [
    "COURSES",
    "COURSE_NAMES",
    "ROLES",
    "ROLE_NAMES",
    "CertificateInfo",
    "CertificateUpload",
    "CourseStatus",
    "Coverage",
    "PersonStatus",
    "Staff",
    "StaffCreate",
    "StaffPatch",
    "Training",
    "TrainingCreate",
    "TrainingStatus",
]

StaffRole = Literal["dps", "personal_licence_holder", "manager", "bar", "door_supervisor", "other"]
Course = Literal[
    "wave",
    "ask_for_angela",
    "age_verification",
    "drink_spiking",
    "act",
    "conflict_management",
    "first_aid",
    "safeguarding",
]
Status = Literal["valid", "expiring", "expired", "missing"]

ROLES: tuple[str, ...] = StaffRole.__args__  # type: ignore[attr-defined]
COURSES: tuple[str, ...] = Course.__args__  # type: ignore[attr-defined]

ROLE_NAMES: dict[str, str] = {
    "dps": "DPS (designated premises supervisor)",
    "personal_licence_holder": "Personal licence holder",
    "manager": "Manager",
    "bar": "Bar staff",
    "door_supervisor": "Door supervisor",
    "other": "Other",
}

# What people call each course; the grid's column heads use the short names.
COURSE_NAMES: dict[str, tuple[str, str]] = {
    "wave": ("WAVE", "WAVE (Welfare and Vulnerability Engagement)"),
    "ask_for_angela": ("Angela", "Ask for Angela briefing"),
    "age_verification": ("Age ID", "Challenge 25 / age verification"),
    "drink_spiking": ("Spiking", "Drink-spiking awareness"),
    "act": ("ACT", "ACT counter-terrorism awareness"),
    "conflict_management": ("Conflict", "Conflict management"),
    "first_aid": ("First aid", "First aid"),
    "safeguarding": ("Safeguard", "Safeguarding of children"),
}

Name = Annotated[str, Meta(min_length=1, max_length=200, pattern=r"\S")]
# The format (16 digits) is checked by the service, so that the reason reads as a rule, not a regex.
SiaNumber = Annotated[str, Meta(max_length=40, description="16 digits; spaces are ignored")]


class Staff(msgspec.Struct):
    id: int
    venue_id: int
    name: str
    role: StaffRole
    front_of_house: bool
    started_on: date | None
    left_on: date | None
    sia_licence_no: str | None
    sia_expires_on: date | None
    active: bool
    """Not left: no leaving date, or one still to come."""
    generated: bool
    """Made up by ``nte demo``, not recorded by anyone."""
    created_at: datetime
    updated_at: datetime


class StaffCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    role: StaffRole
    front_of_house: bool = False
    started_on: date | None = None
    left_on: date | None = None
    sia_licence_no: SiaNumber | None = None
    sia_expires_on: date | None = None


class StaffPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Only the fields given change; ``null`` clears an optional one."""

    name: Name | UnsetType = UNSET
    role: StaffRole | UnsetType = UNSET
    front_of_house: bool | UnsetType = UNSET
    started_on: date | UnsetType | None = UNSET
    left_on: date | UnsetType | None = UNSET
    sia_licence_no: SiaNumber | UnsetType | None = UNSET
    sia_expires_on: date | UnsetType | None = UNSET


class CertificateInfo(msgspec.Struct):
    """What is known about an uploaded certificate without reading its bytes."""

    filename: str
    content_type: str
    size: int
    uploaded_at: datetime


class Training(msgspec.Struct):
    id: int
    venue_id: int
    staff_id: int
    course: Course
    completed_on: date
    expires_on: date
    """Derived: completed_on plus the course's validity in months (see service.add_months)."""
    certificate: CertificateInfo | None
    created_at: datetime


class TrainingCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    course: Course
    completed_on: date


class CourseStatus(msgspec.Struct, omit_defaults=True):
    status: Status
    expires_on: date | None = None
    training_id: int | None = None


class PersonStatus(msgspec.Struct):
    staff_id: int
    name: str
    role: StaffRole
    front_of_house: bool
    courses: dict[Course, CourseStatus]


class Coverage(msgspec.Struct):
    """Active front-of-house staff with valid WAVE and Ask-for-Angela training."""

    covered: int
    total: int
    percent: int | None
    """Rounded down, so 79.9% never shows as 80%; None when there is nobody front of house."""


class TrainingStatus(msgspec.Struct):
    venue_id: int
    on: date
    courses: list[Course]
    people: list[PersonStatus]
    """Active staff only, by name."""
    coverage: Coverage


class CertificateUpload(msgspec.Struct):
    certificate: UploadFile
    """A PDF, JPEG or PNG of at most 10 MB."""

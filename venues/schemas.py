"""Structs for venues, their premises licences and conditions: rows, payloads and pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

__all__ = [
    "ACTIVITIES",
    "BANDS",
    "CONDITION_KINDS",
    "OBJECTIVES",
    "STATUSES",
    "VENUE_TYPES",
    "Band",
    "Condition",
    "ConditionCreate",
    "ConditionPatch",
    "Hours",
    "Venue",
    "VenueCreate",
    "VenuePage",
    "VenuePatch",
    "VenueSort",
    "WeeklyHours",
]

VenueType = Literal[
    "pub", "bar", "nightclub", "late_night_refreshment", "restaurant", "off_licence", "other"
]
LicenceStatus = Literal["active", "suspended", "revoked", "surrendered", "lapsed"]
Activity = Literal[
    "sale_of_alcohol",
    "live_music",
    "recorded_music",
    "performance_of_dance",
    "plays",
    "films",
    "indoor_sport",
    "late_night_refreshment",
]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ConditionKind = Literal[
    "cctv",
    "door_supervisors",
    "age_verification",
    "refusals_log",
    "incident_log",
    "last_entry",
    "glassware",
    "dispersal",
    "capacity",
    "pubwatch",
    "other",
]
Objective = Literal["crime_disorder", "public_safety", "public_nuisance", "protection_of_children"]
Tier = Literal["none", "standard", "enhanced"]

VENUE_TYPES: tuple[str, ...] = VenueType.__args__  # type: ignore[attr-defined]
STATUSES: tuple[str, ...] = LicenceStatus.__args__  # type: ignore[attr-defined]
ACTIVITIES: tuple[str, ...] = Activity.__args__  # type: ignore[attr-defined]
WEEKDAYS: tuple[str, ...] = Weekday.__args__  # type: ignore[attr-defined]
CONDITION_KINDS: tuple[str, ...] = ConditionKind.__args__  # type: ignore[attr-defined]
OBJECTIVES: tuple[str, ...] = Objective.__args__  # type: ignore[attr-defined]

Clock = Annotated[str, Meta(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM, 24-hour")]
Name = Annotated[str, Meta(min_length=1, max_length=200, pattern=r"\S")]
Text = Annotated[str, Meta(max_length=500)]
Latitude = Annotated[float, Meta(ge=-90, le=90)]
Longitude = Annotated[float, Meta(ge=-180, le=180)]
Capacity = Annotated[int, Meta(ge=0, le=100_000)]
LicenceNo = Annotated[str, Meta(min_length=1, max_length=40)]
ConditionText = Annotated[str, Meta(min_length=1, max_length=4000, pattern=r"\S")]


class Hours(msgspec.Struct, forbid_unknown_fields=True):
    """Licensed hours on one weekday; ``close`` earlier than ``open`` runs past midnight."""

    open: Clock
    close: Clock


LicensedHours = dict[Weekday, Hours]

Band = Literal["A", "B", "C", "D"]
BANDS: tuple[str, ...] = Band.__args__  # type: ignore[attr-defined]
VenueSort = Literal["name", "risk", "next_inspection_due"]


class WeeklyHours(msgspec.Struct, omit_defaults=True, forbid_unknown_fields=True):
    """Licensed hours as a payload gives them; a day left out (or null) is closed.

    A Struct rather than ``LicensedHours`` so that an error names the day
    (``licensed_hours.fri.close``): msgspec cannot name the key of a bad dict value.
    """

    mon: Hours | None = None
    tue: Hours | None = None
    wed: Hours | None = None
    thu: Hours | None = None
    fri: Hours | None = None
    sat: Hours | None = None
    sun: Hours | None = None


class Venue(msgspec.Struct):
    id: int
    name: str
    address: str
    postcode: str
    latitude: float | None
    longitude: float | None
    venue_type: VenueType
    capacity: int | None
    martyns_law_tier: Tier
    premises_licence_no: str | None
    licence_holder: str | None
    dps_name: str | None
    licensable_activities: list[Activity]
    licensed_hours: LicensedHours
    status: LicenceStatus
    fhrs_id: int | None
    fhrs_rating: str | None
    generated: bool
    open_flags: int
    """Open or acknowledged flags from the scheduled checks (kept by the checks)."""
    flag_severity: Literal["low", "medium", "high", "serious"] | None
    """The most severe of them."""
    band: Band | None
    """The risk band (A highest), kept by the scheduled checks; none for a licence not active."""
    risk_score: int | None
    next_inspection_due: date | None
    """From the risk band and the last completed inspection, or an officer's earlier date."""
    created_at: datetime
    updated_at: datetime


class VenuePage(msgspec.Struct):
    items: list[Venue]
    total: int
    limit: int
    offset: int


class VenueCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    address: Text = ""
    postcode: Annotated[str, Meta(max_length=10)] = ""
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    venue_type: VenueType = "pub"
    capacity: Capacity | None = None
    premises_licence_no: LicenceNo | None = None
    licence_holder: Text | None = None
    dps_name: Text | None = None
    licensable_activities: list[Activity] = msgspec.field(default_factory=list)
    licensed_hours: WeeklyHours = msgspec.field(default_factory=WeeklyHours)
    status: LicenceStatus = "active"
    fhrs_id: Annotated[int, Meta(ge=1)] | None = None


class VenuePatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Only the fields given change; ``null`` clears an optional one."""

    name: Name | UnsetType = UNSET
    address: Text | UnsetType = UNSET
    postcode: Annotated[str, Meta(max_length=10)] | UnsetType = UNSET
    latitude: Latitude | UnsetType | None = UNSET
    longitude: Longitude | UnsetType | None = UNSET
    venue_type: VenueType | UnsetType = UNSET
    capacity: Capacity | UnsetType | None = UNSET
    premises_licence_no: LicenceNo | UnsetType | None = UNSET
    licence_holder: Text | UnsetType | None = UNSET
    dps_name: Text | UnsetType | None = UNSET
    licensable_activities: list[Activity] | UnsetType = UNSET
    licensed_hours: WeeklyHours | UnsetType = UNSET
    status: LicenceStatus | UnsetType = UNSET
    fhrs_id: Annotated[int, Meta(ge=1)] | UnsetType | None = UNSET


class Condition(msgspec.Struct):
    id: int
    venue_id: int
    kind: ConditionKind
    objective: Objective
    params: dict[str, Any]
    text: str
    mandatory: bool
    created_at: datetime
    updated_at: datetime


class ConditionCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    kind: ConditionKind
    objective: Objective
    text: ConditionText
    params: dict[str, Any] = msgspec.field(default_factory=dict)


class ConditionPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    kind: ConditionKind | UnsetType = UNSET
    objective: Objective | UnsetType = UNSET
    text: ConditionText | UnsetType = UNSET
    params: dict[str, Any] | UnsetType = UNSET


def given_fields(patch: msgspec.Struct) -> dict[str, Any]:
    """The fields a PATCH payload set, as column -> value (plain builtins for asyncpg)."""
    out = {}
    for name in patch.__struct_fields__:
        value = getattr(patch, name)
        if value is not UNSET:
            plain = isinstance(value, dict | list | msgspec.Struct)
            out[name] = msgspec.to_builtins(value) if plain else value
    return out

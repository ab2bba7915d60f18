"""Structs for incidents: rows as a viewer may see them, and payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

__all__ = [
    "CATEGORIES",
    "CATEGORY_LABELS",
    "SEVERITIES",
    "SOURCES",
    "Incident",
    "IncidentCreate",
    "IncidentPage",
]

Category = Literal[
    "violence",
    "sexual_offence",
    "sexual_harassment",
    "asb",
    "public_order",
    "underage_sale",
    "drugs",
    "drink_spiking",
    "vulnerable_person",
    "theft",
    "criminal_damage",
    "weapons",
    "other",
]
Severity = Literal["low", "medium", "high", "serious"]
Source = Literal["police", "venue", "officer", "radio", "public"]

CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]
SEVERITIES: tuple[str, ...] = Severity.__args__  # type: ignore[attr-defined]
SOURCES: tuple[str, ...] = Source.__args__  # type: ignore[attr-defined]

CATEGORY_LABELS: dict[str, str] = {
    "violence": "Violence",
    "sexual_offence": "Sexual offence",
    "sexual_harassment": "Sexual harassment",
    "asb": "Anti-social behaviour",
    "public_order": "Public order",
    "underage_sale": "Underage sale",
    "drugs": "Drugs",
    "drink_spiking": "Drink spiking",
    "vulnerable_person": "Vulnerable person",
    "theft": "Theft",
    "criminal_damage": "Criminal damage",
    "weapons": "Weapons",
    "other": "Other",
}
"""How people say each category; ``asb`` is not a word."""

# An offset is required: "22:30" means nothing without knowing whose 22:30.
When = Annotated[datetime, Meta(tz=True, description="ISO 8601 with an offset")]
Description = Annotated[str, Meta(min_length=1, max_length=4000, pattern=r"\S")]
PoliceRef = Annotated[str, Meta(min_length=1, max_length=40, pattern=r"\S")]


class Incident(msgspec.Struct, kw_only=True):
    """An incident as the caller may see it.

    When ``redacted`` is true the incident is sensitive and the caller is neither staff, a
    partner nor its reporter: they learn that something happened and when, nothing more,
    so ``category``, ``severity``, ``source``, ``police_ref``, ``description``,
    ``involved_child`` and ``reported_by`` are null.
    """

    id: int
    venue_id: int | None
    """Null for an incident in the street."""
    occurred_at: datetime
    category: Category | None
    severity: Severity | None
    source: Source | None
    police_ref: str | None
    description: str | None
    involved_child: bool | None
    sensitive: bool
    reported_by: int | None
    generated: bool
    created_at: datetime
    redacted: bool = False
    details_removed_at: datetime | None = None
    """When the retention rule replaced this sensitive incident's free text (its
    description and police reference) by a note; category, severity and date stay."""


class IncidentPage(msgspec.Struct):
    items: list[Incident]
    total: int
    limit: int
    offset: int


class IncidentCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A new incident. Sexual offences and incidents involving a child are always stored as
    sensitive, whatever ``sensitive`` says; ``source`` defaults to the reporter's side
    (a venue manager's report comes from the venue, an officer's from the officer)."""

    occurred_at: When
    category: Category
    severity: Severity
    description: Description
    source: Source | None = None
    police_ref: PoliceRef | None = None
    involved_child: bool = False
    sensitive: bool = False

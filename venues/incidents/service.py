"""Incident rules: who sees a sensitive one, what is always sensitive, what a new one needs."""

from __future__ import annotations

from datetime import datetime, timedelta

from nte.auth.identity import Identity, Role
from nte.errors import InvalidInput
from venues.incidents.schemas import IncidentCreate, Source

__all__ = [
    "CLOCK_SKEW",
    "SEES_SENSITIVE",
    "STREET_REPORTERS",
    "always_sensitive",
    "default_source",
    "prepare",
    "sees_every_detail",
]

SEES_SENSITIVE: tuple[Role, ...] = ("admin", "officer", "partner")
"""Roles that see every sensitive incident; anyone else sees only the ones they reported."""

STREET_REPORTERS: tuple[Role, ...] = ("admin", "officer", "partner")
"""Roles that may record an incident in the street, at no venue."""

CLOCK_SKEW = timedelta(minutes=5)
"""A phone's clock may run a little ahead; "now" from it is not "the future"."""

_SOURCE_BY_ROLE: dict[Role, Source] = {
    "venue_manager": "venue",
    "officer": "officer",
    "admin": "officer",
}


def sees_every_detail(identity: Identity) -> bool:
    return identity.role in SEES_SENSITIVE


def always_sensitive(category: str, involved_child: bool) -> bool:
    """Sexual offences and anything involving a child are never shown to other venue managers."""
    return category == "sexual_offence" or involved_child


def default_source(identity: Identity) -> Source | None:
    """Where a report comes from when the reporter does not say; partners must say."""
    return _SOURCE_BY_ROLE.get(identity.role)


def prepare(data: IncidentCreate, reporter: Identity, now: datetime) -> IncidentCreate:
    """The incident as it will be stored, or InvalidInput naming each field that breaks a rule."""
    errors: dict[str, str] = {}
    if data.occurred_at > now + CLOCK_SKEW:
        errors["occurred_at"] = "cannot be in the future"
    source = data.source or default_source(reporter)
    if source is None:
        errors["source"] = "is required: say where the report came from"
    if errors:
        raise InvalidInput(errors)
    assert source is not None
    sensitive = data.sensitive or always_sensitive(data.category, data.involved_child)
    return IncidentCreate(
        occurred_at=data.occurred_at,
        category=data.category,
        severity=data.severity,
        description=data.description.strip(),
        source=source,
        police_ref=data.police_ref.strip() if data.police_ref else None,
        involved_child=data.involved_child,
        sensitive=sensitive,
    )

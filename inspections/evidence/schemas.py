"""Structs for evidence bundles: what is asked for, the bundles made, and the exhibits."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

import msgspec

__all__ = [
    "AUDIENCES",
    "AUDIENCE_LABELS",
    "Audience",
    "Bundle",
    "BundleCheck",
    "BundleRequest",
    "Exhibit",
    "Field",
    "Gathered",
]

Audience = Literal["panel", "venue", "police"]
AUDIENCES: tuple[str, ...] = Audience.__args__  # type: ignore[attr-defined]
AUDIENCE_LABELS = {
    "panel": "Licensing sub-committee",
    "venue": "Premises licence holder",
    "police": "Kent Police",
}


class BundleRequest(
    msgspec.Struct, forbid_unknown_fields=True, kw_only=True, rename={"from_": "from"}
):
    """POST /venues/{id}/evidence: the period (both days included, London dates) and whose copy."""

    from_: date
    to: date
    audience: Audience


class Bundle(msgspec.Struct):
    """A bundle made: enough to check any copy against it."""

    id: int
    venue_id: int
    audience: Audience
    period_from: date
    period_to: date
    sha256: str
    pages: int
    exhibits: int
    size: int
    made_by: int | None
    made_by_name: str
    made_at: datetime
    url: str


class BundleCheck(msgspec.Struct):
    """POST /venues/{id}/evidence/check: whether a PDF is a bundle this venue had made."""

    sha256: str
    matches: bool
    bundle: Bundle | None


class Field(msgspec.Struct, array_like=True):
    """One labelled value of an exhibit, already cut into lines of ``service.LINE_CHARS``
    characters so every audience's copy takes the same room on the page."""

    label: str
    lines: list[str]


class Exhibit(msgspec.Struct, kw_only=True):
    number: str = ""
    """E1, E2, ... in date order, given once every exhibit is known."""
    kind: str
    at: datetime
    source: str
    """Where it came from: the record and who made it."""
    fields: list[Field]
    photos: list[str] = msgspec.field(default_factory=list)
    """Files beside the template, by name."""
    redacted: bool = False


class Gathered(msgspec.Struct):
    """The exhibits of one bundle, and the photo files they name (name -> type, bytes)."""

    exhibits: list[Exhibit] = msgspec.field(default_factory=list)
    photos: dict[str, tuple[str, bytes]] = msgspec.field(default_factory=dict)

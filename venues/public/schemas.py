"""Structs for the public pages: what anyone may read, and nothing about a person."""

from __future__ import annotations

import msgspec

__all__ = ["AngelaVenue", "AngelaVenues", "TownCentre", "TownMonth"]


class AngelaVenue(msgspec.Struct):
    """A venue taking part in Ask for Angela in good standing: where it is, no one in it."""

    id: int
    name: str
    address: str | None
    postcode: str | None
    latitude: float | None
    longitude: float | None


class AngelaVenues(msgspec.Struct):
    """GET /public/ask-for-angela.json."""

    venues: list[AngelaVenue]
    count: int
    good_standing: str
    """What a venue on the list has done, in plain words."""
    attribution: str


class TownMonth(msgspec.Struct):
    month: str
    """YYYY-MM"""
    violence: int
    """Police-recorded violence and sexual offences."""
    asb: int
    """Police-recorded anti-social behaviour."""


class TownCentre(msgspec.Struct):
    months: list[TownMonth]
    radius_metres: int
    angela_venues: int
    attribution: str

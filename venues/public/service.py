"""The public pages' words and map: what good standing means, venues drawn as points."""

from __future__ import annotations

import math
from typing import Any

from litestar import Request

from venues.public.schemas import AngelaVenue, TownMonth

__all__ = ["CACHE_CONTROL", "bars", "coverage_percent", "good_standing_words", "map_points"]

CACHE_CONTROL = {"Cache-Control": "public, max-age=300"}
"""Set on every public answer: no personal data, the same for everyone, fine to cache for
five minutes (a headers middleware leaves an explicit Cache-Control alone)."""


def coverage_percent(request: Request[Any, Any, Any]) -> int:
    return int(request.app.state.settings.training_coverage_percent)


def good_standing_words(percent: int) -> str:
    return (
        "Enrolled in Ask for Angela and not withdrawn, posters up, at least "
        f"{percent}% of front-of-house staff trained, and no failed test left without a re-test."
    )


def map_points(
    venues: list[AngelaVenue], width: int = 600, height: int = 400
) -> list[dict[str, Any]]:
    """Each located venue as x, y in a ``width`` x ``height`` picture (north up, distances
    true east-west and north-south at the town's latitude), with a margin around."""
    located = [v for v in venues if v.latitude is not None and v.longitude is not None]
    if not located:
        return []
    lats = [v.latitude for v in located if v.latitude is not None]
    lons = [v.longitude for v in located if v.longitude is not None]
    scale_x = math.cos(math.radians(sum(lats) / len(lats)))
    span_x = max((max(lons) - min(lons)) * scale_x, 1e-4)
    span_y = max(max(lats) - min(lats), 1e-4)
    margin = 30
    unit = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
    left = (width - span_x * unit) / 2
    top = (height - span_y * unit) / 2
    points = []
    for number, v in enumerate(venues, start=1):
        if v.latitude is None or v.longitude is None:
            continue
        points.append(
            {
                "number": number,
                "name": v.name,
                "x": round(left + (v.longitude - min(lons)) * scale_x * unit, 1),
                "y": round(top + (max(lats) - v.latitude) * unit, 1),
            }
        )
    return points


def bars(months: list[TownMonth], height: int = 160) -> dict[str, Any]:
    """Heights of a bar chart of the months: the picture of the table beside it."""
    top = max([max(m.violence, m.asb) for m in months] or [0]) or 1
    return {
        "top": top,
        "height": height,
        "months": [
            {
                "month": m.month,
                "violence": round(m.violence / top * height, 1),
                "asb": round(m.asb / top * height, 1),
            }
            for m in months
        ],
    }

"""The public JSON (no sign-in): the Ask-for-Angela venues in good standing."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get

from nte.clock import today
from nte.db import RequestConnection
from venues.police.schemas import ATTRIBUTION
from venues.public import queries
from venues.public.schemas import AngelaVenues
from venues.public.service import CACHE_CONTROL, coverage_percent, good_standing_words

__all__ = ["PublicApi"]


class PublicApi(Controller):
    """Open to anyone: named in PUBLIC_PATHS, no personal data, cacheable."""

    tags = ["public"]

    @get(
        "/public/ask-for-angela.json",
        summary="Venues taking part in Ask for Angela in good standing (no sign-in)",
    )
    async def angela_json(
        self, request: Request[Any, Any, Any], conn: RequestConnection
    ) -> Response[AngelaVenues]:
        percent = coverage_percent(request)
        venues = await queries.good_standing(conn, today(), percent)
        body = AngelaVenues(
            venues=venues,
            count=len(venues),
            good_standing=good_standing_words(percent),
            attribution=ATTRIBUTION,
        )
        return Response(body, headers=CACHE_CONTROL)

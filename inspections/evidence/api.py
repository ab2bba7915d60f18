"""JSON API for evidence bundles (/api/v1/venues/{id}/evidence): make one, list, fetch, check."""

from __future__ import annotations

import hashlib
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody

from inspections.evidence import queries, service
from inspections.evidence.deps import MAKES_BUNDLES, bundle_or_404, pdf_response, return_due_days
from inspections.evidence.schemas import Bundle, BundleCheck, BundleRequest
from nte.auth.guards import current_identity, roles, signed_in, venue_scope
from nte.clock import today
from nte.db import RequestConnection
from venues.deps import venue_or_404

__all__ = ["EvidenceController"]


class EvidenceController(Controller):
    path = "/api/v1/venues/{venue_id:int}/evidence"
    tags = ["evidence"]
    # Scope before role: another venue's manager learns nothing (404); their own venue's
    # bundles are the licensing team's papers, not theirs to make or read (403).
    guards = [
        signed_in,
        venue_scope(),
        venue_scope("bundle_id", queries.BUNDLE_OWNER),
        roles(*MAKES_BUNDLES),
    ]

    @post(
        "/",
        summary="Make an evidence bundle for a period and an audience (answers the PDF)",
        media_type="application/pdf",
        status_code=201,
    )
    async def make(
        self,
        request: Request[Any, Any, Any],
        conn: RequestConnection,
        venue_id: FromPath[int],
        data: JSONBody[BundleRequest],
    ) -> Response[bytes]:
        venue = await venue_or_404(conn, venue_id)
        service.check_period(data.from_, data.to, today())
        bundle, content = await service.make_bundle(
            conn,
            venue,
            start=data.from_,
            end=data.to,
            audience=data.audience,
            maker=current_identity(request),
            return_due_days=return_due_days(request),
        )
        return pdf_response(bundle, content, status_code=201)

    @get("/", summary="The bundles made for the venue, newest first")
    async def list_bundles(self, conn: RequestConnection, venue_id: FromPath[int]) -> list[Bundle]:
        await venue_or_404(conn, venue_id)
        return await queries.list_bundles(conn, venue_id)

    @get(
        "/{bundle_id:int}", summary="A bundle made, as the PDF it was", media_type="application/pdf"
    )
    async def fetch(
        self, conn: RequestConnection, venue_id: FromPath[int], bundle_id: FromPath[int]
    ) -> Response[bytes]:
        bundle, content = await bundle_or_404(conn, venue_id, bundle_id)
        return pdf_response(bundle, content)

    @post(
        "/check",
        summary="Is this PDF (the request body) a bundle made for the venue?",
        status_code=200,
    )
    async def check(
        self, request: Request[Any, Any, Any], conn: RequestConnection, venue_id: FromPath[int]
    ) -> BundleCheck:
        await venue_or_404(conn, venue_id)
        sha256 = hashlib.sha256(await request.body()).hexdigest()
        bundle = await queries.find_by_sha256(conn, venue_id, sha256)
        return BundleCheck(sha256=sha256, matches=bundle is not None, bundle=bundle)

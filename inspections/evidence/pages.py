"""HTML for evidence bundles: the venue's bundles, the form that makes one, checking a copy."""

from __future__ import annotations

import hashlib
from typing import Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from inspections.evidence import queries, service
from inspections.evidence.deps import MAKES_BUNDLES, bundle_or_404, pdf_response, return_due_days
from inspections.evidence.schemas import AUDIENCE_LABELS, BundleRequest
from nte.auth.guards import current_identity, roles, signed_in, venue_scope
from nte.clock import today
from nte.db import Connection, RequestConnection
from nte.errors import InvalidInput
from nte.forms import FormInvalid, form_page, form_to_struct
from venues.deps import venue_or_404

__all__ = ["EvidencePages"]


class EvidencePages(Controller):
    include_in_schema = False
    guards = [
        signed_in,
        venue_scope(),
        venue_scope("bundle_id", queries.BUNDLE_OWNER),
        roles(*MAKES_BUNDLES),
    ]

    @get("/venues/{venue_id:int}/evidence")
    async def bundles_page(
        self, request: Request[Any, Any, Any], conn: RequestConnection, venue_id: FromPath[int]
    ) -> Template:
        return Template(
            template_name="evidence/venue.html",
            context=await _context(conn, venue_id, {}, {}),
        )

    @get("/venues/{venue_id:int}/evidence/made")
    async def bundles_made(self, conn: RequestConnection, venue_id: FromPath[int]) -> Template:
        """The venue page's list of bundles made, loaded by htmx once the page is shown."""
        context = await _context(conn, venue_id, {}, {})
        return Template(template_name="evidence/_bundles.html", context=context)

    @post("/venues/{venue_id:int}/evidence")
    async def make(
        self, request: Request[Any, Any, Any], conn: RequestConnection, venue_id: FromPath[int]
    ) -> Response[Any]:
        venue = await venue_or_404(conn, venue_id)
        form = await request.form()
        values = {k: form.get(k, "") for k in ("from", "to", "audience")}
        try:
            data = form_to_struct(values, BundleRequest)
            service.check_period(data.from_, data.to, today())
        except (FormInvalid, InvalidInput) as exc:
            return form_page(
                "evidence/venue.html", await _context(conn, venue_id, values, exc.errors)
            )
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

    @get("/venues/{venue_id:int}/evidence/{bundle_id:int}/download")
    async def download(
        self, conn: RequestConnection, venue_id: FromPath[int], bundle_id: FromPath[int]
    ) -> Response[bytes]:
        bundle, content = await bundle_or_404(conn, venue_id, bundle_id)
        return pdf_response(bundle, content)

    @post("/venues/{venue_id:int}/evidence/check", media_type=MediaType.HTML)
    async def check(
        self, request: Request[Any, Any, Any], conn: RequestConnection, venue_id: FromPath[int]
    ) -> Template:
        form = await request.form()
        upload = form.get("copy")
        errors: dict[str, str] = {}
        checked = None
        if upload is None or isinstance(upload, str):
            errors["copy"] = "choose the PDF to check"
        else:
            sha256 = hashlib.sha256(await upload.read()).hexdigest()
            checked = {
                "sha256": sha256,
                "bundle": await queries.find_by_sha256(conn, venue_id, sha256),
            }
        context = await _context(conn, venue_id, {}, errors)
        context["checked"] = checked
        if errors:
            return form_page("evidence/venue.html", context)
        return Template(template_name="evidence/venue.html", context=context)


async def _context(
    conn: Connection, venue_id: int, values: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    venue = await venue_or_404(conn, venue_id)
    return {
        "venue": venue,
        "bundles": await queries.list_bundles(conn, venue_id),
        "audiences": AUDIENCE_LABELS,
        "values": values,
        "errors": errors,
        "checked": None,
    }

"""What the bundle's pages and API share: who may make one, the loader, and the PDF answer."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from inspections.evidence.queries import bundle_content
from inspections.evidence.schemas import Bundle
from nte.auth.identity import Role
from nte.db import Connection
from nte.errors import found_or_404

__all__ = ["MAKES_BUNDLES", "bundle_or_404", "pdf_response", "return_due_days"]

MAKES_BUNDLES: tuple[Role, ...] = ("admin", "officer")
"""The licensing team brings a review; nobody else makes or reads its bundles."""


async def bundle_or_404(conn: Connection, venue_id: int, bundle_id: int) -> tuple[Bundle, bytes]:
    found = await bundle_content(conn, bundle_id)
    if found is not None and found[0].venue_id != venue_id:
        found = None
    return found_or_404(found, f"No evidence bundle with id {bundle_id} at this venue")


def pdf_response(bundle: Bundle, content: bytes, status_code: int = 200) -> Response[bytes]:
    """The PDF as a download, with what a copy is checked against in its headers."""
    name = f"evidence-{bundle.venue_id}-{bundle.audience}-{bundle.id}.pdf"
    return Response(
        content,
        media_type="application/pdf",
        status_code=status_code,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Bundle-Id": str(bundle.id),
            "X-Bundle-SHA256": bundle.sha256,
            "Cache-Control": "no-store",
        },
    )


def return_due_days(request: Request[Any, Any, Any]) -> int:
    return int(request.app.state.settings.return_due_days)

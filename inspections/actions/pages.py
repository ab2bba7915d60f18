"""The venue's Actions tab: the venue answers with text and a photo or file, an officer
verifies or reopens."""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from inspections.actions import queries, service
from inspections.actions.deps import action_or_404
from inspections.actions.queries import ACTION_OWNER
from inspections.actions.schemas import ActionPatch
from nte.auth.guards import READERS, current_identity, roles, signed_in, venue_scope
from nte.clock import today
from nte.db import RequestConnection
from nte.errors import InvalidInput
from venues.deps import venue_or_404
from venues.schemas import Venue

__all__ = ["ActionPages"]

STEPS = {"answer", "verify", "reopen"}


async def _page(
    request: Request[Any, Any, Any],
    conn: RequestConnection,
    venue: Venue,
    *,
    errors: dict[int, dict[str, str]] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Template:
    role = current_identity(request).role
    return Template(
        template_name="inspections/actions.html",
        context={
            "venue": venue,
            "actions": await queries.list_actions(conn, venue.id, today()),
            "can_answer": role in service.ANSWERERS,
            "can_verify": role in service.VERIFIERS,
            "errors": errors or {},
            "done": done,
        },
        status_code=status_code,
        media_type=MediaType.HTML,
    )


class ActionPages(Controller):
    include_in_schema = False
    guards = [signed_in, venue_scope(), venue_scope("action_id", ACTION_OWNER), roles(*READERS)]

    @get("/venues/{venue_id:int}/actions")
    async def venue_actions(
        self, request: Request[Any, Any, Any], conn: RequestConnection, venue_id: FromPath[int]
    ) -> Template:
        venue = await venue_or_404(conn, venue_id)
        done = request.query_params.get("done")
        return await _page(request, conn, venue, done=done if done in STEPS else None)

    @post(
        "/venues/{venue_id:int}/actions/{action_id:int}",
        guards=[roles("admin", "officer", "venue_manager")],
        request_max_body_size=service.FILE_BODY_LIMIT,
    )
    async def move(
        self,
        request: Request[Any, Any, Any],
        conn: RequestConnection,
        venue_id: FromPath[int],
        action_id: FromPath[int],
    ) -> Any:
        venue = await venue_or_404(conn, venue_id)
        action = await action_or_404(conn, action_id, venue_id)
        form = await request.form()
        step = str(form.get("action", ""))
        if step not in STEPS:
            errors = {"action": "must be answer, verify or reopen"}
            return await _page(
                request,
                conn,
                venue,
                errors={action_id: errors},
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        who = current_identity(request)
        upload = form.get("file")
        patch = ActionPatch(action=step, note=str(form.get("note", "")))  # type: ignore[arg-type]
        try:
            # One savepoint for both: a refused file leaves the answer unsaved, and the other
            # way round, so the page that says "not saved" is true.
            async with conn.transaction():
                await service.move(conn, action, patch, who)
                if step == "answer" and isinstance(upload, UploadFile) and upload.filename:
                    await service.attach_file(conn, action, upload, who)
        except InvalidInput as exc:
            return await _page(
                request,
                conn,
                venue,
                errors={action_id: dict(exc.errors)},
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return Redirect(f"/venues/{venue_id}/actions?done={step}#action-{action_id}")

"""Flag pages: the borough's flags for officers, a manager's own, and a venue's summary."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from inspections.flags.queries import FLAG_OWNER, list_flags
from inspections.flags.rules import RULES
from inspections.flags.service import change_flag
from nte.auth.guards import READERS, STAFF, current_identity, roles, signed_in, venue_scope
from nte.db import RequestConnection
from nte.errors import InvalidInput

__all__ = ["FlagPages"]

RULE_NAMES = [r.name for r in RULES]
RULE_TITLES = {r.name: r.title for r in RULES}


class FlagPages(Controller):
    include_in_schema = False
    guards = [
        signed_in,
        venue_scope(),
        venue_scope("flag_id", FLAG_OWNER),
        roles(*READERS),
    ]

    @get("/flags")
    async def flags(
        self,
        request: Request[Any, Any, Any],
        conn: RequestConnection,
        status: Annotated[str, QueryParameter(max_length=20)] = "current",
        rule: Annotated[str | None, QueryParameter(max_length=60)] = None,
        venue_id: FromQuery[int | None] = None,
        page: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1,
    ) -> Template:
        status = (
            status
            if status in {"current", "open", "acknowledged", "resolved", "all"}
            else "current"
        )
        rule = rule if rule in RULE_NAMES else None
        items, total = await list_flags(
            conn,
            status=None if status == "all" else status,
            rule=rule,
            venue_id=venue_id,
            venue_ids=current_identity(request).venue_scope(),
            limit=50,
            offset=(page - 1) * 50,
        )
        return Template(
            template_name="flags/list.html",
            context={
                "flags": items,
                "total": total,
                "status": status,
                "rule": rule or "",
                "venue_id": venue_id,
                "page": page,
                "rules": RULE_NAMES,
                "summaries": {r.name: r.describe(request.app.state.settings) for r in RULES},
                "titles": RULE_TITLES,
                "errors": {},
            },
        )

    @get("/venues/{venue_id:int}/flags")
    async def venue_flags(self, conn: RequestConnection, venue_id: FromPath[int]) -> Template:
        """The venue page's summary of its current flags (loaded by htmx)."""
        items, total = await list_flags(conn, status="current", venue_id=venue_id, limit=20)
        return Template(
            template_name="flags/_venue.html",
            context={"flags": items, "total": total, "venue_id": venue_id, "titles": RULE_TITLES},
        )

    @post("/flags/{flag_id:int}", guards=[roles(*STAFF)])
    async def change(
        self, request: Request[Any, Any, Any], conn: RequestConnection, flag_id: FromPath[int]
    ) -> Any:
        form = await request.form()
        back = str(form.get("back") or "/flags")
        back = back if back.startswith("/") and not back.startswith("//") else "/flags"
        try:
            async with conn.transaction():
                flag = await change_flag(
                    conn,
                    flag_id,
                    action=str(form.get("action", "")),
                    note=str(form.get("note", "")),
                    user_id=current_identity(request).user_id,
                )
        except InvalidInput as exc:
            reason = "; ".join(f"{k} {v}" for k, v in exc.errors.items())
            return Template(
                template_name="flags/problem.html",
                context={"reason": reason, "back": back},
                status_code=422,
            )
        if flag is None:
            raise NotFoundException(f"No flag with id {flag_id}")
        return Redirect(back)

"""Pages of the digest: each person's "this week", officers' preview, one-click unsubscribe."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from inspections.digest import queries, service
from inspections.digest.render import render_text
from nte import clock
from nte.auth.guards import ANYONE_SIGNED_IN, STAFF, current_identity, roles, signed_in
from nte.auth.secrets import token_hash
from nte.db import RequestConnection
from nte.errors import InvalidInput

__all__ = ["AccountPages", "DigestPages", "UnsubscribePages"]


class DigestPages(Controller):
    include_in_schema = False
    guards = [signed_in, roles(*ANYONE_SIGNED_IN)]

    @get("/this-week")
    async def this_week(
        self, request: Request[Any, Any, Any], conn: RequestConnection, state: State
    ) -> Template:
        identity = current_identity(request)
        digest = await service.this_week(conn, state.settings, identity.user_id, clock.now())
        return Template(template_name="digest/this_week.html", context={"digest": digest})

    @get("/digest/preview", guards=[roles(*STAFF)])
    async def preview(
        self,
        conn: RequestConnection,
        state: State,
        email: Annotated[str, QueryParameter(max_length=320)] = "",
        week: Annotated[str, QueryParameter(max_length=10)] = "",
    ) -> Template:
        settings = state.settings
        errors: dict[str, str] = {}
        digest = None
        text = ""
        chosen = week or service.last_full_week(clock.now())
        if email:
            try:
                chosen = service.parse_week(chosen)
                digest = await service.preview(conn, settings, email, chosen)
                if digest is None:
                    errors["email"] = "has no account"
            except InvalidInput as exc:
                errors.update(exc.errors)
        if digest is not None:
            text = render_text(
                {
                    "digest": digest,
                    "base_url": settings.base_url,
                    "unsubscribe_url": None,
                    "subject": service.subject(digest),
                }
            )
        return Template(
            template_name="digest/preview.html",
            context={
                "digest": digest,
                "text": text,
                "email": email,
                "week": chosen,
                "errors": errors,
                "subject": service.subject(digest) if digest else "",
            },
            status_code=422 if errors else 200,
        )


class AccountPages(Controller):
    """A person's own settings: for now, whether the Monday digest comes, and when."""

    include_in_schema = False
    guards = [signed_in, roles(*ANYONE_SIGNED_IN)]

    @get("/account")
    async def account(self, request: Request[Any, Any, Any], conn: RequestConnection) -> Template:
        row = await queries.recipient_by_id(conn, current_identity(request).user_id)
        return Template(template_name="digest/account.html", context={"account": row})

    @post("/account")
    async def save(self, request: Request[Any, Any, Any], conn: RequestConnection) -> Redirect:
        form = await request.form()
        await queries.set_subscription(
            conn,
            current_identity(request).user_id,
            subscribed=form.get("digest_subscribed") == "on",
            when_empty=form.get("digest_when_empty") == "on",
        )
        return Redirect("/account?saved=1")


class UnsubscribePages(Controller):
    """RFC 8058 one-click unsubscribe: no sign-in, no CSRF token, no redirect.

    The link's token is the only authority: single-use and stored as a hash, so a forged
    token finds nothing and an old mail's link cannot undo a later "subscribe again".
    """

    include_in_schema = False

    @get("/digest/unsubscribe/{token:str}")
    async def ask(self, conn: RequestConnection, token: FromPath[str]) -> Template:
        known = await queries.unsubscribe_token_known(conn, token_hash(token))
        return Template(
            template_name="digest/unsubscribe.html",
            context={"token": token, "state": "ask" if known else "unknown"},
            status_code=200 if known else 404,
        )

    @post("/digest/unsubscribe/{token:str}", status_code=200)
    async def unsubscribe(
        self, request: Request[Any, Any, Any], conn: RequestConnection, token: FromPath[str]
    ) -> Template:
        form = await request.form()
        if form.get("List-Unsubscribe") != "One-Click":
            return Template(
                template_name="digest/unsubscribe.html",
                context={"token": token, "state": "bad_request"},
                status_code=400,
            )
        done = await queries.use_unsubscribe_token(conn, token_hash(token))
        return Template(
            template_name="digest/unsubscribe.html",
            context={"token": token, "state": "done" if done else "unknown"},
            status_code=200 if done else 404,
        )

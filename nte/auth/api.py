"""JSON login for API clients that prefer a session to a bearer token."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import JSONBody
from msgspec import Meta

from nte.accounts import attempt_login
from nte.auth.guards import ANYONE_SIGNED_IN, current_identity, roles, signed_in
from nte.auth.identity import Identity
from nte.auth.sessions import begin_session, finish_session
from nte.db import RequestConnection
from nte.errors import Problem

__all__ = ["AuthController"]


class Credentials(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, Meta(min_length=3, max_length=320)]
    password: Annotated[str, Meta(min_length=1, max_length=1024)]


class Me(msgspec.Struct):
    user_id: int
    email: str
    display_name: str
    role: str
    venue_ids: list[int]
    csrf_token: str
    """Send it as the x-csrftoken header on state-changing requests made with the cookie."""


def _me(identity: Identity, request: Request[Any, Any, Any], csrf_token: str) -> Me:
    return Me(
        user_id=identity.user_id,
        email=identity.email,
        display_name=identity.display_name,
        role=identity.role,
        venue_ids=sorted(identity.venue_ids),
        csrf_token=csrf_token,
    )


def wrong_credentials(retry_after: int | None = None) -> Response[Any]:
    """The one answer for an unknown account, a wrong password and a throttled account."""
    if retry_after:
        problem = Problem(
            429, "Too many attempts", f"Too many failed logins; try again in {retry_after} seconds."
        )
        headers = {"Retry-After": str(retry_after)}
    else:
        problem = Problem(401, "Not signed in", "The e-mail or password is wrong.")
        headers = {}
    return Response(
        msgspec.json.encode(problem),
        status_code=problem.status,
        media_type="application/problem+json",
        headers=headers,
    )


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/login", summary="Start a session (public)", status_code=200)
    async def login(
        self,
        request: Request[Any, Any, Any],
        state: State,
        conn: RequestConnection,
        data: JSONBody[Credentials],
    ) -> Response[Any]:
        settings = state.settings
        client = request.client.host if request.client else "unknown"
        outcome = await attempt_login(conn, settings, data.email, data.password, client)
        if outcome.user_id is None:
            return wrong_credentials(outcome.retry_after)
        response: Response[Any] = Response({"status": "signed in"})
        await begin_session(conn, settings, request, response, outcome.user_id)
        return response

    @post("/logout", guards=[signed_in], summary="End this session", status_code=200)
    async def logout(
        self, request: Request[Any, Any, Any], conn: RequestConnection
    ) -> Response[Any]:
        response: Response[Any] = Response({"status": "signed out"})
        await finish_session(conn, request, response)
        return response

    @get("/me", guards=[signed_in, roles(*ANYONE_SIGNED_IN)], summary="Who am I")
    async def me(self, request: Request[Any, Any, Any]) -> Me:
        from litestar.utils.scope.state import ScopeState

        token = ScopeState.from_scope(request.scope).csrf_token
        return _me(current_identity(request), request, str(token))

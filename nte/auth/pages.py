"""Login, logout, password reset and invitation pages (the few public pages, by name)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from nte.accounts import attempt_login, email_token_user, redeem_email_token, request_password_reset
from nte.auth.guards import signed_in
from nte.auth.passwords import MIN_LENGTH
from nte.auth.sessions import begin_session, finish_session
from nte.db import RequestConnection
from nte.errors import InvalidInput

__all__ = ["PUBLIC_PATHS", "LoginPages"]

# Every route reachable without signing in. The access matrix test fails on any other.
PUBLIC_PATHS: frozenset[str] = frozenset(
    {
        "/healthz",
        "/readyz",
        "/login",
        "/password-reset",
        "/password-reset/{token:str}",
        "/invite/{token:str}",
        "/api/v1/auth/login",
        "/accessibility",
        "/static",
    }
)


def _safe_next(target: str | None) -> str:
    # Only a path on this site: never let a crafted link send someone elsewhere after login.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/venues"


class LoginPages(Controller):
    include_in_schema = False

    @get("/login")
    async def login_form(self, state: State, next: FromQuery[str | None] = None) -> Template:
        return Template(
            template_name="auth/login.html",
            context={
                "next": _safe_next(next),
                "error": None,
                "email": "",
                "demo": await _is_demo(state),
            },
        )

    @post("/login")
    async def login(
        self, request: Request[Any, Any, Any], state: State, conn: RequestConnection
    ) -> Response[Any]:
        form = await request.form()
        email, password = str(form.get("email", "")), str(form.get("password", ""))
        target = _safe_next(form.get("next"))
        client = request.client.host if request.client else "unknown"
        outcome = await attempt_login(conn, state.settings, email, password, client)
        if outcome.user_id is None:
            error = (
                f"Too many failed attempts. Try again in {outcome.retry_after} seconds."
                if outcome.retry_after
                else "The e-mail or password is wrong."
            )
            return Template(
                template_name="auth/login.html",
                context={
                    "next": target,
                    "error": error,
                    "email": email,
                    "demo": await _is_demo(state),
                },
                status_code=429 if outcome.retry_after else 401,
                headers={"Retry-After": str(outcome.retry_after)} if outcome.retry_after else None,
            )
        response: Response[Any] = Redirect(target)
        await begin_session(conn, state.settings, request, response, outcome.user_id)
        return response

    @post("/logout", guards=[signed_in])
    async def logout(
        self, request: Request[Any, Any, Any], conn: RequestConnection
    ) -> Response[Any]:
        response: Response[Any] = Redirect("/login")
        await finish_session(conn, request, response)
        return response

    @get("/password-reset")
    async def reset_request_form(self) -> Template:
        return Template(template_name="auth/reset_request.html", context={"sent": False})

    @post("/password-reset")
    async def reset_request(
        self, request: Request[Any, Any, Any], state: State, conn: RequestConnection
    ) -> Template:
        form = await request.form()
        await request_password_reset(conn, state.settings, str(form.get("email", "")))
        # The same answer whether or not the address has an account.
        return Template(template_name="auth/reset_request.html", context={"sent": True})

    @get("/password-reset/{token:str}")
    async def reset_form(self, conn: RequestConnection, token: FromPath[str]) -> Template:
        return await _password_form(conn, token, "reset")

    @post("/password-reset/{token:str}")
    async def reset(
        self, request: Request[Any, Any, Any], conn: RequestConnection, token: FromPath[str]
    ) -> Response[Any]:
        return await _set_password(request, conn, token, "reset")

    @get("/invite/{token:str}")
    async def invite_form(self, conn: RequestConnection, token: FromPath[str]) -> Template:
        return await _password_form(conn, token, "invite")

    @post("/invite/{token:str}")
    async def accept_invite(
        self, request: Request[Any, Any, Any], conn: RequestConnection, token: FromPath[str]
    ) -> Response[Any]:
        return await _set_password(request, conn, token, "invite")


async def _is_demo(state: State) -> bool:
    async with state.pool.acquire() as conn:
        return bool(await conn.fetchval("SELECT 1 FROM app_meta WHERE key = 'demo'"))


async def _password_form(conn: Any, token: str, purpose: str) -> Template:
    valid = await email_token_user(conn, token, purpose) is not None
    return Template(
        template_name="auth/set_password.html",
        context={"purpose": purpose, "valid": valid, "errors": {}, "min_length": MIN_LENGTH},
        status_code=200 if valid else 410,
    )


async def _set_password(
    request: Request[Any, Any, Any], conn: Any, token: str, purpose: str
) -> Response[Any]:
    form = await request.form()
    password, again = str(form.get("password", "")), str(form.get("password_again", ""))
    errors: dict[str, str] = {}
    if password != again:
        errors["password_again"] = "does not match the password"  # noqa: S105 (a message)
    else:
        try:
            async with conn.transaction():
                await redeem_email_token(conn, token, purpose, password)
        except InvalidInput as exc:
            errors = exc.errors
    if errors:
        return Template(
            template_name="auth/set_password.html",
            context={
                "purpose": purpose,
                "valid": "link" not in errors,
                "errors": errors,
                "min_length": MIN_LENGTH,
            },
            status_code=422,
        )
    return Redirect("/login?done=password")

"""Per request: an id, the person (session cookie or bearer token), and the CSRF check.

Runs before routing's guards; it only finds out who is asking. What they may do is the
guards' business, declared where each route is declared.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any

from litestar import Request
from litestar.exceptions import PermissionDeniedException
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from nte.assets import STATIC_PREFIX
from nte.auth.store import identity_for_session, identity_for_token
from nte.settings import Settings

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "auth_middleware",
    "cookie_name",
    "csrf_token_for",
]

log = logging.getLogger("nte.auth")

# The names over plain http (development). Over https each gets the __Host- prefix, which a
# browser accepts only from this host, Secure, with Path=/ and no Domain: a neighbouring
# subdomain cannot plant or overwrite it (cookie_name).
SESSION_COOKIE = "nte_session"
CSRF_COOKIE = "nte_csrf"
HOST_PREFIX = "__Host-"
CSRF_FIELD = "_csrf_token"  # the names Litestar's templates use (csrf_input, csrf_token())
CSRF_HEADER = "x-csrftoken"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
# Password login is what makes a session, so it cannot need one; it carries no cookie authority.
CSRF_EXEMPT_PATHS = {"/api/v1/auth/login"}


def cookie_name(settings: Settings, name: str) -> str:
    """The name the browser keeps cookie ``name`` under: ``__Host-`` prefixed over https."""
    return HOST_PREFIX + name if settings.https else name


def csrf_token_for(secret: str, cookie_value: str) -> str:
    """The token forms and htmx send back: a MAC of the browser's CSRF cookie, so a cookie
    planted by a neighbouring site is useless without our secret."""
    return hmac.new(secret.encode(), cookie_value.encode(), hashlib.sha256).hexdigest()


def _cookies(scope: Scope) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is the client's problem, not a 500
                log.debug("ignored a malformed Cookie header")
    return {k: m.value for k, m in jar.items()}


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


def auth_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        litestar_app = scope["litestar_app"]
        settings: Settings = litestar_app.state.settings
        state = scope.setdefault("state", {})
        state["request_id"] = uuid.uuid4().hex
        cookies = _cookies(scope)
        identity = None
        authorization = _header(scope, b"authorization") or ""
        bearer = authorization[7:].strip() if authorization.lower().startswith("bearer ") else None
        session = cookies.get(cookie_name(settings, SESSION_COOKIE))
        # Only a request that carries credentials costs a database round trip.
        if bearer is not None or session:
            async with litestar_app.state.pool.acquire() as conn:
                if bearer is not None:
                    # A bearer request is judged by its token alone, never by a cookie.
                    identity = await identity_for_token(conn, bearer)
                elif session:
                    identity = await identity_for_session(
                        conn, session, idle=timedelta(hours=settings.session_idle_hours)
                    )
        scope["user"] = identity
        scope["auth"] = "token" if bearer is not None else ("session" if identity else None)

        csrf_name = cookie_name(settings, CSRF_COOKIE)
        csrf_cookie = cookies.get(csrf_name)
        new_cookie = None
        if not csrf_cookie:
            csrf_cookie = secrets.token_urlsafe(32)
            # Not on a static file: it is kept for a year, and a cookie has no place in that.
            if not scope["path"].startswith(STATIC_PREFIX):
                new_cookie = csrf_cookie
        expected = csrf_token_for(settings.secret_key, csrf_cookie)
        ScopeState.from_scope(scope).csrf_token = expected

        if (
            scope.get("method", "GET") not in SAFE_METHODS
            and bearer is None
            and scope["path"] not in CSRF_EXEMPT_PATHS
        ):
            submitted = _header(scope, CSRF_HEADER.encode())
            if submitted is None and _is_form(scope):
                form = await Request[Any, Any, Any](scope, receive).form()
                submitted = form.get(CSRF_FIELD)
            if new_cookie or not submitted or not hmac.compare_digest(str(submitted), expected):
                raise PermissionDeniedException(
                    "The form was out of date or did not come from this site; "
                    "reload the page and try again"
                )

        if new_cookie is None:
            await app(scope, receive, send)
            return
        secure = "; Secure" if settings.https else ""
        set_cookie = f"{csrf_name}={new_cookie}; Path=/; HttpOnly; SameSite=Lax{secure}".encode()

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"set-cookie", set_cookie)]
            await send(message)

        await app(scope, receive, send_with_cookie)

    return middleware


def _is_form(scope: Scope) -> bool:
    content_type = (_header(scope, b"content-type") or "").lower()
    return content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))

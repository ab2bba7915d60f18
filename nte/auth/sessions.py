"""Starting and ending a browser session: the cookie and its server-side row together."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
from litestar import Request, Response

from nte.auth.middleware import SESSION_COOKIE, cookie_name
from nte.auth.store import create_session, end_session
from nte.settings import Settings

__all__ = ["begin_session", "finish_session"]


async def begin_session(
    conn: asyncpg.Connection,
    settings: Settings,
    request: Request[Any, Any, Any],
    response: Response[Any],
    user_id: int,
) -> None:
    """Log in: always a new session id, and the one the browser brought is ended."""
    name = cookie_name(settings, SESSION_COOKIE)
    raw = await create_session(
        conn,
        user_id,
        absolute=timedelta(hours=settings.session_max_hours),
        replaces=request.cookies.get(name),
    )
    _set_session_cookie(response, settings, raw, max_age=settings.session_max_hours * 3600)


async def finish_session(
    conn: asyncpg.Connection, request: Request[Any, Any, Any], response: Response[Any]
) -> None:
    """Log out: the session ends on the server, not only in this browser."""
    settings: Settings = request.app.state.settings
    if raw := request.cookies.get(cookie_name(settings, SESSION_COOKIE)):
        await end_session(conn, raw)
    # Expired with the same attributes it was set with: a browser ignores a __Host- cookie
    # (its removal too) that is not Secure.
    _set_session_cookie(response, settings, "", max_age=0)


def _set_session_cookie(
    response: Response[Any], settings: Settings, value: str, max_age: int
) -> None:
    response.set_cookie(
        cookie_name(settings, SESSION_COOKIE),
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.https,
    )

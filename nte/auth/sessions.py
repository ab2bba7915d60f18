"""Starting and ending a browser session: the cookie and its server-side row together."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
from litestar import Request, Response

from nte.auth.middleware import SESSION_COOKIE
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
    raw = await create_session(
        conn,
        user_id,
        absolute=timedelta(hours=settings.session_max_hours),
        replaces=request.cookies.get(SESSION_COOKIE),
    )
    response.set_cookie(
        SESSION_COOKIE,
        raw,
        max_age=settings.session_max_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.base_url.startswith("https://"),
    )


async def finish_session(
    conn: asyncpg.Connection, request: Request[Any, Any, Any], response: Response[Any]
) -> None:
    """Log out: the session ends on the server, not only in this browser."""
    if raw := request.cookies.get(SESSION_COOKIE):
        await end_session(conn, raw)
    response.delete_cookie(SESSION_COOKIE, path="/")

"""Route guards, declared where each route is declared. Plain functions, testable without HTTP.

- ``signed_in``: no credentials -> 401 (pages turn that into a redirect to the login page).
- ``roles(...)``: the wrong role -> 403.
- ``venue_scope(...)``: a venue manager asking for a venue that is not theirs, or for anything
  under it -> 404, so the answer does not even confirm that it exists.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from nte.auth.identity import ALL_ROLES, Identity, Role

__all__ = [
    "ADMIN",
    "ANYONE_SIGNED_IN",
    "READERS",
    "STAFF",
    "current_identity",
    "roles",
    "signed_in",
    "venue_scope",
]

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None] | None]

ANYONE_SIGNED_IN: tuple[Role, ...] = ALL_ROLES
READERS: tuple[Role, ...] = ALL_ROLES
STAFF: tuple[Role, ...] = ("admin", "officer")
ADMIN: tuple[Role, ...] = ("admin",)


def current_identity(connection: ASGIConnection[Any, Any, Any, Any]) -> Identity:
    """The signed-in person; only call behind ``signed_in``."""
    identity = connection.scope.get("user")
    if not isinstance(identity, Identity):
        raise NotAuthorizedException("Sign in to continue")
    return identity


# Guards are coroutines: Litestar runs plain functions in a worker thread, a needless hop.
async def signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    current_identity(connection)


def roles(*allowed: Role) -> Guard:
    """Only these roles pass; everyone else signed in gets 403."""
    unknown = set(allowed) - set(ALL_ROLES)
    assert not unknown, f"unknown roles {unknown}"

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if current_identity(connection).role not in allowed:
            raise PermissionDeniedException("Your role does not allow this")

    guard.allowed_roles = frozenset(allowed)  # type: ignore[attr-defined]
    guard.__name__ = f"roles({', '.join(allowed)})"
    return guard


def venue_scope(param: str = "venue_id", owner_sql: str | None = None) -> Guard:
    """A venue manager may reach only their own venues and what hangs under them.

    ``param`` is the path parameter that names the record; for anything but a venue,
    ``owner_sql`` finds the venue that owns it (``SELECT venue_id FROM ... WHERE id = $1``).
    Routes without that parameter (lists) pass; they filter by scope themselves.
    """
    assert param == "venue_id" or owner_sql, "a record under a venue needs owner_sql"

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        identity = current_identity(connection)
        if identity.role != "venue_manager" or param not in connection.path_params:
            return
        venue_id = connection.path_params[param]
        if owner_sql is not None:
            async with connection.app.state.pool.acquire() as conn:
                venue_id = await conn.fetchval(owner_sql, venue_id)
        if venue_id not in identity.venue_ids:
            raise NotFoundException("There is nothing at this address.")

    guard.venue_scoped = param  # type: ignore[attr-defined]
    return guard

"""The database: the embedded server, one asyncpg pool per process, one transaction per request."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from typing import Any

import asyncpg
import msgspec
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency

# The embedded server lives in its own module; its entry point stays importable from here.
from nte.embedded import embedded_database_url

__all__ = [
    "Connection",
    "RequestConnection",
    "connect",
    "create_pool",
    "embedded_database_url",
    "provide_connection",
    "set_actor",
]

log = logging.getLogger(__name__)

Connection = asyncpg.Connection
# What a route handler asks for to get the request's connection (inside its one transaction).
RequestConnection = NamedDependency[asyncpg.Connection]


async def _init_connection(conn: asyncpg.Connection) -> None:
    # jsonb columns travel as Python objects; msgspec is the one JSON codec of the project.
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name,
            encoder=lambda value: msgspec.json.encode(value).decode(),
            decoder=msgspec.json.decode,
            schema="pg_catalog",
        )


async def connect(dsn: str) -> asyncpg.Connection:
    """One connection outside the pool (command line, migrations), with the same codecs."""
    conn = await asyncpg.connect(dsn)
    await _init_connection(conn)
    return conn


async def create_pool(dsn: str, *, max_size: int = 10) -> asyncpg.Pool:
    # min_size=0: the process starts (and /healthz answers) even while PostgreSQL is down.
    pool = await asyncpg.create_pool(dsn, min_size=0, max_size=max_size, init=_init_connection)
    assert pool is not None
    return pool


async def set_actor(
    conn: asyncpg.Connection, *, actor_id: int | None, actor: str, request_id: str | None = None
) -> None:
    """Name who is acting for the rest of the current transaction (read by the audit trigger)."""
    await conn.execute(
        "SELECT set_config('nte.actor_id', $1, true), set_config('nte.actor', $2, true),"
        " set_config('nte.request_id', $3, true)",
        "" if actor_id is None else str(actor_id),
        actor,
        request_id or "",
    )


async def provide_connection(
    state: State, request: Request[Any, Any, Any]
) -> AsyncGenerator[Any, None]:
    """The request's connection, inside one transaction: committed on success, rolled back on error.

    The transaction knows who is acting and the request id, so the audit trigger can write
    them beside every change without any handler having to remember.
    """
    pool: asyncpg.Pool = state.pool
    user = request.scope.get("user")
    async with pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        await set_actor(
            conn,
            actor_id=getattr(user, "user_id", None),
            actor=getattr(user, "label", "anonymous"),
            request_id=request.scope.get("state", {}).get("request_id"),
        )
        try:
            yield conn
        except BaseException:
            await tx.rollback()
            raise
        else:
            await tx.commit()

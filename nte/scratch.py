"""A throw-away database on the same server, for benchmarks: made, migrated, always dropped."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from nte.db import connect
from nte.migrate import apply_migrations

__all__ = ["ScratchError", "scratch_database", "with_database"]


class ScratchError(RuntimeError):
    """No scratch database can be made on that server; the message says why."""


def with_database(url: str, name: str) -> str:
    """The same server URL, pointing at another database."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@asynccontextmanager
async def scratch_database(server_url: str, *, migrate: bool = True) -> AsyncIterator[str]:
    """Yield the URL of a new, empty (migrated) database; it is dropped afterwards, whatever
    happens, so a benchmark never touches real data."""
    name = f"nte_scratch_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server_url)
    try:
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        except asyncpg.PostgresError as exc:
            raise ScratchError(f"cannot create a scratch database on that server: {exc}") from None
        url = with_database(server_url, name)
        try:
            if migrate:
                conn = await connect(url)
                try:
                    await apply_migrations(conn)
                finally:
                    await conn.close()
            yield url
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()

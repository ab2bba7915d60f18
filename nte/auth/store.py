"""SQL for sessions and API tokens: create, look up (with timeouts), end."""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from nte.auth.identity import Identity
from nte.auth.secrets import new_token, token_hash

__all__ = [
    "create_api_token",
    "create_session",
    "end_session",
    "identity_for_session",
    "identity_for_token",
    "list_api_tokens",
    "revoke_api_token",
]

_IDENTITY = """
    u.id AS user_id, u.email, u.display_name, u.role,
    coalesce((SELECT array_agg(uv.venue_id) FROM user_venues uv WHERE uv.user_id = u.id), '{}')
        AS venue_ids
"""


def _identity(row: asyncpg.Record, via: str) -> Identity:
    return Identity(
        user_id=row["user_id"],
        email=row["email"],
        display_name=row["display_name"],
        role=row["role"],
        venue_ids=frozenset(row["venue_ids"]),
        via=via,  # type: ignore[arg-type]
    )


async def create_session(
    conn: asyncpg.Connection, user_id: int, *, absolute: timedelta, replaces: str | None = None
) -> str:
    """A new session id for this user; the one presented before login (if any) ends, so a
    session id planted before login is worthless after it (no fixation)."""
    if replaces:
        await end_session(conn, replaces)
    raw, digest = new_token()
    await conn.execute(
        "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, now() + $3)",
        digest,
        user_id,
        absolute,
    )
    return raw


async def end_session(conn: asyncpg.Connection, raw: str) -> None:
    await conn.execute("DELETE FROM sessions WHERE token_hash = $1", token_hash(raw))


async def identity_for_session(
    conn: asyncpg.Connection, raw: str, *, idle: timedelta
) -> Identity | None:
    """The session's user while it is neither idle too long nor past its absolute end."""
    row = await conn.fetchrow(
        f"""
        WITH s AS (
            SELECT token_hash, user_id, last_seen_at FROM sessions
            WHERE token_hash = $1 AND expires_at > now() AND last_seen_at > now() - $2::interval
        ),
        touched AS (
            -- At most once a minute: a write (and its flush to disk) on every request would
            -- cost more than the request itself; the idle timeout does not need finer.
            UPDATE sessions SET last_seen_at = now() FROM s
            WHERE sessions.token_hash = s.token_hash AND s.last_seen_at < now() - interval '1 minute'
        )
        SELECT {_IDENTITY} FROM s JOIN users u ON u.id = s.user_id WHERE NOT u.disabled
        """,
        token_hash(raw),
        idle,
    )
    return _identity(row, "session") if row else None


async def create_api_token(conn: asyncpg.Connection, user_id: int, label: str = "") -> str:
    raw, digest = new_token()
    await conn.execute(
        "INSERT INTO api_tokens (user_id, token_hash, label) VALUES ($1, $2, $3)",
        user_id,
        digest,
        label,
    )
    return f"nte_{raw}"


async def identity_for_token(conn: asyncpg.Connection, raw: str) -> Identity | None:
    if not raw.startswith("nte_"):
        return None
    row = await conn.fetchrow(
        f"""
        WITH t AS (
            SELECT id, user_id, last_used_at FROM api_tokens
            WHERE token_hash = $1 AND revoked_at IS NULL
        ),
        touched AS (
            -- "Last used" to the minute, for the same reason as sessions' last_seen_at.
            UPDATE api_tokens SET last_used_at = now() FROM t
            WHERE api_tokens.id = t.id
              AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute')
        )
        SELECT {_IDENTITY} FROM t JOIN users u ON u.id = t.user_id WHERE NOT u.disabled
        """,
        token_hash(raw[4:]),
    )
    return _identity(row, "token") if row else None


async def list_api_tokens(conn: asyncpg.Connection, user_id: int) -> list[asyncpg.Record]:
    """An account's tokens, newest first: never the secret, which was shown once."""
    return list(
        await conn.fetch(
            """SELECT id, label, created_at, last_used_at, revoked_at FROM api_tokens
               WHERE user_id = $1 ORDER BY created_at DESC""",
            user_id,
        )
    )


async def revoke_api_token(conn: asyncpg.Connection, token_id: int) -> int | None:
    """Revoke a token (again is a no-op); the account it belonged to, or None if no such token."""
    user_id: int | None = await conn.fetchval(
        """UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now())
           WHERE id = $1 RETURNING user_id""",
        token_id,
    )
    return user_id

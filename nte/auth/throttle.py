"""Login throttling: failures for one account or one client address slow, then refuse, logins.

The same rules apply to e-mails with and without an account, so the answers reveal nothing.
"""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from nte.settings import Settings

__all__ = ["clear_failures", "record_failure", "refused_for", "slowdown"]


async def refused_for(
    conn: asyncpg.Connection, settings: Settings, email: str, client: str
) -> int | None:
    """Seconds until this account (or client) may try again, or None when it may try now."""
    window = timedelta(minutes=settings.login_window_minutes)
    row = await conn.fetchrow(
        """
        SELECT count(*) FILTER (WHERE email = $1) AS by_email,
               count(*) FILTER (WHERE client = $2) AS by_client,
               min(failed_at) FILTER (WHERE email = $1) AS first_email,
               min(failed_at) FILTER (WHERE client = $2) AS first_client,
               now() AS now
        FROM login_failures
        WHERE (email = $1 OR client = $2) AND failed_at > now() - $3::interval
        """,
        email,
        client,
        window,
    )
    waits = []
    if row["by_email"] >= settings.login_max_failures:
        waits.append(row["first_email"] + window - row["now"])
    if row["by_client"] >= settings.login_max_failures_per_client:
        waits.append(row["first_client"] + window - row["now"])
    if not waits:
        return None
    return max(1, int(max(waits).total_seconds()) + 1)


async def record_failure(conn: asyncpg.Connection, email: str, client: str) -> int:
    """Note a failed login; return how many this account has in the window so far."""
    return int(
        await conn.fetchval(
            """WITH f AS (INSERT INTO login_failures (email, client) VALUES ($1, $2))
               SELECT count(*) + 1 FROM login_failures
               WHERE email = $1 AND failed_at > now() - interval '1 hour'""",
            email,
            client,
        )
    )


async def clear_failures(conn: asyncpg.Connection, email: str) -> None:
    await conn.execute("DELETE FROM login_failures WHERE email = $1", email)


def slowdown(failures: int) -> float:
    """Seconds to hold the answer to a failed login: nothing for a typo, more for a guesser."""
    return min(2.0, max(0.0, (failures - 2) * 0.5))

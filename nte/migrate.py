"""Apply the numbered SQL files in nte/migrations in order, each once, each in its own transaction."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

import asyncpg

__all__ = ["Migration", "MigrationError", "apply_migrations", "load_migrations"]

# Any constant works; it only has to be the same in every process that migrates.
_LOCK_KEY = 0x6E7465_4D4947  # "nte" "MIG"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(RuntimeError):
    """The database's recorded migrations and the files disagree."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations() -> list[Migration]:
    found = []
    for entry in resources.files("nte.migrations").iterdir():
        if match := _NAME.match(entry.name):
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError("two migration files share a number")
    return found


_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)"""


async def apply_migrations(
    conn: asyncpg.Connection, migrations: list[Migration] | None = None
) -> list[str]:
    """Apply what is pending; return the names applied by this call.

    Every step holds a transaction-level advisory lock, so processes migrating at once
    queue behind each other and each file runs exactly once. (Session-level locks would
    be lost when a pooled connection is reset.)
    """
    migrations = load_migrations() if migrations is None else migrations
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
        await conn.execute(_CREATE_LEDGER)
        rows = await conn.fetch("SELECT version, name, checksum FROM schema_migrations")
    applied = {r["version"]: r for r in rows}
    for m in migrations:
        if (row := applied.get(m.version)) and row["checksum"] != m.checksum:
            raise MigrationError(
                f"migration {m.name} was changed after it was applied; "
                "add a new numbered file instead of editing an applied one"
            )
    done = []
    for m in migrations:
        if m.version in applied:
            continue
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
            # Another process may have applied it while we waited for the lock.
            if await conn.fetchval("SELECT 1 FROM schema_migrations WHERE version = $1", m.version):
                continue
            try:
                await conn.execute(m.sql)
            except asyncpg.PostgresError as exc:
                # Rolled back with its transaction: nothing of this file stays, nor its record.
                first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise MigrationError(
                    f"migration {m.name} failed and was rolled back: {first_line}"
                ) from exc
            await conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                m.version,
                m.name,
                m.checksum,
            )
        done.append(m.name)
    return done

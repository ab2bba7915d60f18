"""`nte migrate`: numbered files applied once each, in order, by any number of processes at once."""

from __future__ import annotations

import asyncio
import re
import subprocess

import pytest

from nte.db import connect
from nte.migrate import Migration, MigrationError, apply_migrations, load_migrations
from tests.conftest import NTE


def _env(cli_env: dict[str, str], database_url: str) -> dict[str, str]:
    return {**cli_env, "DATABASE_URL": database_url}


async def _ledger(dsn: str) -> list[tuple[int, str, str]]:
    conn = await connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT version, name, checksum FROM schema_migrations ORDER BY version"
        )
        return [(r["version"], r["name"], r["checksum"]) for r in rows]
    finally:
        await conn.close()


async def _table_exists(dsn: str, name: str) -> bool:
    conn = await connect(dsn)
    try:
        return bool(await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", name))
    finally:
        await conn.close()


def test_four_processes_migrating_at_once_apply_each_file_once(
    cli_env: dict[str, str], empty_dsn: str
) -> None:
    env = _env(cli_env, empty_dsn)
    procs = [
        subprocess.Popen(
            [str(NTE), "migrate"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    for code, _out, err in results:
        assert code == 0, err
    applied = [re.search(r"applied (\d+) migration", out) for _, out, _ in results]
    assert all(applied), results
    expected = [(m.version, m.name, m.checksum) for m in load_migrations()]
    # Between them the four applied every file exactly once.
    assert sum(int(m.group(1)) for m in applied if m) == len(expected)

    assert asyncio.run(_ledger(empty_dsn)) == expected
    assert asyncio.run(_table_exists(empty_dsn, "venues"))
    assert asyncio.run(_table_exists(empty_dsn, "conditions"))


def test_a_changed_applied_migration_is_refused_naming_the_file(
    cli_env: dict[str, str], dsn: str
) -> None:
    async def tamper() -> None:
        conn = await connect(dsn)
        try:
            await conn.execute(
                "UPDATE schema_migrations SET checksum = repeat('0', 64) WHERE version = 1"
            )
        finally:
            await conn.close()

    asyncio.run(tamper())
    result = subprocess.run(
        [str(NTE), "migrate"], env=cli_env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "0001_venues.sql" in lines[0] and "changed after it was applied" in lines[0]


async def test_a_failing_migration_is_rolled_back_alone(empty_dsn: str) -> None:
    real = load_migrations()
    broken = Migration(
        9999,
        "9999_broken.sql",
        "CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;",
    )
    conn = await connect(empty_dsn)
    try:
        with pytest.raises(MigrationError, match=r"9999_broken\.sql.*no_such_table"):
            await apply_migrations(conn, [*real, broken])
        # The files before it stay applied; nothing of the broken one remains, not even its record.
        assert await _ledger(empty_dsn) == [(m.version, m.name, m.checksum) for m in real]
        assert await _table_exists(empty_dsn, "venues")
        assert not await _table_exists(empty_dsn, "half_done")
        # Fixed, it applies on the next run, and only it.
        fixed = Migration(9999, "9999_broken.sql", "CREATE TABLE half_done (id int);")
        assert await apply_migrations(conn, [*real, fixed]) == ["9999_broken.sql"]
        assert await apply_migrations(conn, [*real, fixed]) == []
    finally:
        await conn.close()

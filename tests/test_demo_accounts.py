"""Demo accounts: one per role, printed so a newcomer can sign in, and only in a demo database."""

from __future__ import annotations

import re

import asyncpg
import httpx

from tests.conftest import run_nte


async def test_demo_prints_one_working_account_per_role(
    cli_env: dict[str, str], anon_client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    result = run_nte(cli_env, "demo")
    assert result.returncode == 0, result.stderr
    accounts = re.findall(r"^\s+(\w+)\s+(\S+@\S+)\s+password: (\S+)$", result.stdout, re.M)
    assert sorted(role for role, _, _ in accounts) == [
        "admin",
        "officer",
        "partner",
        "venue_manager",
    ]
    for role, email, password in accounts:
        login = await anon_client.post(
            "/api/v1/auth/login", json={"email": email, "password": password}
        )
        assert login.status_code == 200, role
        me = (await anon_client.get("/api/v1/auth/me")).json()
        assert me["role"] == role
        if role == "venue_manager":
            assert len(me["venue_ids"]) == 2, "the demo manager manages two demo venues"
    page = await anon_client.get("/login")
    assert "This is the <strong>demo</strong>" in page.text

    again = run_nte(cli_env, "demo")
    assert again.returncode == 0
    assert re.findall(r"password: (\S+)", again.stdout) == [p for _, _, p in accounts]
    assert await db.fetchval("SELECT count(*) FROM users") == 4


async def test_demo_refuses_a_database_it_did_not_make(
    cli_env: dict[str, str], anon_client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    await db.execute("INSERT INTO venues (name) VALUES ('A Real Venue')")
    result = run_nte(cli_env, "demo")
    assert result.returncode == 2
    assert "not made by the demo" in result.stderr and result.stderr.count("\n") == 1
    assert await db.fetchval("SELECT count(*) FROM users") == 0
    assert await db.fetchval("SELECT count(*) FROM venues") == 1
    page = await anon_client.get("/login")
    assert "demo" not in page.text.lower()

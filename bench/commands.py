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

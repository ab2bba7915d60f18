"""Who may do what with Ask for Angela, and the settings its pages and API share."""

from __future__ import annotations

from typing import Any

from litestar import Request

from nte.auth.identity import Role

__all__ = ["KEEPS_PARTICIPATION", "RECORDS_TESTS", "retest_days"]


KEEPS_PARTICIPATION: tuple[Role, ...] = ("admin", "officer", "venue_manager")
"""The venue keeps its own participation current; officers may correct it."""


RECORDS_TESTS: tuple[Role, ...] = ("admin", "officer", "partner")
"""Tests are done to the venue, so never recorded by it."""


def retest_days(request: Request[Any, Any, Any]) -> int:
    return int(request.app.state.settings.angela_retest_days)

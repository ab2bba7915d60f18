"""One place that turns every error into what the caller can use: problem details or a page."""

from __future__ import annotations

import logging
import re
from typing import Any, TypeVar
from urllib.parse import quote

import asyncpg
import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_500_INTERNAL_SERVER_ERROR,
)

T = TypeVar("T")

__all__ = ["InvalidInput", "Problem", "exception_handlers", "found_or_404", "invalid_params_from"]

log = logging.getLogger("nte.errors")


class InvalidParam(msgspec.Struct):
    name: str
    reason: str


class Problem(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details."""

    status: int
    title: str
    detail: str = ""
    type: str = "about:blank"
    invalid_params: list[InvalidParam] | None = None


class InvalidInput(HTTPException):
    """Input that was well-formed but breaks a rule; each entry names a field and why."""

    status_code = HTTP_422_UNPROCESSABLE_ENTITY

    def __init__(self, errors: dict[str, str], detail: str = "Some fields need attention") -> None:
        super().__init__(detail=detail)
        self.errors = errors


_MSGSPEC_PATH = re.compile(r"^(?P<reason>.*?)(?: - at `\$(?P<path>[^`]*)`)?$")
# msgspec names a missing or unknown field in its message, not in the path.
_NAMED_FIELD = re.compile(
    r"^Object (?:(?P<missing>missing required)|contains unknown) field `(?P<field>[^`]*)`"
)


def _param(path: str, reason: str) -> tuple[str, str]:
    """(field, reason) from a msgspec path below the payload and its message.

    "$.licensed_hours.mon" -> "licensed_hours.mon"; "$[0].name" -> "[0].name"; a missing or
    unknown field is named itself, so "$" with "missing required field `name`" -> "name".
    """
    base = path.lstrip(".")
    m = _NAMED_FIELD.match(reason)
    if m is None:
        return base or "body", reason
    name = f"{base}.{m['field']}" if base else m["field"]
    return name, "is required" if m["missing"] else "is not a known field"


def invalid_params_from(exc: Exception) -> dict[str, str]:
    """Field -> reason, from a Litestar validation error, a msgspec error, a refused
    database write (a form re-rendered after a duplicate licence number) or our own."""
    if isinstance(exc, InvalidInput):
        return dict(exc.errors)
    if isinstance(exc, asyncpg.PostgresError):
        return _from_database(exc)[2]
    if isinstance(exc, msgspec.ValidationError | msgspec.DecodeError):
        m = _MSGSPEC_PATH.match(str(exc))
        assert m is not None
        return dict([_param(m["path"] or "", m["reason"])])
    out: dict[str, str] = {}
    extra = getattr(exc, "extra", None)
    if isinstance(extra, list):
        for item in extra:
            if not isinstance(item, dict):
                continue
            message = str(item.get("message", "invalid"))
            m = _MSGSPEC_PATH.match(message)
            assert m is not None
            if m["path"]:
                name, reason = _param(m["path"], m["reason"])
            else:
                # Litestar puts the path in "key": "data" is the body itself, "data.x" a field
                # of it (already shortened to "x"), anything else a query or path parameter.
                key = str(item.get("key") or "data")
                name, reason = _param("" if key == "data" else key, m["reason"])
            out[name] = reason
    return out


_UNIQUE_FIELD = re.compile(r"Key \((?P<cols>[^)]*)\)=")


def _from_database(exc: asyncpg.PostgresError) -> tuple[int, str, dict[str, str]]:
    """Constraint violations are the caller's mistake, never a 500."""
    if isinstance(exc, asyncpg.UniqueViolationError):
        m = _UNIQUE_FIELD.search(getattr(exc, "detail", "") or "")
        field = m["cols"].split(",")[-1].strip() if m else "body"
        return HTTP_409_CONFLICT, "Already exists", {field: "is already used by another record"}
    if isinstance(exc, asyncpg.CheckViolationError | asyncpg.NotNullViolationError):
        field = getattr(exc, "column_name", None) or (getattr(exc, "constraint_name", "") or "body")
        field = re.sub(r"^[a-z]+_(?P<f>.+)_check$", r"\g<f>", field)
        return HTTP_422_UNPROCESSABLE_ENTITY, "Invalid value", {field: "is not an allowed value"}
    if isinstance(exc, asyncpg.ForeignKeyViolationError):
        return (
            HTTP_422_UNPROCESSABLE_ENTITY,
            "Unknown reference",
            {"body": "refers to a record that does not exist"},
        )
    if isinstance(exc, asyncpg.DataError):
        return HTTP_422_UNPROCESSABLE_ENTITY, "Invalid value", {"body": str(exc)}
    return HTTP_500_INTERNAL_SERVER_ERROR, "Internal Server Error", {}


def _wants_html(request: Request[Any, Any, Any]) -> bool:
    if request.url.path.startswith("/api/"):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept or not accept or ("*/*" in accept and "json" not in accept)


def _problem_response(
    status: int, title: str, detail: str, params: dict[str, str]
) -> Response[Any]:
    body = Problem(
        status=status,
        title=title,
        detail=detail,
        invalid_params=[InvalidParam(k, v) for k, v in params.items()] or None,
    )
    return Response(
        content=msgspec.json.encode(body),
        status_code=status,
        media_type="application/problem+json",
    )


def _page_response(
    request: Request[Any, Any, Any], status: int, title: str, detail: str
) -> Response[Any]:
    return Template(
        template_name="error.html",
        context={"status": status, "title": title, "detail": detail},
        status_code=status,
        media_type=MediaType.HTML,
    )


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    params: dict[str, str] = {}
    if isinstance(exc, asyncpg.PostgresError):
        status, title, params = _from_database(exc)
        detail = "; ".join(f"{k} {v}" for k, v in params.items())
        if status == HTTP_500_INTERNAL_SERVER_ERROR:
            log.exception("database error", exc_info=exc)
            detail = "Something went wrong on our side; nothing was changed."
    elif isinstance(exc, HTTPException):
        status = exc.status_code
        title = {404: "Not Found", 401: "Not signed in", 403: "Forbidden"}.get(status, "")
        title = title or getattr(exc, "title", "") or str(exc.__class__.__name__)
        detail = exc.detail
        if isinstance(exc, ValidationException | InvalidInput):
            params = invalid_params_from(exc)
            title = "Invalid input"
            if params:
                detail = "; ".join(f"{k}: {v}" for k, v in params.items())
        if isinstance(exc, NotFoundException):
            if not detail or detail == "Not Found":
                detail = "There is nothing at this address."
        if status >= 500:
            log.error("server error: %s", exc.detail)
    else:
        log.exception("unhandled error", exc_info=exc)
        status = HTTP_500_INTERNAL_SERVER_ERROR
        title = "Internal Server Error"
        detail = "Something went wrong on our side; nothing was changed."
    if _wants_html(request):
        if status == 401:
            # A page asked for without signing in: to the login page, and back afterwards.
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return Redirect(f"/login?next={quote(target)}")
        return _page_response(request, status, title, detail)
    return _problem_response(status, title, detail, params)


exception_handlers: dict[type[Exception] | int, Any] = {
    HTTPException: handle_exception,
    asyncpg.PostgresError: handle_exception,
    Exception: handle_exception,
}


def found_or_404(found: T | None, detail: str) -> T:
    """What a lookup found, or a 404 that says what was not there."""
    if found is None:
        raise NotFoundException(detail)
    return found

"""Turning submitted HTML forms into the same Structs the JSON API takes."""

from __future__ import annotations

import re
import types
from collections.abc import Awaitable
from datetime import datetime
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import asyncpg
import msgspec
from litestar import MediaType
from litestar.response import Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from nte.clock import LONDON
from nte.errors import InvalidInput, invalid_params_from

__all__ = [
    "NOT_A_DATE",
    "NOT_IN_FORMAT",
    "FormInvalid",
    "datetime_local_now",
    "form_page",
    "form_to_struct",
    "from_datetime_local",
    "saved",
]

T = TypeVar("T", bound=msgspec.Struct)
T_result = TypeVar("T_result")


class FormInvalid(Exception):
    """A form that cannot be saved; ``errors`` maps each field to a reason in plain words."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


NOT_A_DATE = "must be a date such as 2025-01-31"
"""The plain reason for a value that is not a date; a page may say more about its field."""

NOT_IN_FORMAT = "is not in the expected format"
"""The plain reason for a value that fails a pattern; a page may say more about its field."""

# msgspec speaks of types and regexes; people filling a form need the rule in words.
_PLAIN_REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(raw), plain)
    for raw, plain in (
        (r"^Expected `int(?: \| null)?`, got `(?:str|float)`", "must be a whole number"),
        (r"^Expected `float(?: \| null)?`, got `str`", "must be a number"),
        (r"^Expected `(?:int|float)` >= (?P<n>\S+)$", "must be {n} or more"),
        (r"^Expected `(?:int|float)` <= (?P<n>\S+)$", "must be {n} or less"),
        (r"^Expected `str` of length >= 1$", "is required"),
        (r"^Expected `str` of length <= (?P<n>\d+)$", "must be at most {n} characters"),
        (r"^Expected `str` matching regex", NOT_IN_FORMAT),
        (r"^Invalid enum value", "is not one of the choices"),
        # A date box that is not a date says what a date looks like.
        (r"^Invalid RFC3339 encoded date$", NOT_A_DATE),
        (r"^Expected `date(?: \| null)?`, got", NOT_A_DATE),
        (r"^Invalid RFC3339 encoded datetime$", "must be a date and time"),
        (r"^Expected `datetime(?: \| null)?`, got", "must be a date and time"),
        (r"got `null`", "is required"),
    )
)


def _plain_reason(reason: str) -> str:
    for pattern, plain in _PLAIN_REASONS:
        if m := pattern.search(reason):
            n = m.groupdict().get("n")
            return plain.format(n=n.removesuffix(".0")) if n else plain
    return reason


def _accepts_none(tp: Any) -> bool:
    origin = get_origin(tp)
    if origin is Annotated:
        return _accepts_none(get_args(tp)[0])
    if origin in (Union, types.UnionType):
        return any(_accepts_none(arg) for arg in get_args(tp))
    return tp is type(None)


def form_to_struct(data: dict[str, Any], struct: type[T]) -> T:
    """Convert loosely-typed form values (strings) into ``struct``, or raise FormInvalid.

    An empty box means "nothing": None where the field takes None (so optional fields
    clear), an empty string where the field is plain text, and "is required" otherwise.
    """
    nullable = {f.name for f in msgspec.structs.fields(struct) if _accepts_none(f.type)}
    cleaned = {
        k: (None if k in nullable else "") if isinstance(v, str) and not v.strip() else v
        for k, v in data.items()
    }
    try:
        return msgspec.convert(cleaned, struct, strict=False)
    except msgspec.ValidationError as exc:
        # A missing field comes back already named, with "is required" as its reason.
        errors = invalid_params_from(exc)
        raise FormInvalid({k: _plain_reason(v) for k, v in errors.items()}) from None


def form_page(template_name: str, context: dict[str, Any]) -> Template:
    """A form sent back with its reasons (422); HTML, though the handler may also redirect."""
    return Template(
        template_name=template_name,
        context=context,
        status_code=HTTP_422_UNPROCESSABLE_ENTITY,
        media_type=MediaType.HTML,
    )


async def saved(write: Awaitable[T_result]) -> T_result:
    """Await a write; a rule the service or the database refused becomes form errors.

    The caller runs it in a savepoint, so the refusal leaves the request's transaction usable.
    A database error that names no field is not the form's fault: it goes on to the error page.
    """
    try:
        return await write
    except InvalidInput as exc:
        raise FormInvalid(exc.errors) from None
    except asyncpg.PostgresError as exc:
        errors = invalid_params_from(exc)
        if not errors:
            raise
        raise FormInvalid(errors) from None


def datetime_local_now() -> str:
    """Now on a London wall clock, as a datetime-local box shows it."""
    return datetime.now(LONDON).strftime("%Y-%m-%dT%H:%M")


def from_datetime_local(raw: str) -> str:
    """A datetime-local value ("2025-03-01T22:30") read as London time; anything else as given,
    so the form can say what is wrong with it."""
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return raw
    if value.tzinfo is None:
        value = value.replace(tzinfo=LONDON)
    return value.isoformat()

"""Turning submitted HTML forms into the same Structs the JSON API takes."""

from __future__ import annotations

import re
import types
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import msgspec

from nte.errors import invalid_params_from

__all__ = ["NOT_IN_FORMAT", "FormInvalid", "form_to_struct"]

T = TypeVar("T", bound=msgspec.Struct)


class FormInvalid(Exception):
    """A form that cannot be saved; ``errors`` maps each field to a reason in plain words."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


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

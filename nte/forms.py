"""Turning submitted HTML forms into the same Structs the JSON API takes."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from nte.errors import invalid_params_from

__all__ = ["FormInvalid", "form_to_struct"]

T = TypeVar("T", bound=msgspec.Struct)


class FormInvalid(Exception):
    """A form that cannot be saved; ``errors`` maps each field to a reason in plain words."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _plain_reason(reason: str) -> str:
    # msgspec speaks of types; people filling a form need the rule in words.
    replacements = {
        "Expected `int`, got `str`": "must be a whole number",
        "Expected `float`, got `str`": "must be a number",
        "Expected `int | null`, got `str`": "must be a whole number",
        "Expected `float | null`, got `str`": "must be a number",
        "Object missing required field": "is required",
    }
    if "got `null`" in reason:
        return "is required"
    for raw, plain in replacements.items():
        if reason.startswith(raw):
            return plain
    return reason


def form_to_struct(data: dict[str, Any], struct: type[T]) -> T:
    """Convert loosely-typed form values (strings) into ``struct``, or raise FormInvalid.

    Empty strings mean "not given": they become None, so optional fields clear.
    """
    cleaned = {k: (None if isinstance(v, str) and not v.strip() else v) for k, v in data.items()}
    cleaned = {k: v for k, v in cleaned.items() if v is not None or k in struct.__struct_fields__}
    try:
        return msgspec.convert(cleaned, struct, strict=False)
    except msgspec.ValidationError as exc:
        errors = invalid_params_from(exc)
        if str(exc).startswith("Object missing required field"):
            field = str(exc).split("`")[1]
            errors = {field: "is required"}
        raise FormInvalid({k: _plain_reason(v) for k, v in errors.items()}) from None

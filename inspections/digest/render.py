"""The digest's mail bodies: Jinja2 templates beside the pages', rendered outside any request."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

__all__ = ["render_html", "render_text"]


@cache
def _environment(autoescape: bool) -> jinja2.Environment:
    folder = Path(str(resources.files("templates")))
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        # The text part is plain text, never HTML, so escaping would only garble it.
        autoescape=autoescape,  # noqa: S701
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(context: dict[str, Any]) -> str:
    return _environment(True).get_template("mail/digest.html").render(context)


def render_text(context: dict[str, Any]) -> str:
    return _environment(False).get_template("mail/digest.txt").render(context)

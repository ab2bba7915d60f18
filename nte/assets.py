"""Static files' addresses carry a hash of their content, so a browser may keep them for a year."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from pathlib import Path

__all__ = ["STATIC_DIR", "STATIC_PREFIX", "asset_url", "asset_version"]

STATIC_PREFIX = "/static/"
STATIC_DIR = Path(str(resources.files("nte.static")))


@lru_cache(maxsize=256)
def _digest(path: Path, mtime_ns: int, size: int) -> str:
    # Keyed by mtime and size too, so a file edited while the server runs gets a new address.
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def asset_version(name: str) -> str | None:
    """The version of the static file ``name`` (a path under /static/), or None if there is none."""
    path = (STATIC_DIR / name).resolve()
    if not path.is_relative_to(STATIC_DIR.resolve()):
        return None
    try:
        stat = path.stat()
    except OSError:
        return None
    if not path.is_file():
        return None
    return _digest(path, stat.st_mtime_ns, stat.st_size)


def asset_url(name: str) -> str:
    """The address a page links a static file by: ``/static/app.css?v=<hash of its content>``.

    A file that is not there is a bug in the template, found at once rather than as a 404 in
    someone's browser.
    """
    version = asset_version(name)
    if version is None:
        raise LookupError(f"no static file {name!r}")
    return f"{STATIC_PREFIX}{name}?v={version}"

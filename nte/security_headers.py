"""The headers every response carries: what the page may load and who may frame it, the
browser features it may use, HSTS over https, and whether anything may keep a copy.

Set by a ``before_send`` hook rather than a middleware, because the hook sees every
response the app sends: those of the routes, and also 404s for addresses no route has,
405s, and the errors raised by the middleware (a failed CSRF check) before any route ran.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from functools import lru_cache
from urllib.parse import parse_qs, urlsplit

from litestar.types import Message, Scope

from nte.assets import STATIC_PREFIX, asset_version
from nte.settings import Settings

__all__ = [
    "FILE_POLICY",
    "IMMUTABLE",
    "PERMISSIONS_POLICY",
    "content_security_policy",
    "security_headers",
    "tile_source",
]

# A year, and no revalidation: the address changes whenever the content does (nte.assets).
IMMUTABLE = "public, max-age=31536000, immutable"
# Inspections take photos and note where the officer stood; nothing else needs a device.
PERMISSIONS_POLICY = "camera=(self), geolocation=(self), microphone=()"
HSTS = "max-age=31536000; includeSubDomains"
# A file opened on its own (a certificate, later a photo or an evidence bundle) is shown by
# the browser's own viewer, which styles an image inline: such a response may load nothing
# and run nothing, and only the viewer's styles apply.
FILE_POLICY = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
FILE_TYPES = (b"image/", b"application/pdf", b"audio/", b"video/")

HookHandler = Callable[[Message, Scope], Awaitable[None]]


def tile_source(url: str) -> str:
    """The CSP source for a tile URL template: its scheme and host (a ``{s}`` subdomain
    placeholder becomes ``*``), and its port if it names one."""
    parts = urlsplit(url)
    host = ".".join("*" if "{" in label else label for label in (parts.hostname or "").split("."))
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def content_security_policy(
    map_tiles_url: str | None = None, *, inline_styles: bool = False
) -> str:
    """The policy for a response. Scripts and styles come from the service's own files only;
    images from there too, or from the tile server when one is configured; ``inline_styles``
    relaxes styles (never scripts) for a page that cannot do without."""
    images = ["'self'", "data:", "blob:"]  # data: and blob: for the previews of photos taken
    if map_tiles_url:
        images.append(tile_source(map_tiles_url))
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self' 'unsafe-inline'" if inline_styles else "'self'",
        "img-src": " ".join(images),
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _cache_control(scope: Scope, status: int) -> str:
    path: str = scope["path"]
    if path.startswith(STATIC_PREFIX) and status in (200, 304):
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        asked = query.get("v", [None])[0]
        if asked is not None and asked == asset_version(path[len(STATIC_PREFIX) :]):
            return IMMUTABLE
        # An address without the content's hash may change under it: keep, but ask first.
        return "no-cache"
    # Pages and API answers are personal: a shared tablet's back button, or the next person
    # on it, must not be shown them from a cache after sign-out. A public page that may be
    # kept a while says so itself (a handler's own Cache-Control is left alone).
    return "no-store"


@lru_cache(maxsize=8)
def _fixed_headers(
    https: bool, map_tiles_url: str | None
) -> tuple[bytes, bytes, tuple[tuple[bytes, bytes], ...]]:
    strict = content_security_policy(map_tiles_url).encode()
    relaxed = content_security_policy(map_tiles_url, inline_styles=True).encode()
    fixed = [
        (b"x-content-type-options", b"nosniff"),
        # For browsers that predate frame-ancestors.
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (b"permissions-policy", PERMISSIONS_POLICY.encode()),
        # A window this site opens, or that opens it, gets no handle on the other.
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if https:
        fixed.append((b"strict-transport-security", HSTS.encode()))
    return strict, relaxed, tuple(fixed)


def security_headers(*, inline_style_paths: Iterable[str] = ()) -> HookHandler:
    """The ``before_send`` hook. ``inline_style_paths`` are the paths (the API reference,
    whose viewer injects its stylesheets at run time) whose policy allows inline styles.

    The settings are the app's current ones (``app.state.settings``), as the cookies' are.
    """
    relaxed_paths = frozenset(inline_style_paths)

    async def hook(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        settings: Settings = scope["litestar_app"].state.settings
        strict, relaxed, fixed = _fixed_headers(settings.https, settings.map_tiles_url)
        # Nothing names the software: the server header is dropped (uvicorn's own is turned
        # off where it starts: server_header=False).
        headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
        present = {k.lower() for k, _ in headers}
        content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
        if content_type.lower().startswith(FILE_TYPES):
            policy = FILE_POLICY.encode()
        elif scope["path"] in relaxed_paths:
            policy = relaxed
        else:
            policy = strict
        wanted = [(b"content-security-policy", policy), *fixed]
        wanted.append((b"cache-control", _cache_control(scope, message["status"]).encode()))
        headers += [(k, v) for k, v in wanted if k not in present]
        message["headers"] = headers

    return hook

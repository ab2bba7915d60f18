"""The API reference at /schema: the vendored Scalar viewer, started with no inline script."""

from __future__ import annotations

from html import escape
from typing import Any

import msgspec
from litestar import Request
from litestar.openapi.plugins import ScalarRenderPlugin

from nte.assets import asset_url

__all__ = ["OPTIONS", "ApiReference"]

# The viewer works on a closed network and tells nobody what it shows: no fonts from a CDN,
# no telemetry, no "Ask AI" agent, no "open in the Scalar client" button and no developer
# toolbar (whose "Share" uploads the document): each would send the document, or the fact of
# looking at it, to Scalar's servers, and the policy refuses them anyway.
OPTIONS: dict[str, Any] = {
    "withDefaultFonts": False,
    "telemetry": False,
    "agent": {"disabled": True},
    "hideClientButton": True,
    "showDeveloperTools": "never",
}


class ApiReference(ScalarRenderPlugin):
    """Scalar without the inline ``<script>`` Litestar's plugin writes (the policy allows
    none): its options ride on the ``#api-reference`` element's data attributes, which the
    viewer reads when its file loads, and every file comes from /static with its hash."""

    def __init__(self) -> None:
        # No favicon from a CDN, no inline <style>: the page loads nothing from elsewhere.
        super().__init__(path="/", options=OPTIONS, favicon="", style="")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = escape(str(openapi_schema["info"]["title"]))
        options = escape(msgspec.json.encode(self.options or {}).decode())
        url = escape(self.get_openapi_json_route(request))
        return f"""<!doctype html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} API reference</title>
  <link rel="stylesheet" href="{asset_url("scalar.css")}">
</head>
<body>
  <noscript>The API reference needs JavaScript; the document itself is at
    <a href="{url}">{url}</a>.</noscript>
  <div id="api-reference" data-url="{url}" data-configuration="{options}"></div>
  <script src="{asset_url("scalar-standalone.js")}"></script>
</body>
</html>
""".encode()

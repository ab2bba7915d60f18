"""Every response carries the security headers, cookies are named and flagged for the scheme
they travel over, static files are kept for a year and personal answers not at all.

The route table is read from the app (tests/test_access_matrix.py), so a new route is
covered without editing this file.
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from litestar import Litestar, get
from litestar.datastructures import CacheControlHeader, State

from nte.assets import asset_url, asset_version
from nte.auth.middleware import CSRF_COOKIE, SESSION_COOKIE
from nte.security_headers import security_headers
from nte.settings import Settings, SettingsError, load_settings
from tests.conftest import NTE, REPO, People
from tests.test_access_matrix import World, is_public, route_table
from tests.test_auth import log_in

PERMISSIONS = "camera=(self), geolocation=(self), microphone=()"
IMMUTABLE = "public, max-age=31536000, immutable"


def policy(response: httpx.Response) -> dict[str, list[str]]:
    """The Content-Security-Policy header, directive by directive."""
    parsed: dict[str, list[str]] = {}
    for part in response.headers.get("content-security-policy", "").split(";"):
        if words := part.split():
            parsed[words[0].lower()] = words[1:]
    return parsed


FILE_TYPES = ("image/", "application/pdf")


def header_problems(response: httpx.Response, *, inline_styles: bool = False) -> list[str]:
    """What is missing or wrong in one response's security headers (empty when all is well)."""
    h = response.headers
    csp = policy(response)
    problems = []
    if not csp:
        return ["no Content-Security-Policy"]
    if h.get("content-type", "").startswith(FILE_TYPES):
        # A file shown by the browser's own viewer: nothing loads, nothing runs.
        wanted = {
            "default-src": ["'none'"],
            "script-src": None,
            "img-src": ["'self'"],
            "style-src": ["'unsafe-inline'"],
            "frame-ancestors": ["'none'"],
            "form-action": ["'none'"],
        }
    else:
        wanted = {
            "default-src": ["'self'"],
            "script-src": ["'self'"],
            "style-src": ["'self'", "'unsafe-inline'"] if inline_styles else ["'self'"],
            "frame-ancestors": ["'none'"],
            "form-action": ["'self'"],
            "object-src": ["'none'"],
        }
        if csp.get("img-src", [])[:3] != ["'self'", "data:", "blob:"]:
            problems.append(f"CSP img-src is {csp.get('img-src')}")
    for directive, sources in wanted.items():
        if csp.get(directive) != sources:
            problems.append(f"CSP {directive} is {csp.get(directive)}, expected {sources}")
    for expected in {
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "same-origin",
        "permissions-policy": PERMISSIONS,
    }.items():
        if h.get(expected[0]) != expected[1]:
            problems.append(f"{expected[0]} is {h.get(expected[0])!r}, expected {expected[1]!r}")
    if "server" in h:
        problems.append(f"a server header names the software: {h['server']!r}")
    if "strict-transport-security" in h:
        problems.append("HSTS over plain http")
    return problems


async def test_every_route_answers_with_the_security_headers(
    running_app: Litestar, db: asyncpg.Connection, people: People
) -> None:
    world = World(db, people)
    await world.build()
    table = route_table(running_app)
    assert len(table) > 30, "the route table should list the whole app"
    problems: list[str] = []
    for path, method, _guards in table:
        url = await world.fill(path)
        if path.startswith("/static/"):
            url = asset_url("app.css")  # as the pages link it
        # Public routes are asked by nobody, as they are used; the others by an administrator,
        # who may call nearly everything (a fresh session each: one route signs out).
        client = (
            people.anonymous(csrf=True)
            if is_public(path)
            else await people.client_for(world.users["admin"])
        )
        kwargs: dict[str, Any] = {}
        if method in {"POST", "PUT", "PATCH"}:
            kwargs = {"json": {}} if path.startswith("/api/") else {"data": {}}
        async with client:
            response = await client.request(method, url, **kwargs)
        where = f"{method} {url} ({response.status_code})"
        problems += [
            f"{where}: {p}" for p in header_problems(response, inline_styles=path == "/schema")
        ]
        cache = response.headers.get("cache-control")
        if path.startswith("/static/"):
            if cache != IMMUTABLE:
                problems.append(f"{where}: Cache-Control {cache!r}, expected {IMMUTABLE!r}")
        elif "no-store" not in re.split(r"[,\s]+", cache or ""):
            problems.append(f"{where}: Cache-Control {cache!r}, expected no-store")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("who", "method", "path", "status"),
    [
        ("nobody", "GET", "/no-such-page", 404),
        ("nobody", "GET", "/api/v1/no-such-thing", 404),
        ("nobody", "GET", "/api/v1/venues", 401),
        ("nobody", "GET", "/venues", 302),
        ("nobody", "DELETE", "/healthz", 405),
        ("nobody", "GET", "/static/no-such-file.css", 404),
        # The CSRF check refuses before any route runs: still the headers.
        ("officer without CSRF", "POST", "/venues", 403),
        ("officer", "GET", "/venues/999999", 404),
    ],
)
async def test_answers_no_route_gave_carry_the_headers_too(
    people: People, who: str, method: str, path: str, status: int
) -> None:
    if who == "nobody":
        client = people.anonymous()
    else:
        client = await people.signed_in("officer", csrf=who == "officer")
    async with client:
        response = await client.request(method, path)
    assert response.status_code == status
    assert not header_problems(response)
    assert response.headers["cache-control"] == "no-store"


async def test_a_page_allows_no_inline_script_or_style_and_the_api_reference_only_styles(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/venues")
    assert page.status_code == 200
    for directive in ("script-src", "style-src", "default-src"):
        assert not {"'unsafe-inline'", "'unsafe-eval'"} & set(policy(page)[directive])
    reference = await client.get("/schema")
    assert reference.status_code == 200
    # Scalar (a Vue app) injects its stylesheets at run time: styles inline on that page only,
    # scripts never (its options ride on data attributes).
    assert policy(reference)["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy(reference)["script-src"] == ["'self'"]
    assert "<script>" not in reference.text and "<style" not in reference.text
    assert "data-configuration=" in reference.text and "telemetry&quot;:false" in reference.text
    document = await client.get("/schema/openapi.json")
    assert document.status_code == 200 and policy(document)["style-src"] == ["'self'"]


async def test_a_public_page_that_may_be_kept_a_while_says_so_itself(settings: Settings) -> None:
    """The hook's no-store is a default: a handler's own Cache-Control (a public page, kept
    a few minutes) is left as it is, and every other header is still added."""

    @get("/public/brief", cache_control=CacheControlHeader(public=True, max_age=300))
    async def brief() -> str:
        return "public"

    @get("/personal")
    async def personal() -> str:
        return "personal"

    app = Litestar(
        [brief, personal],
        before_send=[security_headers()],
        state=State({"settings": settings}),
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
    ) as c:
        kept = await c.get("/public/brief")
        assert kept.headers["cache-control"] == "max-age=300, public"
        assert not header_problems(kept)
        assert (await c.get("/personal")).headers["cache-control"] == "no-store"


STATIC_LINK = re.compile(r'(?:src|href)="(/static/[^"]*)"')


async def test_pages_link_static_files_by_content_hash_and_they_are_kept_a_year(
    client: httpx.AsyncClient, anon_client: httpx.AsyncClient
) -> None:
    links = STATIC_LINK.findall((await client.get("/venues")).text)
    links += STATIC_LINK.findall((await client.get("/schema")).text)
    names = {link.split("?")[0].removeprefix("/static/") for link in links}
    assert {"app.css", "htmx.min.js", "app.js", "scalar-standalone.js", "scalar.css"} <= names
    for link in links:
        name, _, query = link.removeprefix("/static/").partition("?")
        assert query == f"v={asset_version(name)}", f"{link} does not carry its content's hash"
        response = await anon_client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200
        assert response.headers["cache-control"] == IMMUTABLE
        assert "set-cookie" not in response.headers, "a cookie on a file kept for a year"
        assert not header_problems(response)
    # Without the hash, or with an old one, the address may be stale: revalidate by ETag.
    for stale in ("/static/app.css", "/static/app.css?v=0123456789ab"):
        response = await anon_client.get(stale)
        assert response.status_code == 200 and response.headers["etag"]
        assert response.headers["cache-control"] == "no-cache"


def test_a_static_file_gets_a_new_address_when_its_content_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert re.fullmatch(r"/static/app\.css\?v=[0-9a-f]{12}", asset_url("app.css"))
    monkeypatch.setattr("nte.assets.STATIC_DIR", tmp_path)
    (tmp_path / "app.css").write_text("body { color: black; }")
    before = asset_url("app.css")
    (tmp_path / "app.css").write_text("body { color: white; }\n")
    assert asset_url("app.css") != before, "an edited file keeps its old address"
    (tmp_path / "app.css").write_text("body { color: black; }")
    assert asset_url("app.css") == before, "the address is the content's, not the time's"
    (tmp_path / "inner").mkdir()
    assert asset_version("../app.py") is None and asset_version("inner") is None
    with pytest.raises(LookupError, match=r"no-such\.css"):
        asset_url("no-such.css")


TEMPLATES = REPO / "templates"
INLINE = {
    "a style attribute": re.compile(r"\sstyle\s*=", re.I),
    "a <style> element": re.compile(r"<style", re.I),
    "an inline <script>": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I),
    "an event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
    "htmx's hx-on (eval)": re.compile(r"hx-on", re.I),
}


def test_no_template_has_what_the_policy_would_block() -> None:
    found = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        # Jinja comments never reach the browser; blanked, so line numbers stay right.
        text = re.sub(
            r"\{#.*?#\}", lambda m: re.sub(r"[^\n]", " ", m[0]), template.read_text(), flags=re.S
        )
        for what, pattern in INLINE.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"templates/{template.relative_to(TEMPLATES)}:{line}: {what}")
    assert not found, "move these into nte/static files:\n" + "\n".join(found)


async def test_over_https_cookies_are_host_prefixed_secure_and_http_only(
    running_app: Litestar, people: People
) -> None:
    running_app.state.settings = msgspec.structs.replace(
        running_app.state.settings, base_url="https://nte.example"
    )
    await people.user("officer", email="https@example.org")
    transport = httpx.ASGITransport(app=running_app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver.local") as b:
        login_page = await b.get("/login")
        csrf = _set_cookie(login_page, "__Host-" + CSRF_COOKIE)
        assert {"secure", "httponly", "path=/", "samesite=lax"} <= csrf
        assert login_page.headers["strict-transport-security"].startswith("max-age=31536000")
        signed_in = await log_in(b, "https@example.org")
        assert signed_in.status_code in (302, 303)
        session = _set_cookie(signed_in, "__Host-" + SESSION_COOKIE)
        assert {"secure", "httponly", "path=/", "samesite=lax"} <= session
        assert not any(a.startswith("domain=") for a in session), "__Host- cookies name no domain"
        assert (await b.get("/venues")).status_code == 200, "the prefixed cookie signs in"
        assert SESSION_COOKIE not in b.cookies and CSRF_COOKIE not in b.cookies
        token = re.search(r'name="_csrf_token" value="([^"]+)"', (await b.get("/venues")).text)
        assert token
        out = await b.post("/logout", data={"_csrf_token": token.group(1)})
        assert out.status_code in (302, 303)
        # Removed with the attributes it was set with, or a browser would keep it.
        removal = _set_cookie(out, "__Host-" + SESSION_COOKIE)
        assert {"secure", "max-age=0", "path=/"} <= removal
        assert (await b.get("/venues")).status_code in (302, 303)


async def test_over_plain_http_cookies_keep_their_names_and_are_not_secure(
    people: People,
) -> None:
    await people.user("officer", email="plain@example.org")
    async with people.anonymous() as browser:
        login_page = await browser.get("/login")
        assert "secure" not in _set_cookie(login_page, CSRF_COOKIE)
        signed_in = await log_in(browser, "plain@example.org")
        session = _set_cookie(signed_in, SESSION_COOKIE)
        assert {"httponly", "path=/", "samesite=lax"} <= session and "secure" not in session
        assert "strict-transport-security" not in signed_in.headers


def _set_cookie(response: httpx.Response, name: str) -> set[str]:
    """The attributes (lower-cased) of the Set-Cookie for ``name``; fails if there is none."""
    for header in response.headers.get_list("set-cookie"):
        cookie_name, _, rest = header.partition("=")
        if cookie_name == name:
            return {a.strip().lower() for a in rest.split(";")[1:]}
    raise AssertionError(f"no Set-Cookie for {name}: {response.headers.get_list('set-cookie')}")


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("https://tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:8080"),
    ],
)
async def test_a_map_tile_server_is_allowed_for_images_only_when_configured(
    running_app: Litestar, client: httpx.AsyncClient, url: str, source: str
) -> None:
    before = policy(await client.get("/venues"))
    assert before["img-src"] == ["'self'", "data:", "blob:"]
    running_app.state.settings = msgspec.structs.replace(
        running_app.state.settings,
        map_tiles_url=load_settings({"NTE_MAP_TILES_URL": url}).map_tiles_url,
    )
    after = policy(await client.get("/venues"))
    assert after["img-src"] == ["'self'", "data:", "blob:", source]
    assert after["connect-src"] == ["'self'"] and after["script-src"] == ["'self'"]


@pytest.mark.parametrize(
    "raw", ["tiles.example.org/{z}/{x}/{y}.png", "ftp://tiles.example", "https://"]
)
def test_a_tile_url_without_a_scheme_and_host_is_refused_by_name(raw: str) -> None:
    with pytest.raises(SettingsError, match="NTE_MAP_TILES_URL"):
        load_settings({"NTE_MAP_TILES_URL": raw})


def test_https_is_read_from_the_base_url() -> None:
    assert Settings(base_url="https://nte.example").https
    assert not Settings().https


def test_the_real_server_names_no_software_and_sends_the_headers(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(NTE), "serve", "--port", str(port)], env=cli_env, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"nte serve did not start:\n{log.read_text()}") from None
                time.sleep(0.2)
        assert response.status_code == 200
        assert "server" not in response.headers
        assert not header_problems(response)
    finally:
        server.terminate()
        server.wait(timeout=20)

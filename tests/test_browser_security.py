"""In a real Chromium, under the content security policy: the pages and their htmx work with
no violation reported, going back after sign-out shows the sign-in page and not the last
record, and a page on another site that frames the sign-in page gets a blank frame."""

from __future__ import annotations

import functools
import http.server
import re
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from nte.accounts import create_user
from tests.conftest import in_database, sign_in_on_the_way
from venues.demo import load_demo

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}
OFFICER = ("officer@security.test", "a long enough browser password 7")
ADMIN = ("admin@security.test", "another long browser password 8")

# Every violation a document reports, from the first script on: an init script is not
# itself subject to the page's policy, and the binding outlives each navigation.
WATCH = """
document.addEventListener("securitypolicyviolation", (e) => window.nteViolation(
  `${location.pathname}: ${e.violatedDirective} refused ${e.blockedURI || "inline"}`
  + ` (${e.sourceFile || "the page"}:${e.lineNumber})`));
"""


@pytest.fixture
def borough(dsn: str) -> dict[str, Any]:
    """The demo borough, an officer and an administrator, and an open flag on Society Rooms."""

    async def arrange(conn: asyncpg.Connection) -> dict[str, Any]:
        await load_demo(conn, progress=False)
        await create_user(conn, email=OFFICER[0], role="officer", password=OFFICER[1])
        admin = await create_user(conn, email=ADMIN[0], role="admin", password=ADMIN[1])
        venue = await conn.fetchval("SELECT id FROM venues WHERE name = 'Society Rooms'")
        condition = await conn.fetchrow(
            "SELECT id, text FROM conditions WHERE venue_id = $1 AND mandatory_code IS NULL "
            "ORDER BY id LIMIT 1",
            venue,
        )
        flag = await conn.fetchval(
            "INSERT INTO flags (venue_id, rule, cause_key, severity, explanation) "
            "VALUES ($1, 'violence_cluster', 'security-test', 'high', "
            "'3 violent incidents in 28 days') RETURNING id",
            venue,
        )
        staff = await conn.fetchval("SELECT min(id) FROM staff WHERE venue_id = $1", venue)
        return {
            "venue": venue,
            "condition": dict(condition),
            "flag": flag,
            "admin": admin,
            "staff": staff,
        }

    return in_database(dsn, arrange)


def watched(browser: Any, seen: list[str], **options: Any) -> Any:
    """A new device whose every CSP violation, by event or console message, lands in ``seen``."""
    context = browser.new_context(viewport=TABLET, has_touch=True, **options)
    context.expose_function("nteViolation", lambda text: seen.append(text))
    context.add_init_script(WATCH)

    def console(message: Any) -> None:
        if "Content Security Policy" in message.text:
            seen.append(f"console: {message.text}")

    context.on("console", console)
    return context


def settle(page: Any) -> None:
    """Let violation events already queued reach Python before anything is asserted."""
    page.evaluate("() => new Promise((done) => setTimeout(done, 100))")


def test_the_watch_sees_a_violation(browser: Any, live_server: Any, borough: Any) -> None:
    """The detector itself: an inline script added to a page is refused, and reported."""
    seen: list[str] = []
    page = watched(browser, seen).new_page()
    page.goto(live_server.url + "/login")
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.inlineRan = true"; document.body.append(s); }"""
    )
    settle(page)
    assert page.evaluate("window.inlineRan === undefined"), "the policy let an inline script run"
    assert any("/login: script-src" in s for s in seen), seen


def test_pages_and_their_htmx_work_with_no_policy_violation(
    browser: Any, live_server: Any, borough: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    base, venue = live_server.url, borough["venue"]
    seen: list[str] = []
    page = watched(browser, seen).new_page()
    # The sign-in page, then the live search (htmx swaps the results in place).
    sign_in_on_the_way(page, base + "/venues", *OFFICER)
    cards = page.locator(".card")
    expect(cards).to_have_count(25)
    page.evaluate("window.notReloaded = true")
    page.locator("#q").press_sequentially("Society", delay=40)
    expect(cards).to_have_count(1)
    assert page.evaluate("window.notReloaded === true"), "the search reloaded the page"
    assert page.evaluate("sessionStorage.getItem('htmx-history-cache')") is None, (
        "htmx kept a copy of a page in the tab's storage"
    )
    # Back restores the unfiltered list (from the server: htmx keeps no copy).
    page.go_back()
    expect(cards).to_have_count(25)
    expect(page.locator("#q")).to_have_value("")

    # The venue page loads three panels with htmx after it is shown.
    page.goto(f"{base}/venues/{venue}")
    expect(page.locator("h1")).to_have_text("Society Rooms")
    expect(page.locator(".flags-summary")).to_contain_text("3 violent incidents in 28 days")
    expect(page.locator(".staff-summary")).not_to_contain_text("loading the summary")
    expect(page.locator(".htmx-request")).to_have_count(0)

    # Removing a condition asks first (app.js, no inline handler); Cancel keeps it.
    text = borough["condition"]["text"]
    condition = page.locator(".condition", has_text=text)
    page.once("dialog", lambda dialog: dialog.dismiss())
    condition.get_by_role("button", name="Remove").click()
    expect(condition).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.accept())
    condition.get_by_role("button", name="Remove").click()
    expect(page.locator(".condition", has_text=text)).to_have_count(0)

    # A flag acknowledged from the flags page.
    page.goto(f"{base}/flags?venue_id={venue}")
    card = page.locator(f"#flag-{borough['flag']}")
    card.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(f"#flag-{borough['flag']} .chip", has_text="Acknowledged")).to_be_visible()

    # Every other kind of page an officer opens: each template family once.
    for path in [
        "/venues/new",
        f"/venues/{venue}/edit",
        f"/venues/{venue}/conditions/new",
        f"/venues/{venue}/staff",
        f"/venues/{venue}/staff/new",
        f"/staff/{borough['staff']}",
        f"/venues/{venue}/angela",
        f"/venues/{venue}/incidents",
        f"/venues/{venue}/test-purchases",
        f"/venues/{venue}/returns",
        f"/venues/{venue}/timeline",
        f"/venues/{venue}/area",
        "/returns",
        "/venues/99999999",  # the error page
    ]:
        page.goto(base + path)
        expect(page.locator("h1").first).to_be_visible()
    expect(page.locator("h1")).to_contain_text("404")

    # A form sent with a mistake comes back with its messages.
    page.goto(f"{base}/venues/new")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".error-summary")).to_be_visible()

    # The API reference: the vendored viewer renders the document, styles and all.
    page.goto(base + "/schema")
    expect(page.get_by_text("Download OpenAPI Document").first).to_be_visible(timeout=20000)
    expect(page.get_by_text("venues", exact=True).first).to_be_visible()
    settle(page)

    # An administrator's pages.
    admin = watched(browser, seen).new_page()
    sign_in_on_the_way(admin, base + "/admin/users", *ADMIN)
    for path in [f"/admin/users/{borough['admin']}", "/admin/mail"]:
        admin.goto(base + path)
        expect(admin.locator("h1").first).to_be_visible()
    settle(admin)
    settle(page)
    assert not seen, "\n".join(seen)


def _png(width: int = 40, height: int = 30) -> bytes:
    """A small red PNG, made here so the test needs no file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PDF = b"""%PDF-1.4
1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj
trailer<</Root 1 0 R>>
%%EOF"""


def test_a_certificate_opens_in_the_browsers_own_viewer_with_no_violation(
    browser: Any, live_server: Any, borough: dict[str, Any], dsn: str
) -> None:
    """An image or PDF opened on its own is shown by Chromium's viewer, which styles an image
    inline: such files get a policy of their own (nothing loads, nothing runs)."""
    from playwright.sync_api import expect

    async def upload(conn: asyncpg.Connection) -> list[int]:
        made = []
        for kind, name, content in [
            ("image/png", "wave.png", _png()),
            ("application/pdf", "act.pdf", PDF),
        ]:
            training = await conn.fetchval(
                "INSERT INTO training (venue_id, staff_id, course, completed_on, expires_on) "
                "VALUES ($1, $2, 'wave', current_date, current_date + 365) RETURNING id",
                borough["venue"],
                borough["staff"],
            )
            await conn.execute(
                "INSERT INTO training_certificates (venue_id, training_id, filename, "
                "content_type, size, content) VALUES ($1, $2, $3, $4, $5, $6)",
                borough["venue"],
                training,
                name,
                kind,
                len(content),
                content,
            )
            made.append(training)
        return made

    image, pdf = in_database(dsn, upload)
    seen: list[str] = []
    page = watched(browser, seen).new_page()
    sign_in_on_the_way(page, f"{live_server.url}/training/{image}/certificate", *OFFICER)
    expect(page.locator("img")).to_be_visible()
    assert page.locator("img").evaluate("img => img.naturalWidth") == 40
    settle(page)
    page.goto(f"{live_server.url}/training/{pdf}/certificate")
    # Chromium's PDF viewer is an extension frame inside the page: it starts, or it is refused.
    deadline = time.monotonic() + 20
    while not any(f.url.startswith("chrome-extension://") for f in page.frames):
        assert time.monotonic() < deadline, "the PDF viewer did not start"
        page.wait_for_timeout(100)
    settle(page)
    assert not seen, "\n".join(seen)


def test_after_sign_out_going_back_shows_the_sign_in_page_not_the_record(
    browser: Any, live_server: Any, borough: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    base, venue = live_server.url, borough["venue"]
    seen: list[str] = []
    page = watched(browser, seen).new_page()
    sign_in_on_the_way(page, f"{base}/venues/{venue}", *OFFICER)
    expect(page.locator("h1")).to_have_text("Society Rooms")
    page.get_by_role("button", name=re.compile("Sign out")).click()
    page.wait_for_url(re.compile(r"/login$"))

    page.go_back()  # the shared tablet's back button, pressed by whoever comes next
    page.wait_for_url(re.compile(rf"/login\?next=/venues/{venue}$"))
    expect(page.locator("#email")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Society Rooms")
    expect(page.locator("body")).not_to_contain_text("Premises licence")
    settle(page)
    assert not seen, "\n".join(seen)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def other_site(tmp_path: Path, live_server: Any) -> Iterator[str]:
    """Another origin (127.0.0.2, another site) with a page that frames nte's sign-in page
    beside a frame of its own, which shows that framing works there at all."""
    (tmp_path / "own.html").write_text("<!doctype html><p>A page of the other site</p>")
    (tmp_path / "frames.html").write_text(
        "<!doctype html><title>Framing</title>"
        '<iframe id="own" src="/own.html"></iframe>'
        f'<iframe id="nte" src="{live_server.url}/login"></iframe>'
    )
    handler = functools.partial(_Quiet, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.2", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.2:{server.server_address[1]}/frames.html"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_another_site_framing_the_sign_in_page_gets_a_blank_frame(
    browser: Any, live_server: Any, borough: Any, other_site: str
) -> None:
    from playwright.sync_api import expect

    page = browser.new_context().new_page()
    answered: list[int] = []
    page.on(
        "response",
        lambda r: answered.append(r.status) if r.url == live_server.url + "/login" else None,
    )
    with page.expect_console_message(lambda m: "frame-ancestors" in m.text) as refusal:
        page.goto(other_site)
    assert "frame-ancestors 'none'" in refusal.value.text
    expect(page.frame_locator("#own").get_by_text("A page of the other site")).to_be_visible()
    assert answered == [200], "nte was asked for the page, and answered it"
    frame = page.frame_locator("#nte")
    expect(frame.locator("#email")).to_have_count(0)
    expect(frame.get_by_text("Sign in")).to_have_count(0)

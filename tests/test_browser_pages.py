"""Every page of the app, as every role that may see it, in a real Chromium (WCAG 2.2 AA).

The pages come from the app's own route table, read as the access matrix reads it, so a page
added tomorrow is checked without anyone adding it to a list. Each is opened with real ids
from the demo borough, as each role that may see it (the public pages signed out), and:

- axe-core runs its WCAG 2.0, 2.1 and 2.2 A and AA rules, in the light and the dark colour
  scheme: zero violations;
- at 320 CSS pixels wide (a phone, or a desktop at 400 % zoom) the page does not scroll
  sideways (WCAG 1.4.10); a wide table scrolls inside its own box;
- the Tab key reaches every control, each with a visible focus ring that nothing covers
  (WCAG 2.1.1, 2.4.7, 2.4.11), once per page, as the first role that may see it;
- nothing moves when reduced motion is asked for, and the footer links to the statement;
- no Content-Security-Policy report and no script error.

Every form is also sent back with a mistake, to see the GOV.UK error summary take the focus
and lead to each field. ``page_views``, ``Borough`` and ``run_axe`` are for other modules
that want to check something on every page.
"""

from __future__ import annotations

import re
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.enums import MediaType
from litestar.response import Template
from litestar.routes import HTTPRoute

from inspections.flags.sweep import run_checks
from nte.app import create_app
from nte.auth.secrets import new_token
from nte.cli import load_demo_borough
from nte.scratch import with_database
from nte.settings import Settings
from tests.conftest import LiveServer, in_database
from tests.test_access_matrix import expected, is_public, route_table

pytestmark = pytest.mark.browser

# axe-core's tags for WCAG 2.0, 2.1 and 2.2 at levels A and AA: the regulations' standard.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
SCHEMES = ("light", "dark")
# The access matrix's identities that sign in, the one who sees the most first; the public
# pages are seen by "anonymous" (nobody signed in).
ROLES = ("admin", "officer", "partner", "manager_own")
TABLET = {"width": 768, "height": 1024}
NARROWEST = {"width": 320, "height": 640}
# Pages not of this app's making, left out by their first path segment; the accessibility
# statement lists them as not yet accessible.
NOT_OURS = {"schema": "the API reference is drawn by the vendored Scalar viewer, for developers"}
# A page people meet that no route answers with 200: the error page.
ERROR_PAGE = ("officer", "/venues/0", 404)

# Recorded from the first moment of every document: what a Content-Security-Policy refused.
WATCH_CSP = """
window.__csp = [];
window.addEventListener('securitypolicyviolation', e => window.__csp.push(
  `${e.violatedDirective} refused ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`));
"""

# The page has loaded and no htmx request, swap or settle is under way.
# Loaded, and htmx (where the page uses it: the tablet inspection pages do not) done swapping.
SETTLED = """() => document.readyState === 'complete' &&
  (window.htmx !== undefined || !document.querySelector('script[src*="htmx"]')) &&
  !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"""

# The elements sticking out past the screen's edge, outside any box that scrolls by itself.
TOO_WIDE = """() => {
  const scrolls = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement)
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true;
    return false;
  };
  return [...document.body.querySelectorAll('*')]
    .filter(el => el.getBoundingClientRect().right > innerWidth + 0.5 && !scrolls(el))
    .map(el => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.classList}: `
      + `${Math.round(el.getBoundingClientRect().right)}px`)
    .slice(0, 5);
}"""

# Every place the Tab key should stop, numbered on the element (a group of radios is one).
TAB_STOPS = """() => {
  const all = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]';
  const groups = new Set();
  let n = 0;
  for (const el of document.querySelectorAll(all)) {
    if (el.disabled || el.tabIndex < 0 || el.closest('[inert]')) continue;
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    if (el.tagName === 'SUMMARY' && el.parentElement.firstElementChild !== el) continue;
    if (el.type === 'radio') {
      const group = `${el.form ? el.form.action : ''} ${el.name}`;
      if (groups.has(group)) continue;
      groups.add(group);
      for (const r of document.getElementsByName(el.name)) if (r.form === el.form) r.dataset.tabStop = n;
    }
    el.dataset.tabStop = n++;
  }
  return n;
}"""

# Where the focus is, whether it shows, and whether something else covers it.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const text = (el.getAttribute('aria-label') || el.textContent || el.name || '').replace(/\\s+/g, ' ');
  const what = `${el.tagName.toLowerCase()} "${text.trim().slice(0, 40)}"`;
  const cs = getComputedStyle(el);
  // Past a date box's own fields the Tab key stops on the browser's calendar button (the box
  // is no longer :focus then), which the browser rings itself and no page can style.
  const dates = 'input[type=date], input[type=time], input[type=datetime-local]';
  const picker = el.matches(dates) && !el.matches(':focus');
  const ring = picker || cs.boxShadow !== 'none'
    || (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2);
  const box = el.getBoundingClientRect();
  const x = Math.min(Math.max(box.left + box.width / 2, 0), innerWidth - 1);
  const y = Math.min(Math.max(box.top + box.height / 2, 0), innerHeight - 1);
  const hit = document.elementFromPoint(x, y);
  const covered = !hit || !(el.contains(hit) || hit.contains(el) || hit.control === el);
  const stop = el.dataset.tabStop === undefined ? null : Number(el.dataset.tabStop);
  return {stop, what, ring, covered};
}"""

# Anything that still moves although reduced motion was asked for.
MOVING = """() => [...document.querySelectorAll('*')].filter(el => {
  const cs = getComputedStyle(el);
  const long = v => v.split(',').some(d => parseFloat(d) * (d.trim().endsWith('ms') ? 1 : 1000) > 10);
  return (cs.animationName !== 'none' && long(cs.animationDuration)) || long(cs.transitionDuration);
}).map(el => `${el.tagName.toLowerCase()}.${el.classList}`).slice(0, 5)"""


def _answers_html(handler: Any) -> bool:
    returns = handler.parsed_fn_signature.return_type.annotation
    is_template = isinstance(returns, type) and issubclass(returns, Template)
    return is_template or handler.media_type == MediaType.HTML


def html_paths(app: Litestar) -> set[str]:
    """The paths whose GET handler answers HTML: a template, or a page of its own."""
    return {
        route.path
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        if "GET" in handler.http_methods and _answers_html(handler)
    }


def page_views(app: Litestar) -> list[tuple[str, str]]:
    """(path, identity) for every page and every identity its guards let in: each role for a
    page behind the login (the access matrix's ``expected``), nobody for a public one."""
    pages = html_paths(app)
    views = []
    for path, method, guards in route_table(app):
        if method != "GET" or path not in pages or path.split("/")[1] in NOT_OURS:
            continue
        if is_public(path):
            views.append((path, "anonymous"))
        else:
            views += [(path, who) for who in ROLES if expected(who, path, guards) == "allowed"]
    return views


# For each path parameter of a page, a real record of the demo: of the demo manager's first
# venue ($1) where it is a venue's, and the richest of its kind, so the page shows the most.
DEMO_RECORDS = {
    "venue_id": "SELECT $1::bigint",
    "condition_id": "SELECT min(id) FROM conditions WHERE venue_id = $1 AND mandatory_code IS NULL",
    "staff_id": "SELECT s.id FROM staff s LEFT JOIN training t ON t.staff_id = s.id "
    "WHERE s.venue_id = $1 GROUP BY s.id "
    "ORDER BY (s.sia_licence_no IS NOT NULL) DESC, count(t.id) DESC, s.id LIMIT 1",
    "training_id": "SELECT min(id) FROM training WHERE venue_id = $1",
    "incident_id": "SELECT min(id) FROM incidents WHERE venue_id = $1",
    "return_id": "SELECT min(id) FROM monthly_returns WHERE venue_id = $1",
    "flag_id": "SELECT min(id) FROM flags WHERE venue_id = $1",
    "inspection_id": "SELECT min(id) FROM inspections WHERE venue_id = $1 AND completed_at IS NOT NULL",
    "action_id": "SELECT min(id) FROM actions WHERE venue_id = $1",
    "user_id": "SELECT min(u.id) FROM users u JOIN user_venues uv ON uv.user_id = u.id "
    "WHERE uv.venue_id = $1",
}


@dataclass
class Borough:
    """The demo borough, served: its accounts (identity -> e-mail, password), a record of
    each kind to open (path parameter -> id), and the app serving it."""

    url: str
    dsn: str
    app: Litestar
    accounts: dict[str, tuple[str, str]]
    ids: dict[str, int]

    def fill(self, path: str) -> str:
        """``path`` with each parameter replaced by a record that exists in the demo."""

        def value(match: re.Match[str]) -> str:
            name = match[1]
            if name == "token":  # a link still valid, made for the page that asks for it
                if path.startswith("/digest/unsubscribe/"):
                    return self.unsubscribe_token()
                return self.email_token("invite" if path.startswith("/invite") else "reset")
            if name not in self.ids:
                raise LookupError(
                    f"{path}: the page check knows no real {name!r}: add one to DEMO_RECORDS "
                    "in tests/test_browser_pages.py"
                )
            return str(self.ids[name])

        return re.sub(r"\{(\w+):\w+\}", value, path)

    def unsubscribe_token(self) -> str:
        """A digest's one-click unsubscribe link, unused, for a venue manager."""
        raw, digest = new_token()
        in_database(
            self.dsn,
            lambda conn: conn.execute(
                "INSERT INTO digest_unsubscribe_tokens (token_hash, user_id, week) "
                "SELECT $1, min(id), '2026-W48' FROM users WHERE role = 'venue_manager'",
                digest,
            ),
        )
        return raw

    def email_token(self, purpose: str) -> str:
        raw, digest = new_token()
        in_database(
            self.dsn,
            lambda conn: conn.execute(
                "INSERT INTO email_tokens (token_hash, user_id, purpose, expires_at) "
                "SELECT $1, min(id), $2, now() + interval '1 hour' FROM users WHERE role = 'partner'",
                digest,
                purpose,
            ),
        )
        return raw


@pytest.fixture(scope="module")
def borough(
    server_url: str, template_db: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Borough]:
    """The demo borough as ``./dev serve`` makes it (its own accounts, the checks run once),
    in this module's own database, served on loopback."""
    name = f"nte_pages_{uuid.uuid4().hex[:8]}"
    in_database(
        server_url, lambda c: c.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    )
    dsn = with_database(server_url, name)
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("pages"),
        secret_key="test-secret-key-" + "x" * 16,
        scheduler=False,
    )

    async def arrange(
        conn: asyncpg.Connection,
    ) -> tuple[dict[str, tuple[str, str]], dict[str, int]]:
        _, accounts = await load_demo_borough(conn, only_if_empty=False)
        await run_checks(conn, settings)
        role_of = {"venue_manager": "manager_own"}
        logins = {role_of.get(role, role): (email, pw) for email, role, pw in accounts}
        venue_id = await conn.fetchval(
            "SELECT min(uv.venue_id) FROM user_venues uv JOIN users u ON u.id = uv.user_id "
            "WHERE u.role = 'venue_manager'"
        )
        ids = {name: await conn.fetchval(sql, venue_id) for name, sql in DEMO_RECORDS.items()}
        return logins, {name: found for name, found in ids.items() if found is not None}

    accounts, ids = in_database(dsn, arrange)
    app = create_app(settings, dsn, pool_size=4)
    try:
        with LiveServer(app) as server:
            yield Borough(url=server.url, dsn=dsn, app=app, accounts=accounts, ids=ids)
    finally:
        in_database(
            server_url, lambda c: c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        )


def open_as(browser: Any, borough: Borough, identity: str) -> Any:
    """A tablet (reduced motion asked for, British English) signed in as ``identity``; its
    pages record CSP reports and script errors (``page.errors``)."""
    context = browser.new_context(viewport=TABLET, reduced_motion="reduce", locale="en-GB")
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    if identity != "anonymous":
        email, password = borough.accounts[identity]
        page.goto(borough.url + "/login")
        page.fill("#email", email)
        page.fill("#password", password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/venues$"))
    return page


_AXE_OPTIONS: dict[str, Any] = {}


def run_axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG A and AA violations on the page as it is now. The experimental rules
    among them run too (axe leaves them out unless asked): one of them, label in name
    (WCAG 2.5.3), is what the staff grid failed."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    if not _AXE_OPTIONS:
        page.evaluate(axe.axe_script)
        experimental = page.evaluate(
            "tags => axe.getRules(tags).filter(r => r.tags.includes('experimental'))"
            ".map(r => r.ruleId)",
            WCAG_TAGS,
        )
        _AXE_OPTIONS.update(
            runOnly={"type": "tag", "values": WCAG_TAGS},
            rules={rule: {"enabled": True} for rule in experimental},
            resultTypes=["violations"],
        )
    violations: list[dict[str, Any]] = axe.run(page, options=_AXE_OPTIONS).response["violations"]
    return violations


@dataclass
class Findings:
    """What the checks saw, to report every problem at once."""

    views: int = 0
    axe: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    problems: list[str] = field(default_factory=list)

    def axe_in_both_schemes(self, page: Any, where: str) -> None:
        for scheme in SCHEMES:
            page.emulate_media(color_scheme=scheme)
            for v in run_axe(page):
                for node in v["nodes"]:
                    target = " ".join(map(str, node["target"]))
                    self.axe[v["id"]].append(f"{where} ({scheme}) {target}: {node['html'][:150]}")
            self.views += 1
        page.emulate_media(color_scheme="light")

    def report(self) -> str:
        rules = [
            f"{rule} ({len(found)} elements):\n    " + "\n    ".join(found[:6])
            for rule, found in self.axe.items()
        ]
        return "\n".join(rules + self.problems)


def check_keyboard(page: Any, where: str, findings: Findings) -> None:
    """Tab through the page from the top: every control reached, each ringed and uncovered."""
    stops = page.evaluate(TAB_STOPS)
    page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    reached: set[int] = set()
    for _ in range(2 * stops + 5):
        if len(reached) == stops:
            break
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        if focused["stop"] is not None:
            reached.add(focused["stop"])
        if not focused["ring"]:
            findings.problems.append(f"{where}: {focused['what']} shows no focus ring")
        if focused["covered"]:
            findings.problems.append(f"{where}: {focused['what']} is covered when focused")
    if len(reached) < stops:
        missed = page.evaluate(
            """reached => [...document.querySelectorAll('[data-tab-stop]')]
                 .filter(el => !reached.includes(Number(el.dataset.tabStop)))
                 .map(el => el.outerHTML.slice(0, 80)).slice(0, 3)""",
            sorted(reached),
        )
        findings.problems.append(f"{where}: the Tab key never reaches {missed}")


def check_page(page: Any, where: str, findings: Findings, *, keyboard: bool) -> None:
    """axe in both schemes, reflow at 320 px, motion, the statement's link, keyboard, CSP."""
    findings.axe_in_both_schemes(page, where)
    page.set_viewport_size(NARROWEST)
    if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
        findings.problems.append(f"{where}: scrolls sideways at 320 px: {page.evaluate(TOO_WIDE)}")
    page.set_viewport_size(TABLET)
    if moving := page.evaluate(MOVING):
        findings.problems.append(f"{where}: moves although reduced motion was asked: {moving}")
    if not page.locator("footer a[href='/accessibility']").count():
        findings.problems.append(f"{where}: no link to the accessibility statement in the footer")
    if keyboard:
        check_keyboard(page, where, findings)
    if reports := page.evaluate("window.__csp"):
        findings.problems.append(f"{where}: Content-Security-Policy reports {reports}")


def keyboard_identity(app: Litestar) -> dict[str, str]:
    """For each page, the one identity whose visit also tabs through it: the first that may
    see it (the administrator before the others: they see the most controls)."""
    first: dict[str, str] = {}
    for path, identity in page_views(app):
        first.setdefault(path, identity)
    return first


def test_no_page_is_left_out(tmp_path: Path) -> None:
    """Every page of the route table is seen by someone in the check below, however it is
    guarded; a page only a role outside ROLES may see would fail here, not pass unseen."""
    app = create_app(Settings(data_dir=tmp_path, secret_key="k" * 32), "postgresql://unused/x")
    seen = {path for path, _ in page_views(app)}
    ours = {path for path in html_paths(app) if path.split("/")[1] not in NOT_OURS}
    assert ours - seen == set()
    assert {"/accessibility", "/login", "/venues/{venue_id:int}/staff", "/admin/users"} <= seen


@pytest.mark.parametrize("identity", ["anonymous", *ROLES])
def test_every_page_passes_wcag_22_aa(browser: Any, borough: Borough, identity: str) -> None:
    started = time.monotonic()
    paths = [path for path, who in page_views(borough.app) if who == identity]
    assert len(paths) >= 4, f"the route table should give {identity} their pages"
    tabs = keyboard_identity(borough.app)
    findings = Findings()
    page = open_as(browser, borough, identity)
    loaded_by_htmx: set[str] = set()
    page.on(
        "request",
        lambda r: (
            r.headers.get("hx-request") and loaded_by_htmx.add(r.url.removeprefix(borough.url))
        ),
    )
    fragments = []
    visits = [(path, borough.fill(path), 200) for path in paths]
    if identity == ERROR_PAGE[0]:
        visits.append((ERROR_PAGE[1], ERROR_PAGE[1], ERROR_PAGE[2]))
    for path, url, status in visits:
        response = page.goto(borough.url + url)
        assert response is not None and response.status == status, f"{identity} {url}"
        if "<html" not in response.text()[:300].lower():
            fragments.append(url)  # a piece of a page: checked inside the page that loads it
            continue
        page.wait_for_function(SETTLED)
        check_page(page, f"{identity} {url}", findings, keyboard=tabs.get(path) == identity)
    findings.problems += [
        f"{identity} {url}: a fragment that no page loaded, so nothing checked it"
        for url in fragments
        if url not in loaded_by_htmx
    ]
    findings.problems += [f"{identity}: script error: {e}" for e in page.errors]
    page.context.close()
    print(
        f"\n{identity}: {len(visits) - len(fragments)} pages x {len(SCHEMES)} colour schemes = "
        f"{findings.views} page views, {len(fragments)} fragments checked inside them, "
        f"{time.monotonic() - started:.1f} s"
    )
    assert not findings.axe and not findings.problems, findings.report()


@dataclass
class Form:
    """A form sent back with a mistake: who, where, what to do to it, the fields it names."""

    identity: str
    path: str
    form: str  # a selector for the form on the page
    fields: set[str]  # ids the error summary must link to (the forms name one mistake at a time)
    prepare: Callable[[Any], None] = lambda page: None


def _fill(**values: str) -> Callable[[Any], None]:
    def prepare(page: Any) -> None:
        for selector, value in values.items():
            page.fill(f"#{selector}", value)

    return prepare


FORMS = [
    Form("officer", "/venues/new", "main form", {"name"}),
    Form("officer", "/venues/{venue_id:int}/edit", "main form", {"name"}, _fill(name="")),
    Form("officer", "/venues/{venue_id:int}/conditions/new", "main form", {"text"}),
    Form("officer", "/conditions/{condition_id:int}/edit", "main form", {"text"}, _fill(text="")),
    Form("manager_own", "/venues/{venue_id:int}/staff/new", "main form", {"name"}),
    Form("manager_own", "/staff/{staff_id:int}/edit", "main form", {"name"}, _fill(name="")),
    Form("manager_own", "/staff/{staff_id:int}", "form[action$='/training']", {"completed_on"}),
    Form(
        "partner",
        "/venues/{venue_id:int}/incidents",
        "form[action$='/incidents']",
        {"description"},
        _fill(description=""),
    ),
    Form(
        "partner",
        "/venues/{venue_id:int}/test-purchases",
        "form[action$='/test-purchases']",
        {"outcome"},
    ),
    Form(
        "officer",
        "/venues/{venue_id:int}/angela",
        "form[action$='/angela/tests']",
        {"outcome"},
    ),
    Form(
        "officer",
        "/venues/{venue_id:int}/angela",
        "form[action$='/angela']",
        {"withdrawn_on"},
        _fill(enrolled_on="2025-06-01", withdrawn_on="2025-01-01"),
    ),
    Form("manager_own", "/venues/{venue_id:int}/returns", "form[action$='/returns']", {"refusals"}),
    Form("admin", "/admin/users", "form[action='/admin/users']", {"email"}),
    Form(
        "admin",
        "/admin/users/{user_id:int}",
        "main form.form",
        {"venues"},
        lambda page: page.select_option("#venues", []),
    ),
    Form(
        "anonymous",
        "/login",
        "main form",
        {"email"},
        _fill(email="nobody@example.org", password="wrong"),
    ),
    Form(
        "anonymous",
        "/invite/{token:str}",
        "main form",
        {"password_again"},
        _fill(password="a long enough new password 9", password_again="another one"),
    ),
]

# Where the focus is, and where the summary's links lead: to a control, which says what is
# wrong with it through aria-describedby (itself, or the fieldset of its group).
SUMMARY = """() => {
  const summary = document.querySelector('[data-error-summary]');
  const focused = document.activeElement === summary;
  const links = summary ? [...summary.querySelectorAll('a')].map(a => {
    const target = document.getElementById(decodeURIComponent(a.hash.slice(1)));
    const control = !target ? null : target.matches('input, select, textarea')
      ? target : target.querySelector('input:not([type=hidden]), select, textarea');
    const describer = control && (control.closest('[aria-describedby]'));
    const reason = describer && document.getElementById(describer.getAttribute('aria-describedby'));
    return {id: a.hash.slice(1), text: a.textContent, control: !!control,
            reason: reason ? reason.textContent.trim() : null};
  }) : [];
  return {summary: !!summary, focused, links};
}"""


def test_a_form_sent_back_leads_to_each_field(browser: Any, borough: Borough) -> None:
    """The GOV.UK error summary on every form: focused on arrival, a link per field that
    puts the focus in the field, the field telling what is wrong; and still zero axe
    violations in both schemes with the mistakes shown."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    findings = Findings()
    pages: dict[str, Any] = {}
    for form in FORMS:
        page = pages.get(form.identity) or pages.setdefault(
            form.identity, open_as(browser, borough, form.identity)
        )
        url = borough.fill(form.path)
        where = f"{form.identity} {url} {form.form}"
        page.goto(borough.url + url)
        form.prepare(page)
        try:
            with page.expect_navigation(timeout=10_000):
                page.locator(form.form).locator("[type=submit]").first.click()
        except PlaywrightTimeout:
            findings.problems.append(f"{where}: the form was not sent (the browser stopped it?)")
            continue
        page.wait_for_function(SETTLED)
        found = page.evaluate(SUMMARY)
        if not found["summary"]:
            findings.problems.append(f"{where}: came back with no error summary")
            continue
        if not found["focused"]:
            findings.problems.append(f"{where}: the error summary did not take the focus")
        linked = {link["id"] for link in found["links"]}
        if missing := form.fields - linked:
            findings.problems.append(f"{where}: the summary has no link to {missing} ({linked})")
        for link in found["links"]:
            if not link["control"]:
                findings.problems.append(f"{where}: '{link['text']}' leads to no field")
            elif not link["reason"]:
                findings.problems.append(f"{where}: field {link['id']} does not say what is wrong")
        page.locator("[data-error-summary] a").first.click()
        first = found["links"][0]["id"]
        focus = page.evaluate(
            "id => { const t = document.getElementById(id), f = document.activeElement;"
            " return t === f || t.contains(f); }",
            first,
        )
        if not focus:
            findings.problems.append(f"{where}: following the link to {first} did not focus it")
        findings.axe_in_both_schemes(page, where)
    for page in pages.values():
        findings.problems += [f"script error: {e}" for e in page.errors]
        page.context.close()
    print(f"\n{len(FORMS)} forms sent back with mistakes: {findings.views} page views")
    assert not findings.axe and not findings.problems, findings.report()


def test_the_keyboard_skips_to_the_content_and_htmx_changes_are_announced(
    browser: Any, borough: Borough
) -> None:
    from playwright.sync_api import expect

    page = open_as(browser, borough, "officer")
    page.goto(borough.url + "/venues")
    page.wait_for_function(SETTLED)
    page.keyboard.press("Tab")
    skip = page.locator(".skip")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, "the skip link shows when focused"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)"), (
        "after the skip link the next Tab is in the page's content, past the menu"
    )

    # Typing in the search swaps the results in place: the live region says how many.
    announcer = page.locator("#announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    page.locator("#q").press_sequentially("Society", delay=30)
    expect(page.locator(".card")).to_have_count(1)
    expect(announcer).to_have_text("1 venue matching “Society”")
    page.context.close()


def test_a_wide_table_scrolls_in_its_box_and_keeps_its_names_in_view(
    browser: Any, borough: Borough
) -> None:
    """On a 320 px screen the training grid scrolls inside its box, the person's name stays
    at the left, and a cell reached with the keyboard going back left is not under it."""
    page = open_as(browser, borough, "officer")
    page.set_viewport_size(NARROWEST)
    page.goto(borough.url + borough.fill("/venues/{venue_id:int}/staff"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    grid = page.locator(".grid-scroll")
    assert grid.evaluate("box => box.scrollWidth > box.clientWidth"), "the grid is wider"
    row = page.locator(".training-grid tbody tr").first
    cells = row.locator("td a")
    cells.last.focus()
    name = row.locator("th").bounding_box()
    assert name is not None and name["x"] >= 0, "the name column stays in view"
    covered = []
    for _ in range(cells.count() - 1):
        page.keyboard.press("Shift+Tab")
        focused = page.evaluate(FOCUSED)
        if focused["covered"]:
            covered.append(focused["what"])
    assert not covered, f"under the name column when focused: {covered}"
    page.context.close()

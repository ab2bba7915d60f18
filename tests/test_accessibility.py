"""The accessibility statement, and what the pages share so that every form behaves the same
(the checks in a real browser are in tests/test_browser_pages.py)."""

from __future__ import annotations

import re
from pathlib import Path

import asyncpg
import httpx

from nte.app import create_app
from nte.settings import load_settings
from tests.conftest import REPO, People

TEMPLATES = REPO / "templates"


def headings(markup: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h\d[^>]*>(.*?)</h\d>", markup)]


async def test_the_statement_is_public_and_has_what_the_regulations_ask(
    anon_client: httpx.AsyncClient,
) -> None:
    response = await anon_client.get("/accessibility")
    assert response.status_code == 200, "someone who cannot sign in must still read it"
    found = headings(response.text)
    # The sections of the Government Digital Service's model statement, in its order.
    assert [h for h in found if h in MODEL_SECTIONS] == MODEL_SECTIONS
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text))
    assert (
        "partially compliant with the Web Content Accessibility Guidelines version 2.2 AA" in text
    )
    assert "Equality and Human Rights Commission" in text and "(EASS)" in text
    assert "/schema" in text, "what is not yet accessible is named"
    assert "ask the licensing team who gave you your account" in text


MODEL_SECTIONS = [
    "Accessibility statement for nte",
    "How accessible this service is",
    "Feedback and contact information",
    "Reporting accessibility problems with this service",
    "Enforcement procedure",
    "Technical information about this service's accessibility",
    "Compliance status",
    "Non-accessible content",
    "What we are doing to improve accessibility",
    "Preparation of this accessibility statement",
]


async def test_the_statement_names_the_contact_it_is_given(dsn: str, tmp_path: Path) -> None:
    settings = load_settings(
        {"NTE_DATA_DIR": str(tmp_path), "NTE_ACCESSIBILITY_CONTACT": "access@council.example"}
    )
    app = create_app(settings, dsn)  # the page reads no database: no pool needed
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as c:
        text = (await c.get("/accessibility")).text
    assert text.count('href="mailto:access@council.example"') == 2  # a format, and a problem
    assert "ask the licensing team who gave you your account" not in text


async def test_every_page_links_to_the_statement_signed_in_or_not(
    anon_client: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    for response in (await anon_client.get("/login"), await client.get("/venues")):
        assert response.status_code == 200
        footer = response.text.split("<footer", 1)[1]
        assert '<a href="/accessibility">Accessibility statement</a>' in footer


def test_every_form_uses_the_one_error_summary() -> None:
    """One macro (templates/_macros.html) makes every error summary, so each takes the focus
    and links to its fields the same way; a hand-made one would not."""
    hand_made = [
        str(path.relative_to(REPO))
        for path in TEMPLATES.rglob("*.html")
        if path.name != "_macros.html" and "error-summary" in path.read_text()
    ]
    assert not hand_made
    with_errors = [
        path
        for path in TEMPLATES.rglob("*.html")
        if re.search(r"\{% if \w*errors %\}", path.read_text()) and path.name != "_macros.html"
    ]
    assert not with_errors, f"an error list not made by error_summary: {with_errors}"
    assert Path(TEMPLATES / "_macros.html").read_text().count("data-error-summary") == 1


async def test_an_account_page_is_about_that_account(
    people: People, db: asyncpg.Connection
) -> None:
    """The page once showed, and saved to, the administrator looking at it (base.html's
    name for the person signed in hid the account's): its form posted to the invitation."""
    venue = await db.fetchval("INSERT INTO venues (name) VALUES ('The Swan') RETURNING id")
    manager = await people.user("venue_manager", [venue], email="sam@venue.example")
    async with await people.signed_in("admin") as admin:
        page = (await admin.get(f"/admin/users/{manager}")).text
    assert "<h1>Test venue_manager</h1>" in page and "sam@venue.example ·" in page
    assert f'action="/admin/users/{manager}"' in page

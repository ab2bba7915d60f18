"""The public pages: open without a session, cacheable, exactly the Ask-for-Angela venues in
good standing, the town centre's police figures, and nothing about any person."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import People, run_nte
from tests.helpers import BROWSER, Client, add_person, add_training, add_venue, text_of, today

POLICE_FILE = (
    Path(__file__).parent.parent / "venues/data/maidstone_towncentre_2022-01_to_2022-11_street.csv"
)
SECRETS = (
    "Alice Stafford",
    "Bob Barley",
    "Dee Doorman",
    "manager.swan@example.org",
    "Jane Doe was followed",
    "Glass thrown at the bar",
)


async def enrol(
    db: asyncpg.Connection,
    name: str,
    *,
    posters: bool = True,
    withdrawn: bool = False,
    trained: int = 2,
    front: int = 2,
    tests: tuple[str, ...] = ("pass",),
    status: str = "active",
) -> int:
    """A venue in Ask for Angela with ``front`` front-of-house staff, ``trained`` of them with
    valid WAVE and Angela training, and its test outcomes oldest first."""
    venue = await add_venue(db, name, status=status)
    await db.execute(
        "UPDATE venues SET address = 'High Street', postcode = 'ME14 1AA', "
        "latitude = 51.2727 + id * 0.0001, longitude = 0.5219 WHERE id = $1",
        venue,
    )
    await db.execute(
        "INSERT INTO angela_participation (venue_id, enrolled_on, posters_displayed, withdrawn_on)"
        " VALUES ($1, $2, $3, $4)",
        venue,
        today() - timedelta(days=200),
        posters,
        today() - timedelta(days=5) if withdrawn else None,
    )
    names = ["Alice Stafford", "Bob Barley", "Dee Doorman"]
    for n in range(front):
        staff = await add_person(db, venue, names[n % 3])
        if n < trained:
            for course in ("wave", "ask_for_angela"):
                await add_training(db, staff, course, today() + timedelta(days=100))
    for n, outcome in enumerate(tests):
        await db.execute(
            "INSERT INTO angela_tests (venue_id, tested_on, tester_organisation, outcome) "
            "VALUES ($1, $2, 'Kent Police', $3)",
            venue,
            today() - timedelta(days=60 - n * 20),
            outcome,
        )
    return venue


@pytest.fixture
async def borough(db: asyncpg.Connection, people: People) -> dict[str, int]:
    venues = {
        "good": await enrol(db, "The Good Swan"),
        "retested": await enrol(db, "The Retested Crown", tests=("fail", "pass")),
        "untested": await enrol(db, "The New Anchor", tests=()),
        "withdrawn": await enrol(db, "The Withdrawn Bell", withdrawn=True),
        "no_posters": await enrol(db, "The Bare Walls", posters=False),
        "half_trained": await enrol(db, "The Half Trained", trained=1, front=2),
        "failed": await enrol(db, "The Failed Test", tests=("pass", "fail")),
        "no_staff": await enrol(db, "The Empty Bar", trained=0, front=0),
        "suspended": await enrol(db, "The Suspended Rose", status="suspended"),
    }
    await add_venue(db, "The Never Enrolled")
    await people.user("venue_manager", [venues["good"]], email="manager.swan@example.org")
    for description, sensitive in (
        ("Jane Doe was followed", True),
        ("Glass thrown at the bar", False),
    ):
        await db.execute(
            "INSERT INTO incidents (venue_id, occurred_at, category, severity, source, description,"
            " sensitive) VALUES ($1, now() - interval '1 day', 'violence', 'high', 'police', $2, $3)",
            venues["good"],
            description,
            sensitive,
        )
    return venues


IN_GOOD_STANDING = ["The Good Swan", "The New Anchor", "The Retested Crown"]


async def test_ask_for_angela_lists_exactly_the_venues_in_good_standing(
    anon_client: Client, borough: dict[str, int]
) -> None:
    page = await anon_client.get("/public/ask-for-angela", headers=BROWSER)
    assert page.status_code == 200, page.text
    listed = [text_of(li).split(",")[0].strip() for li in _items(page.text)]
    assert listed == IN_GOOD_STANDING
    assert "ask a member of staff for" in text_of(page.text)
    assert "Open Government Licence" in page.text
    assert page.text.count('class="map-venue"') == 3

    data = await anon_client.get("/public/ask-for-angela.json")
    assert data.status_code == 200
    body = data.json()
    assert [v["name"] for v in body["venues"]] == IN_GOOD_STANDING
    assert body["count"] == 3
    assert set(body["venues"][0]) == {"id", "name", "address", "postcode", "latitude", "longitude"}
    assert "Open Government Licence" in body["attribution"]


def _items(markup: str) -> list[str]:
    found = re.search(r'<ol class="public-venues">(.*?)</ol>', markup, re.S)
    assert found, "the page has no list of venues"
    return re.findall(r"<li>(.*?)</li>", found[1], re.S)


async def test_the_town_centre_shows_violence_and_asb_by_month(
    anon_client: Client, borough: dict[str, int], cli_env: dict[str, str]
) -> None:
    assert run_nte(cli_env, "import", "police", str(POLICE_FILE)).returncode == 0
    page = await anon_client.get("/public/town-centre", headers=BROWSER)
    assert page.status_code == 200, page.text
    text = text_of(page.text)
    for month in ("2022-01", "2022-06", "2022-11"):
        assert month in text
    assert "3 venues take part in Ask for Angela" in text
    assert "Open Government Licence" in text
    rows = re.findall(
        r"<tr><th scope=\"row\">(\d{4}-\d\d)</th><td>(\d+)</td><td>(\d+)</td></tr>", page.text
    )
    assert len(rows) == 11
    assert sum(int(v) for _, v, _ in rows) > 100, "violence near the High Street is counted"
    assert sum(int(a) for _, _, a in rows) > 0


@pytest.mark.parametrize(
    "path", ["/public/ask-for-angela", "/public/ask-for-angela.json", "/public/town-centre"]
)
async def test_public_answers_need_no_session_hold_no_personal_data_and_may_be_cached(
    path: str, anon_client: Client, people: People, borough: dict[str, int]
) -> None:
    response = await anon_client.get(path, headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    assert "set-cookie" not in response.headers, "a shared cache must not hand out a cookie"
    for secret in SECRETS:
        assert secret not in response.text, secret
    assert "@" not in text_of(response.text).replace("@context", "")
    # Signed in, the same answer: nobody's name or menu on a page a cache may share.
    async with await people.client_for(
        await people.user("officer", email="officer.olive@example.org")
    ) as officer:
        signed_in = await officer.get(path, headers=BROWSER)
    assert "officer.olive@example.org" not in signed_in.text
    assert "Sign out" not in signed_in.text
    assert "csrf" not in signed_in.text.lower()


async def test_public_pages_use_no_inline_script_or_style(
    anon_client: Client, borough: dict[str, int]
) -> None:
    for path in ("/public/ask-for-angela", "/public/town-centre"):
        markup = (await anon_client.get(path, headers=BROWSER)).text
        assert "<script" not in markup
        assert not re.search(r"\sstyle=", markup)

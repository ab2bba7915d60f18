"""The officers' home page, the venue's risk panel and the charts drawn from the same tables."""

from __future__ import annotations

import re
from datetime import timedelta

import asyncpg
import pytest

from inspections.flags.sweep import run_checks
from nte.charts import heat_map, nice_max, stacked_bars
from nte.clock import now
from nte.settings import Settings
from tests.conftest import People
from tests.helpers import BROWSER, HTMX, add_venue, text_of


async def arrange(db: asyncpg.Connection, settings: Settings) -> tuple[int, int]:
    """A busy nightclub (band B) and a quiet restaurant (band D), rated now."""
    busy = await add_venue(db, "Zebra Club", venue_type="nightclub", capacity=900)
    quiet = await add_venue(db, "Aardvark Arms", venue_type="restaurant")
    for n in range(3):
        await db.execute(
            "INSERT INTO incidents (venue_id, occurred_at, category, severity, source, description)"
            " VALUES ($1, $2, 'violence', 'medium', 'police', 'Fight at the door')",
            busy,
            now() - timedelta(days=1 + n, hours=2),
        )
    await run_checks(db, settings)
    return busy, quiet


async def test_an_officer_lands_on_where_to_look_first(
    db: asyncpg.Connection, settings: Settings, people: People
) -> None:
    busy, quiet = await arrange(db, settings)
    async with await people.signed_in("officer") as officer:
        page = await officer.get("/", headers=BROWSER)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    markup = page.text
    attention = markup.split('id="attention"')[1].split("</ol>")[0]
    # The nightclub (band B) needs attention; the restaurant in band D, due in the future, not.
    assert f'href="/venues/{busy}"' in attention and f'href="/venues/{quiet}"' not in attention
    assert "A nightclub" in text_of(attention)  # its top factor, the same words as its panel
    text = text_of(markup)
    assert "Open flags by rule" in text and "Violence cluster" in text
    assert "Today's visits" in text
    # the charts: an SVG picture with a title, and its table a tap away
    assert markup.count('role="img"') == 2
    assert "<details" in markup and "4-week average" in text
    assert " style=" not in markup and "<script>" not in markup


async def test_a_partner_sees_the_home_page_without_visits_and_a_manager_goes_to_this_week(
    db: asyncpg.Connection, settings: Settings, people: People
) -> None:
    busy, _ = await arrange(db, settings)
    async with await people.signed_in("partner") as partner:
        text = text_of((await partner.get("/", headers=BROWSER)).text)
    assert "Needs attention first" in text and "Today's visits" not in text
    async with await people.signed_in("venue_manager", [busy]) as manager:
        response = await manager.get("/", headers=BROWSER)
    assert (
        response.status_code in (301, 302, 303, 307)
        and response.headers["location"] == "/this-week"
    )


async def test_the_risk_panel_shows_band_score_due_and_factors(
    db: asyncpg.Connection, settings: Settings, people: People
) -> None:
    busy, quiet = await arrange(db, settings)
    async with await people.signed_in("venue_manager", [busy]) as manager:
        panel = await manager.get(f"/venues/{busy}/risk", headers=HTMX)
        assert (await manager.get(f"/venues/{quiet}/risk", headers=HTMX)).status_code == 404
        venue_page = await manager.get(f"/venues/{busy}", headers=BROWSER)
    text = text_of(panel.text)
    # nightclub 30 + capacity 20 + 3 violent incidents 20 + never inspected 15 = 85
    assert "Band B" in text and "score 85" in text
    assert "Next inspection due" in text and "Never inspected: due since it was added" in text
    assert "A nightclub 30" in text and "Capacity 900 (800 or more) 20" in text
    assert "3 violent incidents at the venue in the last 90 days" in text
    assert f'hx-get="/venues/{busy}/risk"' in venue_page.text


def test_bars_stack_their_series_and_the_average_is_a_line() -> None:
    bars = stacked_bars(["1 Sep", "8 Sep"], [[2, 3], [1, 0]], [1.5, 2.0])
    assert bars.top == 5  # the round number above the tallest stack (3)
    first = [r for r in bars.rects if r.x == bars.rects[0].x]
    assert [r.value for r in first] == [2, 1]
    # stacked: the second sits on the first
    assert first[1].y + first[1].height == pytest.approx(first[0].y)
    assert len(bars.line.split()) == 2
    assert [nice_max(v) for v in (0, 1, 3, 7, 11, 180)] == [1, 1, 5, 10, 20, 200]


def test_a_heat_map_shades_by_fifths_of_the_most() -> None:
    heat = heat_map(["Mon"], ["00", "01", "02"], [[0, 1, 10]])
    assert [c.level for c in heat.cells] == [0, 1, 5]


async def test_charts_draw_without_inline_styles_in_either_theme(
    db: asyncpg.Connection, settings: Settings, people: People
) -> None:
    await arrange(db, settings)
    async with await people.signed_in("officer") as officer:
        markup = (await officer.get("/", headers=BROWSER)).text
    svgs = re.findall(r"<svg.*?</svg>", markup, re.S)
    assert svgs and all("<title" in s for s in svgs)
    assert not any(re.search(r'fill="#|stroke="#', s) for s in svgs)  # colours come from CSS


async def test_the_trends_count_each_venue_linked_incident_once_in_both_charts(
    db: asyncpg.Connection, settings: Settings
) -> None:
    from inspections.home.queries import trends
    from nte.clock import today

    await arrange(db, settings)
    await db.execute(  # not at a venue: not in the venue-linked charts
        "INSERT INTO incidents (venue_id, occurred_at, category, severity, source, description)"
        " VALUES (NULL, now() - interval '1 day', 'asb', 'low', 'public', 'Street noise')"
    )
    t = await trends(db, today(), now())
    assert t.categories == ["violence"]
    assert sum(map(sum, t.by_week)) == 3 and sum(map(sum, t.heat)) == 3
    assert len(t.weeks) == 12 and t.weeks[-1].weekday() == 0

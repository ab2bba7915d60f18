"""The map: venues by band over police-recorded crime density, and the Area tab's radius."""

from __future__ import annotations

import re
from datetime import date

import asyncpg

from inspections.flags.sweep import run_checks
from nte.maps import fit, tiles
from nte.settings import Settings
from tests.conftest import People
from tests.helpers import BROWSER, add_venue


async def arrange(db: asyncpg.Connection) -> tuple[int, int, int]:
    club = await add_venue(db, "Zebra Club", venue_type="nightclub")
    pub = await add_venue(db, "The Swan")
    nowhere = await add_venue(db, "No Coordinates")
    for venue_id, lat, lon in ((club, 51.2741, 0.5230), (pub, 51.2712, 0.5301)):
        await db.execute(
            "UPDATE venues SET latitude = $2, longitude = $3 WHERE id = $1", venue_id, lat, lon
        )
    await db.execute("INSERT INTO police_months (month) VALUES ($1)", date(2026, 9, 1))
    for n in range(6):  # five crimes by the club, one by the pub
        lat, lon = (51.2741, 0.5231) if n < 5 else (51.2712, 0.5300)
        await db.execute(
            "INSERT INTO police_crimes (crime_key, month, latitude, longitude, crime_type)"
            " VALUES ($1, $2, $3, $4, 'Violence and sexual offences')",
            f"k{n}",
            date(2026, 9, 1),
            lat,
            lon,
        )
    return club, pub, nowhere


async def test_the_map_shows_one_marker_per_venue_with_coordinates_over_crime_density(
    db: asyncpg.Connection, settings: Settings, people: People
) -> None:
    club, pub, _ = await arrange(db)
    await run_checks(db, settings)
    async with await people.signed_in("officer") as officer:
        markup = (await officer.get("/map", headers=BROWSER)).text
    markers = re.findall(r'<a class="marker band-(\w+)" href="/venues/(\d+)"', markup)
    assert sorted(int(v) for _, v in markers) == sorted([club, pub])
    assert ("C", str(club)) in markers  # nightclub 30 + never inspected 15 = 45
    assert 'aria-label="Zebra Club: band C' in markup
    # two cells with crime: the busier one is the darkest shade
    assert markup.count('class="density-5"') == 1 and markup.count('class="density-1"') == 1
    assert "<image" not in markup  # no tiles unless a tile URL is set
    assert " style=" not in markup


async def test_a_venue_manager_sees_only_their_venues_on_the_map(
    db: asyncpg.Connection, people: People
) -> None:
    _, pub, _ = await arrange(db)
    async with await people.signed_in("venue_manager", [pub]) as manager:
        markup = (await manager.get("/map", headers=BROWSER)).text
    assert re.findall(r'class="marker[^"]*" href="/venues/(\d+)"', markup) == [str(pub)]


async def test_the_area_tab_draws_the_radius_and_the_months_as_a_chart(
    db: asyncpg.Connection, people: People
) -> None:
    club, _, _ = await arrange(db)
    async with await people.signed_in("officer") as officer:
        markup = (await officer.get(f"/venues/{club}/area", headers=BROWSER)).text
    assert 'class="radius-circle"' in markup
    assert "Police-recorded crime within 100 m by month and type" in markup
    assert markup.count('role="img"') == 2
    # the wide table is a tap away, not in the way
    assert re.search(r"<details class=\"chart-table\">\s*<summary>Crime by month", markup)


def test_tiles_cover_the_projection_only_when_a_url_is_given() -> None:
    p = fit([(51.2741, 0.5230), (51.2712, 0.5301)])
    drawn = tiles(p, "https://tiles.example/{z}/{x}/{y}.png")
    assert 1 <= len(drawn) <= 36
    assert all(href.startswith("https://tiles.example/") for href, *_ in drawn)
    # together they cover the whole drawing
    assert min(x for _, x, *_ in drawn) <= 0 and min(y for _, _, y, *_ in drawn) <= 0

"""`nte import police` on the real data.police.uk files, files it must refuse, and the area
around a venue counted from the imported crimes."""

from __future__ import annotations

import math
import re
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest

from nte.db import connect
from nte.settings import SettingsError, load_settings
from tests.conftest import SHARED_DATA, query, run_nte
from tests.helpers import BROWSER
from venues.police import demo as police_demo
from venues.police.importer import import_police
from venues.police.queries import distance_metres

POLICE = SHARED_DATA / "police_uk"
TOWN = POLICE / "maidstone_towncentre_2022-01_to_2022-11_street.csv"
KENT = POLICE / "2022-11-kent-street.csv"
FHRS_CSV = SHARED_DATA / "fsa_fhrs" / "maidstone_pub_bar_nightclub.csv"
ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0."


def count(dsn: str, where: str = "true") -> int:
    return int(query(dsn, f"SELECT count(*) AS n FROM police_crimes WHERE {where}")[0]["n"])


def imported(result: subprocess.CompletedProcess[str]) -> dict[str, int]:
    """The numbers of the summary line: rows, new, updated, unchanged, unmapped, skipped."""
    assert result.returncode == 0, result.stderr
    m = re.search(
        r"([\d,]+) rows read: ([\d,]+) imported \(new\), ([\d,]+) updated, ([\d,]+) unchanged; "
        r"([\d,]+) unmapped \(no coordinates, kept\); ([\d,]+) bad rows skipped",
        result.stdout,
    )
    assert m, result.stdout
    names = ("rows", "new", "updated", "unchanged", "unmapped", "skipped")
    return {k: int(v.replace(",", "")) for k, v in zip(names, m.groups(), strict=True)}


def data_lines(path: Path) -> list[str]:
    return path.read_text("utf-8").splitlines()[1:]


HEADER_LINE = TOWN.read_text("utf-8").splitlines()[0]


# --- the real files ----------------------------------------------------------------------


def test_the_town_centre_file_imports_every_row_and_a_rerun_adds_nothing(
    cli_env: dict[str, str], dsn: str
) -> None:
    first = imported(run_nte(cli_env, "import", "police", TOWN))
    assert first == {
        "rows": 9040,
        "new": 9040,
        "updated": 0,
        "unchanged": 0,
        "unmapped": 0,
        "skipped": 0,
    }
    assert count(dsn) == 9040
    # Anti-social behaviour has no Crime ID: a key made from the row (identical reports at
    # one snapped point in one month stay separate crimes).
    assert count(dsn, "crime_key LIKE 'made:%'") == 1295
    assert count(dsn, "crime_type = 'Anti-social behaviour'") == 1295
    months = query(dsn, "SELECT month FROM police_months ORDER BY month")
    assert [r["month"] for r in months] == [date(2022, m, 1) for m in range(1, 12)]
    # xmax too: a row merely locked by the rerun would have been written again.
    stamps = "SELECT crime_key, imported_at, xmin::text, xmax::text FROM police_crimes ORDER BY 1"
    before = query(dsn, stamps)

    again = imported(run_nte(cli_env, "import", "police", TOWN))
    assert again == {**first, "new": 0, "unchanged": 9040}
    assert query(dsn, stamps) == before  # not one row written again


def test_the_kent_file_keeps_unmapped_rows_and_two_crimes_sharing_one_id(
    cli_env: dict[str, str], dsn: str
) -> None:
    result = imported(run_nte(cli_env, "import", "police", KENT))
    assert result == {
        "rows": 15799,
        "new": 15799,
        "updated": 0,
        "unchanged": 0,
        "unmapped": 215,
        "skipped": 0,
    }
    assert count(dsn) == 15799
    assert count(dsn, "latitude IS NULL AND longitude IS NULL AND location = 'No Location'") == 215
    # Two thefts in different Canterbury streets carry the same Crime ID: both are kept.
    shared = "e7b2857890232b04959e4bb6206d9de01b396eac5e40c587492dc32b9f1adc96"
    rows = query(
        dsn,
        "SELECT crime_key, location FROM police_crimes WHERE crime_key LIKE $1 ORDER BY crime_key",
        shared + "%",
    )
    assert rows == [
        {"crime_key": shared, "location": "On or near Chestnut Avenue"},
        {"crime_key": shared + "#2", "location": "On or near Burgate"},
    ]


def test_a_later_file_updates_what_an_earlier_one_brought(
    cli_env: dict[str, str], dsn: str
) -> None:
    # The town-centre file is a filter of the monthly Kent files: its November rows are the
    # Kent file's, made keys included, so they are found again rather than added twice.
    result = imported(run_nte(cli_env, "import", "police", TOWN, KENT))
    assert result == {
        "rows": 9040 + 15799,
        "new": 23950,
        "updated": 0,
        "unchanged": 889,
        "unmapped": 215,
        "skipped": 0,
    }
    assert count(dsn) == 23950


def test_a_changed_outcome_is_one_update(cli_env: dict[str, str], dsn: str, tmp_path: Path) -> None:
    lines = data_lines(TOWN)[:50]
    small = tmp_path / "small.csv"
    small.write_text("\n".join([HEADER_LINE, *lines]) + "\n")
    assert imported(run_nte(cli_env, "import", "police", small))["new"] == 50
    fields = lines[0].split(",")
    fields[10] = "Offender given a caution"
    small.write_text("\n".join([HEADER_LINE, ",".join(fields), *lines[1:]]) + "\n")
    result = imported(run_nte(cli_env, "import", "police", small))
    assert (result["new"], result["updated"], result["unchanged"]) == (0, 1, 49)
    row = query(dsn, "SELECT last_outcome FROM police_crimes WHERE crime_key = $1", fields[0])
    assert row == [{"last_outcome": "Offender given a caution"}]


# --- broken rows: skipped and named ----------------------------------------------------


def _broken(good: list[str]) -> list[tuple[str, bool]]:
    """Lines in file order with whether each is good; the bad ones each break one rule."""
    f = [line.split(",") for line in good[:14]]

    def with_(i: int, **values: str) -> str:
        row = list(f[i])
        for column, value in values.items():
            row[int(column.lstrip("c"))] = value
        return ",".join(row)

    return [
        (good[20], True),
        (",".join(f[0][:11]), False),  # 11 columns
        (",".join([*f[1], "extra"]), False),  # 13 columns
        (with_(2, c1="2022-13"), False),  # no such month
        (with_(3, c1="Jan 2022"), False),
        (with_(4, c1="2022-1"), False),
        (good[21], True),
        ("", True),  # a blank line is no row at all
        (with_(5, c4="abc"), False),  # longitude not a number
        (with_(6, c4=""), False),  # a latitude without a longitude
        (with_(7, c5="200.5"), False),  # no such latitude
        (with_(8, c4="nan"), False),
        (with_(9, c6="On or near \x00"), False),  # PostgreSQL text cannot hold NUL
        (with_(10, c4="", c5=""), True),  # no coordinates: kept, unmapped
        (good[22], True),
    ]


@pytest.mark.parametrize("quoted", [False, True], ids=["plain", "with-a-quoted-field"])
def test_broken_rows_are_skipped_and_named_by_line(
    cli_env: dict[str, str], dsn: str, tmp_path: Path, quoted: bool
) -> None:
    good = [line for line in data_lines(TOWN) if not line.startswith(",")]  # with a Crime ID
    lines = _broken(good)
    if quoted:
        # A quoted field with a comma in it: the rest of the file goes through the csv module.
        fields = good[23].split(",")
        fields[6] = '"On or near Gabriel\'s Hill, Maidstone"'
        lines.insert(0, (",".join(fields), True))
    path = tmp_path / "broken.csv"
    path.write_text("\n".join([HEADER_LINE, *(text for text, _ in lines)]) + "\n")
    bad_lines = [n for n, (_, ok) in enumerate(lines, start=2) if not ok]
    assert len(bad_lines) == 10

    result = run_nte(cli_env, "import", "police", path)
    numbers = imported(result)
    good_rows = sum(1 for text, ok in lines if ok and text)
    assert numbers == {
        "rows": good_rows + 10,
        "new": good_rows,
        "updated": 0,
        "unchanged": 0,
        "unmapped": 1,
        "skipped": 10,
    }
    assert f"skipped in {path}: lines {', '.join(map(str, bad_lines))}\n" in result.stdout
    assert count(dsn) == good_rows
    stored = {r["crime_key"] for r in query(dsn, "SELECT crime_key FROM police_crimes")}
    assert stored == {text.split(",")[0] for text, ok in lines if ok and text}
    if quoted:
        assert count(dsn, "location = 'On or near Gabriel''s Hill, Maidstone'") == 1


def test_many_bad_rows_are_summarised(cli_env: dict[str, str], dsn: str, tmp_path: Path) -> None:
    good = data_lines(TOWN)
    path = tmp_path / "many.csv"
    path.write_text("\n".join([HEADER_LINE, good[0], *(["a,b,c"] * 25), good[1]]) + "\n")
    result = run_nte(cli_env, "import", "police", path)
    assert imported(result)["skipped"] == 25
    assert "lines 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 (the first 10 of 25)" in result.stdout
    assert count(dsn) == 2


# --- files that are not police files: nothing imported --------------------------------


def _renamed_header(tmp: Path) -> Path:
    path = tmp / "renamed.csv"
    path.write_text(TOWN.read_text("utf-8").replace("Crime ID,", "Crime reference,", 1))
    return path


def _empty(tmp: Path) -> Path:
    path = tmp / "empty.csv"
    path.write_text("")
    return path


def _latin1(tmp: Path) -> Path:
    """Right header, but a byte further down that is not UTF-8 (a file saved as Latin-1)."""
    lines = data_lines(TOWN)[:300]
    lines[250] = lines[250].replace("On or near ", "On or near Caf\u00e9 ", 1)
    path = tmp / "latin1.csv"
    path.write_bytes("\n".join([HEADER_LINE, *lines]).encode("latin-1") + b"\n")
    return path


@pytest.mark.parametrize(
    ("make", "before", "after"),
    [
        (lambda tmp: FHRS_CSV, [], []),
        (lambda tmp: FHRS_CSV, [TOWN], []),
        (lambda tmp: FHRS_CSV, [], [TOWN]),
        (_renamed_header, [], []),
        (_empty, [TOWN], []),
        (_latin1, [TOWN], []),
    ],
    ids=[
        "fhrs-csv",
        "good-then-fhrs",
        "fhrs-then-good",
        "renamed-column",
        "empty-after-good",
        "not-utf8-after-good",
    ],
)
def test_a_file_that_is_not_a_police_csv_exits_2_and_imports_nothing(
    cli_env: dict[str, str],
    dsn: str,
    tmp_path: Path,
    make: Any,
    before: list[Path],
    after: list[Path],
) -> None:
    wrong = make(tmp_path)
    result = run_nte(cli_env, "import", "police", *before, wrong, *after)
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"nte: {wrong}: ") and "nothing was imported" in lines[0]
    if wrong.name == "latin1.csv":
        assert "line 252 is not UTF-8 text" in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert count(dsn) == 0
    assert query(dsn, "SELECT count(*) AS n FROM police_months") == [{"n": 0}]


async def test_a_database_error_in_a_later_file_leaves_nothing_from_any(
    dsn: str, db: asyncpg.Connection, tmp_path: Path
) -> None:
    good = data_lines(TOWN)
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text("\n".join([HEADER_LINE, *good[:100]]) + "\n")
    fields = good[200].split(",")
    fields[6] = "On or near Nowhere Allowed"
    second.write_text("\n".join([HEADER_LINE, *good[100:150], ",".join(fields)]) + "\n")
    await db.execute("""
        CREATE FUNCTION refuse_nowhere() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.location = 'On or near Nowhere Allowed' THEN RAISE EXCEPTION 'refused'; END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER refuse_nowhere BEFORE INSERT ON police_crimes
            FOR EACH ROW EXECUTE FUNCTION refuse_nowhere();
    """)
    conn = await connect(dsn)
    try:
        with pytest.raises(asyncpg.RaiseError, match="refused"):
            await import_police(conn, [first, second], progress=False)
    finally:
        await conn.close()
    assert await db.fetchval("SELECT count(*) FROM police_crimes") == 0
    assert await db.fetchval("SELECT count(*) FROM police_months") == 0


async def test_the_demo_ships_the_town_centre_file_and_a_rerun_adds_nothing(
    db: asyncpg.Connection,
) -> None:
    assert police_demo.DEMO_POLICE_FILE.read_bytes() == TOWN.read_bytes()
    first = await police_demo.load(db, progress=False)
    again = await police_demo.load(db, progress=False)
    assert (first.new, first.unchanged) == (9040, 0)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 9040)


# --- the area around a venue -------------------------------------------------------------

VENUE = (51.2725, 0.5210)  # Maidstone town centre


def _point(distance: float, bearing: float) -> tuple[float, float]:
    """The point ``distance`` metres from VENUE on ``bearing`` degrees (on the sphere)."""
    lat1, lon1 = map(math.radians, VENUE)
    d, b = distance / 6_371_008.8, math.radians(bearing)
    lat2 = math.asin(math.sin(lat1) * math.cos(d) + math.cos(lat1) * math.sin(d) * math.cos(b))
    lon2 = lon1 + math.atan2(
        math.sin(b) * math.sin(d) * math.cos(lat1), math.cos(d) - math.sin(lat1) * math.sin(lat2)
    )
    point = (math.degrees(lat2), math.degrees(lon2))
    assert abs(distance_metres(*VENUE, *point) - distance) < 0.01
    return point


# (metres, bearing, month, crime type); then three crimes with no location at all.
CRIMES = [
    (0, 0, "2022-01", "Violence and sexual offences"),
    (20, 45, "2022-01", "Violence and sexual offences"),
    (60, 90, "2022-01", "Public order"),
    (99, 180, "2022-03", "Violence and sexual offences"),
    (99, 270, "2022-03", "Anti-social behaviour"),
    (101, 0, "2022-01", "Violence and sexual offences"),  # just outside 100 m
    (101, 135, "2022-03", "Drugs"),
    (150, 225, "2022-02", "Shoplifting"),
    (480, 315, "2022-02", "Robbery"),  # inside 500 m only
    (2000, 10, "2022-02", "Burglary"),  # far away
]
UNMAPPED = 3


async def arrange_area(db: asyncpg.Connection, *, located: bool = True) -> int:
    lat, lon = VENUE if located else (None, None)
    venue_id = int(
        await db.fetchval(
            "INSERT INTO venues (name, latitude, longitude) VALUES ('Area Arms', $1, $2) RETURNING id",
            lat,
            lon,
        )
    )
    rows: list[tuple[Any, ...]] = []
    for n, (metres, bearing, month, crime_type) in enumerate(CRIMES):
        p_lat, p_lon = _point(metres, bearing)
        rows.append((f"c{n}", date.fromisoformat(month + "-01"), p_lon, p_lat, crime_type))
    rows += [(f"u{n}", date(2022, 2, 1), None, None, "Burglary") for n in range(UNMAPPED)]
    await db.executemany(
        "INSERT INTO police_crimes (crime_key, month, longitude, latitude, crime_type) "
        "VALUES ($1, $2, $3, $4, $5)",
        rows,
    )
    await db.executemany(
        "INSERT INTO police_months (month) VALUES ($1)", [(date(2022, m, 1),) for m in (1, 2, 3)]
    )
    return venue_id


def _cells(area: dict[str, Any]) -> dict[tuple[str, str], int]:
    return {(m["month"], c["crime_type"]): c["count"] for m in area["months"] for c in m["by_type"]}


async def test_the_area_counts_crimes_inside_the_radius_by_month_and_type(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    venue_id = await arrange_area(db)
    area = (await client.get(f"/api/v1/venues/{venue_id}/area")).json()
    assert area["radius_metres"] == 100 and area["located"] is True
    assert [m["month"] for m in area["months"]] == ["2022-01", "2022-02", "2022-03"]
    assert _cells(area) == {
        ("2022-01", "Violence and sexual offences"): 2,
        ("2022-01", "Public order"): 1,
        ("2022-03", "Violence and sexual offences"): 1,
        ("2022-03", "Anti-social behaviour"): 1,
    }
    assert [m["total"] for m in area["months"]] == [3, 0, 2]  # a quiet month still shows
    assert area["by_type"] == [
        {"crime_type": "Violence and sexual offences", "count": 3},
        {"crime_type": "Anti-social behaviour", "count": 1},
        {"crime_type": "Public order", "count": 1},
    ]
    assert area["total"] == 5 and area["unmapped"] == UNMAPPED
    assert area["attribution"] == ATTRIBUTION


@pytest.mark.parametrize(
    ("radius", "total"), [(25, 2), (100, 5), (102, 7), (200, 8), (500, 9), (1000, 9)]
)
async def test_the_radius_decides_what_is_counted(
    client: httpx.AsyncClient, db: asyncpg.Connection, radius: int, total: int
) -> None:
    venue_id = await arrange_area(db)
    area = (await client.get(f"/api/v1/venues/{venue_id}/area?radius={radius}")).json()
    assert (area["radius_metres"], area["total"]) == (radius, total)


@pytest.mark.parametrize("radius", ["24", "1001", "-5", "lots"])
async def test_a_radius_out_of_range_is_refused_naming_it(
    client: httpx.AsyncClient, db: asyncpg.Connection, radius: str
) -> None:
    venue_id = await arrange_area(db)
    response = await client.get(f"/api/v1/venues/{venue_id}/area?radius={radius}")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [p["name"] for p in response.json()["invalid_params"]] == ["radius"]
    page = await client.get(f"/venues/{venue_id}/area?radius={radius}", headers=BROWSER)
    assert page.status_code == 422
    assert "from 25 to 1000" in page.text and "showing 100 m instead" in page.text


async def test_the_default_radius_is_a_setting(
    client: httpx.AsyncClient, db: asyncpg.Connection, running_app: Any
) -> None:
    venue_id = await arrange_area(db)
    settings = running_app.state.settings
    running_app.state.settings = msgspec.structs.replace(settings, area_radius_metres=500)
    try:
        area = (await client.get(f"/api/v1/venues/{venue_id}/area")).json()
    finally:
        running_app.state.settings = settings
    assert (area["radius_metres"], area["total"]) == (500, 9)


@pytest.mark.parametrize(
    ("raw", "expected"), [("250", 250), ("25", 25), ("1000", 1000), ("10", None), ("x", None)]
)
def test_the_radius_setting_is_read_and_checked(raw: str, expected: int | None) -> None:
    env = {"NTE_AREA_RADIUS_METRES": raw}
    if expected is None:
        with pytest.raises(SettingsError, match="NTE_AREA_RADIUS_METRES"):
            load_settings(env)
    else:
        assert load_settings(env).area_radius_metres == expected


async def test_the_area_page_shows_the_table_and_the_attribution(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    venue_id = await arrange_area(db)
    page = await client.get(f"/venues/{venue_id}/area", headers=BROWSER)
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text)
    assert "Police-recorded crime within 100 m" in text
    assert "<strong>5</strong> crimes within 100 m of the venue, Jan 2022 to Mar 2022" in text
    assert '<th scope="col" class="num">Feb<span class="year">2022</span></th>' in text
    # Violence: 3 in all; 2 in January, none in February, 1 in March.
    assert re.search(
        r'<th scope="row">Violence and sexual offences</th> ?<td class="num"><strong>3</strong>'
        r'</td> ?<td class="num">2</td> ?<td class="num zero">0</td> ?<td class="num">1</td>',
        text,
    )
    assert (
        "Not included: 3 crimes of these months that the police published without a "
        "location" in text
    )
    assert ATTRIBUTION in text
    assert "not incidents at this venue" in text
    assert 'aria-current="true">500 m' not in text and 'aria-current="true">100 m' in text


async def test_a_venue_without_coordinates_says_so(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    venue_id = await arrange_area(db, located=False)
    area = (await client.get(f"/api/v1/venues/{venue_id}/area")).json()
    assert area["located"] is False and area["total"] == 0 and area["by_type"] == []
    page = await client.get(f"/venues/{venue_id}/area", headers=BROWSER)
    assert page.status_code == 200
    assert "This venue has no coordinates" in page.text
    assert "<table" not in page.text


async def test_without_police_data_the_page_says_how_to_import_it(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    venue_id = int(
        await db.fetchval(
            "INSERT INTO venues (name, latitude, longitude) VALUES ('Quiet', 51.27, 0.52) RETURNING id"
        )
    )
    area = (await client.get(f"/api/v1/venues/{venue_id}/area")).json()
    assert area["months"] == [] and area["first_month"] is None and area["total"] == 0
    page = await client.get(f"/venues/{venue_id}/area", headers=BROWSER)
    assert "No police data has been imported yet" in page.text


async def test_unknown_venue_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/venues/999999/area")).status_code == 404
    assert (await client.get("/venues/999999/area", headers=BROWSER)).status_code == 404

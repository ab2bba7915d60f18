"""`nte import fhrs`: the real command on the real Maidstone export, and files it must refuse."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any

import pytest

from nte.db import connect
from tests.conftest import FHRS_FILE, SHARED_DATA, query, run_nte
from venues.fhrs import FhrsError, guess_venue_type, import_fhrs, read_fhrs

# The issue's own file when this checkout sits beside it; the shipped copy is the same bytes.
SHARED_FHRS = SHARED_DATA / "fsa_fhrs" / "FHRS185en-GB_2020-11-14.xml"
REAL_FHRS = SHARED_FHRS if SHARED_FHRS.exists() else FHRS_FILE


def snapshot(dsn: str) -> list[dict[str, Any]]:
    """Every venue row as stored, updated_at included."""
    return query(dsn, "SELECT * FROM venues ORDER BY fhrs_id")


def import_in_process(dsn: str, path: Path) -> None:
    async def run() -> None:
        conn = await connect(dsn)
        try:
            await import_fhrs(conn, path, progress=False)
        finally:
            await conn.close()

    asyncio.run(run())


def assert_refused(result: subprocess.CompletedProcess[str], path: Path) -> str:
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("nte: ") and path.name in lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    return lines[0]


# --- the command on the real file ---------------------------------------------------------


def test_import_creates_128_and_a_rerun_changes_nothing(cli_env: dict[str, str], dsn: str) -> None:
    first = run_nte(cli_env, "import", "fhrs", REAL_FHRS)
    assert first.returncode == 0, first.stderr
    assert "128 created, 0 updated" in first.stdout
    assert "1073 skipped" in first.stdout
    before = snapshot(dsn)
    assert len(before) == 128

    again = run_nte(cli_env, "import", "fhrs", REAL_FHRS)
    assert again.returncode == 0, again.stderr
    assert "0 created, 0 updated, 128 unchanged" in again.stdout
    assert snapshot(dsn) == before  # not one updated_at moved


def test_changed_name_in_an_edited_copy_is_one_update(
    cli_env: dict[str, str], dsn: str, tmp_path: Path
) -> None:
    import_in_process(dsn, FHRS_FILE)
    before = {v["fhrs_id"]: v for v in snapshot(dsn)}
    edited = tmp_path / "edited.xml"
    text = FHRS_FILE.read_text("utf-8")
    old = "<BusinessName>Society Rooms</BusinessName>"
    assert text.count(old) == 1
    edited.write_text(text.replace(old, "<BusinessName>Society Rooms Maidstone</BusinessName>"))

    result = run_nte(cli_env, "import", "fhrs", edited)
    assert result.returncode == 0, result.stderr
    assert "0 created, 1 updated, 127 unchanged" in result.stdout
    after = {v["fhrs_id"]: v for v in snapshot(dsn)}
    changed = [i for i in after if after[i] != before[i]]
    assert len(changed) == 1
    row = after[changed[0]]
    assert row["name"] == "Society Rooms Maidstone"
    assert row["updated_at"] > before[changed[0]]["updated_at"]


# --- files it must refuse, leaving the database as it was ----------------------------------


def _truncated(tmp: Path) -> Path:
    data = FHRS_FILE.read_bytes()
    path = tmp / "truncated.xml"
    path.write_bytes(data[: len(data) // 2])
    return path


def _cut_and_closed_again(tmp: Path) -> Path:
    """Cut after a whole establishment and closed again: well-formed, but half the export."""
    data = FHRS_FILE.read_bytes()
    end = data.index(b"</EstablishmentDetail>", len(data) // 2) + len(b"</EstablishmentDetail>")
    path = tmp / "closed.xml"
    path.write_bytes(data[:end] + b"</EstablishmentCollection></FHRSEstablishment>")
    return path


def _not_fhrs(tmp: Path) -> Path:
    path = tmp / "feed.xml"
    path.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>News</title></channel></rss>'
    )
    return path


def _not_xml(tmp: Path) -> Path:
    path = tmp / "venues.csv"
    path.write_text("FHRSID,BusinessName\n720970,Society Rooms\n")
    return path


def _empty(tmp: Path) -> Path:
    path = tmp / "empty.xml"
    path.write_bytes(b"")
    return path


BROKEN = {
    "truncated": _truncated,
    "cut-and-closed-again": _cut_and_closed_again,
    "xml-not-fhrs": _not_fhrs,
    "not-xml": _not_xml,
    "empty": _empty,
}


@pytest.mark.parametrize("make", BROKEN.values(), ids=BROKEN.keys())
def test_broken_file_exits_2_and_imports_nothing(
    make: Any, cli_env: dict[str, str], dsn: str, tmp_path: Path
) -> None:
    path = make(tmp_path)
    result = run_nte(cli_env, "import", "fhrs", path)
    assert "nothing was imported" in assert_refused(result, path)
    assert snapshot(dsn) == []


def test_truncated_file_after_a_good_import_changes_nothing(
    cli_env: dict[str, str], dsn: str, tmp_path: Path
) -> None:
    import_in_process(dsn, FHRS_FILE)
    before = snapshot(dsn)
    # Cut inside an establishment that would otherwise be created or updated.
    data = FHRS_FILE.read_bytes().replace(b">Society Rooms<", b">Society Rooms Ltd<")
    path = tmp_path / "cut.xml"
    path.write_bytes(data[: data.index(b"Society Rooms Ltd") + 400])
    assert_refused(run_nte(cli_env, "import", "fhrs", path), path)
    assert snapshot(dsn) == before


def test_missing_file_exits_2(cli_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "no-such-export.xml"
    assert "no such file" in assert_refused(run_nte(cli_env, "import", "fhrs", path), path)


# --- the reader, in process ------------------------------------------------------------------


def test_read_fhrs_keeps_the_pubs_bars_and_nightclubs() -> None:
    venues, skipped = read_fhrs(FHRS_FILE)
    assert (len(venues), skipped) == (128, 1073)
    assert len({v.fhrs_id for v in venues}) == 128
    society = next(v for v in venues if v.fhrs_id == 720970)
    assert society.name == "Society Rooms"
    assert society.address == "Brenchley House, Week Street, Maidstone, Kent"
    assert society.postcode == "ME14 1RF"
    assert society.rating == "5"
    assert society.latitude == pytest.approx(51.277263)
    assert society.longitude == pytest.approx(0.521696)
    names = {v.name for v in venues}
    assert "14 Forty FM Services - Compass Group" not in names  # a canteen, skipped
    # Doubled spaces in the register would defeat a search for "Clothworkers Arms".
    assert "Clothworkers Arms" in names


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Hare And Hounds", "pub"),
        ("Barming Arms", "pub"),
        ("The Imperial Bar", "bar"),
        ("Bar 6", "bar"),
        ("Ashes Sports Bar", "bar"),
        ("Club Nightclub", "nightclub"),
        ("The Night Club", "nightclub"),
        ("Tovil Working Mens Club", "other"),
        ("Maidstone Working Men's Club & Inst", "other"),
        ("Harrietsham Club", "other"),
        ("Maidstone Bowls Club", "other"),
        ("Tovil Scout Group", "other"),
    ],
)
def test_guess_venue_type(name: str, expected: str) -> None:
    assert guess_venue_type(name) == expected


def _export(*establishments: str, count: int | None = None) -> str:
    header = f"<Header><ItemCount>{count}</ItemCount></Header>" if count is not None else ""
    return (
        f'<?xml version="1.0"?><FHRSEstablishment>{header}<EstablishmentCollection>'
        + "".join(f"<EstablishmentDetail>{e}</EstablishmentDetail>" for e in establishments)
        + "</EstablishmentCollection></FHRSEstablishment>"
    )


PUB = "<BusinessTypeID>7843</BusinessTypeID>"


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (
            _export(f"<FHRSID>1</FHRSID>{PUB}<BusinessName>A</BusinessName>", count=2),
            "header promises 2 establishments but the file lists 1",
        ),
        (_export(f"<FHRSID>x1</FHRSID>{PUB}<BusinessName>A</BusinessName>"), "no valid FHRSID"),
        (_export(f"<FHRSID>1</FHRSID>{PUB}<BusinessName> </BusinessName>"), "no BusinessName"),
        (
            _export(
                f"<FHRSID>1</FHRSID>{PUB}<BusinessName>A</BusinessName>"
                "<Geocode><Latitude>north</Latitude></Geocode>"
            ),
            "unreadable Latitude",
        ),
        ("<FHRSEstablishment><Header>", "not complete, well-formed XML"),
    ],
)
def test_read_fhrs_refuses(document: str, reason: str, tmp_path: Path) -> None:
    path = tmp_path / "x.xml"
    path.write_text(document)
    with pytest.raises(FhrsError, match=reason):
        read_fhrs(path)


def test_read_fhrs_without_geocode_or_rating(tmp_path: Path) -> None:
    path = tmp_path / "x.xml"
    path.write_text(
        _export(
            f"<FHRSID>7</FHRSID>{PUB}<BusinessName>The  Swan </BusinessName>"
            "<AddressLine1>1 High St</AddressLine1><AddressLine3>Maidstone</AddressLine3><Geocode />",
            "<FHRSID>8</FHRSID><BusinessTypeID>1</BusinessTypeID><BusinessName>Cafe</BusinessName>",
            count=2,
        )
    )
    venues, skipped = read_fhrs(path)
    assert skipped == 1
    [swan] = venues
    assert (swan.fhrs_id, swan.name, swan.address) == (7, "The Swan", "1 High St, Maidstone")
    assert (swan.latitude, swan.longitude, swan.rating, swan.postcode) == (None, None, None, "")

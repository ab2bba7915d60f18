"""The demo's police data: the real Maidstone town-centre street file, January to November 2022."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from nte.db import Connection
from venues.police.importer import import_police
from venues.police.schemas import ImportSummary

__all__ = ["DEMO_POLICE_FILE", "load"]

DEMO_POLICE_FILE = Path(
    str(
        resources.files("venues.data").joinpath(
            "maidstone_towncentre_2022-01_to_2022-11_street.csv"
        )
    )
)


async def load(conn: Connection, *, progress: bool = True) -> ImportSummary:
    """Import the shipped file; the import is an upsert, so a rerun adds nothing."""
    return await import_police(conn, [DEMO_POLICE_FILE], progress=progress)

"""Each rule of the day is defined once (SQL functions, migration 0010), so on its boundary the
page, the API and the flag say the same thing. Run for the day itself and the day after."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import msgspec
import pytest

from inspections.flags.sweep import run_checks
from nte.settings import Settings
from tests.helpers import (
    BROWSER,
    Client,
    add_person,
    add_return,
    add_training,
    add_venue,
    text_of,
    today,
)
from venues.returns.service import last_ended_month, month_end, recent_months

# A course expiring on a day is still valid that day; a person leaving on a day is gone that day.
EDGES = {"on the day": 0, "the day before": -1}


async def flagged(db: asyncpg.Connection, settings: Settings, venue_id: int, rule: str) -> bool:
    await run_checks(db, settings)  # the checks' own day: today in London
    return bool(
        await db.fetchval(
            "SELECT count(*) FROM flags WHERE venue_id = $1 AND rule = $2 AND status = 'open'",
            venue_id,
            rule,
        )
    )


@pytest.mark.parametrize("edge", EDGES)
async def test_training_expiring_today_counts_everywhere_and_yesterday_nowhere(
    db: asyncpg.Connection, client: Client, settings: Settings, edge: str
) -> None:
    venue = await add_venue(db, licensable_activities=[])  # no DPS rule: coverage alone
    ann = await add_person(db, venue, "Ann Barker", front_of_house=True)
    expires = today() + timedelta(days=EDGES[edge])
    for course in ("wave", "ask_for_angela"):
        await add_training(db, ann, course, expires)
    valid = EDGES[edge] == 0

    status = (await client.get(f"/api/v1/venues/{venue}/training-status")).json()
    assert status["coverage"] == {"covered": int(valid), "total": 1, "percent": 100 * valid}
    assert status["people"][0]["courses"]["wave"]["status"] == ("expiring" if valid else "expired")
    summary = text_of((await client.get(f"/venues/{venue}/staff/summary", headers=BROWSER)).text)
    assert f"{int(valid)} of 1 front-of-house staff have valid WAVE" in summary
    assert await flagged(db, settings, venue, "training_lapsed") is not valid


@pytest.mark.parametrize("edge", EDGES)
async def test_someone_leaving_today_has_gone_everywhere(
    db: asyncpg.Connection, client: Client, settings: Settings, edge: str
) -> None:
    venue = await add_venue(db, licensable_activities=[])
    # Leaving today (gone) or tomorrow (still there), untrained: only they lower the coverage.
    left_on = today() + timedelta(days=1 + EDGES[edge])
    await add_person(db, venue, "Bo Carter", front_of_house=True, left_on=left_on)
    here = EDGES[edge] == 0

    people = (await client.get(f"/api/v1/venues/{venue}/staff")).json()
    assert [p["active"] for p in people] == [here]
    status = (await client.get(f"/api/v1/venues/{venue}/training-status")).json()
    assert status["coverage"]["total"] == int(here)
    summary = text_of((await client.get(f"/venues/{venue}/staff/summary", headers=BROWSER)).text)
    assert ("0 of 1 front-of-house" in summary) is here
    assert await flagged(db, settings, venue, "training_lapsed") is here


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """The suite's settings; for a return's edge, with the due-days setting chosen so that last
    month's return falls due today ("on the day") or fell due yesterday ("the day before")."""
    edge = getattr(request, "param", None)
    if edge is None:
        return settings
    days = (today() - month_end(last_ended_month(today()))).days + EDGES[edge]
    return msgspec.structs.replace(settings, return_due_days=days)


@pytest.mark.parametrize("settings", EDGES, indirect=True)
async def test_a_return_due_today_is_not_overdue_anywhere_and_the_next_day_everywhere(
    db: asyncpg.Connection, client: Client, settings: Settings
) -> None:
    month = last_ended_month(today())
    overdue = today() > month_end(month) + timedelta(days=settings.return_due_days)
    venue = await add_venue(db)
    for earlier in recent_months(today(), 14)[1:]:  # every other month is in: this one in play
        await add_return(db, venue, earlier)

    missing = (await client.get(f"/api/v1/returns/missing?month={month:%Y-%m}")).json()
    assert [m["venue_id"] for m in missing] == ([venue] if overdue else [])
    page = text_of((await client.get(f"/venues/{venue}/returns", headers=BROWSER)).text)
    assert (f"{month:%B %Y} was due on" in page) is overdue
    assert await flagged(db, settings, venue, "return_overdue") is overdue

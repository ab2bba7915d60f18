"""Ask-for-Angela rules: when a re-test is due, how ready a venue is, what participation may say."""

from __future__ import annotations

from datetime import date, timedelta

from nte.db import Connection
from nte.errors import InvalidInput
from venues.angela import queries
from venues.angela.schemas import (
    Angela,
    AngelaTest,
    AngelaTestCreate,
    Participation,
    ParticipationPut,
    Readiness,
)
from venues.staff.queries import front_of_house_coverage

__all__ = ["check_participation", "check_test", "load", "readiness", "retest_due"]


def retest_due(
    last_test: AngelaTest | None, retest_days: int, today: date
) -> tuple[date | None, bool]:
    """(due date, overdue) of the re-test owed after a failed test.

    Only the last test matters: a later test, passed or failed, answers an earlier failure
    (a failed re-test starts its own window). A re-test on the due date itself is in time,
    so the venue is overdue only from the day after.
    """
    if last_test is None or last_test.outcome == "pass":
        return None, False
    due_on = last_test.tested_on + timedelta(days=retest_days)
    return due_on, today > due_on


def readiness(
    participation: Participation,
    coverage: tuple[int, int] | None,
    last_test: AngelaTest | None,
    *,
    retest_days: int,
    today: date,
) -> Readiness:
    """``coverage`` is (trained, front-of-house) from the staff records, None if unknown."""
    trained, total = coverage if coverage is not None else (None, None)
    share = trained / total if trained is not None and total else None
    due_on, overdue = retest_due(last_test, retest_days, today)
    return Readiness(
        trained_staff=trained,
        front_of_house_staff=total,
        trained_share=share,
        # Nobody recorded front of house is "not known yet", not "nobody trained".
        posters_without_trained_staff=participation.posters_displayed and share == 0,
        last_test=last_test,
        retest_due_on=due_on,
        retest_overdue=overdue,
    )


async def load(conn: Connection, venue_id: int, *, retest_days: int, today: date) -> Angela:
    """A venue's participation and readiness, as the API and the pages show it."""
    participation = await queries.get_participation(conn, venue_id)
    coverage = (await front_of_house_coverage(conn, [venue_id], today)).get(venue_id)
    last = await queries.last_test(conn, venue_id)
    return Angela(
        venue_id=venue_id,
        participating=participation.participating,
        enrolled_on=participation.enrolled_on,
        posters_displayed=participation.posters_displayed,
        withdrawn_on=participation.withdrawn_on,
        generated=participation.generated,
        updated_at=participation.updated_at,
        readiness=readiness(participation, coverage, last, retest_days=retest_days, today=today),
    )


def check_participation(data: ParticipationPut, today: date) -> None:
    """InvalidInput naming each date that cannot be right."""
    errors: dict[str, str] = {}
    if data.enrolled_on is not None and data.enrolled_on > today:
        errors["enrolled_on"] = "cannot be in the future"
    if data.withdrawn_on is not None:
        if data.enrolled_on is None:
            errors["withdrawn_on"] = "needs an enrolment date: a venue can only leave after joining"
        elif data.withdrawn_on < data.enrolled_on:
            errors["withdrawn_on"] = "cannot be before the enrolment date"
        elif data.withdrawn_on > today:
            errors["withdrawn_on"] = "cannot be in the future"
    if errors:
        raise InvalidInput(errors)


def check_test(data: AngelaTestCreate, today: date) -> None:
    if data.tested_on > today:
        raise InvalidInput({"tested_on": "cannot be in the future"})

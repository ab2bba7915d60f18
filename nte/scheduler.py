"""Scheduler plumbing: APScheduler 3 fires, PostgreSQL decides which process runs each fire.

However many `nte serve` processes run, a fire runs once: the process that inserts the
claim row ``(job, fire_time)`` first does the work, the others see the conflict and skip.
Fire times are computed, not remembered, so every process names the same fire the same
way, and a fire missed while every server was down is run once by the next one to start.

Changes that the checks read (an incident, a test purchase, an import...) NOTIFY the
``nte_checks`` channel from a database trigger; each server debounces what it hears and
claims a run named after the last notification, so a burst of changes costs one run.

Other nightly jobs (the retention rules) ride on the same scheduler as ``NightlyJob``s,
each with its own name, time and claim rows, and its own catch-up at start.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, time, timedelta
from typing import Any, NamedTuple

import asyncpg
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from nte.clock import LONDON

__all__ = [
    "CHANNEL",
    "LONDON",
    "NightlyJob",
    "Scheduler",
    "WeeklyJob",
    "claim_fire",
    "last_fire_before",
    "last_weekly_fire_before",
]

log = logging.getLogger("nte.scheduler")

CHANNEL = "nte_checks"
NIGHTLY_JOB = "checks:nightly"
AFTER_CHANGE_JOB = "checks:after-change"

Work = Callable[[str], Awaitable[Any]]
"""The job's work, given what set it off ("nightly", "catch-up", "after-change")."""


class NightlyJob(NamedTuple):
    """Another job run once a night at ``at`` London time, claimed as ``(name, fire_time)``."""

    name: str
    at: time
    work: Work


def last_fire_before(now: datetime, at: time = time(2, 0)) -> datetime:
    """The latest daily fire at ``at`` London time that is not after ``now``."""
    local = now.astimezone(LONDON)
    candidate = datetime.combine(local.date(), at, tzinfo=LONDON)
    if candidate > local:
        candidate = datetime.combine(local.date() - timedelta(days=1), at, tzinfo=LONDON)
    return candidate


async def claim_fire(pool: asyncpg.Pool, job: str, fire_time: datetime, instance: str) -> bool:
    """True for exactly one caller per (job, fire_time), whichever process asks."""
    claimed = await pool.fetchval(
        """INSERT INTO job_claims (job, fire_time, claimed_by) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING RETURNING true""",
        job,
        fire_time,
        instance,
    )
    return bool(claimed)


class Scheduler:
    """The nightly checks, the catch-up at start, debounced runs after changes, and any
    other nightly jobs."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        work: Work,
        *,
        at: time = time(2, 0),
        debounce_seconds: float = 5.0,
        instance: str | None = None,
        nightly: Sequence[NightlyJob] = (),
    ) -> None:
        self.pool = pool
        self.work = work
        self.at = at
        self.nightly = list(nightly)
        self._work: dict[str, Work] = {NIGHTLY_JOB: work, AFTER_CHANGE_JOB: work}
        self._work.update((job.name, job.work) for job in self.nightly)
        self.debounce_seconds = debounce_seconds
        self.instance = instance or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._apscheduler: AsyncIOScheduler | None = None
        self._listener: asyncpg.Connection | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    async def fire(self, job: str, fire_time: datetime, trigger: str) -> bool:
        """Run the work for this fire if this process wins the claim; True when it ran."""
        if not await claim_fire(self.pool, job, fire_time, self.instance):
            return False
        try:
            await self._work.get(job, self.work)(trigger)
        finally:
            await self.pool.execute(
                "UPDATE job_claims SET finished_at = now() WHERE job = $1 AND fire_time = $2",
                job,
                fire_time,
            )
        return True

    async def _nightly(self) -> None:
        await self.fire(NIGHTLY_JOB, last_fire_before(datetime.now(LONDON), self.at), "nightly")

    async def _nightly_job(self, job: NightlyJob) -> None:
        await self.fire(job.name, last_fire_before(datetime.now(LONDON), job.at), "nightly")

    async def catch_up(self, job: NightlyJob | None = None) -> bool:
        """Run the last nightly fire of the checks (or of ``job``) if no process ran it
        (every server was down then)."""
        name, at = (NIGHTLY_JOB, self.at) if job is None else (job.name, job.at)
        return await self.fire(name, last_fire_before(datetime.now(LONDON), at), "catch-up")

    def _heard(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            stamp = datetime.fromisoformat(payload)
        except ValueError:
            log.warning("ignoring a malformed %s notification", CHANNEL)
            return
        if self._apscheduler is None:
            return
        # Replacing the pending job is the debounce: only the last change of a burst runs.
        self._apscheduler.add_job(
            self.fire,
            "date",
            run_date=datetime.now(LONDON) + timedelta(seconds=self.debounce_seconds),
            args=[AFTER_CHANGE_JOB, stamp, "after-change"],
            id=AFTER_CHANGE_JOB,
            replace_existing=True,
            misfire_grace_time=None,
        )

    async def start(self, dsn: str) -> None:
        scheduler = AsyncIOScheduler(timezone=LONDON)
        scheduler.add_job(
            self._nightly,
            CronTrigger(hour=self.at.hour, minute=self.at.minute, timezone=LONDON),
            id=NIGHTLY_JOB,
            coalesce=True,
            misfire_grace_time=3600,
            replace_existing=True,
        )
        for job in self.nightly:
            scheduler.add_job(
                self._nightly_job,
                CronTrigger(hour=job.at.hour, minute=job.at.minute, timezone=LONDON),
                args=[job],
                id=job.name,
                coalesce=True,
                misfire_grace_time=3600,
                replace_existing=True,
            )
        scheduler.start()
        self._apscheduler = scheduler
        self._listener = await asyncpg.connect(dsn)
        await self._listener.add_listener(CHANNEL, self._heard)
        task = asyncio.create_task(self._catch_up_logged())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _catch_up_logged(self) -> None:
        for job in [None, *self.nightly]:
            name = NIGHTLY_JOB if job is None else job.name
            try:
                if await self.catch_up(job):
                    log.info("ran %s, missed while no server was running", name)
            except Exception:
                log.exception("the catch-up run of %s failed", name)

    async def stop(self) -> None:
        if self._apscheduler is not None:
            self._apscheduler.shutdown(wait=False)
            self._apscheduler = None
        for task in list(self._tasks):
            task.cancel()
        if self._listener is not None:
            await self._listener.close()
            self._listener = None


def last_weekly_fire_before(now: datetime, weekday: int = 0, at: time = time(7, 0)) -> datetime:
    """The latest weekly fire (``weekday`` 0 = Monday, at ``at`` London time) not after ``now``."""
    local = now.astimezone(LONDON)
    day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    candidate = datetime.combine(day, at, tzinfo=LONDON)
    if candidate > local:
        candidate = datetime.combine(day - timedelta(days=7), at, tzinfo=LONDON)
    return candidate


WeeklyWork = Callable[[datetime, str], Awaitable[Any]]
"""The work of one weekly fire, given its fire time and what set it off ("weekly", "catch-up")."""


class WeeklyJob:
    """A job that runs once a week across every server (the weekly digest, Monday 07:00).

    The same claim row as the nightly checks: the fire time names the fire, so however many
    servers run, one does the work; a start after a fire that no server claimed (all were
    down at 07:00 that Monday) runs it then.
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        job: str,
        work: WeeklyWork,
        *,
        weekday: int = 0,
        at: time = time(7, 0),
        instance: str | None = None,
    ) -> None:
        self.pool = pool
        self.job = job
        self.work = work
        self.weekday = weekday
        self.at = at
        self.instance = instance or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._apscheduler: AsyncIOScheduler | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    async def fire(self, fire_time: datetime, trigger: str) -> bool:
        """Run this fire if this process wins its claim; True when it ran."""
        if not await claim_fire(self.pool, self.job, fire_time, self.instance):
            return False
        try:
            await self.work(fire_time, trigger)
        finally:
            await self.pool.execute(
                "UPDATE job_claims SET finished_at = now() WHERE job = $1 AND fire_time = $2",
                self.job,
                fire_time,
            )
        return True

    def _last_fire(self) -> datetime:
        return last_weekly_fire_before(datetime.now(LONDON), self.weekday, self.at)

    async def _scheduled(self) -> None:
        try:
            await self.fire(self._last_fire(), "weekly")
        except Exception:
            log.exception("the weekly job %s failed", self.job)

    async def catch_up(self) -> bool:
        """Run the last fire if no process ran it."""
        return await self.fire(self._last_fire(), "catch-up")

    async def _catch_up_logged(self) -> None:
        try:
            if await self.catch_up():
                log.info("ran %s, missed while no server was running", self.job)
        except Exception:
            log.exception("the catch-up run of %s failed", self.job)

    async def start(self) -> None:
        scheduler = AsyncIOScheduler(timezone=LONDON)
        scheduler.add_job(
            self._scheduled,
            CronTrigger(
                day_of_week=self.weekday, hour=self.at.hour, minute=self.at.minute, timezone=LONDON
            ),
            id=self.job,
            coalesce=True,
            misfire_grace_time=3600,
            replace_existing=True,
        )
        scheduler.start()
        self._apscheduler = scheduler
        task = asyncio.create_task(self._catch_up_logged())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        if self._apscheduler is not None:
            self._apscheduler.shutdown(wait=False)
            self._apscheduler = None
        for task in list(self._tasks):
            task.cancel()

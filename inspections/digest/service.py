"""The weekly digest: what each person's week holds, built for many people at once, and queued.

One query layer per role (officers and admins: the borough; partners: violence and underage
sales, and what they reported; venue managers: each of their venues), shared by the Monday
mail and the "this week" page, so the two can never disagree.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

import msgspec

from inspections.digest import queries
from inspections.digest.render import render_html, render_text
from inspections.digest.schemas import Bar, Digest, Group, Line, Recipient, Section, Window
from inspections.flags.rules import RULES
from nte.auth.secrets import new_token
from nte.clock import LONDON
from nte.db import Connection
from nte.errors import InvalidInput
from nte.mail import Mail
from nte.outbox import Queued, enqueue_many
from nte.settings import Settings

__all__ = [
    "SendReport",
    "build_digests",
    "compose",
    "last_full_week",
    "live_window",
    "parse_week",
    "preview",
    "send_week",
    "week_of_fire",
    "week_window",
]

OFFICER_ROLES = ("officer", "admin")
PARTNER_RULES = [
    "underage_sale",
    "persistent_underage_sales",
    "violence_cluster",
    "serious_violence",
]
MAX_LINES = 15
"""Lines per borough section; the rest are counted and linked, so a mail stays small."""

RULE_TITLES = {r.name: r.title for r in RULES} | {"inspection_overdue": "Inspection overdue"}
COURSES = {
    "wave": "WAVE",
    "ask_for_angela": "Ask for Angela",
    "age_verification": "age verification",
    "drink_spiking": "drink-spiking awareness",
    "act": "ACT counter-terrorism",
    "conflict_management": "conflict management",
    "first_aid": "first aid",
    "safeguarding": "safeguarding",
}
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


# -- weeks ---------------------------------------------------------------------------------------


def parse_week(raw: str) -> str:
    """A week as ``YYYY-Www`` (ISO 8601), checked; InvalidInput names ``week`` otherwise."""
    match = _WEEK.match(raw.strip())
    try:
        if match is None:
            raise ValueError
        date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise InvalidInput({"week": "must be an ISO week such as 2026-W48"}) from None
    return raw.strip()


def _day(d: date) -> str:
    return f"{d:%-d %b %Y}"


def week_window(week: str) -> Window:
    """The digest of an ISO week: what happened Monday to Sunday (London), and what is due
    from the Monday after, when the mail goes out."""
    year, number = (int(x) for x in parse_week(week).split("-W"))
    monday = date.fromisocalendar(year, number, 1)
    sunday = monday + timedelta(days=6)
    dash = "\N{EN DASH}"
    first = f"{monday:%-d}" if monday.month == sunday.month else f"{monday:%-d %B}"
    label = f"{first} {dash} {sunday:%-d %B %Y}"
    return Window(
        week=week,
        start=datetime.combine(monday, time(0), tzinfo=LONDON),
        end=datetime.combine(monday + timedelta(days=7), time(0), tzinfo=LONDON),
        as_of=monday + timedelta(days=7),
        label=label,
    )


def _iso(d: date) -> str:
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


def last_full_week(now: datetime) -> str:
    """The ISO week that ended most recently (the week a Monday morning digest is about)."""
    return _iso(now.astimezone(LONDON).date() - timedelta(days=7))


def week_of_fire(fire_time: datetime) -> str:
    """The week a Monday 07:00 fire sends: the one that ended at that Monday's midnight."""
    return last_full_week(fire_time)


def live_window(now: datetime) -> Window:
    """The "this week" page: the last seven days up to now, and what is due from today."""
    local = now.astimezone(LONDON)
    return Window(
        week=_iso(local.date()),
        start=now - timedelta(days=7),
        end=now,
        as_of=local.date(),
        label="the last 7 days",
    )


# -- lines ---------------------------------------------------------------------------------------


def _capped(
    key: str, title: str, lines: list[Line], more_href: str, *, good: bool = False
) -> Section:
    return Section(
        key=key,
        title=title,
        lines=lines[:MAX_LINES],
        good=good,
        more=max(len(lines) - MAX_LINES, 0),
        more_href=more_href,
    )


def _due(d: date, as_of: date, *, verb: str = "due") -> tuple[str, bool]:
    if d < as_of:
        return f"overdue since {_day(d)}", True
    return f"{verb} {_day(d)}", False


def _training_line(r: Any, as_of: date, *, with_venue: bool) -> Line:
    ended = r["expires_on"] < as_of
    text = (
        f"{r['staff_name']}'s {COURSES.get(r['course'], r['course'])} training "
        f"{'expired on' if ended else 'expires on'} {_day(r['expires_on'])}"
    )
    if with_venue:
        text = f"{r['venue_name']}: {text}"
    return Line(text=text, href=f"/staff/{r['staff_id']}", late=ended)


def _sia_line(r: Any, as_of: date, *, with_venue: bool) -> Line:
    ended = r["expires_on"] < as_of
    text = (
        f"{r['staff_name']}'s SIA licence {'expired on' if ended else 'expires on'} "
        f"{_day(r['expires_on'])}"
    )
    if with_venue:
        text = f"{r['venue_name']}: {text}"
    return Line(text=text, href=f"/staff/{r['staff_id']}", late=ended)


def _return_line(r: Any, as_of: date, *, with_venue: bool) -> Line:
    when, late = _due(r["due_on"], as_of)
    text = f"Monthly return for {r['period']:%B %Y}: {when}"
    if with_venue:
        text = f"{r['venue_name']}: {text}"
    return Line(text=text, href=f"/venues/{r['venue_id']}/returns", late=late)


def _action_line(r: Any, as_of: date, *, with_venue: bool) -> Line:
    when, late = _due(r["due_on"], as_of)
    reopened = " (reopened)" if r["status"] == "reopened" else ""
    text = f"Action{reopened}: {r['item']}, {when}"
    if with_venue:
        text = f"{r['venue_name']}: {text}"
    return Line(text=text, href=f"/venues/{r['venue_id']}/actions", late=late)


def _flag_line(r: Any) -> Line:
    title = RULE_TITLES.get(r["rule"], r["rule"].replace("_", " ").capitalize())
    return Line(
        text=f"{r['venue_name']}: {title} ({r['severity']})",
        href=f"/venues/{r['venue_id']}/flags",
    )


# -- the borough (officers and admins) ------------------------------------------------------------


async def _borough(
    conn: Connection, settings: Settings, window: Window
) -> tuple[list[Group], list[Bar], float]:
    as_of = window.as_of
    opened = await queries.flags_opened(conn, window.start, window.end)
    escalated = await queries.flags_escalated(conn, window.start, window.end)
    bands = await queries.band_changes(conn, window.start, window.end)
    due = await queries.inspections_due(conn, as_of)
    training = await queries.training_expiring(conn, None, as_of, settings.digest_expiry_days)
    sia = await queries.sia_expiring(conn, None, as_of, settings.sia_warning_days)
    returns = [
        r
        for r in await queries.returns_missing(conn, None, as_of, settings.return_due_days)
        if r["due_on"] < as_of
    ]
    actions = await queries.actions_overdue(conn, as_of)
    weeks = await queries.incidents_by_week(conn, window.start, window.end)

    sections = [
        _capped("flags_new", "New flags", [_flag_line(r) for r in opened], "/flags"),
        _capped(
            "flags_escalated",
            "Escalated flags",
            [
                Line(
                    text=f"{r['venue_name']}: {RULE_TITLES.get(r['rule'], r['rule'])}, "
                    f"{r['was']} to {r['severity']}",
                    href=f"/venues/{r['venue_id']}/flags",
                )
                for r in escalated
            ],
            "/flags",
        ),
        _capped(
            "band_changes",
            "Band changes",
            [
                Line(
                    text=f"{r['venue_name']}: band {r['was']} to {r['band']} ({r['reasons']})",
                    href=f"/venues/{r['venue_id']}",
                )
                for r in bands
            ],
            "/venues",
        ),
        _capped(
            "inspections_due",
            "Inspections due and overdue",
            [
                Line(
                    text=f"{r['venue_name']}: "
                    + (
                        "inspection overdue for its risk band"
                        if r["why"] == "flag"
                        else f"visit planned for {_day(r['due_on'])}"
                    ),
                    href=f"/venues/{r['venue_id']}/inspections",
                    late=r["why"] == "flag" or r["due_on"] < as_of,
                )
                for r in due
            ],
            "/visits",
        ),
        _capped(
            "expiring",
            "Training and SIA licences expiring",
            [_sia_line(r, as_of, with_venue=True) for r in sia]
            + [_training_line(r, as_of, with_venue=True) for r in training],
            "/venues",
        ),
        _capped(
            "returns_overdue",
            "Overdue monthly returns",
            [_return_line(r, as_of, with_venue=True) for r in returns],
            "/returns",
        ),
        _capped(
            "actions_overdue",
            "Overdue actions",
            [_action_line(r, as_of, with_venue=True) for r in actions],
            "/venues",
        ),
    ]
    counts = {r["n"]: r["count"] for r in weeks}
    before = [counts.get(n, 0) for n in (4, 3, 2, 1)]
    average = sum(before) / 4
    longest = max([*counts.values(), 1])
    chart = [
        Bar(
            label="This week" if n == 0 else f"{n} week{'s' if n > 1 else ''} before",
            count=counts.get(n, 0),
            current=n == 0,
            percent=round(100 * counts.get(n, 0) / longest),
        )
        for n in (4, 3, 2, 1, 0)
    ]
    return [Group(title="The borough", href="/venues", sections=sections)], chart, average


# -- partners --------------------------------------------------------------------------------------


async def _partners(
    conn: Connection, window: Window, partners: list[Recipient]
) -> dict[int, list[Group]]:
    flags = await queries.flags_opened(conn, window.start, window.end, PARTNER_RULES)
    flag_lines = [_flag_line(r) for r in flags]
    reported: dict[int, list[Line]] = defaultdict(list)
    for r in await queries.incidents_reported_by(
        conn, [p.id for p in partners], window.start, window.end
    ):
        where = r["venue_name"] or "in the street"
        category = r["category"].replace("_", " ")
        reported[r["reported_by"]].append(
            Line(
                text=f"{_day(r['occurred_at'].astimezone(LONDON).date())}: {category}"
                + (f" at {where}" if r["venue_name"] else f" {where}"),
                href=f"/venues/{r['venue_id']}/incidents" if r["venue_id"] else "/venues",
            )
        )
    return {
        p.id: [
            Group(
                title="Violence and underage sales",
                href="/flags",
                sections=[
                    _capped(
                        "flags_partner",
                        "New flags on violence and underage sales",
                        flag_lines,
                        "/flags",
                    ),
                    _capped(
                        "incidents_reported", "Incidents you reported", reported[p.id], "/venues"
                    ),
                ],
            )
        ]
        for p in partners
    }


# -- venue managers ------------------------------------------------------------------------------


async def _venues(
    conn: Connection, settings: Settings, window: Window, venue_ids: list[int]
) -> dict[int, Group]:
    """One group per venue: what to do this week, and what went well."""
    as_of = window.as_of
    start_day = window.start.astimezone(LONDON).date()
    end_day = window.end.astimezone(LONDON).date() + (
        timedelta(days=1) if window.end.astimezone(LONDON).time() != time(0) else timedelta(0)
    )
    names = {
        r["id"]: r["name"]
        for r in await conn.fetch(
            "SELECT id, name FROM venues WHERE id = ANY ($1::bigint[])", venue_ids
        )
    }
    todo: dict[int, list[Line]] = defaultdict(list)
    good: dict[int, list[Line]] = defaultdict(list)
    for r in await queries.returns_missing(conn, venue_ids, as_of, settings.return_due_days):
        todo[r["venue_id"]].append(_return_line(r, as_of, with_venue=False))
    for r in await queries.sia_expiring(conn, venue_ids, as_of, settings.sia_warning_days):
        todo[r["venue_id"]].append(_sia_line(r, as_of, with_venue=False))
    for r in await queries.training_expiring(conn, venue_ids, as_of, settings.digest_expiry_days):
        todo[r["venue_id"]].append(_training_line(r, as_of, with_venue=False))
    for r in await queries.actions_open(conn, venue_ids):
        todo[r["venue_id"]].append(_action_line(r, as_of, with_venue=False))
    for r in await queries.angela_retests_due(conn, venue_ids, settings.angela_retest_days):
        when, late = _due(r["due_on"], as_of, verb="due by")
        todo[r["venue_id"]].append(
            Line(
                text=f"Ask for Angela re-test after the failed test on {_day(r['tested_on'])}: {when}",
                href=f"/venues/{r['venue_id']}/angela",
                late=late,
            )
        )
    for r in await queries.test_purchases_passed(conn, venue_ids, start_day, end_day):
        good[r["venue_id"]].append(
            Line(
                text=f"Test purchase passed on {_day(r['attempted_on'])} ({r['agency']})",
                href=f"/venues/{r['venue_id']}/test-purchases",
            )
        )
    for r in await queries.angela_passed(conn, venue_ids, start_day, end_day):
        good[r["venue_id"]].append(
            Line(
                text=f"Ask for Angela test passed on {_day(r['tested_on'])}",
                href=f"/venues/{r['venue_id']}/angela",
            )
        )
    for r in await queries.actions_verified(conn, venue_ids, window.start, window.end):
        good[r["venue_id"]].append(
            Line(text=f"Action verified: {r['item']}", href=f"/venues/{r['venue_id']}/actions")
        )
    for r in await queries.clean_inspections(conn, venue_ids, window.start, window.end):
        day = r["completed_at"].astimezone(LONDON).date()
        good[r["venue_id"]].append(
            Line(
                text=f"A clean inspection on {_day(day)}: compliant",
                href=f"/inspections/{r['id']}/report",
            )
        )
    return {
        venue_id: Group(
            title=name,
            href=f"/venues/{venue_id}",
            sections=[
                Section(key="to_do", title="To do this week", lines=todo[venue_id]),
                Section(key="went_well", title="What went well", lines=good[venue_id], good=True),
            ],
        )
        for venue_id, name in names.items()
    }


# -- everyone ------------------------------------------------------------------------------------


def recipient(row: Any) -> Recipient:
    return msgspec.convert(dict(row), Recipient)


async def build_digests(
    conn: Connection, settings: Settings, window: Window, people: list[Recipient]
) -> list[Digest]:
    """Each person's digest for the window, in the order given; one pass per role."""
    out: dict[int, Digest] = {}
    officers = [p for p in people if p.role in OFFICER_ROLES]
    partners = [p for p in people if p.role == "partner"]
    managers = [p for p in people if p.role == "venue_manager"]
    if officers:
        groups, chart, average = await _borough(conn, settings, window)
        for p in officers:
            out[p.id] = Digest(p, window, groups, chart=chart, chart_average=average)
    if partners:
        by_partner = await _partners(conn, window, partners)
        for p in partners:
            out[p.id] = Digest(p, window, by_partner[p.id])
    if managers:
        venue_ids = sorted({v for p in managers for v in p.venue_ids})
        venues = await _venues(conn, settings, window, venue_ids)
        for p in managers:
            out[p.id] = Digest(p, window, [venues[v] for v in p.venue_ids if v in venues])
    return [out[p.id] for p in people]


def subject(digest: Digest) -> str:
    if digest.empty:
        return f"Nothing needs you this week · nte, {digest.window.label}"
    return f"Your week · nte, {digest.window.label}"


def compose(digest: Digest, settings: Settings, unsubscribe_url: str | None) -> Mail:
    """The digest as a mail: HTML and the same content as plain text, with RFC 8058 headers."""
    context = {
        "digest": digest,
        "base_url": settings.base_url,
        "unsubscribe_url": unsubscribe_url,
        "subject": subject(digest),
    }
    headers = {}
    if unsubscribe_url:
        headers = {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    return Mail(
        to=digest.recipient.email,
        subject=subject(digest),
        text=render_text(context),
        html=render_html(context),
        headers=headers,
    )


class SendReport(msgspec.Struct):
    week: str
    queued: int = 0
    already: int = 0
    """Digests of this week queued by an earlier run: never queued twice."""
    unsubscribed: int = 0
    quiet: int = 0
    """Nothing for them this week, and they turned the "nothing needs you" note off."""

    def line(self) -> str:
        return (
            f"digest {self.week}: {self.queued} queued, {self.already} already queued before, "
            f"{self.unsubscribed} unsubscribed, {self.quiet} with nothing and no note wanted"
        )


def digest_key(user_id: int, week: str) -> str:
    return f"digest:{user_id}:{week}"


async def send_week(
    conn: Connection, settings: Settings, week: str, *, email: str | None = None
) -> SendReport:
    """Build and queue every digest of ``week`` not queued yet, in one transaction."""
    window = week_window(week)
    report = SendReport(week=week)
    people = [recipient(r) for r in await queries.recipients(conn, email)]
    subscribed = [p for p in people if p.digest_subscribed]
    report.unsubscribed = len(people) - len(subscribed)
    existing = await queries.existing_digest_keys(
        conn, [digest_key(p.id, week) for p in subscribed]
    )
    todo = [p for p in subscribed if digest_key(p.id, week) not in existing]
    report.already = len(subscribed) - len(todo)
    mails: list[Queued] = []
    tokens: list[tuple[bytes, int, str]] = []
    for digest in await build_digests(conn, settings, window, todo):
        if digest.empty and not digest.recipient.digest_when_empty:
            report.quiet += 1
            continue
        raw, hashed = new_token()
        tokens.append((hashed, digest.recipient.id, week))
        url = f"{settings.base_url}/digest/unsubscribe/{raw}"
        mails.append(
            Queued(digest_key(digest.recipient.id, week), "digest", compose(digest, settings, url))
        )
    async with conn.transaction():
        # The links first: a mail is never queued with a link that does not work.
        await queries.add_unsubscribe_tokens(conn, tokens)
        report.queued = len(await enqueue_many(conn, settings, mails))
    return report


async def preview(conn: Connection, settings: Settings, email: str, week: str) -> Digest | None:
    """One person's digest of ``week``, sending nothing; None when no such account."""
    rows = await queries.recipients(conn, email.strip().lower())
    if not rows:
        return None
    return (await build_digests(conn, settings, week_window(week), [recipient(rows[0])]))[0]


async def this_week(conn: Connection, settings: Settings, user_id: int, now: datetime) -> Digest:
    """The signed-in person's "this week": the digest's queries, current to the minute."""
    row = await queries.recipient_by_id(conn, user_id)
    return (await build_digests(conn, settings, live_window(now), [recipient(row)]))[0]

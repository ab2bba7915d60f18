"""Inspections through the API: the checklist, idempotent uploads, completion, actions, visits."""

from __future__ import annotations

import io
import struct
import uuid
import zlib
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from inspections.flags.sweep import run_checks
from inspections.inspections.checklist import (
    ChecklistContext,
    DoorSupervisor,
    build_checklist,
)
from nte.clock import today
from nte.mail import list_dev_mail
from nte.settings import Settings
from tests.conftest import People


def png(width: int = 1, height: int = 1) -> bytes:
    """A real PNG (a browser can decode it): a grey picture of this size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# Small real images: what the server must recognise by their bytes.
PNG = png(40, 30)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


# --- the checklist, condition by condition ------------------------------------------------

ON = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("kind", "params", "text", "question"),
    [
        ("cctv", {"retention_days": 31}, "CCTV", "Ask to see footage from 31 days ago"),
        ("cctv", {"retention_days": 28}, "CCTV", "Ask to see footage from 28 days ago"),
        (
            "door_supervisors",
            {"count": 2, "from": "20:00", "days": "fri,sat"},
            "Door",
            "2 SIA door supervisors on duty from 20:00 (Fri, Sat)",
        ),
        (
            "door_supervisors",
            {"count": 1, "from": "21:00", "days": ["thu"]},
            "Door",
            "1 SIA door supervisor on duty from 21:00 (Thu)",
        ),
        (
            "door_supervisors",
            {},
            "Licensed by the SIA",
            "Everyone doing security work tonight holds an SIA licence",
        ),
        (
            "age_verification",
            {"scheme": "Challenge 25"},
            "C25",
            "Challenge 25 policy in use: ask staff which ID they accept",
        ),
        (
            "age_verification",
            {},
            "Policy",
            "An age-verification policy is adopted and staff can describe it",
        ),
        (
            "refusals_log",
            {"kept_months": 12},
            "Refusals",
            "Refusals register kept: look at entries from 12 months ago",
        ),
        (
            "incident_log",
            {"kept_months": 12},
            "Incidents",
            "Incident log kept: look at entries from 12 months ago",
        ),
        ("last_entry", {"time": "02:00"}, "Last entry", "No admission or re-admission after 02:00"),
        (
            "glassware",
            {"after": "22:00", "material": "polycarbonate"},
            "Glass",
            "Polycarbonate glassware in use after 22:00",
        ),
        ("dispersal", {}, "Dispersal", "Written dispersal policy kept and followed at closing"),
        (
            "capacity",
            {"max_persons": 450},
            "Capacity",
            "No more than 450 persons on the premises (staff excluded)",
        ),
        (
            "pubwatch",
            {"scheme": "Maidstone Pubwatch"},
            "Pubwatch",
            "Member of Maidstone Pubwatch: ask to see proof of membership",
        ),
        (
            "other",
            {},
            "Free tap water is provided on request.",
            "Free tap water is provided on request.",
        ),
    ],
)
def test_each_condition_kind_becomes_a_concrete_question(
    kind: str, params: dict[str, Any], text: str, question: str
) -> None:
    items = build_checklist([(7, kind, params, text)], ChecklistContext(on=ON))
    first = items[0]
    assert (first.key, first.question, first.condition_id) == ("condition:7", question, 7)
    assert first.condition_text == text


def test_the_standard_checks_follow_and_name_the_door_supervisors() -> None:
    ctx = ChecklistContext(
        on=ON,
        dps_name="Dee Smith",
        door_supervisors=[
            DoorSupervisor("Al Door", "1234567890123456", date(2027, 3, 1)),
            DoorSupervisor("Bo Door", "6543210987654321", date(2026, 1, 1)),
        ],
        angela_enrolled=True,
        angela_posters=True,
        angela_trained=3,
    )
    items = build_checklist([], ctx)
    by_key = {i.key: i for i in items}
    assert list(by_key) == [
        "check:dps",
        "check:sia_badges",
        "check:angela",
        "check:logs",
        "check:age_verification",
        "check:cctv",
    ]
    assert "Dee Smith" in by_key["check:dps"].guidance
    sia = by_key["check:sia_badges"].guidance
    assert "Al Door: SIA 1234567890123456, expires 1 Mar 2027" in sia
    assert "Bo Door: SIA 6543210987654321, EXPIRED 1 Jan 2026" in sia
    assert "3 front-of-house staff" in by_key["check:angela"].guidance


def test_a_standard_check_a_condition_covers_is_not_asked_twice() -> None:
    conditions = [
        (1, "cctv", {"retention_days": 31}, "CCTV"),
        (2, "refusals_log", {}, "R"),
        (3, "incident_log", {}, "I"),
        (4, "age_verification", {}, "A"),
    ]
    keys = [i.key for i in build_checklist(conditions, ChecklistContext(on=ON))]
    assert "check:cctv" not in keys and "check:logs" not in keys
    assert "check:age_verification" not in keys
    assert keys[-3:] == ["check:dps", "check:sia_badges", "check:angela"]


# --- arranging ------------------------------------------------------------------------------


async def make_venue(db: asyncpg.Connection, name: str = "The Swan") -> int:
    return int(
        await db.fetchval(
            "INSERT INTO venues (name, dps_name, latitude, longitude) "
            "VALUES ($1, 'Dee Smith', 51.2730, 0.5230) RETURNING id",
            name,
        )
    )


async def add_condition(
    client: httpx.AsyncClient, venue_id: int, kind: str, params: dict[str, Any], text: str
) -> int:
    r = await client.post(
        f"/api/v1/venues/{venue_id}/conditions",
        json={"kind": kind, "objective": "crime_disorder", "params": params, "text": text},
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def start(client: httpx.AsyncClient, venue_id: int, **body: Any) -> httpx.Response:
    body.setdefault("client_uuid", str(uuid.uuid4()))
    return await client.post(f"/api/v1/venues/{venue_id}/inspections", json=body)


def item(inspection: dict[str, Any], key: str) -> dict[str, Any]:
    return next(i for i in inspection["items"] if i["key"] == key)


# --- start, snapshot, idempotency -----------------------------------------------------------


async def test_the_checklist_is_a_snapshot_an_edit_or_removal_never_rewrites(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    venue_id = await make_venue(db)
    cctv = await add_condition(client, venue_id, "cctv", {"retention_days": 31}, "CCTV 31 days")
    r = await start(client, venue_id)
    assert r.status_code == 201, r.text
    inspection = r.json()
    asked = item(inspection, f"condition:{cctv}")
    assert asked["question"] == "Ask to see footage from 31 days ago"
    assert asked["condition_text"] == "CCTV 31 days" and asked["result"] == "not_checked"

    patched = await client.patch(
        f"/api/v1/conditions/{cctv}", json={"params": {"retention_days": 14}, "text": "CCTV 14"}
    )
    assert patched.status_code == 200, patched.text
    later = (await start(client, venue_id)).json()
    assert item(later, f"condition:{cctv}")["question"] == "Ask to see footage from 14 days ago"
    assert (await client.delete(f"/api/v1/conditions/{cctv}")).status_code in (200, 204)

    again = (await client.get(f"/api/v1/inspections/{inspection['id']}")).json()
    kept = item(again, f"condition:{cctv}")
    assert kept["question"] == "Ask to see footage from 31 days ago"
    assert kept["condition_text"] == "CCTV 31 days"
    assert kept["condition_id"] is None  # the condition is gone; what was asked stays


async def test_the_same_inspection_posted_three_times_is_stored_once(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    venue_id = await make_venue(db)
    body = {
        "client_uuid": str(uuid.uuid4()),
        "items": [{"key": "check:dps", "result": "minor", "note": "DPS off site, phoned in"}],
        "summary": "Busy Friday; door team good.",
        "confidence_in_management": 10,
        "complete": True,
    }
    answers = [
        await client.post(f"/api/v1/venues/{venue_id}/inspections", json=body) for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert answers[0].json()["outcome"] == "minor"
    assert await db.fetchval("SELECT count(*) FROM inspections") == 1
    assert await db.fetchval("SELECT count(*) FROM actions") == 1

    other = dict(body, summary="Something else")
    conflict = await client.post(f"/api/v1/venues/{venue_id}/inspections", json=other)
    assert conflict.status_code == 409
    assert conflict.headers["content-type"].startswith("application/problem+json")
    assert body["client_uuid"] in conflict.json()["detail"]
    assert await db.fetchval("SELECT count(*) FROM inspections") == 1


async def test_a_different_venue_under_a_known_uuid_is_a_conflict(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    a, b = await make_venue(db, "A"), await make_venue(db, "B")
    key = str(uuid.uuid4())
    assert (await start(client, a, client_uuid=key)).status_code == 201
    assert (await start(client, b, client_uuid=key)).status_code == 409


async def test_bad_input_names_the_field(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    venue_id = await make_venue(db)
    r = await start(client, venue_id, client_uuid="not-a-uuid")
    assert r.status_code == 400 and r.json()["invalid_params"][0]["name"] == "client_uuid"
    r = await start(client, venue_id, kind="reactive")
    assert r.status_code == 422 and r.json()["invalid_params"][0]["name"] == "reason"
    r = await start(client, venue_id, complete=True, items=[])
    assert r.status_code == 422
    assert r.json()["invalid_params"][0]["name"] == "confidence_in_management"
    created = (await start(client, venue_id)).json()
    r = await client.patch(
        f"/api/v1/inspections/{created['id']}", json={"items": [{"key": "nope", "result": "minor"}]}
    )
    assert r.status_code == 422 and r.json()["invalid_params"][0]["name"] == "items[0].key"
    r = await client.patch(
        f"/api/v1/inspections/{created['id']}", json={"confidence_in_management": 7}
    )
    assert r.status_code == 400 and "confidence_in_management" in r.text


async def test_an_answer_for_a_condition_removed_while_offline_is_kept(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    venue_id = await make_venue(db)
    created = (await start(client, venue_id)).json()
    r = await client.patch(
        f"/api/v1/inspections/{created['id']}",
        json={
            "items": [
                {
                    "key": "condition:999",
                    "question": "Pubwatch radio carried",
                    "result": "minor",
                    "note": "No radio",
                }
            ]
        },
    )
    assert r.status_code == 200, r.text
    kept = item(r.json(), "condition:999")
    assert (kept["question"], kept["result"], kept["note"]) == (
        "Pubwatch radio carried",
        "minor",
        "No radio",
    )


# --- recording and completing ---------------------------------------------------------------


async def test_outcome_actions_and_a_report_mailed_once_on_completion(
    client: httpx.AsyncClient, db: asyncpg.Connection, people: People, settings: Settings
) -> None:
    venue_id = await make_venue(db)
    await people.user("venue_manager", [venue_id], email="manager@swan.test")
    created = (await start(client, venue_id)).json()
    url = f"/api/v1/inspections/{created['id']}"
    r = await client.patch(
        url,
        json={
            "items": [
                {"key": "check:dps", "result": "compliant"},
                {"key": "check:sia_badges", "result": "major", "note": "Expired badge on duty"},
                {"key": "check:angela", "result": "minor", "note": "No posters in the toilets"},
            ],
            "summary": "Door staff problem.",
            "confidence_in_management": 20,
        },
    )
    assert r.status_code == 200 and r.json()["outcome"] is None  # not completed yet
    done = await client.patch(url, json={"complete": True})
    assert done.status_code == 200, done.text
    inspection = done.json()
    assert inspection["outcome"] == "major" and inspection["completed_at"]
    on = datetime.fromisoformat(inspection["completed_at"]).date()
    due = {a["item"]: a["due_on"] for a in inspection["actions"]}
    assert due == {
        "SIA badges displayed and valid": str(on + timedelta(days=7)),
        "Ask for Angela posters displayed and staff trained": str(on + timedelta(days=28)),
    }
    again = await client.patch(url, json={"complete": True})
    assert again.status_code == 200 and again.json() == inspection  # completed once
    changed = await client.patch(url, json={"summary": "Rewritten"})
    assert changed.status_code == 409
    assert await db.fetchval("SELECT count(*) FROM actions") == 2

    mail = list_dev_mail(settings)
    assert [m.to for m in mail] == ["manager@swan.test"]
    assert mail[0].subject == "Inspection report: The Swan"
    assert "Outcome: Major breach" in mail[0].text
    assert f"/inspections/{inspection['id']}/report" in mail[0].text

    listed = (await client.get(f"/api/v1/venues/{venue_id}/inspections")).json()
    assert [(i["id"], i["outcome"], i["breaches"], i["open_actions"]) for i in listed] == [
        (inspection["id"], "major", 2, 2)
    ]
    timeline = (await client.get(f"/api/v1/venues/{venue_id}/timeline")).json()["items"]
    kinds = [t["kind"] for t in timeline]
    assert "inspection" in kinds and kinds.count("action") == 2
    assert any(t["title"] == "Inspection: major breach" for t in timeline)


# --- photos ---------------------------------------------------------------------------------


async def test_the_same_photo_sent_three_times_is_stored_once(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    venue_id = await make_venue(db)
    created = (await start(client, venue_id)).json()
    url = f"/api/v1/inspections/{created['id']}/photos"
    photo_uuid = str(uuid.uuid4())

    def send(content: bytes, key: str = "check:dps", name: str = "p.png") -> Any:
        return client.post(
            url,
            data={"client_uuid": photo_uuid, "item_key": key},
            files={"photo": (name, io.BytesIO(content), "image/png")},
        )

    answers = [await send(PNG) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert await db.fetchval("SELECT count(*) FROM inspection_photos") == 1
    photo = answers[0].json()
    assert photo["content_type"] == "image/png"

    conflict = await send(JPEG)
    assert conflict.status_code == 409
    assert conflict.headers["content-type"].startswith("application/problem+json")
    assert (await send(PNG, key="check:angela")).status_code == 409

    served = await client.get(photo["url"])
    assert served.status_code == 200 and served.content == PNG
    assert served.headers["content-type"] == "image/png"
    shown = (await client.get(f"/api/v1/inspections/{created['id']}")).json()
    assert [p["id"] for p in item(shown, "check:dps")["photos"]] == [photo["id"]]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"%PDF-1.4 not a photo", "must be a JPEG, PNG or WebP image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "must be a JPEG, PNG or WebP image"),
        (b"", "is an empty file"),
    ],
)
async def test_anything_but_an_image_is_refused_with_a_reason(
    client: httpx.AsyncClient, db: asyncpg.Connection, content: bytes, reason: str
) -> None:
    venue_id = await make_venue(db)
    created = (await start(client, venue_id)).json()
    r = await client.post(
        f"/api/v1/inspections/{created['id']}/photos",
        data={"client_uuid": str(uuid.uuid4())},
        files={"photo": ("photo.jpg", io.BytesIO(content), "image/jpeg")},
    )
    assert r.status_code == 422
    assert r.json()["invalid_params"] == [{"name": "photo", "reason": reason}]
    assert await db.fetchval("SELECT count(*) FROM inspection_photos") == 0


async def test_a_photo_over_ten_megabytes_is_413(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    venue_id = await make_venue(db)
    created = (await start(client, venue_id)).json()
    big = JPEG[:-2] + b"\0" * (11 * 1024 * 1024)
    r = await client.post(
        f"/api/v1/inspections/{created['id']}/photos",
        data={"client_uuid": str(uuid.uuid4())},
        files={"photo": ("big.jpg", io.BytesIO(big), "image/jpeg")},
    )
    assert r.status_code == 413
    assert r.json()["invalid_params"][0]["name"] == "photo"


# --- actions --------------------------------------------------------------------------------


async def completed_with_breach(client: httpx.AsyncClient, venue_id: int) -> dict[str, Any]:
    r = await start(
        client,
        venue_id,
        items=[{"key": "check:dps", "result": "minor", "note": "DPS unreachable"}],
        confidence_in_management=10,
        complete=True,
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_the_venue_answers_and_the_officer_verifies_or_reopens(
    client: httpx.AsyncClient, db: asyncpg.Connection, people: People
) -> None:
    venue_id = await make_venue(db)
    inspection = await completed_with_breach(client, venue_id)
    action_id = inspection["actions"][0]["id"]
    url = f"/api/v1/actions/{action_id}"
    async with await people.signed_in("venue_manager", [venue_id]) as manager:
        listed = (await manager.get(f"/api/v1/venues/{venue_id}/actions")).json()
        assert [(a["id"], a["status"], a["description"]) for a in listed] == [
            (action_id, "open", "DPS unreachable")
        ]
        assert (await manager.patch(url, json={"action": "verify"})).status_code == 403
        r = await manager.patch(url, json={"action": "answer", "note": ""})
        assert r.status_code == 422 and r.json()["invalid_params"][0]["name"] == "note"
        r = await manager.patch(
            url, json={"action": "answer", "note": "New DPS mobile on the wall"}
        )
        assert r.status_code == 200 and r.json()["status"] == "answered"
        r = await manager.post(
            f"{url}/file", files={"file": ("notice.png", io.BytesIO(PNG), "image/png")}
        )
        assert r.status_code == 201 and r.json()["file"]["content_type"] == "image/png"
        bad = await manager.post(
            f"{url}/file", files={"file": ("x.png", io.BytesIO(b"MZ\x90\x00"), "image/png")}
        )
        assert bad.status_code == 422 and bad.json()["invalid_params"][0]["name"] == "file"
    assert (await client.patch(url, json={"action": "answer", "note": "x"})).status_code == 403
    r = await client.patch(url, json={"action": "reopen", "note": "Number is not on the wall"})
    assert r.status_code == 200 and r.json()["status"] == "reopened"
    r = await client.patch(url, json={"action": "verify", "note": "Seen on the second visit"})
    assert r.status_code == 200 and r.json()["status"] == "verified" and r.json()["verified_at"]
    assert (await client.patch(url, json={"action": "verify"})).json()["verified_at"] == r.json()[
        "verified_at"
    ]


async def test_an_overdue_action_raises_actions_overdue_until_verified(
    client: httpx.AsyncClient, db: asyncpg.Connection, settings: Settings
) -> None:
    venue_id = await make_venue(db)
    inspection = await completed_with_breach(client, venue_id)
    action_id = inspection["actions"][0]["id"]
    await run_checks(db, settings)
    assert await db.fetchval("SELECT count(*) FROM flags WHERE rule = 'actions_overdue'") == 0

    await db.execute(
        "UPDATE actions SET due_on = $2 WHERE id = $1", action_id, today() - timedelta(days=1)
    )
    await run_checks(db, settings)
    flag = await db.fetchrow(
        "SELECT status, explanation, evidence FROM flags WHERE rule = 'actions_overdue'"
    )
    assert flag["status"] == "open"
    assert flag["evidence"] == {"actions": [action_id]}
    assert flag["explanation"].startswith("1 action past due: DPS on site or contactable (due ")

    r = await client.patch(f"/api/v1/actions/{action_id}", json={"action": "verify"})
    assert r.status_code == 200
    await run_checks(db, settings)
    assert (
        await db.fetchval("SELECT status FROM flags WHERE rule = 'actions_overdue'") == "resolved"
    )


# --- scope and visits ---------------------------------------------------------------------


async def test_another_venues_manager_gets_404_for_every_record(
    client: httpx.AsyncClient, db: asyncpg.Connection, people: People
) -> None:
    mine, theirs = await make_venue(db, "Mine"), await make_venue(db, "Theirs")
    inspection = await completed_with_breach(client, theirs)
    photo = (
        await client.post(
            f"/api/v1/inspections/{inspection['id']}/photos",
            data={"client_uuid": str(uuid.uuid4())},
            files={"photo": ("p.png", io.BytesIO(PNG), "image/png")},
        )
    ).json()
    action_id = inspection["actions"][0]["id"]
    async with await people.signed_in("venue_manager", [mine]) as manager:
        for method, url in [
            ("GET", f"/api/v1/venues/{theirs}/inspections"),
            ("GET", f"/api/v1/inspections/{inspection['id']}"),
            ("PATCH", f"/api/v1/inspections/{inspection['id']}"),
            ("POST", f"/api/v1/inspections/{inspection['id']}/photos"),
            ("GET", photo["url"]),
            ("GET", f"/api/v1/venues/{theirs}/actions"),
            ("GET", f"/api/v1/actions/{action_id}"),
            ("PATCH", f"/api/v1/actions/{action_id}"),
            ("GET", f"/inspections/{inspection['id']}/report"),
            ("GET", f"/venues/{theirs}/actions"),
        ]:
            r = await manager.request(method, url, json={} if method != "GET" else None)
            assert r.status_code == 404, (method, url, r.status_code)
        own = await manager.get(f"/api/v1/venues/{mine}/actions")
        assert own.status_code == 200 and own.json() == []


async def test_my_visits_today_and_overdue_nearest_first_then_coming(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    near = await make_venue(db, "Near")
    far = int(
        await db.fetchval(
            "INSERT INTO venues (name, latitude, longitude) VALUES ('Far', 51.30, 0.60) RETURNING id"
        )
    )
    on = today()
    for venue_id, planned_on in [
        (far, on),
        (near, on - timedelta(days=2)),
        (near, on + timedelta(days=3)),
    ]:
        r = await client.post(
            f"/api/v1/venues/{venue_id}/visits", json={"planned_on": str(planned_on)}
        )
        assert r.status_code == 201, r.text
    r = await client.post(
        f"/api/v1/venues/{near}/visits", json={"planned_on": str(on), "kind": "reactive"}
    )
    assert r.status_code == 422 and r.json()["invalid_params"][0]["name"] == "reason"

    plain = (await client.get("/api/v1/visits")).json()
    assert [(v["venue_name"], v["status"]) for v in plain] == [
        ("Near", "overdue"),
        ("Far", "today"),
        ("Near", "coming"),
    ]
    here = (await client.get("/api/v1/visits", params={"lat": 51.301, "lon": 0.601})).json()
    assert [(v["venue_name"], v["status"]) for v in here] == [
        ("Far", "today"),
        ("Near", "overdue"),
        ("Near", "coming"),
    ]
    assert here[0]["distance_m"] < here[1]["distance_m"]
    # An inspection of the visit takes it off the list.
    visit = plain[0]
    r = await start(client, near, visit_id=visit["id"], confidence_in_management=0, complete=True)
    assert r.status_code == 201 and r.json()["scheduled_for"] == visit["planned_on"]
    assert [v["id"] for v in (await client.get("/api/v1/visits")).json()] == [
        plain[1]["id"],
        plain[2]["id"],
    ]
    assert (await client.get("/api/v1/visits", params={"lat": 51.3})).status_code == 422


async def test_a_visit_has_one_inspection(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    venue_id = await make_venue(db)
    visit = (
        await client.post(f"/api/v1/venues/{venue_id}/visits", json={"planned_on": str(today())})
    ).json()
    assert (await start(client, venue_id, visit_id=visit["id"])).status_code == 201
    second = await start(client, venue_id, visit_id=visit["id"])
    assert second.status_code == 409
    assert second.json()["invalid_params"][0]["name"] == "visit_id"
    other = await make_venue(db, "Elsewhere")
    wrong = await start(client, other, visit_id=visit["id"])
    assert wrong.status_code == 422 and wrong.json()["invalid_params"][0]["name"] == "visit_id"

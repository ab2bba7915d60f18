"""Signing in and out, sessions, CSRF, throttling, tokens, invitations, resets, the audit trail."""

from __future__ import annotations

import re

import asyncpg
import httpx
import msgspec
import pytest
from litestar import Litestar

from nte.auth.middleware import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, csrf_token_for
from nte.auth.store import create_api_token
from tests.conftest import TEST_PASSWORD, People, SmtpSink, run_nte

CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def form_token(client: httpx.AsyncClient, path: str = "/login") -> str:
    """The CSRF token a page hands its forms, as a browser would find it."""
    page = await client.get(path)
    match = CSRF_FIELD.search(page.text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


async def log_in(
    client: httpx.AsyncClient, email: str, password: str = TEST_PASSWORD
) -> httpx.Response:
    token = await form_token(client)
    return await client.post(
        "/login", data={"email": email, "password": password, "_csrf_token": token}
    )


async def email_of(db: asyncpg.Connection, user_id: int) -> str:
    return str(await db.fetchval("SELECT email FROM users WHERE id = $1", user_id))


# --- sessions -------------------------------------------------------------------------------


async def test_pages_send_strangers_to_the_login_page_and_back(
    anon_client: httpx.AsyncClient,
) -> None:
    response = await anon_client.get("/venues?q=bull")
    assert response.status_code in (302, 303)
    assert response.headers["location"] == "/login?next=/venues%3Fq%3Dbull"


async def test_api_answers_401_without_credentials(anon_client: httpx.AsyncClient) -> None:
    response = await anon_client.get("/api/v1/venues")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_login_sets_a_new_session_id_and_the_old_one_stops_working(
    people: People, db: asyncpg.Connection
) -> None:
    user = await people.user("officer")
    async with people.anonymous() as browser:
        # An id planted before login (session fixation) must not become the session.
        browser.cookies.set(SESSION_COOKIE, "planted-by-someone-else", domain="testserver.local")
        first = await log_in(browser, await email_of(db, user))
        assert first.status_code in (302, 303)
        first_id = browser.cookies[SESSION_COOKIE]
        assert first_id != "planted-by-someone-else"
        cookie = first.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")

        await log_in(browser, await email_of(db, user))
        second_id = browser.cookies[SESSION_COOKIE]
        assert second_id != first_id
        assert (await browser.get("/venues")).status_code == 200

    async with people.anonymous() as old:
        old.cookies.set(SESSION_COOKIE, first_id, domain="testserver.local")
        assert (await old.get("/api/v1/venues")).status_code == 401


async def test_logout_ends_the_session_on_the_server(
    people: People, db: asyncpg.Connection
) -> None:
    user = await people.user("partner")
    async with people.anonymous() as browser:
        await log_in(browser, await email_of(db, user))
        session_id = browser.cookies[SESSION_COOKIE]
        token = await form_token(browser, "/venues")
        response = await browser.post("/logout", data={"_csrf_token": token})
        assert response.status_code in (302, 303)
    assert await db.fetchval("SELECT count(*) FROM sessions WHERE user_id = $1", user) == 0
    async with people.anonymous() as replay:
        replay.cookies.set(SESSION_COOKIE, session_id, domain="testserver.local")
        assert (await replay.get("/api/v1/venues")).status_code == 401


@pytest.mark.parametrize(
    "expire_sql",
    [
        # idle for longer than the night shift (8 hours by default)
        "UPDATE sessions SET last_seen_at = now() - interval '8 hours 1 minute'",
        # past its absolute end, however busy
        "UPDATE sessions SET expires_at = now() - interval '1 second'",
    ],
    ids=["idle", "absolute"],
)
async def test_an_expired_session_is_refused(
    people: People, db: asyncpg.Connection, expire_sql: str
) -> None:
    async with await people.signed_in("officer") as browser:
        assert (await browser.get("/api/v1/venues")).status_code == 200
        await db.execute(expire_sql)
        assert (await browser.get("/api/v1/venues")).status_code == 401


async def test_a_disabled_account_is_signed_out(people: People, db: asyncpg.Connection) -> None:
    user = await people.user("officer")
    async with await people.client_for(user) as browser:
        assert (await browser.get("/api/v1/venues")).status_code == 200
        await db.execute("UPDATE users SET disabled = true WHERE id = $1", user)
        assert (await browser.get("/api/v1/venues")).status_code == 401


# --- CSRF -----------------------------------------------------------------------------------


async def test_csrf_refuses_a_form_without_the_token_and_accepts_it_with(people: People) -> None:
    async with await people.signed_in("officer", csrf=False) as browser:
        data = {"name": "The Csrf Arms", "venue_type": "pub", "status": "active"}
        refused = await browser.post("/venues", data=data)
        assert refused.status_code == 403
        assert "did not come from this site" in refused.text
        token = await form_token(browser, "/venues/new")
        accepted = await browser.post("/venues", data={**data, "_csrf_token": token})
        assert accepted.status_code in (302, 303)
        assert (await browser.get("/api/v1/venues?q=Csrf")).json()["total"] == 1


async def test_csrf_refuses_htmx_without_the_header_and_accepts_it_with(people: People) -> None:
    async with await people.signed_in("officer", csrf=False) as browser:
        headers = {"HX-Request": "true", "content-type": "application/x-www-form-urlencoded"}
        body = "name=Htmx+Tavern&venue_type=pub&status=active"
        await browser.get("/venues")  # the first page a browser loads hands it the CSRF cookie
        assert (await browser.post("/venues", content=body, headers=headers)).status_code == 403
        token = csrf_token_for(people.settings.secret_key, browser.cookies[CSRF_COOKIE])
        ok = await browser.post("/venues", content=body, headers={**headers, CSRF_HEADER: token})
        assert ok.status_code in (302, 303)


async def test_cookie_json_needs_csrf_but_a_bearer_token_does_not(
    people: People, db: asyncpg.Connection
) -> None:
    user = await people.user("officer")
    async with await people.client_for(user, csrf=False) as browser:
        refused = await browser.post("/api/v1/venues", json={"name": "Cookie Only"})
        assert refused.status_code == 403
        me = (await browser.get("/api/v1/auth/me")).json()
        ok = await browser.post(
            "/api/v1/venues",
            json={"name": "Cookie And Header"},
            headers={CSRF_HEADER: me["csrf_token"]},
        )
        assert ok.status_code == 201
    token = await create_api_token(db, user)
    async with people.anonymous() as script:
        made = await script.post(
            "/api/v1/venues",
            json={"name": "Token Made"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert made.status_code == 201


# --- throttling and not revealing accounts ----------------------------------------------------


async def _api_login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"email": email, "password": password})


async def test_unknown_and_known_emails_get_the_same_answer(
    people: People, db: asyncpg.Connection
) -> None:
    known = await email_of(db, await people.user("officer"))
    async with people.anonymous() as client:
        a = await _api_login(client, known, "wrong password entirely")
        b = await _api_login(client, "nobody@example.org", "wrong password entirely")
    assert (
        (a.status_code, a.json())
        == (b.status_code, b.json())
        == (
            401,
            {"status": 401, "title": "Not signed in", "detail": "The e-mail or password is wrong."},
        )
    )


async def test_repeated_failures_are_refused_for_a_while_known_or_not(
    people: People, db: asyncpg.Connection
) -> None:
    known = await email_of(db, await people.user("officer"))
    for email in (known, "ghost@example.org"):
        async with people.anonymous() as client:
            statuses = [
                (await _api_login(client, email, f"guess number {i}")).status_code for i in range(6)
            ]
            assert statuses == [401] * 5 + [429]
            refused = await _api_login(client, email, TEST_PASSWORD)
            assert refused.status_code == 429, "even the right password waits out the lock"
            assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60


async def test_the_right_password_clears_earlier_failures(
    people: People, db: asyncpg.Connection
) -> None:
    known = await email_of(db, await people.user("officer"))
    async with people.anonymous() as client:
        for i in range(2):
            assert (await _api_login(client, known, f"typo {i}")).status_code == 401
        assert (await _api_login(client, known, TEST_PASSWORD)).status_code == 200
    assert await db.fetchval("SELECT count(*) FROM login_failures WHERE email = $1", known) == 0


# --- tokens -----------------------------------------------------------------------------------


async def test_api_token_works_until_revoked_and_records_its_last_use(
    people: People, db: asyncpg.Connection
) -> None:
    user = await people.user("partner")
    token = await create_api_token(db, user, "police feed")
    assert (
        await db.fetchval("SELECT count(*) FROM api_tokens WHERE token_hash = $1", token.encode())
        == 0
    ), "only a hash is stored"
    headers = {"Authorization": f"Bearer {token}"}
    async with people.anonymous() as script:
        assert (await script.get("/api/v1/venues", headers=headers)).status_code == 200
        assert await db.fetchval(
            "SELECT last_used_at IS NOT NULL FROM api_tokens WHERE user_id = $1", user
        )
        await db.execute("UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1", user)
        assert (await script.get("/api/v1/venues", headers=headers)).status_code == 401
        wrong = {"Authorization": "Bearer nte_not-a-token"}
        assert (await script.get("/api/v1/venues", headers=wrong)).status_code == 401


def test_tokens_create_prints_a_token_once(cli_env: dict[str, str]) -> None:
    made = run_nte(
        cli_env,
        "users",
        "create",
        "--email",
        "Feed@Example.org",
        "--role",
        "partner",
        "--password",
        "a long enough passphrase",
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip().isdigit()
    token = run_nte(cli_env, "tokens", "create", "--email", "feed@example.org")
    assert token.returncode == 0, token.stderr
    assert token.stdout.startswith("nte_") and len(token.stdout.strip()) > 40
    missing = run_nte(cli_env, "tokens", "create", "--email", "nobody@example.org")
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "nobody@example.org" in missing.stderr


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--role", "venue_manager"], "needs at least one venue"),
        (["--role", "officer", "--password", "short"], "at least 10 characters"),
        (["--role", "officer", "--password", "password123"], "most common passwords"),
    ],
)
def test_users_create_refuses_bad_input_in_one_line(
    cli_env: dict[str, str], args: list[str], reason: str
) -> None:
    result = run_nte(cli_env, "users", "create", "--email", "x@example.org", *args)
    assert result.returncode == 2
    assert reason in result.stderr and result.stderr.count("\n") == 1


# --- passwords, invitations, resets -------------------------------------------------------------


async def test_passwords_are_stored_as_argon2id(
    db: asyncpg.Connection, cli_env: dict[str, str]
) -> None:
    made = run_nte(
        cli_env,
        "users",
        "create",
        "--email",
        "hash@example.org",
        "--role",
        "officer",
        "--password",
        "a long enough passphrase",
    )
    assert made.returncode == 0, made.stderr
    stored = await db.fetchval("SELECT password_hash FROM users WHERE email = 'hash@example.org'")
    assert stored.startswith("$argon2id$")
    assert "a long enough passphrase" not in stored


async def test_an_invitation_arrives_by_smtp_and_its_link_works_once(
    people: People, running_app: Litestar, db: asyncpg.Connection, smtp: tuple[SmtpSink, int]
) -> None:
    sink, port = smtp
    running_app.state.settings = msgspec.structs.replace(
        running_app.state.settings,
        smtp_host="127.0.0.1",
        smtp_port=port,
        base_url="http://testserver.local",
    )
    async with await people.signed_in("admin") as admin:
        response = await admin.post(
            "/admin/users",
            data={
                "email": "New.Officer@Example.org",
                "display_name": "New Officer",
                "role": "officer",
            },
        )
        assert response.status_code in (302, 303)
    assert len(sink.messages) == 1
    assert sink.messages[0]["To"] == "new.officer@example.org"
    link = sink.links()[0]
    path = link.removeprefix("http://testserver.local")
    assert (
        await db.fetchval(
            "SELECT count(*) FROM email_tokens WHERE token_hash::text LIKE $1",
            "%" + path.rsplit("/", 1)[1] + "%",
        )
        == 0
    ), "only a hash is stored"

    async with people.anonymous() as newcomer:
        assert (await newcomer.get(path)).status_code == 200
        token = await form_token(newcomer, path)
        weak = await newcomer.post(
            path,
            data={"password": "password123", "password_again": "password123", "_csrf_token": token},
        )
        assert weak.status_code == 422 and "most common passwords" in weak.text
        good = "bright lanterns on the medway"
        done = await newcomer.post(
            path, data={"password": good, "password_again": good, "_csrf_token": token}
        )
        assert done.status_code in (302, 303)
        assert (await _api_login(newcomer, "new.officer@example.org", good)).status_code == 200
        again = await newcomer.get(path)
        assert again.status_code == 410 and "expired or was already used" in again.text


async def test_password_reset_mails_only_real_accounts_and_ends_old_sessions(
    people: People, running_app: Litestar, db: asyncpg.Connection, smtp: tuple[SmtpSink, int]
) -> None:
    sink, port = smtp
    running_app.state.settings = msgspec.structs.replace(
        running_app.state.settings,
        smtp_host="127.0.0.1",
        smtp_port=port,
        base_url="http://testserver.local",
    )
    user = (
        await people.user("venue_manager", [], email="manager@example.org")
        if False
        else await people.user("officer", email="reset.me@example.org")
    )
    old_session = await people.client_for(user)
    async with people.anonymous() as browser:
        answers = []
        for email in ("reset.me@example.org", "not.here@example.org"):
            token = await form_token(browser, "/password-reset")
            page = await browser.post(
                "/password-reset", data={"email": email, "_csrf_token": token}
            )
            answers.append((page.status_code, "If that address has an account" in page.text))
        assert answers[0] == answers[1] == (200, True)
        assert [m["To"] for m in sink.messages] == ["reset.me@example.org"]
        path = sink.links()[0].removeprefix("http://testserver.local")
        token = await form_token(browser, path)
        new = "a new passphrase for winter"
        done = await browser.post(
            path, data={"password": new, "password_again": new, "_csrf_token": token}
        )
        assert done.status_code in (302, 303)
    async with old_session:
        assert (await old_session.get("/api/v1/venues")).status_code == 401
    async with people.anonymous() as browser:
        assert (await _api_login(browser, "reset.me@example.org", new)).status_code == 200


async def test_without_smtp_mail_goes_to_a_folder_listed_for_admins(people: People) -> None:
    async with await people.signed_in("admin") as admin:
        await admin.post("/admin/users", data={"email": "folder@example.org", "role": "partner"})
        page = await admin.get("/admin/mail")
        assert page.status_code == 200
        assert "folder@example.org" in page.text and "/invite/" in page.text


# --- the audit trail ----------------------------------------------------------------------------


async def test_every_change_is_audited_with_who_and_which_request(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    made = await client.post("/api/v1/venues", json={"name": "The Audited Arms", "capacity": 90})
    venue = made.json()
    await client.patch(f"/api/v1/venues/{venue['id']}", json={"capacity": 120})
    rows = await db.fetch(
        "SELECT actor, action, before, after, request_id FROM audit_log "
        "WHERE table_name = 'venues' AND record_id = $1 ORDER BY id",
        venue["id"],
    )
    assert [r["action"] for r in rows] == ["create", "update"]
    assert all(r["actor"].startswith("officer") and "(officer)" in r["actor"] for r in rows)
    assert rows[1]["before"]["capacity"] == 90 and rows[1]["after"]["capacity"] == 120
    assert rows[0]["request_id"] and rows[0]["request_id"] != rows[1]["request_id"]


async def test_a_refused_change_leaves_no_audit_row(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    before = await db.fetchval("SELECT count(*) FROM audit_log")
    await client.post("/api/v1/venues", json={"name": "First", "premises_licence_no": "PL/1"})
    clash = await client.post(
        "/api/v1/venues", json={"name": "Second", "premises_licence_no": "PL/1"}
    )
    assert clash.status_code == 409
    assert await db.fetchval("SELECT count(*) FROM audit_log") == before + 1


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log", "TRUNCATE audit_log"],
)
async def test_the_audit_trail_cannot_be_rewritten(
    client: httpx.AsyncClient, dsn: str, statement: str
) -> None:
    await client.post("/api/v1/venues", json={"name": "Evidence Inn"})
    # The application's own database user, straight at the table.
    conn = await asyncpg.connect(dsn)
    try:
        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            await conn.execute(statement)
        assert await conn.fetchval("SELECT count(*) FROM audit_log") >= 1
    finally:
        await conn.close()


async def test_officers_see_a_venues_history_and_managers_do_not(
    client: httpx.AsyncClient, people: People
) -> None:
    venue = (
        await client.post("/api/v1/venues", json={"name": "History House", "capacity": 50})
    ).json()
    await client.patch(f"/api/v1/venues/{venue['id']}", json={"capacity": 75})
    page = await client.get(f"/venues/{venue['id']}")
    assert 'id="history"' in page.text and "50" in page.text and "75" in page.text
    async with await people.signed_in("venue_manager", [venue["id"]]) as manager:
        own = await manager.get(f"/venues/{venue['id']}")
        assert own.status_code == 200 and 'id="history"' not in own.text


async def test_an_admin_changes_a_scope_and_disables_an_account_from_the_page(
    people: People, db: asyncpg.Connection
) -> None:
    a = await db.fetchval("INSERT INTO venues (name) VALUES ('First Venue') RETURNING id")
    b = await db.fetchval("INSERT INTO venues (name) VALUES ('Second Venue') RETURNING id")
    manager = await people.user("venue_manager", [a])
    async with await people.signed_in("admin") as admin, await people.client_for(manager) as them:
        assert (await them.get(f"/api/v1/venues/{b}")).status_code == 404
        moved = await admin.post(
            f"/admin/users/{manager}", data={"role": "venue_manager", "venues": [str(b)]}
        )
        assert moved.status_code in (302, 303)
        assert (await them.get(f"/api/v1/venues/{b}")).status_code == 200
        assert (await them.get(f"/api/v1/venues/{a}")).status_code == 404
        no_venue = await admin.post(f"/admin/users/{manager}", data={"role": "venue_manager"})
        assert no_venue.status_code == 422 and "needs at least one venue" in no_venue.text
        await admin.post(
            f"/admin/users/{manager}",
            data={"role": "venue_manager", "venues": [str(b)], "disabled": "on"},
        )
        assert (await them.get(f"/api/v1/venues/{b}")).status_code == 401
    changes = await db.fetch(
        "SELECT table_name, action, actor FROM audit_log WHERE table_name IN ('users', "
        "'user_venues') AND action <> 'create' OR (table_name = 'user_venues' AND action = "
        "'create' AND (after->>'venue_id')::bigint = $1) ORDER BY id",
        b,
    )
    assert {c["table_name"] for c in changes} == {"users", "user_venues"}
    assert all("(admin)" in c["actor"] for c in changes)

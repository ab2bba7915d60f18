"""Accounts: users, roles and venue scopes, logins, invitations and password resets."""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime, timedelta

import asyncpg
import msgspec

from nte.auth import throttle
from nte.auth.identity import Role
from nte.auth.passwords import hash_password, password_problem, verify_password
from nte.auth.secrets import new_token, token_hash
from nte.errors import InvalidInput
from nte.mail import Mail, send_mail
from nte.settings import Settings

__all__ = [
    "DEMO_ACCOUNTS",
    "LoginOutcome",
    "User",
    "active_user_id",
    "attempt_login",
    "create_user",
    "ensure_demo_accounts",
    "invite_user",
    "is_demo_database",
    "list_users",
    "redeem_email_token",
    "request_password_reset",
    "venue_choices",
]


class User(msgspec.Struct):
    id: int
    email: str
    display_name: str
    role: Role
    disabled: bool
    has_password: bool
    venue_ids: list[int]
    created_at: datetime


_USER = """
    u.id, u.email, u.display_name, u.role, u.disabled, u.password_hash IS NOT NULL AS has_password,
    coalesce((SELECT array_agg(uv.venue_id ORDER BY uv.venue_id) FROM user_venues uv
              WHERE uv.user_id = u.id), '{}') AS venue_ids,
    u.created_at"""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _check_scope(role: str, venue_ids: list[int]) -> None:
    if role == "venue_manager" and not venue_ids:
        raise InvalidInput({"venues": "a venue manager needs at least one venue"})
    if role != "venue_manager" and venue_ids:
        raise InvalidInput({"venues": "only venue managers are limited to venues"})


async def _set_venues(conn: asyncpg.Connection, user_id: int, venue_ids: list[int]) -> None:
    known = await conn.fetchval(
        "SELECT count(*) FROM venues WHERE id = ANY($1::bigint[])", venue_ids
    )
    if known != len(set(venue_ids)):
        raise InvalidInput({"venues": "names a venue that does not exist"})
    await conn.execute(
        "DELETE FROM user_venues WHERE user_id = $1 AND NOT (venue_id = ANY($2::bigint[]))",
        user_id,
        venue_ids,
    )
    await conn.execute(
        """INSERT INTO user_venues (user_id, venue_id) SELECT $1, unnest($2::bigint[])
           ON CONFLICT DO NOTHING""",
        user_id,
        venue_ids,
    )


async def create_user(
    conn: asyncpg.Connection,
    *,
    email: str,
    role: Role,
    display_name: str = "",
    venue_ids: list[int] | None = None,
    password: str | None = None,
) -> int:
    """A new account; without a password it can only be entered through an invitation."""
    email = normalise_email(email)
    venue_ids = list(venue_ids or [])
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise InvalidInput({"email": "must be an e-mail address"})
    _check_scope(role, venue_ids)
    if password is not None and (problem := password_problem(password, email)):
        raise InvalidInput({"password": problem})
    if await conn.fetchval("SELECT 1 FROM users WHERE email = $1", email):
        raise InvalidInput({"email": "already has an account"})
    password_hash = await hash_password(password) if password is not None else None
    async with conn.transaction():
        user_id: int = await conn.fetchval(
            """INSERT INTO users (email, display_name, role, password_hash)
               VALUES ($1, $2, $3, $4) RETURNING id""",
            email,
            display_name.strip() or email.split("@")[0],
            role,
            password_hash,
        )
        await _set_venues(conn, user_id, venue_ids)
    return user_id


async def get_user(conn: asyncpg.Connection, user_id: int) -> User | None:
    row = await conn.fetchrow(f"SELECT {_USER} FROM users u WHERE u.id = $1", user_id)
    return msgspec.convert(dict(row), User) if row else None


async def list_users(conn: asyncpg.Connection) -> list[User]:
    rows = await conn.fetch(f"SELECT {_USER} FROM users u ORDER BY u.disabled, u.role, u.email")
    return [msgspec.convert(dict(r), User) for r in rows]


async def update_user(
    conn: asyncpg.Connection, user_id: int, *, role: Role, venue_ids: list[int], disabled: bool
) -> None:
    """Change a role, a venue scope or disable; a disabled person is signed out everywhere."""
    _check_scope(role, venue_ids)
    await conn.execute(
        "UPDATE users SET role = $2, disabled = $3, updated_at = now() WHERE id = $1",
        user_id,
        role,
        disabled,
    )
    await _set_venues(conn, user_id, venue_ids)
    if disabled:
        await conn.execute("DELETE FROM sessions WHERE user_id = $1", user_id)
        await conn.execute(
            "UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
            user_id,
        )


class LoginOutcome(msgspec.Struct):
    user_id: int | None = None
    retry_after: int | None = None
    """Set when refused for now: seconds to wait."""


async def attempt_login(
    conn: asyncpg.Connection, settings: Settings, email: str, password: str, client: str
) -> LoginOutcome:
    """Check a password under the throttle; the caller makes the session on success.

    Unknown, disabled and not-yet-activated accounts fail exactly like a wrong password.
    """
    email = normalise_email(email)
    if retry := await throttle.refused_for(conn, settings, email, client):
        return LoginOutcome(retry_after=retry)
    row = await conn.fetchrow(
        "SELECT id, password_hash FROM users WHERE email = $1 AND NOT disabled", email
    )
    if await verify_password(row["password_hash"] if row else None, password):
        await throttle.clear_failures(conn, email)
        return LoginOutcome(user_id=row["id"] if row else None)
    failures = await throttle.record_failure(conn, email, client)
    await asyncio.sleep(throttle.slowdown(failures))
    return LoginOutcome()


INVITE_VALID = timedelta(days=7)
RESET_VALID = timedelta(hours=1)


async def _email_token(
    conn: asyncpg.Connection, user_id: int, purpose: str, valid: timedelta
) -> str:
    raw, digest = new_token()
    await conn.execute(
        """INSERT INTO email_tokens (token_hash, user_id, purpose, expires_at)
           VALUES ($1, $2, $3, now() + $4)""",
        digest,
        user_id,
        purpose,
        valid,
    )
    return raw


async def invite_user(
    conn: asyncpg.Connection,
    settings: Settings,
    *,
    email: str,
    role: Role,
    display_name: str = "",
    venue_ids: list[int] | None = None,
) -> int:
    user_id = await create_user(
        conn, email=email, role=role, display_name=display_name, venue_ids=venue_ids
    )
    raw = await _email_token(conn, user_id, "invite", INVITE_VALID)
    await send_mail(
        settings,
        Mail(
            to=normalise_email(email),
            subject="You are invited to nte, the licensing compliance tracker",
            text=(
                f"You have been given a {role.replace('_', ' ')} account on nte.\n\n"
                f"Choose your password here (the link works once, for 7 days):\n"
                f"{settings.base_url}/invite/{raw}\n"
            ),
        ),
    )
    return user_id


async def request_password_reset(conn: asyncpg.Connection, settings: Settings, email: str) -> None:
    """Mail a reset link if the account exists; the caller answers the same either way."""
    email = normalise_email(email)
    user_id = await conn.fetchval("SELECT id FROM users WHERE email = $1 AND NOT disabled", email)
    if user_id is None:
        return
    raw = await _email_token(conn, user_id, "reset", RESET_VALID)
    await send_mail(
        settings,
        Mail(
            to=email,
            subject="Reset your nte password",
            text=(
                "Someone (we hope you) asked to reset your nte password.\n\n"
                f"Choose a new one here (the link works once, for 1 hour):\n"
                f"{settings.base_url}/password-reset/{raw}\n\n"
                "If it was not you, ignore this mail; your password stays as it is.\n"
            ),
        ),
    )


async def email_token_user(conn: asyncpg.Connection, raw: str, purpose: str) -> int | None:
    """The account a still-valid, unused link belongs to."""
    return await conn.fetchval(
        """SELECT t.user_id FROM email_tokens t JOIN users u ON u.id = t.user_id
           WHERE t.token_hash = $1 AND t.purpose = $2 AND t.used_at IS NULL
             AND t.expires_at > now() AND NOT u.disabled""",
        token_hash(raw),
        purpose,
    )


async def redeem_email_token(
    conn: asyncpg.Connection, raw: str, purpose: str, password: str
) -> int:
    """Set the password through a link, once; every other session of the account ends."""
    user_id = await conn.fetchval(
        """UPDATE email_tokens SET used_at = now()
           WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
           RETURNING user_id""",
        token_hash(raw),
        purpose,
    )
    if user_id is None:
        raise InvalidInput({"link": "has expired or was already used; ask for a new one"})
    email = await conn.fetchval("SELECT email FROM users WHERE id = $1", user_id)
    if problem := password_problem(password, email):
        raise InvalidInput({"password": problem})
    await conn.execute(
        "UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1",
        user_id,
        await hash_password(password),
    )
    await conn.execute("DELETE FROM sessions WHERE user_id = $1", user_id)
    return int(user_id)


DEMO_ACCOUNTS: tuple[tuple[str, Role, str], ...] = (
    ("officer@demo.nte.example", "officer", "Demo Licensing Officer"),
    ("partner@demo.nte.example", "partner", "Demo Police Partner"),
    ("admin@demo.nte.example", "admin", "Demo Administrator"),
    ("manager@demo.nte.example", "venue_manager", "Demo Venue Manager"),
)


async def mark_demo_database(conn: asyncpg.Connection) -> bool:
    """Record that the demo made this database, if it is empty; True when it is (or was) the demo's."""
    if await conn.fetchval("SELECT 1 FROM app_meta WHERE key = 'demo'"):
        return True
    if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM venues) OR EXISTS (SELECT 1 FROM users)"):
        return False
    await conn.execute("INSERT INTO app_meta (key, value) VALUES ('demo', '{}'::jsonb)")
    return True


async def ensure_demo_accounts(
    conn: asyncpg.Connection, manager_venue_ids: list[int]
) -> list[tuple[str, str, str]]:
    """One account per role in a demo database: (email, role, password), for printing.

    The passwords are random per database and kept in app_meta so that every start can
    print them; this only ever happens in a database the demo made.
    """
    meta = await conn.fetchval("SELECT value FROM app_meta WHERE key = 'demo'")
    if meta is None:
        raise RuntimeError("not a demo database")
    passwords: dict[str, str] = dict(meta.get("passwords", {}))
    for email, role, name in DEMO_ACCOUNTS:
        if email in passwords:
            continue
        password = "demo-" + secrets.token_urlsafe(9)
        await create_user(
            conn,
            email=email,
            role=role,
            display_name=name,
            password=password,
            venue_ids=manager_venue_ids if role == "venue_manager" else None,
        )
        passwords[email] = password
    await conn.execute(
        "UPDATE app_meta SET value = $1 WHERE key = 'demo'", {**meta, "passwords": passwords}
    )
    return [(email, role, passwords[email]) for email, role, _ in DEMO_ACCOUNTS]


async def active_user_id(conn: asyncpg.Connection, email: str) -> int | None:
    """The id of the account with this e-mail, unless there is none or it is disabled."""
    user_id: int | None = await conn.fetchval(
        "SELECT id FROM users WHERE email = $1 AND NOT disabled", normalise_email(email)
    )
    return user_id


async def is_demo_database(conn: asyncpg.Connection) -> bool:
    """True where the demo made this database (and so may print its accounts' passwords)."""
    return bool(await conn.fetchval("SELECT 1 FROM app_meta WHERE key = 'demo'"))


async def venue_choices(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Every venue by name, for choosing a venue manager's scope (id, name, postcode)."""
    return list(await conn.fetch("SELECT id, name, postcode FROM venues ORDER BY lower(name), id"))

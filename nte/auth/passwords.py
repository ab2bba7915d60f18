"""Password rules and argon2id hashing (argon2-cffi); hashing runs off the event loop."""

from __future__ import annotations

import asyncio
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["MIN_LENGTH", "hash_password", "password_problem", "verify_password"]

MIN_LENGTH = 10
_hasher = PasswordHasher()  # argon2id with the library's current recommended costs


@cache
def _common() -> frozenset[str]:
    text = resources.files("nte.auth").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def password_problem(password: str, email: str = "") -> str | None:
    """Why this password will not do, in plain words; None when it is fine."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters long"
    if len(password) > 1024:
        return "must be at most 1024 characters long"
    lowered = password.lower()
    if lowered in _common() or lowered.rstrip("0123456789!") in _common():
        return "is one of the most common passwords; choose another"
    local = email.split("@", 1)[0].lower()
    if len(local) >= 4 and local in lowered:
        return "must not contain your e-mail address"
    return None


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("not-a-real-password-only-for-timing")


async def verify_password(password_hash: str | None, password: str) -> bool:
    """True when it matches. With no hash (unknown or invited account) it still spends the
    same time, so the answer's timing does not reveal whether an account exists."""

    def check() -> bool:
        try:
            return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)

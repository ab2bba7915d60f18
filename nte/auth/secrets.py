"""Random tokens handed to people (cookies, links, API tokens), stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["new_token", "token_hash"]


def new_token() -> tuple[str, bytes]:
    """A fresh token and the hash to store; the token itself is shown once and never kept."""
    raw = secrets.token_urlsafe(32)
    return raw, token_hash(raw)


def token_hash(raw: str) -> bytes:
    # The token carries 256 random bits, so a fast hash is enough (no password stretching).
    return hashlib.sha256(raw.encode()).digest()

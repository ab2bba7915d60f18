"""Who may record test purchases: shared by the pages and the API."""

from __future__ import annotations

from nte.auth.identity import Role

__all__ = ["RECORDS_PURCHASES"]


RECORDS_PURCHASES: tuple[Role, ...] = ("admin", "officer", "partner")
"""Trading standards and the police run them; the venue only reads its own."""

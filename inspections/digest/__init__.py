"""The weekly digest: each person's Monday mail, and the same thing as their "this week" page."""

from __future__ import annotations

from inspections.digest.pages import AccountPages, DigestPages, UnsubscribePages

__all__ = ["route_handlers"]

route_handlers = [DigestPages, AccountPages, UnsubscribePages]

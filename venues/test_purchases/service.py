"""The rules a test purchase must meet before it is recorded, for the pages and the API."""

from __future__ import annotations

from datetime import date

from nte.errors import InvalidInput
from venues.test_purchases.schemas import TestPurchaseCreate

__all__ = ["check_test_purchase"]


def check_test_purchase(data: TestPurchaseCreate, today: date) -> None:
    if data.attempted_on > today:
        raise InvalidInput({"attempted_on": "cannot be in the future"})

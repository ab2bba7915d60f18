"""Test purchases: a young person sent by trading standards or the police tries to buy alcohol."""

from __future__ import annotations

from venues.test_purchases.api import TestPurchaseController
from venues.test_purchases.pages import TestPurchasePages

__all__ = ["route_handlers"]

# What this package serves; the composition root mounts it.
route_handlers = [TestPurchaseController, TestPurchasePages]

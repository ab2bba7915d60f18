"""Exports: the caller's lists as CSV, streamed, scoped and redacted as their API reads are."""

from __future__ import annotations

from inspections.exports.api import ExportController

__all__ = ["route_handlers"]

# What this package serves; the composition root mounts it.
route_handlers = [ExportController]

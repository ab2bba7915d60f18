"""Loaders the inspection pages and API share."""

from __future__ import annotations

from litestar.exceptions import NotFoundException

from inspections.inspections import queries
from inspections.inspections.schemas import Inspection
from nte.db import Connection

__all__ = ["inspection_or_404"]


async def inspection_or_404(conn: Connection, inspection_id: int) -> Inspection:
    found = await queries.get_inspection(conn, inspection_id)
    if found is None:
        raise NotFoundException(f"No inspection with id {inspection_id}")
    return found

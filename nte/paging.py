"""The query parameters of every paginated list in the API: the same bounds everywhere."""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

__all__ = ["Limit", "Offset"]

Limit = Annotated[int, QueryParameter(ge=1, le=200, description="At most this many items")]
Offset = Annotated[int, QueryParameter(ge=0, description="Skip this many items first")]

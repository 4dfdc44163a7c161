"""Keyset pagination: pages are found by the last id seen, never by OFFSET or COUNT."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest

M = TypeVar("M", bound=Model)

MAX_LIMIT = 200


def keyset_page(qs: QuerySet[M], cursor: int | None, limit: int) -> tuple[list[M], int | None]:
    """Items with an id below ``cursor`` (newest first) and the cursor of the next page."""
    limit = max(1, min(limit, MAX_LIMIT))
    if cursor is not None:
        qs = qs.filter(pk__lt=cursor)
    rows: list[Any] = list(qs.order_by("-pk")[: limit + 1])
    next_cursor = rows[limit - 1].pk if len(rows) > limit else None
    return rows[:limit], next_cursor


def request_page(request: HttpRequest, qs: QuerySet[M], size: int, *, key: str = "items") -> dict[str, Any]:
    """One keyset page of a screen (``?before=<id>``) with what the pager links need: the other parameters kept."""
    before = request.GET.get("before", "")
    rows, older = keyset_page(qs, int(before) if before.isdigit() else None, size)
    query = request.GET.copy()
    for name in ("before", "format"):
        query.pop(name, None)
    return {key: rows, "older": older, "is_first": not before, "query": query.urlencode()}

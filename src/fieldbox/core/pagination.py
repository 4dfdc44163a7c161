"""Keyset pagination: pages are found by the last id seen, never by OFFSET or COUNT."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from ninja import Field, Schema

M = TypeVar("M", bound=Model)

MAX_LIMIT = 200


class PageFilters(Schema):
    """The keyset page an API list answers: ``cursor`` is the ``next_cursor`` of the page before."""

    cursor: int | None = Field(None, description="`next_cursor` of the previous page; omit for the first page")
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="Items per page")


def keyset_page(
    qs: QuerySet[M], cursor: int | None, limit: int, *, values: tuple[str, ...] = ()
) -> tuple[list[Any], int | None]:
    """Items with an id below ``cursor`` (newest first) and the cursor of the next page, for the screens and the
    API alike; with ``values`` (which name ``id``) the rows are plain dicts, for the hot lists."""
    limit = max(1, min(limit, MAX_LIMIT))
    if cursor is not None:
        qs = qs.filter(pk__lt=cursor)
    ordered = qs.order_by("-pk")
    rows: list[Any] = list((ordered.values(*values) if values else ordered)[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], (last["id"] if values else last.pk)


def request_page(request: HttpRequest, qs: QuerySet[M], size: int, *, key: str = "items") -> dict[str, Any]:
    """One keyset page of a screen (``?before=<id>``) with what the pager links need: the other parameters kept."""
    before = request.GET.get("before", "")
    rows, older = keyset_page(qs, int(before) if before.isdigit() else None, size)
    query = request.GET.copy()
    for name in ("before", "format"):
        query.pop(name, None)
    return {key: rows, "older": older, "is_first": not before, "query": query.urlencode()}

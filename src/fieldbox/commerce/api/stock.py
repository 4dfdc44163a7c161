"""/api/v1 of sales and stock: stock."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["stock"])

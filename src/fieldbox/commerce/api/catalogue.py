"""/api/v1 of sales and stock: catalogue."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["catalogue"])

"""/api/v1 of sales and stock: delivery."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["delivery"])

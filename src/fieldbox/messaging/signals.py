"""A worker that (re)starts resumes the waiting messages at once instead of at the next scheduled drain."""

from __future__ import annotations

from typing import Any

from celery.signals import worker_ready


@worker_ready.connect
def drain_on_start(**kwargs: Any) -> None:
    from fieldbox.messaging import outbox

    outbox.kick()

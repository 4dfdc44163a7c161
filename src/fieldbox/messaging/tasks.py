"""Background work of the messaging app: thin wrappers around the outbox and the device events."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from fieldbox.messaging import inbound, outbox

DRAIN_BUDGET_SECONDS = 50


@shared_task(acks_late=True, ignore_result=True)
def drain_outbox() -> int:
    """Send what is due; when the time budget runs out, queue the rest as a new task."""
    stats = outbox.drain(budget_seconds=DRAIN_BUDGET_SECONDS)
    if stats.more:
        outbox.kick()
    return stats.sent


@shared_task(acks_late=True, ignore_result=True)
def process_device_event(event_id: int) -> bool:
    return inbound.process(event_id)


@shared_task(ignore_result=True)
def sweep_device_events() -> int:
    return inbound.sweep()


@shared_task(ignore_result=True)
def purge_sent_messages() -> int:
    return outbox.purge_sent(timedelta(days=settings.OUTBOX_KEEP_SENT_DAYS))

"""A worker that (re)starts resumes the waiting messages at once instead of at the next scheduled drain."""

from __future__ import annotations

from typing import Any

from celery.signals import worker_ready
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from fieldbox.messaging.events import forget_subscriptions
from fieldbox.messaging.models import WebhookEndpoint


@worker_ready.connect
def drain_on_start(**kwargs: Any) -> None:
    from fieldbox.messaging import outbox

    outbox.kick()


@receiver([post_save, post_delete], sender=WebhookEndpoint)
def webhooks_changed(sender: type[WebhookEndpoint], instance: WebhookEndpoint, **kwargs: Any) -> None:
    """A new, changed or removed endpoint takes effect for the next event (screens, API and Django admin)."""
    organisation_id = instance.organisation_id
    transaction.on_commit(lambda: forget_subscriptions(organisation_id))
    forget_subscriptions(organisation_id)

"""Scheduled clean-up of credentials that can no longer be used."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from fieldbox.accounts.models import ApiToken


@shared_task
def purge_expired_credentials() -> int:
    """Delete API tokens expired or revoked more than 90 days ago; returns how many."""
    limit = timezone.now() - timedelta(days=90)
    deleted, _ = ApiToken.objects.filter(expires_at__lt=limit).delete()
    revoked, _ = ApiToken.objects.filter(revoked_at__lt=limit).delete()
    return deleted + revoked

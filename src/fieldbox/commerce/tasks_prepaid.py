"""Background work of prepaid minutes (thin): what is left on a package past its last day expires (an expiry move
in its ledger). Registered in ``CELERY_BEAT_SCHEDULE``."""

from __future__ import annotations

from celery import shared_task

from fieldbox.commerce.services.prepaid import packages_expire


@shared_task(ignore_result=True)
def expire_prepaid_minutes() -> int:
    """Expire what is due; answers how many packages lost their minutes."""
    return packages_expire()

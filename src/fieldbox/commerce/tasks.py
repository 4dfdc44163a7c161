"""Background work of sales (thin): the sent quotes and offers past their date become "expired", so the customer's
link says so and the office's lists show it. Registered in ``CELERY_BEAT_SCHEDULE``."""

from __future__ import annotations

from celery import shared_task

from fieldbox.commerce.services.offers_answers import offers_expire
from fieldbox.commerce.services.quotes_sending import quote_expire_due


@shared_task(ignore_result=True)
def expire_quotes_and_offers() -> int:
    """Expire what is due; answers how many documents expired."""
    return quote_expire_due().count + offers_expire()

"""Background work of the service desk: poll the support mailboxes that have an IMAP server (thin)."""

from __future__ import annotations

import logging

from celery import shared_task

from fieldbox.service import imap
from fieldbox.service.models import Mailbox

log = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def poll_mailboxes() -> int:
    taken = 0
    for mailbox in Mailbox.objects.filter(active=True).exclude(imap_host=""):
        polled = imap.poll(mailbox)
        taken += polled.taken
        if polled.error:
            log.warning("support mailbox %s: %s", mailbox.pk, polled.error)
    return taken

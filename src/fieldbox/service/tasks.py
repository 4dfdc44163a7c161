"""Background work of the service desk: poll the support mailboxes that have an IMAP server (thin)."""

from __future__ import annotations

import logging

from celery import shared_task

from fieldbox.service import imap
from fieldbox.service.models import Mailbox
from fieldbox.service.services.contracts import contracts_run_daily

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


# -- Maintenance contracts: the daily renewal run (issue 16) ------------------------------------------------------


@shared_task(ignore_result=True)
def renew_contracts() -> int:
    """Renew or expire the contracts that ended, tell the office of notice deadlines near; answers how many
    contracts ended. Idempotent: run twice (or at once) it does each thing once."""
    done = contracts_run_daily()
    return len(done.renewed) + len(done.expired)


@shared_task(ignore_result=True)
def generate_plan_work_orders() -> dict[str, int]:
    """Daily: the work orders of the coming month from every active maintenance plan (idempotent: a plan line and
    date already generated is never made again)."""
    from fieldbox.service.services.plans import plans_generate_due

    done = plans_generate_due()
    return {"made": done.made, "existing": done.existing}

"""``fieldbox ingest-mail --mailbox ADDRESS < message.eml``: a mail server pipes one message to a support mailbox.

It prints the ticket the message opened or joined, or why it made none, and exits 0: the message is taken (a
message refused as unreadable is kept with its reason, and a second delivery is a no-op). It exits 67 (EX_NOUSER)
for an address that is no active support mailbox, so the mail server bounces it, and 75 (EX_TEMPFAIL) when the
message could not be taken now (the database is away), so the mail server tries again.
"""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError

from fieldbox.service import services
from fieldbox.service.mail import REASONS
from fieldbox.service.models import Mailbox

EX_NOUSER, EX_TEMPFAIL = 67, 75


class Command(BaseCommand):
    help = "Take one message from standard input into a support mailbox."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mailbox", required=True, help="the support address the message was sent to")

    def handle(self, *args: Any, **options: Any) -> None:
        address = str(options["mailbox"]).strip().lower()
        # One byte more than the limit: a larger message is refused as too large without being read whole.
        raw = sys.stdin.buffer.read(settings.SERVICE_MAIL_MAX_BYTES + 1)
        try:
            mailbox = Mailbox.objects.filter(address=address, active=True).first()
            if mailbox is None:
                self.stderr.write(f"{address}: no active support mailbox has this address")
                sys.exit(EX_NOUSER)
            received = services.mail_ingest(mailbox=mailbox, raw=raw)
        except DatabaseError as exc:
            self.stderr.write(f"not taken now, try again: {exc.__class__.__name__}")
            sys.exit(EX_TEMPFAIL)
        again = " (received before)" if received.duplicate else ""
        if received.ticket is not None:
            self.stdout.write(f"{received.ticket.number} {received.outcome}{again}")
        else:
            self.stdout.write(f"{received.outcome}: {REASONS.get(received.reason, received.reason)}{again}")

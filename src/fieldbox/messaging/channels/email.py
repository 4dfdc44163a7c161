"""The e-mail channel: Django's configured backend (SMTP in production, files in the demo)."""

from __future__ import annotations

import hashlib
import smtplib
from collections.abc import Sequence
from email.utils import parseaddr

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives, get_connection

from fieldbox.core.validators import one_line
from fieldbox.messaging.channels import DeliveryError, Result, each
from fieldbox.messaging.models import OutboxMessage


def message_id(key: str) -> str:
    """A Message-ID derived from the idempotency key: a resent copy is recognisable as the same mail."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = address.rpartition("@")[2] or "fieldbox.localhost"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


# The headers a row may add (``data["headers"]``): threading and loop protection for the service desk's replies.
EXTRA_HEADERS = ("In-Reply-To", "References", "Reply-To", "Auto-Submitted", "X-Loop")


def build(row: OutboxMessage, connection: object = None) -> EmailMultiAlternatives:
    extra = {
        name: one_line(str(value)) for name, value in (row.data.get("headers") or {}).items() if name in EXTRA_HEADERS
    }
    mail = EmailMultiAlternatives(
        # Headers on one line: rows queued under a name typed with a line break still send.
        subject=one_line(row.subject),
        body=row.body,
        from_email=one_line(row.sender) or settings.DEFAULT_FROM_EMAIL,
        to=[row.recipient],
        headers={**extra, "Message-ID": message_id(row.idempotency_key)},
        connection=connection,
    )
    if row.html:
        mail.attach_alternative(row.html, "text/html")
    for item in row.data.get("attachments", []):
        with default_storage.open(item["path"], "rb") as handle:
            mail.attach(item["name"], handle.read(), item.get("mimetype") or "application/octet-stream")
    return mail


def send_batch(messages: Sequence[OutboxMessage]) -> list[Result]:
    """Send the batch over one connection to the mail server."""
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as exc:
        return [Result(m.pk, False, error=f"mail server: {type(exc).__name__}: {exc}") for m in messages]
    try:
        return each(messages, lambda row: _send_one(row, connection))
    finally:
        connection.close()


def _send_one(row: OutboxMessage, connection: object) -> str:
    mail = build(row, connection)
    try:
        mail.send()
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"address refused: {exc.recipients}", permanent=True) from exc
    except ValueError as exc:  # Django refuses to form it (BadHeaderError, an invalid address): it never will
        raise DeliveryError(f"cannot be formed: {exc}", permanent=True) from exc
    return mail.extra_headers["Message-ID"]

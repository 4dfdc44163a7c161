"""E-mails of the accounts app, rendered in the recipient's language.

They are handed to Django's mail backend only after the transaction that caused them
commits, so a rolled-back change never sends anything.
"""

from __future__ import annotations

import logging
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

log = logging.getLogger(__name__)


def sender_for(organisation_name: str | None) -> str:
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if not organisation_name:
        return settings.DEFAULT_FROM_EMAIL
    return formataddr((f"{organisation_name} (Fieldbox)", address))


def render(kind: str, context: dict[str, Any], language: str) -> tuple[str, str, str]:
    """Subject, text and HTML bodies of the e-mail ``kind`` in ``language``."""
    with translation.override(language):
        ctx = {"site_url": settings.SITE_URL, **context}
        subject = render_to_string(f"accounts/email/{kind}_subject.txt", ctx).strip()
        text = render_to_string(f"accounts/email/{kind}.txt", ctx)
        html = render_to_string(f"accounts/email/{kind}.html", ctx)
    return " ".join(subject.split()), text, html


def send_on_commit(
    kind: str, *, to: str, context: dict[str, Any], language: str, organisation_name: str | None = None
) -> None:
    subject, text, html = render(kind, context, language)
    message = EmailMultiAlternatives(subject, text, sender_for(organisation_name), [to])
    message.attach_alternative(html, "text/html")
    transaction.on_commit(lambda: _send(message, kind))


def _send(message: EmailMultiAlternatives, kind: str) -> None:
    """Send after commit; a mail server that is down must not turn the saved change into an error page."""
    try:
        message.send()
    except Exception:
        log.exception("could not send the %s e-mail to %s", kind, ", ".join(message.to))

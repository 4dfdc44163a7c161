"""E-mail and SMS of a message kind, rendered now in the recipient's language and queued in the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from fieldbox.core import audit
from fieldbox.core.tenancy import Scope
from fieldbox.messaging import kinds, outbox
from fieldbox.messaging.channels import email as email_channel
from fieldbox.messaging.choices import Channel, MessageStatus
from fieldbox.messaging.models import OutboxMessage
from fieldbox.messaging.phones import normalise_phone
from fieldbox.messaging.rendering import render, sender_for

if TYPE_CHECKING:
    from fieldbox.accounts.models import Organisation


def send_email(
    kind: str,
    *,
    key: str,
    to: str,
    context: dict[str, Any],
    language: str,
    organisation: Organisation | None = None,
    attachments: Sequence[outbox.Attachment] = (),
) -> None:
    """Queue the e-mail ``kind`` to ``to``; ``key`` names this message for good (no second copy)."""
    rendered = render(kinds.get(kind), context, language, organisation)
    outbox.enqueue(
        outbox.message(
            key=key,
            channel=Channel.EMAIL,
            recipient=to,
            kind=kind,
            organisation=organisation,
            sender=sender_for(organisation),
            language=language,
            subject=rendered.subject[:255],
            body=rendered.body,
            html=rendered.html,
            attachments=attachments,
        )
    )


def send_written_email(
    *,
    key: str,
    to: str,
    sender: str,
    subject: str,
    body: str,
    organisation: Organisation | None,
    headers: dict[str, str] | None = None,
) -> str:
    """Queue an e-mail a person wrote (a reply of the service desk): their words, no template; ``headers`` thread
    it (``channels.email.EXTRA_HEADERS``). Answers its Message-ID, known before it is sent."""
    outbox.enqueue(
        outbox.message(
            key=key,
            channel=Channel.EMAIL,
            recipient=to,
            kind="written",
            organisation=organisation,
            sender=sender,
            subject=subject[:255],
            body=body,
            data={"headers": dict(headers or {})},
        )
    )
    return email_channel.message_id(key)


def send_sms(
    kind: str,
    *,
    key: str,
    to: str,
    context: dict[str, Any],
    language: str,
    organisation: Organisation | None = None,
) -> None:
    """Queue the SMS ``kind`` to the phone number ``to`` (normalised to E.164 or refused)."""
    rendered = render(kinds.get(kind), context, language, organisation)
    outbox.enqueue(
        outbox.message(
            key=key,
            channel=Channel.SMS,
            recipient=normalise_phone(to),
            kind=kind,
            organisation=organisation,
            sender=settings.SMS_SENDER,
            language=language,
            body=rendered.body,
        )
    )


def messages_retry(*, scope: Scope, ids: Sequence[int] | None = None) -> int:
    """Send the organisation's failed messages again (all of them when ``ids`` is None); audited."""
    scope.require_admin()
    failed = OutboxMessage.objects.filter(organisation=scope.organisation, status=MessageStatus.FAILED)
    if ids is not None:
        failed = failed.filter(pk__in=list(ids))
    with transaction.atomic():
        chosen = list(failed.values_list("pk", flat=True)[:10000])
        count = outbox.retry(chosen)
        if count:
            audit.record(
                actor=scope.user,
                organisation=scope.organisation,
                obj=scope.organisation,
                action="outbox.retry",
                from_state=MessageStatus.FAILED,
                to_state=MessageStatus.PENDING,
                data={"count": count, "ids": chosen[:100]},
            )
    return count


def test_sms_send(*, scope: Scope, phone: str) -> None:
    """Send the test SMS to ``phone`` so an admin sees the gateway work end to end."""
    scope.require_admin()
    with transaction.atomic():
        send_sms(
            "messaging.test_sms",
            key=f"test-sms:{scope.user.pk}:{timezone.now().timestamp()}",
            to=phone,
            context={"organisation": scope.organisation.name},
            language=scope.user.language,
            organisation=scope.organisation,
        )

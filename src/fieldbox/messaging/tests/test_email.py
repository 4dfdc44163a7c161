"""E-mail through a real SMTP server (aiosmtpd on this machine), read back as a mail client would."""

from __future__ import annotations

import email
import socket
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import formataddr
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from fieldbox.accounts.models import Organisation
from fieldbox.accounts.tests.fixtures import make_tenant
from fieldbox.messaging import outbox
from fieldbox.messaging.choices import Channel, MessageStatus
from fieldbox.messaging.models import OutboxMessage
from fieldbox.messaging.services import send_email

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield inbox
    controller.stop()


def invitation_mail(
    tenant, language: str, key: str, attachments: list[outbox.Attachment] | None = None
) -> OutboxMessage:
    """Queue an invitation e-mail of the tenant's provider, valid until 14/12/2026 09:00 UTC."""
    send_email(
        "accounts.invitation",
        key=key,
        to="new.hire@example.com",
        language=language,
        organisation=tenant.provider,
        context={
            "organisation": tenant.provider.name,
            "invited_by": "Giulia Rossi",
            "role": "Dispatcher",
            "has_account": False,
            "link": "https://fieldbox.example/invitations/abc/",
            "expires_at": datetime(2026, 12, 14, 9, 0, tzinfo=UTC),
        },
        attachments=attachments or [],
    )
    return OutboxMessage.objects.get(idempotency_key=key)


def test_an_email_goes_through_smtp_with_both_bodies_sender_name_and_attachment(smtp):
    tenant = make_tenant("smtp")
    report = b"%PDF-1.4 work report"
    invitation_mail(tenant, "fr", "invitation:smtp-1", [outbox.Attachment("rapport.pdf", report, "application/pdf")])
    stats = outbox.drain()
    assert stats.sent == 1

    [(_sender, rcpt, message)] = smtp.received
    assert rcpt == ["new.hire@example.com"]
    assert message["From"].addresses[0].display_name == f"{tenant.provider.name} (Fieldbox)"
    assert message["Subject"] == f"Invitation à rejoindre {tenant.provider.name} sur Fieldbox"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert (
        "https://fieldbox.example/invitations/abc/" in text
        and 'href="https://fieldbox.example/invitations/abc/"' in html
    )
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "rapport.pdf" and attachment.get_content() == report
    row = OutboxMessage.objects.get()
    assert row.status == MessageStatus.SENT and row.provider_message_id == message["Message-ID"]


def test_a_resent_copy_carries_the_same_message_id(smtp):
    send_email("accounts.password_reset", key="reset:1", to="a@example.com", language="it", context={"link": "x"})
    outbox.drain()
    # As if the worker had died after sending, before recording it: the lease ran out, another worker sends it.
    OutboxMessage.objects.update(status=MessageStatus.PENDING, next_attempt_at=timezone.now())
    outbox.drain()
    first, second = (m for _f, _r, m in smtp.received)
    assert first["Message-ID"] == second["Message-ID"]


def test_a_refused_address_is_parked_as_failed(smtp, settings):
    class Refusing(Inbox):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            return "550 no such user"

    refusing = Refusing()
    controller = Controller(refusing, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings.EMAIL_PORT = controller.port
        send_email(
            "accounts.password_reset", key="reset:2", to="ghost@example.com", language="en", context={"link": "x"}
        )
        stats = outbox.drain()
    finally:
        controller.stop()
    assert stats.failed == 1
    row = OutboxMessage.objects.get()
    assert row.status == MessageStatus.FAILED and "refused" in row.last_error


def test_an_organisation_name_saved_with_a_line_break_still_sends_under_a_clean_name(smtp, settings):
    tenant = make_tenant("lines")
    Organisation.objects.filter(pk=tenant.provider.pk).update(name="Officina\nRossi\u2028Srl")  # saved long ago
    provider = Organisation.objects.get(pk=tenant.provider.pk)
    send_email(
        "accounts.password_reset", key="reset:lines", to="a@example.com", language="en", context={"link": "x"},
        organisation=provider,
    )  # fmt: skip
    # A row queued before names were flattened: its sender holds the line break.
    outbox.enqueue(
        outbox.message(
            key="old:lines", channel=Channel.EMAIL, recipient="b@example.com", organisation=provider,
            sender=formataddr(("Officina\nRossi (Fieldbox)", "noreply@fieldbox.example")), subject="Hello\nthere",
            body="text",
        )
    )  # fmt: skip
    stats = outbox.drain()
    assert stats.sent == 2
    names = sorted(message["From"].addresses[0].display_name for _f, _r, message in smtp.received)
    assert names == ["Officina Rossi (Fieldbox)", "Officina Rossi Srl (Fieldbox)"]
    assert {message["Subject"] for _f, _r, message in smtp.received} >= {"Hello there"}


def test_a_message_that_cannot_be_formed_is_parked_at_the_first_attempt(smtp):
    outbox.enqueue(
        outbox.message(
            key="bad:header", channel=Channel.EMAIL, recipient="a@example.com\nBcc: b@example.com", subject="Hi",
            body="text",
        )
    )  # fmt: skip
    stats = outbox.drain()
    row = OutboxMessage.objects.get()
    assert stats.failed == 1 and row.status == MessageStatus.FAILED and row.attempts == 1
    assert "cannot be formed" in row.last_error and smtp.received == []


def test_a_time_in_an_email_is_the_organisation_local_time_with_its_zone_named():
    tenant = make_tenant("zones")
    tenant.provider.time_zone = "Europe/Rome"  # 09:00 UTC is 10:00 in Rome in December
    with timezone.override(ZoneInfo("America/New_York")):  # as if a request had activated another zone
        italian = invitation_mail(tenant, "it", "tz:it")
        english = invitation_mail(tenant, "en", "tz:en")
    assert "14/12/2026 10:00 (Europe/Rome)" in italian.body and "14/12/2026 10:00 (Europe/Rome)" in italian.html
    assert "12/14/2026 10 a.m. (Europe/Rome)" in english.body and "UTC" not in english.body
    tenant.provider.time_zone = "Asia/Tokyo"
    assert "14/12/2026 18:00 (Asia/Tokyo)" in invitation_mail(tenant, "fr", "tz:fr").body


def test_the_html_part_is_marked_with_the_recipient_language():
    tenant = make_tenant("lang")
    for language in ("fr", "en", "it"):
        row = invitation_mail(tenant, language, f"lang:{language}")
        assert f'<html lang="{language}">' in row.html and row.language == language
    send_email("accounts.password_reset", key="reset:fr", to="a@example.com", language="fr", context={"link": "x"})
    assert '<html lang="fr">' in OutboxMessage.objects.get(idempotency_key="reset:fr").html

"""The admins' messaging pages used as they are meant to: test SMS, failed messages, device event keys."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.core.models import AuditEvent
from fieldbox.messaging import outbox
from fieldbox.messaging.channels import DeliveryError, each, sms
from fieldbox.messaging.choices import Channel, MessageStatus
from fieldbox.messaging.models import DeviceFeed, OutboxMessage

pytestmark = pytest.mark.django_db


def test_an_admin_sends_a_test_sms_and_a_bad_number_is_refused(tenant, settings):
    settings.SMS_BACKEND = "locmem"
    sms.outbox.clear()
    client = signed_in(tenant.provider_admin)
    refused = client.post(reverse("messaging:test_sms"), {"phone": "12"}, follow=True)
    assert "valid phone number" in refused.content.decode() and not OutboxMessage.objects.exists()
    client.post(reverse("messaging:test_sms"), {"phone": "333 123 4567"})
    outbox.drain()
    [message] = sms.outbox
    assert message["to"] == "+393331234567" and tenant.provider.name in message["body"]
    assert signed_in(tenant.dispatcher).post(reverse("messaging:test_sms"), {"phone": "3331234567"}).status_code == 403


def _failed(tenant, n: int) -> list[int]:
    outbox.enqueue(
        *(
            outbox.message(
                key=f"f{i}", channel=Channel.EMAIL, recipient=f"x{i}@example.com", organisation=tenant.provider
            )
            for i in range(n)
        )
    )

    def refuse(message):
        raise DeliveryError("mailbox full", permanent=True)

    outbox.drain(senders={Channel.EMAIL: lambda ms: each(ms, refuse)})
    return list(OutboxMessage.objects.values_list("pk", flat=True))


def test_admins_see_failed_messages_and_send_them_again_one_or_all(tenant):
    ids = _failed(tenant, 3)
    client = signed_in(tenant.provider_admin)
    listed = client.get(reverse("messaging:messages") + "?status=failed").content.decode()
    assert listed.count("x0@example.com") + listed.count("x1@example.com") + listed.count("x2@example.com") == 3
    detail = client.get(reverse("messaging:message_detail", args=[ids[0]])).content.decode()
    assert "mailbox full" in detail
    client.post(reverse("messaging:message_retry", args=[ids[0]]))
    assert OutboxMessage.objects.get(pk=ids[0]).status == MessageStatus.PENDING
    client.post(reverse("messaging:messages_retry_failed"))
    assert not OutboxMessage.objects.filter(status=MessageStatus.FAILED).exists()
    assert AuditEvent.objects.filter(action="outbox.retry", organisation=tenant.provider).count() == 2


def test_the_api_lists_failed_messages_and_sends_one_again(tenant):
    ids = _failed(tenant, 2)
    client = signed_in(tenant.provider_admin)
    listed = client.get("/api/v1/messages?status=failed").json()
    assert {m["id"] for m in listed["items"]} == set(ids) and listed["items"][0]["last_error"] == "mailbox full"
    assert client.post(f"/api/v1/messages/{ids[0]}/retry").json()["status"] == MessageStatus.PENDING
    again = client.post(f"/api/v1/messages/{ids[0]}/retry")
    assert again.status_code == 409 and again["Content-Type"] == "application/problem+json"


def test_an_admin_creates_and_revokes_a_device_event_key_on_the_page(tenant):
    client = signed_in(tenant.provider_admin)
    client.post(reverse("messaging:feeds"), {"format": "traccar"})
    feed = DeviceFeed.objects.get()
    assert feed.format == "traccar" and feed.key_id in client.get(reverse("messaging:feeds")).content.decode()
    client.post(reverse("messaging:feed_revoke", args=[feed.pk]))
    feed.refresh_from_db()
    assert not feed.is_active

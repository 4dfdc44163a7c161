"""Webhooks out: a provider's endpoints get its events, signed, retried, logged per endpoint."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fieldbox.accounts import services as accounts
from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.messaging import outbox, services, signing
from fieldbox.messaging.choices import Channel, MessageStatus
from fieldbox.messaging.models import OutboxMessage, WebhookEndpoint

pytestmark = pytest.mark.django_db


class Receiver:
    """A partner's HTTP endpoint on this machine that records what it gets and answers ``status``."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/fieldbox"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def accept_partnership(tenant, other_tenant):
    """The other tenant's company accepts an invitation from our provider: an event for the provider."""
    pending = accounts.partnership_invite(
        scope=tenant.scope(tenant.provider_admin), email=other_tenant.company_admin.email
    )
    accounts.partnership_accept(scope=other_tenant.scope(other_tenant.company_admin), partnership_id=pending.pk)
    return pending


def test_an_event_is_delivered_signed_to_the_subscribed_endpoints_only(tenant, other_tenant, receiver):
    scope = tenant.scope(tenant.provider_admin)
    hook = services.webhook_create(scope=scope, url=receiver.url, event_types=["partnership.accepted"])
    services.webhook_create(scope=scope, url=receiver.url + "/other", event_types=["device.online"])
    partnership = accept_partnership(tenant, other_tenant)
    outbox.drain()

    [(headers, body)] = receiver.requests
    assert headers["X-Fieldbox-Event"] == "partnership.accepted"
    assert headers["X-Fieldbox-Signature"] == signing.sign(hook.secret, headers["X-Fieldbox-Timestamp"], body)
    signing.verify(hook.secret, headers["X-Fieldbox-Timestamp"], headers["X-Fieldbox-Signature"], body, max_skew=300)
    payload = orjson.loads(body)
    assert payload["type"] == "partnership.accepted"
    assert headers["X-Fieldbox-Delivery"] == f"{payload['id']}:webhook:{hook.pk}"  # one event, one delivery each
    assert payload["data"]["partnership_id"] == partnership.pk
    assert payload["data"]["installer_code"] == other_tenant.company.installer_code
    delivery = OutboxMessage.objects.get(endpoint=hook)
    assert delivery.status == MessageStatus.SENT


def test_a_failing_endpoint_is_retried_and_its_log_shows_why(tenant, receiver, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    scope = tenant.scope(tenant.provider_admin)
    hook = services.webhook_create(scope=scope, url=receiver.url, event_types=["device.online"])
    receiver.status = 500
    services.webhook_ping(scope=scope, endpoint_id=hook.pk)
    outbox.drain()
    row = OutboxMessage.objects.get(endpoint=hook)
    assert row.status == MessageStatus.PENDING and row.response_status == 500 and "HTTP 500" in row.last_error

    page = signed_in(tenant.provider_admin).get(reverse("messaging:webhook_detail", args=[hook.pk]))
    assert "HTTP 500" in page.content.decode() and "ping" in page.content.decode()

    receiver.status = 204
    OutboxMessage.objects.update(next_attempt_at=row.created_at)  # its retry time has come
    outbox.drain()
    row.refresh_from_db()
    assert row.status == MessageStatus.SENT and row.attempts == 2
    first, second = receiver.requests
    assert first[0]["X-Fieldbox-Delivery"] == second[0]["X-Fieldbox-Delivery"] and first[1] == second[1]


def test_private_addresses_are_refused_outside_closed_networks(tenant, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    scope = tenant.scope(tenant.provider_admin)
    with pytest.raises(ValidationError, match="https"):
        services.webhook_create(scope=scope, url="http://hooks.example.com/in", event_types=["device.online"])
    hook = WebhookEndpoint.objects.create(
        organisation=tenant.provider, url="https://127.0.0.1:9/in", secret="s", event_types=["device.online"]
    )
    outbox.enqueue(
        outbox.message(key="k", channel=Channel.WEBHOOK, recipient=hook.url, endpoint=hook, body="{}", data={})
    )
    outbox.drain()
    row = OutboxMessage.objects.get()
    assert row.status == MessageStatus.FAILED and "non-public address" in row.last_error


def test_admins_register_endpoints_on_the_page_and_read_the_secret(tenant):
    client = signed_in(tenant.provider_admin)
    response = client.post(
        reverse("messaging:webhooks"),
        {"url": "https://erp.example.com/fieldbox", "event_types": ["device.activated"], "is_active": "on"},
    )
    hook = WebhookEndpoint.objects.get()
    assert response.url == reverse("messaging:webhook_detail", args=[hook.pk])
    assert hook.secret in client.get(response.url).content.decode()
    refused = client.post(reverse("messaging:webhooks"), {"url": "https://erp.example.com/x", "event_types": ["nope"]})
    assert refused.status_code == 200 and WebhookEndpoint.objects.count() == 1
    assert signed_in(tenant.dispatcher).get(reverse("messaging:webhooks")).status_code == 403


def test_the_api_registers_an_endpoint_and_shows_its_secret_once(tenant):
    client = signed_in(tenant.provider_admin)
    created = client.post(
        "/api/v1/webhooks",
        {"url": "https://erp.example.com/in", "event_types": ["partnership.ended"]},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    listed = client.get("/api/v1/webhooks").json()
    assert listed[0]["url"] == "https://erp.example.com/in" and "secret" not in listed[0]
    bad = client.post("/api/v1/webhooks", {"url": "ftp://x", "event_types": []}, content_type="application/json")
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"url", "event_types"}


def test_a_new_endpoint_gets_the_next_event_at_once_though_subscriptions_are_cached(tenant, receiver):
    from fieldbox.messaging.events import subscribed

    scope = tenant.scope(tenant.provider_admin)
    assert subscribed(tenant.provider.pk) == set()  # cached: nobody listens
    hook = services.webhook_create(scope=scope, url=receiver.url, event_types=["device.online"])
    assert subscribed(tenant.provider.pk) == {"device.online"}
    services.webhook_update(
        scope=scope,
        endpoint_id=hook.pk,
        url=receiver.url,
        event_types=["device.online"],
        description="",
        is_active=False,
    )
    assert subscribed(tenant.provider.pk) == set()

"""Webhooks out: an organisation's endpoints get its events, signed, retried, logged per endpoint."""

from __future__ import annotations

import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fieldbox.accounts import services as accounts
from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.messaging import outbox, services, signing
from fieldbox.messaging.channels import webhook
from fieldbox.messaging.choices import Channel, MessageStatus
from fieldbox.messaging.models import OutboxMessage, WebhookEndpoint
from fieldbox.service import services as desk
from fieldbox.service.models import Mailbox, Team

pytestmark = pytest.mark.django_db


class Receiver:
    """A partner's HTTP endpoint on this machine that records what it gets and answers ``status``.

    With ``tls`` (a certificate and its key) it speaks HTTPS and records the name asked for by SNI.
    """

    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.server_names: list[str | None] = []
        self.status = 200
        self.reason: str | None = None
        self.answer = b""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status, receiver.reason)
                self.send_header("Content-Length", str(len(receiver.answer)))
                self.end_headers()
                self.wfile.write(receiver.answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        if tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*tls)
            context.sni_callback = lambda _sock, name, _ctx: self.server_names.append(name)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}/fieldbox"
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


# --- only public addresses, the one checked is the one called --------------------------------------

HOOKS = "hooks.example.test"


class Resolver:
    """The DNS of an endpoint's name: one scripted answer per look-up (the last one repeats)."""

    def __init__(self, name: str, *answers: str) -> None:
        self.name, self.answers, self.lookups = name, answers, 0
        self.real = socket.getaddrinfo

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host != self.name:
            return self.real(host, port, *args, **kwargs)
        address = self.answers[min(self.lookups, len(self.answers) - 1)]
        self.lookups += 1
        if ":" in address:
            return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port or 0, 0, 0))]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 0))]


@pytest.fixture
def resolve(monkeypatch):
    def install(name: str, *answers: str) -> Resolver:
        resolver = Resolver(name, *answers)
        monkeypatch.setattr(socket, "getaddrinfo", resolver)
        return resolver

    return install


@pytest.fixture
def connections(monkeypatch) -> list[str]:
    """The addresses TCP connections are opened to; only this machine's are really opened."""
    made: list[str] = []
    real = socket.create_connection

    def connect(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        made.append(address[0])
        if address[0] not in ("127.0.0.1", "::1"):
            raise ConnectionRefusedError("no network in the tests")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", connect)
    return made


@pytest.fixture(scope="session")
def hooks_certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for HOOKS (its own authority)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={HOOKS}",
         "-addext", f"subjectAltName=DNS:{HOOKS}", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_receiver(hooks_certificate, monkeypatch) -> Iterator[Receiver]:
    receiver = Receiver(tls=hooks_certificate)
    monkeypatch.setenv("SSL_CERT_FILE", str(hooks_certificate[0]))  # our client trusts that certificate
    yield receiver
    receiver.server.shutdown()


def queue_delivery(tenant, url: str, key: str = "delivery-1") -> None:
    hook = WebhookEndpoint.objects.create(
        organisation=tenant.provider, url=url, secret="s", event_types=["device.online"]
    )
    outbox.enqueue(outbox.message(key=key, channel=Channel.WEBHOOK, recipient=url, endpoint=hook, body="{}", data={}))


def test_a_name_answering_public_then_private_is_never_called_at_the_private_address(
    tenant, settings, receiver, resolve, connections
):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    dns = resolve(HOOKS, "93.184.216.34", "127.0.0.1")  # the check sees a public address, a second look-up ours
    queue_delivery(tenant, f"http://{HOOKS}:{receiver.port}/in")
    outbox.drain()
    assert connections == ["93.184.216.34"] and receiver.requests == []
    assert dns.lookups == 1
    row = OutboxMessage.objects.get()
    assert row.status == MessageStatus.PENDING and "ConnectError" in row.last_error  # retried later


def test_the_checked_address_is_called_with_the_endpoint_name_for_host_and_tls(
    tenant, settings, tls_receiver, resolve, connections, monkeypatch
):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    # Our receiver listens on this machine: here it counts as public, the second answer does not.
    monkeypatch.setattr(webhook, "is_public", lambda address: str(address) != "10.0.0.1")
    dns = resolve(HOOKS, "127.0.0.1", "10.0.0.1")
    queue_delivery(tenant, f"https://{HOOKS}:{tls_receiver.port}/in")
    outbox.drain()
    assert OutboxMessage.objects.get().status == MessageStatus.SENT
    assert connections == ["127.0.0.1"] and dns.lookups == 1  # resolved once, never again
    assert tls_receiver.server_names == [HOOKS]  # SNI, and the certificate was checked against the name
    [(headers, _body)] = tls_receiver.requests
    assert headers["Host"] == f"{HOOKS}:{tls_receiver.port}"


@pytest.mark.parametrize(
    "address",
    ["::ffff:10.0.0.1", "::ffff:127.0.0.1", "64:ff9b::a00:1", "64:ff9b::7f00:1", "2002:c0a8:101::1", "::a00:1"],
)
def test_private_addresses_in_ipv6_forms_are_refused_for_good(tenant, settings, resolve, connections, address):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    resolve(HOOKS, address)
    queue_delivery(tenant, f"https://{HOOKS}/in")
    outbox.drain()
    row = OutboxMessage.objects.get()
    assert row.status == MessageStatus.FAILED and row.attempts == 1 and "non-public address" in row.last_error
    assert connections == []


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1", "127.0.0.1", "169.254.169.254", "100.64.0.1", "224.0.0.1", "0.0.0.0",
        "::1", "fe80::1", "fc00::1", "fec0::1", "ff02::1",
        "::ffff:10.0.0.1", "::ffff:0:a00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::808:808",
        "2002:a00:1::1", "2001:0:4136:e378:8000:63bf:f5ff:fffe", "2a00:1450::200:5efe:a00:1",
    ],
)  # fmt: skip
def test_not_public(address):
    assert not webhook.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "2a00:1450:4002:402::200e", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"]
)
def test_public(address):
    assert webhook.is_public(ipaddress.ip_address(address))


def test_the_error_kept_for_the_admin_shows_no_word_of_the_answer(tenant, receiver):
    scope = tenant.scope(tenant.provider_admin)
    hook = services.webhook_create(scope=scope, url=receiver.url, event_types=["device.online"])
    receiver.status, receiver.reason, receiver.answer = 500, "Vault token s3cr3t", b"db password: hunter2"
    services.webhook_ping(scope=scope, endpoint_id=hook.pk)
    outbox.drain()
    row = OutboxMessage.objects.get(endpoint=hook)
    assert row.last_error == "HTTP 500 Internal Server Error" and row.response_status == 500
    page = signed_in(tenant.provider_admin).get(reverse("messaging:webhook_detail", args=[hook.pk])).content.decode()
    assert "HTTP 500" in page and "hunter2" not in page and "s3cr3t" not in page


def test_an_installer_company_admin_gets_its_tickets_events_and_is_never_offered_a_providers(tenant, receiver):
    client = signed_in(tenant.company_admin)
    page = client.get(reverse("messaging:webhooks")).content.decode()
    assert "ticket.created" in page and "job.status_changed" not in page and "device.online" not in page
    refused = client.post(
        reverse("messaging:webhooks"), {"url": "https://erp.example.com/x", "event_types": ["job.status_changed"]}
    )
    assert refused.status_code == 200 and not WebhookEndpoint.objects.exists()
    hook = services.webhook_create(
        scope=tenant.scope(tenant.company_admin), url=receiver.url, event_types=["ticket.created"]
    )
    team = Team.objects.create(organisation=tenant.company, name="Assistenza tecnica")
    mailbox = Mailbox.objects.create(organisation=tenant.company, team=team, address="assistenza@rossi.example")
    raw = b"From: Anna <anna@cliente.example>\r\nTo: assistenza@rossi.example\r\nSubject: Guasto\r\n\r\nNon va.\r\n"
    number = desk.mail_ingest(mailbox=mailbox, raw=raw).ticket.number
    outbox.drain()

    [(headers, body)] = receiver.requests
    assert headers["X-Fieldbox-Event"] == "ticket.created" and orjson.loads(body)["data"]["number"] == number
    assert OutboxMessage.objects.get(endpoint=hook).status == MessageStatus.SENT
    assert signed_in(tenant.installer).get(reverse("messaging:webhooks")).status_code == 403

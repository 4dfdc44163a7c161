"""The webhook channel: signed JSON POSTs to the endpoints providers registered."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from fieldbox.messaging import signing
from fieldbox.messaging.channels import DeliveryError, Result, each
from fieldbox.messaging.models import OutboxMessage, WebhookEndpoint

USER_AGENT = "Fieldbox-Webhooks/1"


def public_address_only(url: str) -> None:
    """Refuse URLs whose host resolves to a private, loopback or link-local address (unless allowed)."""
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError as exc:
        raise DeliveryError(f"cannot resolve {host}: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise DeliveryError(f"{host} resolves to a non-public address", permanent=True)


def send_batch(messages: Sequence[OutboxMessage]) -> list[Result]:
    endpoints = WebhookEndpoint.objects.in_bulk({m.endpoint_id for m in messages if m.endpoint_id})
    with httpx.Client(timeout=settings.WEBHOOK_TIMEOUT, follow_redirects=False) as client:
        return each(messages, lambda row: _post(client, row, endpoints.get(row.endpoint_id or 0)))


def _post(client: httpx.Client, row: OutboxMessage, endpoint: WebhookEndpoint | None) -> str:
    if endpoint is None or not endpoint.is_active:
        raise DeliveryError("the endpoint was removed or switched off", permanent=True)
    public_address_only(row.recipient)
    body = row.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Fieldbox-Event": str(row.data.get("event", "")),
        "X-Fieldbox-Delivery": row.idempotency_key,
        **signing.headers(endpoint.secret, body),
    }
    response = client.post(row.recipient, content=body, headers=headers)
    if not response.is_success:
        raise DeliveryError(f"HTTP {response.status_code}: {response.text[:200]}", status=response.status_code)
    return response.headers.get("X-Request-Id", "")[:255]

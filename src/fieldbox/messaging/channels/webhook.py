"""The webhook channel: signed JSON POSTs to the endpoints providers registered.

Outside closed networks (``WEBHOOK_ALLOW_PRIVATE``) an endpoint must be public. Its name is
resolved once, every address it answers is checked, and the request goes to a checked address:
the URL carries that IP while the ``Host`` header and TLS (SNI and the certificate check) keep
the endpoint's name. Letting the HTTP client resolve the name again would let the endpoint's DNS
answer a public address to the check and an internal one to the connection (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Sequence
from contextlib import ExitStack
from ipaddress import IPv4Address, IPv6Address

import httpx
from django.conf import settings

from fieldbox.messaging import signing
from fieldbox.messaging.channels import DeliveryError, Result, each
from fieldbox.messaging.models import OutboxMessage, WebhookEndpoint

USER_AGENT = "Fieldbox-Webhooks/1"
IPAddress = IPv4Address | IPv6Address
# Not public although Python 3.11 calls them global: local-use NAT64 (RFC 8215), site-local (deprecated).
NOT_PUBLIC = (ipaddress.ip_network("64:ff9b:1::/48"), ipaddress.ip_network("fec0::/10"))
# IPv6 forms whose last 32 bits are the IPv4 address a packet reaches: NAT64 (RFC 6052),
# IPv4-compatible (deprecated) and IPv4-translated (SIIT, RFC 2765).
LAST_32_BITS_IPV4 = tuple(ipaddress.ip_network(n) for n in ("64:ff9b::/96", "::/96", "::ffff:0:0:0/96"))
# ISATAP interface identifiers (RFC 5214): the IPv4 address follows them.
ISATAP_IDS = (0x00005EFE, 0x02005EFE)


def embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 one leads to (mapped, 6to4, Teredo, NAT64, compatible, SIIT, ISATAP)."""
    if address.ipv4_mapped or address.sixtofour:
        return address.ipv4_mapped or address.sixtofour
    if address.teredo:
        return address.teredo[1]
    value = int(address)
    if any(address in network for network in LAST_32_BITS_IPV4) or (value >> 32) & 0xFFFFFFFF in ISATAP_IDS:
        return IPv4Address(value & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """Whether Fieldbox may call ``address``: globally reachable, and so is any IPv4 address it embeds."""
    if not address.is_global or address.is_multicast or any(address in network for network in NOT_PUBLIC):
        return False
    embedded = embedded_ipv4(address) if isinstance(address, IPv6Address) else None
    return embedded is None or is_public(embedded)


def public_addresses(url: httpx.URL) -> list[IPAddress]:
    """Resolve the endpoint's host once; refuse it for good if any of its addresses is not public."""
    host = url.raw_host.decode("ascii")
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise DeliveryError(f"cannot resolve {host}: {exc}") from exc
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    if not addresses or not all(is_public(address) for address in addresses):
        raise DeliveryError(f"{host} resolves to a non-public address", permanent=True)
    return addresses


class Clients:
    """One HTTP client per endpoint host within a batch.

    Requests go to an IP, so the connection pool knows connections by IP: two hosts behind one
    address (a CDN) would otherwise share a kept-alive TLS connection opened with the other's name.
    The transport is explicit so that no proxy named in the environment is used: a proxy would
    resolve the name again itself.
    """

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack
        self._ssl: ssl.SSLContext | None = None
        self._by_host: dict[bytes, httpx.Client] = {}

    def for_host(self, host: bytes) -> httpx.Client:
        if host not in self._by_host:
            self._ssl = self._ssl or httpx.create_ssl_context()  # honours SSL_CERT_FILE / SSL_CERT_DIR
            transport = httpx.HTTPTransport(verify=self._ssl)
            client = httpx.Client(transport=transport, timeout=settings.WEBHOOK_TIMEOUT, follow_redirects=False)
            self._by_host[host] = self._stack.enter_context(client)
        return self._by_host[host]


def send_batch(messages: Sequence[OutboxMessage]) -> list[Result]:
    endpoints = WebhookEndpoint.objects.in_bulk({m.endpoint_id for m in messages if m.endpoint_id})
    with ExitStack() as stack:
        clients = Clients(stack)
        return each(messages, lambda row: _post(clients, row, endpoints.get(row.endpoint_id or 0)))


def _post(clients: Clients, row: OutboxMessage, endpoint: WebhookEndpoint | None) -> str:
    if endpoint is None or not endpoint.is_active:
        raise DeliveryError("the endpoint was removed or switched off", permanent=True)
    url = httpx.URL(row.recipient)
    body = row.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Fieldbox-Event": str(row.data.get("event", "")),
        "X-Fieldbox-Delivery": row.idempotency_key,
        **signing.headers(endpoint.secret, body),
    }
    response = _deliver(clients.for_host(url.raw_host), url, body, headers)
    if not response.is_success:
        # Only the status and its standard phrase: the answer's body, or a reason phrase of its own,
        # would show what the endpoint answered to the provider's admins.
        phrase = httpx.codes.get_reason_phrase(response.status_code)
        raise DeliveryError(f"HTTP {response.status_code} {phrase}".strip(), status=response.status_code)
    return response.headers.get("X-Request-Id", "")[:255]


def _deliver(client: httpx.Client, url: httpx.URL, body: bytes, headers: dict[str, str]) -> httpx.Response:
    """POST to the checked addresses of ``url`` in turn (the next only if one refuses the connection)."""
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return client.post(url, content=body, headers=headers)
    *others, last = public_addresses(url)
    pinned = {**headers, "Host": url.netloc.decode("ascii")}
    extensions = {"sni_hostname": url.raw_host.decode("ascii")}
    for address in others:
        try:
            return client.post(url.copy_with(host=str(address)), content=body, headers=pinned, extensions=extensions)
        except httpx.ConnectError:
            continue
    return client.post(url.copy_with(host=str(last)), content=body, headers=pinned, extensions=extensions)

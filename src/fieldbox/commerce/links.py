"""The customer's link to a quote or an offer: opening it (GET) needs no sign-in and only shows the document and
its PDF; the customer accepts or refuses it with a POST from that page.

The token is signed (its own salt) and names the kind of document, its id and the moment it was sent: sending it
again makes a new link and the old one stops working. It expires with the document (the page says so).
Public pages that read it are rate-limited by address (``refused_by_rate``).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int, int_to_base36
from django_ratelimit.core import is_ratelimited

SALT = "fieldbox.commerce.customer-link"
SIGNATURE_CHARS = 22  # 132 bits of HMAC-SHA256
KINDS = ("quote", "offer")


def _signature(value: str) -> str:
    return signing.Signer(salt=SALT).signature(value)[:SIGNATURE_CHARS]


def token_for(kind: str, pk: int, sent_at: datetime) -> str:
    """The token of a document sent at ``sent_at`` (a resending makes another)."""
    if kind not in KINDS:
        raise ValueError(kind)
    value = f"{kind}.{pk}.{int_to_base36(int(sent_at.timestamp()))}"
    return f"{value}.{_signature(value)}"


def read(token: str, kind: str) -> tuple[int, int]:
    """The document id and sending stamp of a token of ``kind``; ``BadSignature`` when tampered or of another
    kind. The caller compares the stamp with the document's ``sent_at`` (an older sending's link is dead)."""
    value, _dot, signature = token.rpartition(".")
    if not constant_time_compare(signature, _signature(value)):
        raise signing.BadSignature("customer link signature does not match")
    try:
        found, pk, stamp = value.split(".")
        if found != kind:
            raise signing.BadSignature("customer link of another kind")
        return int(pk), base36_to_int(stamp)
    except ValueError:
        raise signing.BadSignature("malformed customer link") from None


def is_current(stamp: int, sent_at: datetime | None) -> bool:
    return sent_at is not None and int(sent_at.timestamp()) == stamp


def refused_by_rate(request: HttpRequest, group: str) -> bool:
    """True when this address opened or answered too many customer links lately (``OWNER_LINK_RATE``)."""
    return bool(is_ratelimited(request, group=group, key="ip", rate=settings.OWNER_LINK_RATE, increment=True))

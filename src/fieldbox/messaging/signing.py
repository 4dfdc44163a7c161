"""Signatures of webhooks, ours and our partners': HMAC-SHA256 over "<timestamp>.<body>".

The same scheme signs the events we deliver and checks the device events we receive, so
one page of docs/api.md describes both.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.utils.translation import gettext as _

PREFIX = "sha256="


class SignatureError(Exception):
    """The request is not signed by the secret it claims, or not recently."""


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return PREFIX + mac.hexdigest()


def headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = int(now if now is not None else time.time())
    return {"X-Fieldbox-Timestamp": str(timestamp), "X-Fieldbox-Signature": sign(secret, timestamp, body)}


def verify(secret: str, timestamp: str | None, signature: str | None, body: bytes, *, max_skew: int) -> None:
    """Refuse a missing or wrong signature and a timestamp further than ``max_skew`` seconds from now."""
    if not timestamp or not signature:
        raise SignatureError(_("The X-Fieldbox-Timestamp and X-Fieldbox-Signature headers are required."))
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise SignatureError(_("X-Fieldbox-Timestamp must be a Unix time in seconds.")) from None
    if abs(time.time() - sent_at) > max_skew:
        raise SignatureError(_("The timestamp is too far from the current time; check the sender's clock."))
    if not hmac.compare_digest(sign(secret, sent_at, body), signature.strip()):
        raise SignatureError(_("The signature does not match the body."))

"""Secrets kept readable by the product only (a support mailbox's IMAP password): encrypted at rest with Fernet
(AES-128-CBC and HMAC-SHA256, from ``cryptography``).

The keys are ``ENCRYPTION_KEYS`` (Fernet keys, newest first: a new key encrypts, every key still decrypts, so keys
can be rotated without losing what was written). Without it (the demo, the tests), one key is derived from
``SECRET_KEY``.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@cache
def _keys(configured: tuple[str, ...], secret_key: str) -> MultiFernet:
    if configured:
        return MultiFernet([Fernet(key.encode()) for key in configured])
    derived = base64.urlsafe_b64encode(hashlib.sha256(b"fieldbox-encryption:" + secret_key.encode()).digest())
    return MultiFernet([Fernet(derived)])


def _fernet() -> MultiFernet:
    return _keys(tuple(settings.ENCRYPTION_KEYS), settings.SECRET_KEY)


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode() if text else ""


def decrypt(token: str) -> str:
    """The text, or ``ValueError`` when no key of ours wrote it."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("not encrypted with one of ENCRYPTION_KEYS") from exc

"""Random secrets that are stored only as hashes: invitation links, API tokens."""

from __future__ import annotations

import hashlib
import secrets


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token(prefix: str = "") -> tuple[str, str]:
    """A fresh URL-safe secret and its SHA-256; keep the hash, hand out the secret once."""
    raw = prefix + secrets.token_urlsafe(32)
    return raw, hash_token(raw)

"""Shared test set-up: PostgreSQL only, a clean cache, factories and a two-tenant world."""

from __future__ import annotations

import os

# Playwright's sync API runs an event loop in the test thread; the ORM calls of the tests are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ.setdefault("FIELDBOX_TESTING", "1")

import pytest

pytest_plugins = ["fieldbox.accounts.tests.fixtures"]


@pytest.fixture(autouse=True)
def _postgres_and_clean_cache(settings: object) -> None:
    from django.core.cache import cache
    from django.db import connection

    from fieldbox.core.cache import redis_breaker
    from fieldbox.messaging.outbox import broker_breaker

    assert connection.vendor == "postgresql", "The suite runs on PostgreSQL: set DATABASE_URL or use 'make test'."
    redis_breaker.down_until = broker_breaker.down_until = 0.0  # a test that stopped Redis leaves no trace
    from fieldbox.messaging import events

    events._local.clear()  # webhook subscriptions remembered by the process
    cache.clear()

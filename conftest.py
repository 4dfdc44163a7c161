"""Shared test set-up: PostgreSQL (the service tests also run on SQLite, the demo's database: `make test` runs
them a second time with FIELDBOX_TEST_SQLITE=1), a clean cache, factories and a two-tenant world.

A test that needs PostgreSQL itself (SKIP LOCKED between threads, COPY, a plan) is marked ``postgres``; the browser
tests are marked ``browser``: neither runs on SQLite. Nor do the modules that test pages and the API over the same
services (SQLITE_LEAVES_OUT): the SQLite pass is for the services, the imports and the demo."""

from __future__ import annotations

import os

# Playwright's sync API runs an event loop in the test thread; the ORM calls of the tests are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ.setdefault("FIELDBOX_TESTING", "1")

import pytest

pytest_plugins = ["fieldbox.accounts.tests.fixtures"]
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


# Test modules of pages and the API (the HTTP surface over the services): the PostgreSQL pass runs them.
SQLITE_LEAVES_OUT = frozenset(
    {
        "test_api",
        "test_audit_words",
        "test_auth",
        "test_french",
        "test_job_page",
        "test_nul_input",
        "test_openapi_fuzz",
        "test_pages",
        "test_registry_views",
        "test_tenancy_walk",
        "test_too_large",
        "test_translations",
        "test_views",
        "test_wording",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On SQLite, what needs PostgreSQL or a browser, and the pages and API, are left out (the PostgreSQL pass runs
    them): they are deselected, so the SQLite pass reports only what it ran."""
    if not os.environ.get("FIELDBOX_TEST_SQLITE"):
        return
    kept, left = [], []
    for item in items:
        surface = item.path.stem in SQLITE_LEAVES_OUT
        (left if surface or item.get_closest_marker("postgres") or item.get_closest_marker("browser") else kept).append(
            item
        )
    config.hook.pytest_deselected(items=left)
    items[:] = kept


@pytest.fixture(autouse=True)
def _postgres_and_clean_cache(settings: object) -> None:
    from django.core.cache import cache
    from django.db import connection

    from fieldbox.core.cache import redis_breaker
    from fieldbox.messaging.outbox import broker_breaker

    # People made by the factories get a fast hash (argon2 costs a tenth of a second each, for five people in every
    # tenant); the product's hashers follow it, so a sign-in still checks and upgrades as in production.
    settings.PASSWORD_HASHERS = [FAST_HASHER, *settings.PASSWORD_HASHERS]  # type: ignore[attr-defined]
    wanted = "sqlite" if os.environ.get("FIELDBOX_TEST_SQLITE") else "postgresql"
    assert connection.vendor == wanted, "The suite runs on PostgreSQL: set DATABASE_URL or use 'make test'."
    redis_breaker.down_until = broker_breaker.down_until = 0.0  # a test that stopped Redis leaves no trace
    from fieldbox.messaging import events

    events._local.clear()  # webhook subscriptions remembered by the process
    cache.clear()
    from django.utils import translation

    translation.deactivate()  # a request or a command of an earlier test leaves its language active in the thread

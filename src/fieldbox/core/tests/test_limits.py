"""Statement time-outs (fieldbox.core.limits): a slow query is cut by the database, not left running."""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError, connection
from django.test import Client

from fieldbox.core.limits import limit_statements

pytestmark = pytest.mark.postgres


@pytest.fixture
def limited(settings):
    settings.REQUEST_STATEMENT_TIMEOUT = 0.3
    limit_statements(settings.REQUEST_STATEMENT_TIMEOUT)
    yield
    limit_statements(None)


def still_sleeping() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%%' AND state = 'active'"
        )
        return cursor.fetchone()[0]


def test_a_slow_statement_is_cut_and_nothing_keeps_running(transactional_db, limited):
    started = time.monotonic()
    with pytest.raises(OperationalError, match="statement timeout"), connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(5)")
    assert time.monotonic() - started < 2
    assert still_sleeping() == 0


def test_new_connections_start_with_the_limit(transactional_db, limited):
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "300ms"
        cursor.execute("SHOW idle_in_transaction_session_timeout")
        assert cursor.fetchone()[0] == "1min"
    limit_statements(None)
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"


@pytest.mark.urls("fieldbox.core.tests.slow_urls")
def test_a_page_whose_query_is_cut_answers_try_again(transactional_db, limited):
    started = time.monotonic()
    response = Client(raise_request_exception=False).get("/slow/?s=5")
    assert time.monotonic() - started < 3
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert b"too long" in response.content
    assert still_sleeping() == 0
    assert Client().get("/slow/?s=0.01").content == b"done"  # a quick one is not cut


@pytest.mark.urls("fieldbox.core.tests.slow_urls")
def test_an_api_call_whose_query_is_cut_answers_a_problem(transactional_db, limited):
    response = Client(raise_request_exception=False).get("/api/v1/slow?s=5", HTTP_ACCEPT_LANGUAGE="it")
    assert response.status_code == 503 and response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"].startswith("Il server")

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
        cursor.execute("SELECT pg_sleep(30)")
    assert time.monotonic() - started < 15  # cut long before the 30 s it asked for, however busy the machine
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
    response = Client(raise_request_exception=False).get("/slow/?s=30")
    assert time.monotonic() - started < 15
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert b"too long" in response.content
    assert still_sleeping() == 0
    assert Client().get("/slow/?s=0.01").content == b"done"  # a quick one is not cut


@pytest.mark.urls("fieldbox.core.tests.slow_urls")
def test_an_api_call_whose_query_is_cut_answers_a_problem(transactional_db, limited):
    response = Client(raise_request_exception=False).get("/api/v1/slow?s=30", HTTP_ACCEPT_LANGUAGE="it")
    assert response.status_code == 503 and response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"].startswith("Il server")


@pytest.fixture
def reconnects(transactional_db):
    """The test ends its own connection: the next one (the flush after the test) opens a new one."""
    yield
    connection.close()


def end_our_connection() -> None:
    """What a PostgreSQL restart does to a web process: the server ends its connection under it."""
    import psycopg

    pid = connection.connection.info.backend_pid
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"], dbname=settings["NAME"]
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.urls("fieldbox.core.tests.slow_urls")
def test_a_database_gone_in_the_middle_answers_try_again_and_the_next_request_reconnects(reconnects):
    from django.db import close_old_connections

    client = Client(raise_request_exception=False)
    assert client.get("/slow/?s=0").status_code == 200
    end_our_connection()
    api = client.get("/api/v1/slow?s=0")
    assert api.status_code == 503 and api["Retry-After"] == "30"
    assert api.json()["title"] == "The service is briefly unavailable."
    end_our_connection()
    page = client.get("/slow/?s=0", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 503 and "pas pu terminer" in page.content.decode()
    close_old_connections()  # what every request does first outside the test client: a broken connection is replaced
    assert client.get("/slow/?s=0").status_code == 200


@pytest.mark.urls("fieldbox.core.tests.slow_urls")
def test_a_signed_in_person_whose_session_cannot_be_read_gets_try_again_not_a_server_error(reconnects):
    """The session and the person are read by middleware, before any view: the fault is answered the same way."""
    from django.contrib.auth import get_user_model

    person = get_user_model().objects.create_user(email="anna@example.com", password="x" * 16)
    client = Client(raise_request_exception=False)
    client.force_login(person)
    assert client.get("/slow/?s=0").status_code == 200
    end_our_connection()
    page = client.get("/slow/?s=0", HTTP_ACCEPT_LANGUAGE="it")
    assert page.status_code == 503 and page["Retry-After"] == "30"
    assert "Momentaneamente non disponibile" in page.content.decode()

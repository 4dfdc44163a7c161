"""Logs: the request's id in and out, one JSON object a line with the ids and no personal data, the id carried into
the tasks a request queues (eagerly and by a real worker), and plain text in the demo."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from celery import current_app
from celery.contrib.testing.worker import start_worker
from celery.signals import before_task_publish
from django.conf import settings
from django.test import Client
from django.urls import reverse

from fieldbox.accounts.choices import Role
from fieldbox.accounts.tests.fixtures import Tenant, signed_in
from fieldbox.core.logs import FIELDS, TASK_HEADER, ContextFilter, JsonFormatter, request_id_var

HEX_ID = re.compile(r"[0-9a-f]{32}")
DRAIN = "fieldbox.messaging.tasks.drain_outbox"


class Lines:
    def __init__(self, stream: io.StringIO, handler: logging.Handler) -> None:
        self.stream = stream
        self.handler = handler

    def attach(self) -> None:
        """Again: a worker's start sets Django up again, which configures the logging afresh."""
        logging.getLogger().addHandler(self.handler)
        logging.getLogger().setLevel(logging.INFO)

    def json(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]  # each line one whole object

    def raw(self) -> str:
        return self.stream.getvalue()


@pytest.fixture
def lines() -> Iterator[Lines]:
    """Every line logged meanwhile, through the production formatter and filter (as settings.LOGGING sets them)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield Lines(stream, handler)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("proxy-7f3a.01:2", True),
        ("x" * 64, True),
        ("x" * 65, False),
        ("a b", False),
        ("id\nforged", False),
        ("", False),
    ],
)
def test_the_callers_request_id_comes_back_when_well_formed_else_a_new_one(sent, kept, db):
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=sent)
    answered = response["X-Request-ID"]
    assert answered == sent if kept else HEX_ID.fullmatch(answered)


def test_a_request_without_an_id_gets_a_new_one_each_time(db):
    first, second = (Client().get("/healthz")["X-Request-ID"] for _ in range(2))
    assert HEX_ID.fullmatch(first) and HEX_ID.fullmatch(second) and first != second


def test_a_line_logged_during_a_request_is_one_json_object_with_the_ids_and_no_email(tenant: Tenant, lines):
    care = tenant.care
    response = signed_in(care).get("/", HTTP_X_REQUEST_ID="req-0042")
    assert response.status_code == 200
    access = [line for line in lines.json() if line["logger"] == "fieldbox.access"]
    assert len(access) == 1
    line = access[0]
    assert list(line)[: len(FIELDS)] == list(FIELDS)
    assert line["request_id"] == "req-0042"
    assert line["organisation"] == tenant.provider.pk and line["user"] == care.pk
    assert line["task"] is None and line["task_id"] is None  # absent fields are null, not missing
    assert line["method"] == "GET" and line["status"] == 200 and line["route"] == ""
    assert isinstance(line["duration_ms"], float)
    assert str(line["time"]).endswith("+00:00") and line["level"] == "INFO"
    assert care.email not in lines.raw() and "@" not in lines.raw()


def test_the_access_line_names_the_route_not_the_path_nor_the_query(tenant: Tenant, lines):
    client = signed_in(tenant.care)
    client.get(f"/customers/?q={tenant.care.email}")
    client.get(f"/nowhere/?q={tenant.care.email}")  # Django logs its 404 with the whole request as an extra
    found, missing = [line for line in lines.json() if line["logger"] == "fieldbox.access"]
    assert found["route"] == "customers/" and missing["route"] is None and missing["status"] == 404
    assert "@" not in lines.raw() and "?" not in lines.raw()


def test_djangos_own_lines_name_the_route_never_a_token_in_the_path(db, lines):
    """Django logs every 4xx and 5xx with the path ("Not Found: /calendar/<token>.ics"): the route is written."""
    Client().get("/calendar/a-secret-feed-token.ics")
    Client().get("/no/such/page/a-secret-typed-token/")
    assert "a-secret" not in lines.raw()
    assert "Not Found: /calendar/<str:token>.ics" in lines.raw() and "Not Found: -" in lines.raw()


def test_a_line_outside_any_request_has_null_ids_and_an_exception_has_its_text(lines):
    try:
        raise ValueError("broken")
    except ValueError:
        logging.getLogger("fieldbox.test").exception("it failed")
    (line,) = lines.json()
    assert line["message"] == "it failed" and line["level"] == "ERROR"
    assert all(line[name] is None for name in ("request_id", "organisation", "user", "task", "task_id"))
    assert "ValueError: broken" in str(line["exception"])


def invite(tenant: Tenant, request_id: str) -> None:
    """An invitation: its e-mail is queued in the outbox and a drain of the outbox is queued at the commit."""
    response = signed_in(tenant.company_admin).post(
        reverse("accounts:member_invite"),
        {"email": "new.fitter@example.com", "role": Role.INSTALLER},
        HTTP_X_REQUEST_ID=request_id,
    )
    assert response.status_code == 302


def task_lines(lines: Lines, task: str) -> list[dict[str, object]]:
    return [line for line in lines.json() if line["task"] == task]


@pytest.mark.django_db(transaction=True)
def test_a_task_queued_by_a_request_logs_with_its_request_id_in_process(tenant: Tenant, lines):
    invite(tenant, "req-eager-1")
    ran = task_lines(lines, DRAIN)
    assert ran, "the drain queued by the invitation logged nothing"
    assert all(line["request_id"] == "req-eager-1" and line["task_id"] for line in ran)
    after = [line for line in lines.json() if line["logger"] == "fieldbox.access"]
    assert after[-1]["request_id"] == "req-eager-1" and after[-1]["task"] is None  # the task's ids end with it


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_task_queued_by_a_request_logs_with_its_request_id_in_a_worker(tenant: Tenant, lines):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    app = current_app
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="INFO", shutdown_timeout=10):
            lines.attach()
            invite(tenant, "req-worker-1")
            deadline = time.monotonic() + 20
            while not task_lines(lines, DRAIN) and time.monotonic() < deadline:
                time.sleep(0.1)
    finally:
        app.conf.task_always_eager = True
    ran = task_lines(lines, DRAIN)
    assert ran, "no worker line of the drain within 20 s"
    assert all(line["request_id"] == "req-worker-1" for line in ran)


def log_line(**env: str) -> str:
    """A line logged by a fresh process configured from settings.LOGGING with ``env``."""
    code = (
        "import django, logging; django.setup(); "
        "from fieldbox.core.logs import request_id_var; request_id_var.set('req-demo'); "
        "logging.getLogger('fieldbox.test').warning('hello')"
    )
    keep = {k: v for k, v in os.environ.items() if k not in {"FIELDBOX_DEMO", "LOG_FORMAT", "DEBUG"}}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**keep, "DJANGO_SETTINGS_MODULE": "fieldbox.config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stderr.strip().splitlines()[-1]


def test_the_demo_logs_plain_text_and_production_json():
    demo = log_line(FIELDBOX_DEMO="1")
    assert demo.endswith("WARNING fieldbox.test hello [request_id=req-demo]")
    production = json.loads(log_line())
    assert production["message"] == "hello" and production["request_id"] == "req-demo"
    assert production["level"] == "WARNING" and production["user"] is None


def published_id() -> object:
    """The request id a task's message gets when queued now (what Celery's publish hands to the signal)."""
    headers: dict[str, object] = {}
    before_task_publish.send(sender=DRAIN, body=(), exchange="", routing_key="celery", headers=headers)
    return headers[TASK_HEADER]


def test_a_task_queued_by_a_task_keeps_the_id_and_the_schedulers_get_a_new_one():
    assert request_id_var.get() is None
    first, second = published_id(), published_id()  # the scheduler queues outside any request: a new id each time
    assert HEX_ID.fullmatch(str(first)) and HEX_ID.fullmatch(str(second)) and first != second
    token = request_id_var.set("req-from-a-task")  # what task_prerun sets in the worker from the task's header
    try:
        assert published_id() == "req-from-a-task"
    finally:
        request_id_var.reset(token)

"""/metrics: who may read it, the figures that move with the data, what one scrape costs, and the counters of
several processes added up."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.parser import text_string_to_metric_families

from fieldbox.accounts.tests.fixtures import Tenant
from fieldbox.fleet.tests.factories import device
from fieldbox.jobs.models import Job
from fieldbox.jobs.tests.factories import assigned_job
from fieldbox.messaging import outbox
from fieldbox.messaging.channels import DeliveryError, each
from fieldbox.messaging.choices import Channel, DeviceEventType
from fieldbox.messaging.models import DeviceEvent, OutboxMessage
from fieldbox.service import sla
from fieldbox.service.models import Mailbox, Team, Ticket, WorkOrder
from fieldbox.web.tests.test_serve import free_port, wait_for

pytestmark = pytest.mark.django_db
TOKEN = "s3cret-metrics-token-for-tests"
Figures = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def scraper(settings: Any) -> Client:
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []
    return Client(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")


def scrape(client: Client) -> Figures:
    response = client.get("/metrics")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    found: Figures = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: Figures, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


# Who may read.


@pytest.mark.parametrize(
    ("token", "networks", "headers", "address", "status"),
    [
        ("", [], {}, "127.0.0.1", 404),  # nothing configured (production's default): no such page
        (TOKEN, [], {}, "127.0.0.1", 401),
        (TOKEN, [], {"HTTP_AUTHORIZATION": "Bearer wrong"}, "127.0.0.1", 403),
        (TOKEN, [], {"HTTP_AUTHORIZATION": f"Basic {TOKEN}"}, "127.0.0.1", 403),
        (TOKEN, [], {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}, "203.0.113.9", 200),
        ("", ["10.0.0.0/8"], {}, "10.20.30.40", 200),
        ("", ["10.0.0.0/8"], {}, "192.168.1.1", 403),
        ("", ["10.0.0.0/8"], {"HTTP_AUTHORIZATION": "Bearer anything"}, "192.168.1.1", 403),
        (TOKEN, ["10.0.0.0/8"], {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}, "192.168.1.1", 200),
        ("", ["127.0.0.1/32", "::1/128"], {}, "::1", 200),  # the demo's default: this machine only
        ("", ["127.0.0.1/32", "::1/128"], {}, "127.0.0.2", 403),
    ],
)
def test_only_the_token_or_the_allowed_networks_read_the_figures(
    settings: Any, token: str, networks: list[str], headers: dict[str, str], address: str, status: int
) -> None:
    settings.METRICS_TOKEN = token
    settings.METRICS_ALLOWED_NETWORKS = networks
    response = Client().get("/metrics", REMOTE_ADDR=address, **headers)
    assert response.status_code == status
    assert "no-store" in response.get("Cache-Control", "") or status == 404
    if status in (401, 403):
        assert b"fieldbox_" not in response.content and TOKEN.encode() not in response.content
        assert ("WWW-Authenticate" in response) == (status == 401)


def test_a_forwarded_address_opens_nothing(settings: Any) -> None:
    """Only the connection's own address counts: a host that reaches the web process (or nginx) cannot name an
    allowed address in X-Forwarded-For, even where the site trusts its proxy for everything else."""
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    settings.METRICS_TOKEN = ""
    settings.TRUSTED_PROXY_COUNT = 1
    client = Client()
    for forwarded in ("10.0.0.1", "198.51.100.7, 10.0.0.1"):
        assert client.get("/metrics", REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR=forwarded).status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.0.5.12").status_code == 200


# The figures move with the data.


def test_a_request_is_counted_and_timed_by_its_route_never_its_path(scraper: Client, tenant: Tenant) -> None:
    before = scrape(scraper)
    job = assigned_job(tenant)
    Client().get("/healthz")
    Client().get(f"/jobs/{job.pk}/")  # not signed in: a redirect, labelled by its pattern
    after = scrape(scraper)
    ok = {"route": "/healthz", "method": "GET", "status": "200"}
    assert value(after, "fieldbox_http_requests_total", **ok) == value(before, "fieldbox_http_requests_total", **ok) + 1
    count = "fieldbox_http_request_duration_seconds_count"
    assert value(after, count, route="/healthz") == value(before, count, route="/healthz") + 1
    routes = {dict(labels).get("route", "") for (name, labels) in after if name == "fieldbox_http_requests_total"}
    assert f"/jobs/{job.pk}/" not in routes
    assert any(r.startswith("/jobs/<int:") for r in routes), routes


def test_the_outbox_backlog_its_age_and_the_failed_messages_by_channel(scraper: Client) -> None:
    empty = scrape(scraper)
    assert value(empty, "fieldbox_outbox_pending_messages", channel="email") == 0
    assert value(empty, "fieldbox_outbox_oldest_pending_age_seconds", channel="email") == 0
    outbox.enqueue(outbox.message(key="m:1", channel=Channel.EMAIL, recipient="a@example.com", body="Hi"))
    OutboxMessage.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    queued = scrape(scraper)
    assert value(queued, "fieldbox_outbox_pending_messages", channel="email") == 1
    assert value(queued, "fieldbox_outbox_pending_messages", channel="sms") == 0
    assert 600 <= value(queued, "fieldbox_outbox_oldest_pending_age_seconds", channel="email") < 660

    def refuse(messages: Any) -> Any:
        def boom(message: Any) -> None:
            raise DeliveryError("mailbox does not exist", permanent=True, status=550)

        return each(messages, boom)

    outbox.drain(senders={Channel.EMAIL: refuse})
    failed = scrape(scraper)
    assert value(failed, "fieldbox_outbox_failed_messages", channel="email") == 1
    assert value(failed, "fieldbox_outbox_pending_messages", channel="email") == 0
    assert value(failed, "fieldbox_outbox_oldest_pending_age_seconds", channel="email") == 0


def test_device_events_waiting_and_their_age(scraper: Client, tenant: Tenant) -> None:
    box = device(tenant.provider)
    assert value(scrape(scraper), "fieldbox_device_events_waiting") == 0
    DeviceEvent.objects.create(
        organisation=tenant.provider,
        device=box,
        event_id="e-1",
        type=DeviceEventType.ONLINE,
        occurred_at=timezone.now(),
    )
    DeviceEvent.objects.update(received_at=timezone.now() - timedelta(minutes=5))
    found = scrape(scraper)
    assert value(found, "fieldbox_device_events_waiting") == 1
    assert 300 <= value(found, "fieldbox_device_events_oldest_waiting_age_seconds") < 360


def test_jobs_at_risk_as_customer_care_reads_them(scraper: Client, tenant: Tenant) -> None:
    job = assigned_job(tenant)  # due in 20 days: not at risk
    assert value(scrape(scraper), "fieldbox_jobs_at_risk", state="soon") == 0
    Job.objects.filter(pk=job.pk).update(deadline_at=timezone.now() + timedelta(days=1))
    soon = scrape(scraper)
    assert value(soon, "fieldbox_jobs_at_risk", state="soon") == 1
    assert value(soon, "fieldbox_jobs_at_risk", state="overdue") == 0
    Job.objects.filter(pk=job.pk).update(deadline_at=timezone.now() - timedelta(hours=1))
    assert value(scrape(scraper), "fieldbox_jobs_at_risk", state="overdue") == 1


def test_tickets_past_their_promise_as_the_desk_reads_them(scraper: Client, tenant: Tenant) -> None:
    team = Team.objects.create(organisation=tenant.company, name="Assistenza")
    now, hour = timezone.now(), timedelta(hours=1)

    def ticket(n: int, **fields: Any) -> Ticket:
        return Ticket.objects.create(
            organisation=tenant.company, team=team, number=f"T{n:07d}", subject="Guasto", **fields
        )

    ticket(1, response_due_at=now - hour, resolution_due_at=now + 5 * hour)  # no first answer, in time no more
    ticket(2, response_due_at=now - 3 * hour, first_response_at=now - 4 * hour, resolution_due_at=now - hour)
    ticket(3, response_due_at=now + hour, resolution_due_at=now - hour)  # held to its first answer: still in time
    ticket(4, status="closed", resolution_due_at=now - hour, resolved_at=now)  # ended
    found = scrape(scraper)
    assert value(found, "fieldbox_tickets_late", promise="first_answer") == 1
    assert value(found, "fieldbox_tickets_late", promise="resolution") == 1
    one_by_one = {
        t.number
        for t in Ticket.objects.all()
        if (due := sla.due_of(t, tenant.company, now)) and due.late and not due.ended
    }
    assert one_by_one == {"T0000001", "T0000002"}  # the same tickets as the desk's own reading


def test_work_orders_late_to_start(scraper: Client, tenant: Tenant) -> None:
    team = Team.objects.create(organisation=tenant.company, name="Assistenza")
    call = Ticket.objects.create(organisation=tenant.company, team=team, number="T0000009", subject="Caldaia")
    now, hour = timezone.now(), timedelta(hours=1)

    def order(n: int, status: str, starts_at: Any) -> None:
        ends_at = starts_at + hour if starts_at else None
        WorkOrder.objects.create(
            organisation=tenant.company,
            ticket=call,
            number=f"I{n:07d}",
            description="Revisione",
            status=status,
            starts_at=starts_at,
            ends_at=ends_at,
        )

    order(1, "planned", now - hour)  # should have started an hour ago
    order(2, "accepted", now - 2 * hour)
    order(3, "in_progress", now - hour)  # started
    order(4, "sent", now + hour)  # not yet
    order(5, "to_plan", None)
    order(6, "done", now - 3 * hour)
    assert value(scrape(scraper), "fieldbox_work_orders_late") == 2


def test_the_ingestion_lag_of_each_imap_mailbox(scraper: Client, tenant: Tenant) -> None:
    team = Team.objects.create(organisation=tenant.company, name="Assistenza")
    piped = Mailbox.objects.create(organisation=tenant.company, team=team, address="piped@alpha.example")
    polled = Mailbox.objects.create(
        organisation=tenant.company,
        team=team,
        address="imap@alpha.example",
        imap_host="imap.alpha.example",
        polled_at=timezone.now() - timedelta(minutes=3),
    )
    found = scrape(scraper)
    assert 180 <= value(found, "fieldbox_mailbox_last_poll_age_seconds", mailbox=str(polled.pk)) < 240
    assert value(found, "fieldbox_mailbox_poll_failing", mailbox=str(polled.pk)) == 0
    assert ("fieldbox_mailbox_poll_failing", frozenset({("mailbox", str(piped.pk))})) not in found
    Mailbox.objects.filter(pk=polled.pk).update(poll_error="Login refused")
    assert value(scrape(scraper), "fieldbox_mailbox_poll_failing", mailbox=str(polled.pk)) == 1


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs the broker (REDIS_URL)")
def test_the_length_of_each_celery_queue_in_the_broker(scraper: Client) -> None:
    import redis

    broker = redis.Redis.from_url(settings.REDIS_URL)
    broker.delete("documents")
    try:
        assert value(scrape(scraper), "fieldbox_celery_queue_length", queue="documents") == 0
        broker.rpush("documents", b"{}", b"{}")
        found = scrape(scraper)
        assert value(found, "fieldbox_celery_queue_length", queue="documents") == 2
        assert value(found, "fieldbox_broker_up") == 1
    finally:
        broker.delete("documents")


def test_no_broker_answering_is_reported_not_an_error(scraper: Client, settings: Any) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    found = scrape(scraper)
    assert value(found, "fieldbox_broker_up") == 0
    assert not [k for k in found if k[0] == "fieldbox_celery_queue_length"]


# What one scrape costs.


def _load(tenant: Tenant, n: int) -> None:
    box = device(tenant.provider)
    outbox.enqueue(
        *(
            outbox.message(key=f"load:{n}:{c}:{i}", channel=c, recipient="a@example.com", body="Hi")
            for i in range(n)
            for c in Channel.values
        )
    )
    OutboxMessage.objects.filter(id__in=list(OutboxMessage.objects.values_list("id", flat=True)[: n // 2])).update(
        status="failed"
    )
    now = timezone.now()
    DeviceEvent.objects.bulk_create(
        DeviceEvent(organisation=tenant.provider, device=box, event_id=f"load-{n}-{i}", type="online", occurred_at=now)
        for i in range(n)
    )


def test_one_scrape_costs_the_same_few_queries_whatever_the_data(scraper: Client, tenant: Tenant) -> None:
    _load(tenant, 1)
    assigned_job(tenant)
    with CaptureQueriesContext(connection) as small:
        scrape(scraper)
    _load(tenant, 120)
    assigned_job(tenant)
    with CaptureQueriesContext(connection) as large:
        found = scrape(scraper)
    assert value(found, "fieldbox_device_events_waiting") == 121
    assert len(large) == len(small) <= 17, [q["sql"][:120] for q in large.captured_queries]


# Several processes, one set of figures.

# A process of the host that answers three requests (no Django set-up: the counting needs none).
COUNTING = textwrap.dedent(
    """
    import os
    from types import SimpleNamespace
    from fieldbox.core import metrics
    request = SimpleNamespace(method="GET", resolver_match=SimpleNamespace(route="healthz", view_name="web:healthz"))
    for _ in range(3):
        metrics.observe_request(request, 200, 0.02)
    print(os.getpid())
    """
)


def test_the_counters_of_every_process_of_the_host_are_added_up(
    scraper: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "fieldbox.config.settings",
    }
    runs = [
        subprocess.Popen([sys.executable, "-c", COUNTING], env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)
    ]
    pids = [run.communicate(timeout=60)[0].strip() for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    assert pids[0] != pids[1]
    assert len(list(tmp_path.glob("counter_*.db"))) == 2
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    found = scrape(scraper)
    ok = {"route": "/healthz", "method": "GET", "status": "200"}
    assert value(found, "fieldbox_http_requests_total", **ok) == 6
    assert value(found, "fieldbox_http_request_duration_seconds_count", route="/healthz") == 6
    assert value(found, "fieldbox_outbox_pending_messages", channel="email") == 0  # the deployment's figures too
    # The processes end: their counts move into the host's archive and their files go; the totals stay.
    from fieldbox.core import metrics

    for pid in pids:
        metrics.mark_dead(int(pid))
        assert value(scrape(scraper), "fieldbox_http_requests_total", **ok) == 6
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["counter_archive.db", "histogram_archive.db"]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, ""


@pytest.mark.postgres
def test_serve_counts_in_every_web_worker_and_a_dead_worker_keeps_its_counts(tmp_path: Path) -> None:
    """The real server: two gunicorn workers count into the host's directory, where the last run's counts wait in
    the archive; /metrics adds them up, and a killed worker's requests stay in the total (gunicorn's child_exit
    hook moves them into the archive)."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    last_run = MmapedDict(str(folder / f"counter_{gone.stdout.strip()}.db"))  # of a process of the last run
    labels = ["route", "method", "status"]
    key = mmap_key("fieldbox_http_requests_total", "fieldbox_http_requests_total", labels, ["/last", "GET", "200"], "")
    last_run.write_value(key, 5.0, 0.0)
    last_run.close()
    MmapedDict(str(folder / f"counter_{os.getpid()}.db")).close()  # of a process that still runs (a Celery worker)
    port = free_port()
    env = {
        **os.environ,
        "FIELDBOX_DEMO": "1",
        "FIELDBOX_TESTING": "",
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict),
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
        "METRICS_TOKEN": "",
        "PORT": str(port),
    }
    log = tmp_path / "serve.log"
    fieldbox = str(Path(sys.executable).with_name("fieldbox"))
    with log.open("wb") as out:
        server = subprocess.Popen(
            [fieldbox, "serve", "--port", str(port), "--workers", "2"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: log.read_text().count("Booting worker") >= 2, 90), log.read_text()
        assert not (folder / f"counter_{gone.stdout.strip()}.db").exists()
        assert (folder / f"counter_{os.getpid()}.db").exists()
        for _ in range(20):
            assert _get(f"{base}/healthz")[0] == 200
        status, text = _get(f"{base}/metrics")  # the demo answers to this machine, without a token
        assert status == 200 and 'fieldbox_http_requests_total{method="GET",route="/healthz",status="200"} 20.0' in text
        assert 'fieldbox_http_requests_total{method="GET",route="/last",status="200"} 5.0' in text  # kept
        workers = [int(p) for p in re.findall(r"Booting worker with pid: (\d+)", log.read_text())]
        os.kill(workers[0], signal.SIGKILL)
        assert wait_for(lambda: log.read_text().count("Booting worker") >= 3, 60), log.read_text()
        _, text = _get(f"{base}/metrics")
        assert 'fieldbox_http_requests_total{method="GET",route="/healthz",status="200"} 20.0' in text
        assert "Exception" not in log.read_text(), log.read_text()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def test_the_example_alert_rules_use_only_figures_that_exist(scraper: Client, tenant: Tenant, settings: Any) -> None:
    import yaml

    team = Team.objects.create(organisation=tenant.company, name="Assistenza")
    Mailbox.objects.create(
        organisation=tenant.company, team=team, address="imap@alpha.example", imap_host="imap.example"
    )
    Client().get("/healthz")
    rules = yaml.safe_load(ALERTS.read_text())
    names = {name for (name, _labels) in scrape(scraper)}
    names |= {n.removesuffix("_bucket") for n in names} | {"fieldbox_celery_queue_length"}  # needs a broker
    used = {n for rule in rules["groups"][0]["rules"] for n in re.findall(r"fieldbox_\w+", rule["expr"])}
    assert used and used <= names, used - names
    assert {r["alert"] for r in rules["groups"][0]["rules"]} >= {"FieldboxOutboxStuck", "FieldboxServerErrors"}


ALERTS = Path(__file__).resolve().parents[4] / "docs" / "prometheus-alerts.yml"


def test_the_tasks_a_worker_runs_are_counted_by_name_and_outcome(scraper: Client) -> None:
    from fieldbox.core import metrics
    from fieldbox.messaging.tasks import sweep_device_events

    metrics.count_tasks()  # what `fieldbox worker` does before it starts
    name = "fieldbox.messaging.tasks.sweep_device_events"
    before = value(scrape(scraper), "fieldbox_tasks_total", task=name, outcome="ok")
    sweep_device_events.apply()
    found = scrape(scraper)
    assert value(found, "fieldbox_tasks_total", task=name, outcome="ok") == before + 1
    assert value(found, "fieldbox_task_duration_seconds_count", task=name) >= 1

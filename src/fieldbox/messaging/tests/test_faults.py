"""Faults: workers killed mid-drain and Redis going away lose no message, and receivers see each once.

These tests run real ``fieldbox worker`` processes against the test database (the data is
committed: ``transaction=True``) and a ``redis-server`` of their own on a free port, so no
task of another test or of a shared Redis meets them. Every worker and Redis they start is
killed before the test ends (the transactional flush would otherwise wait on their locks).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import redis
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from fieldbox.accounts import services as account_services
from fieldbox.accounts.tests.fixtures import make_tenant, signed_in
from fieldbox.messaging import events, outbox
from fieldbox.messaging.choices import Channel, MessageStatus
from fieldbox.messaging.models import OutboxMessage
from fieldbox.messaging.services.webhooks import webhook_create

FIELDBOX = Path(sys.executable).with_name("fieldbox")
REPO = Path(__file__).resolve().parents[4]
WORKER_APP_NAME = "fieldbox-fault-worker"  # PGAPPNAME of the workers: their connections are found by it

MESSAGES = 1000
KILLS = 10
BATCH = 10
LEASE_SECONDS = 2
SINK_DELAY = 0.01  # the receiver's own work per request: kills land while a batch is being sent
REQUEST_LIMIT = 5.0  # seconds a web request may take while Redis is down

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,  # workers in threads and processes share the database: SQLite has one writer
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs the redis-server binary"),
]


# --- helpers ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition: Callable[[], bool], timeout: float, failure: Callable[[], str]) -> float:
    """Poll ``condition`` until it holds; fail with ``failure()`` after ``timeout`` seconds. Answers the wait."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"after {timeout:.0f} s: {failure()}")
        time.sleep(0.05)
    return time.monotonic() - started


def timed(call: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
    started = time.monotonic()
    result = call(*args, **kwargs)
    return result, time.monotonic() - started


def statuses(**filters: Any) -> dict[str, int]:
    return dict(Counter(OutboxMessage.objects.filter(**filters).values_list("status", flat=True)))


def worker_database_url() -> str:
    """The test database (not the one named by DATABASE_URL) as a URL for the worker processes."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"], safe="")
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgres://{auth}@{s['HOST'] or ''}{port}/{quote(s['NAME'], safe='')}"


class RedisServer:
    """A throw-away redis-server on its own port, without persistence: killed, it forgets everything."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=1)

    def answers(self) -> bool:
        try:
            with self.client() as client:
                return bool(client.ping())
        except redis.RedisError:
            return False

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", str(self.directory)]
        with (self.directory / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_for(self.answers, 10, lambda: f"redis-server did not answer on port {self.port}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        assert not self.answers()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def celery_broker() -> Iterator[Callable[[str], None]]:
    """Point this process's Celery at a broker, for real (not eager); everything is put back afterwards."""
    from kombu import pools

    from fieldbox.config.celery import app

    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}

    def forget_connections() -> None:
        # The connection and producer pools are made once per process for the broker of the time.
        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    def point(url: str) -> None:
        app.conf.broker_url = url
        app.conf.task_always_eager = False
        forget_connections()

    try:
        yield point
    finally:
        app.conf.update(saved)
        forget_connections()


@dataclass
class Workers:
    """``fieldbox worker`` processes started one after the other; each is killed with its whole process group."""

    env: dict[str, str]
    log: Path
    beat: bool = False
    current: subprocess.Popen[bytes] | None = None
    started: int = 0

    def start(self, concurrency: int = 1) -> None:
        assert self.current is None, "one worker at a time"
        command = [str(FIELDBOX), "worker", "--concurrency", str(concurrency), *(["--beat"] if self.beat else [])]
        with self.log.open("ab") as log:
            self.current = subprocess.Popen(
                command,
                env=self.env,
                cwd=self.log.parent,  # the beat's schedule file lands here, not in the repository
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the pool child and the beat die with it
            )
        self.started += 1

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement, no result recorded for what is in flight."""
        if self.current is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.current.pid, signal.SIGKILL)
        self.current.wait(timeout=10)
        self.current = None

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _worker_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
            [WORKER_APP_NAME],
        )
        return int(cursor.fetchone()[0])


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[..., Workers]]:
    """Make worker processes on the test database and a given Redis; all are dead when the test ends."""
    made: list[Workers] = []

    def make(redis_url: str, *, beat: bool = False, **env: str) -> Workers:
        base = {
            **os.environ,
            "DATABASE_URL": worker_database_url(),
            "REDIS_URL": redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "WEBHOOK_ALLOW_PRIVATE": "1",
            "FIELDBOX_TESTING": "1",
            "FIELDBOX_VAR_DIR": str(tmp_path),
            "NODE_MODULES": str(REPO / "node_modules"),
            "PGAPPNAME": WORKER_APP_NAME,
            "LOG_LEVEL": "WARNING",
        }
        made.append(Workers(env={**base, **env}, log=tmp_path / f"worker-{len(made)}.log", beat=beat))
        return made[-1]

    try:
        yield make
    finally:
        for group in made:
            group.kill()
        # PostgreSQL ends a killed client's session (and its locks) once it notices the closed socket.
        wait_for(lambda: _worker_connections() == 0, 15, lambda: "connections of killed workers linger")


# --- the receiver ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    key: str
    body: bytes


class Sink:
    """A webhook receiver written as integrators are told to: check the signature, then do each key once.

    Every request that passes the signature is a receipt; the first receipt of a key is processed,
    later ones (redeliveries) are acknowledged and ignored.
    """

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.secret = b""
        self.lock = threading.Lock()
        self.receipts: list[Receipt] = []
        self.processed: dict[str, bytes] = {}  # key → the body that was processed
        self.refused: list[str] = []
        self.busy = 0  # requests being handled
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                with sink.lock:
                    sink.busy += 1
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                    body = self.rfile.read(length)
                    if len(body) < length:
                        return  # the sender died while sending: nothing was received
                    status = sink.receive(self.headers, body)
                    with contextlib.suppress(OSError):  # a sender that died waiting for the answer sends again
                        self.send_response(status)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                finally:
                    with sink.lock:
                        sink.busy -= 1

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a killed worker resets its connections: that is the point of the test

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/fieldbox"

    def count(self) -> int:
        with self.lock:
            return len(self.receipts)

    def idle(self) -> bool:
        with self.lock:
            return self.busy == 0

    def receive(self, headers: Any, body: bytes) -> int:
        key = headers.get("X-Fieldbox-Delivery", "")
        timestamp = headers.get("X-Fieldbox-Timestamp", "")
        signature = headers.get("X-Fieldbox-Signature", "")
        expected = "sha256=" + hmac.new(self.secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < 300
        if not (key and fresh and hmac.compare_digest(expected, signature)):
            with self.lock:
                self.refused.append(key)
            return 401
        with self.lock:
            self.receipts.append(Receipt(key, body))
            self.processed.setdefault(key, body)
        time.sleep(self.delay)
        return 200


@pytest.fixture
def sink() -> Iterator[Sink]:
    receiver = Sink(delay=SINK_DELAY)
    receiver.thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


# --- workers killed mid-drain ------------------------------------------------------------------


def test_killed_workers_lose_no_message_and_the_receiver_processes_each_key_once(
    private_redis: RedisServer,
    celery_broker: Callable[[str], None],
    sink: Sink,
    workers: Callable[..., Workers],  # after the sink and Redis: its workers are killed before they go
) -> None:
    seed = int(os.environ.get("FAULTS_SEED") or time.time_ns() % 2**32)
    rng = random.Random(seed)  # FAULTS_SEED=<seed> replays the same kill delays
    celery_broker(private_redis.url)  # the drain queued by enqueue goes to the workers' Redis
    tenant = make_tenant("faults")
    event = next(iter(events.EVENTS))
    endpoint = webhook_create(scope=tenant.scope(tenant.provider_admin), url=sink.url, event_types=[event])
    sink.secret = endpoint.secret.encode()
    messages = [
        outbox.message(
            key=f"faults:{n:04d}",
            channel=Channel.WEBHOOK,
            recipient=endpoint.url,
            kind=event,
            organisation=tenant.provider,
            endpoint=endpoint,
            body=json.dumps({"n": n, "type": "ping"}),
            data={"event": "ping"},
        )
        for n in range(MESSAGES)
    ]
    with transaction.atomic():
        outbox.enqueue(*messages)
    keys = {m.idempotency_key for m in messages}
    assert OutboxMessage.objects.filter(idempotency_key__in=keys, status=MessageStatus.PENDING).count() == MESSAGES

    group = workers(
        private_redis.url,
        beat=True,  # the scheduled drain picks up what a dead worker held once its lease runs out
        OUTBOX_BATCH_SIZE=str(BATCH),
        OUTBOX_LEASE_SECONDS=str(LEASE_SECONDS),
        OUTBOX_DRAIN_EVERY="1",
        # The lease must be twice the longest send timeout: short ones for this short lease.
        WEBHOOK_TIMEOUT="1",
        EMAIL_TIMEOUT="1",
        SMS_TIMEOUT="1",
    )
    started = time.monotonic()
    for kill in range(1, KILLS + 1):
        before = sink.count()
        group.start()
        booted = wait_for(
            lambda before=before: sink.count() > before,
            30,
            lambda kill=kill: (
                f"worker {kill} delivered nothing (receipts {sink.count()}, outbox {statuses()}):\n{group.tail()}"
            ),
        )
        time.sleep(rng.uniform(0.2, 1.0))
        group.kill()
        wait_for(sink.idle, 5, lambda: "the receiver is still busy with a dead worker's request")
        left = OutboxMessage.objects.filter(status=MessageStatus.PENDING).count()
        print(
            f"kill {kill} at {time.monotonic() - started:.1f} s, {booted:.1f} s from start to delivery: "
            f"{sink.count()} receipts, {left} messages not sent"
        )
        assert left, f"everything was sent before kill {kill}: the kills must land mid-drain"

    # The last worker has the default two processes: drains run side by side, and only the lease and
    # SKIP LOCKED keep them from sending the same rows (checked on the receipts after the last kill).
    last_kill = sink.count()
    # Nobody is killed any more: its claims last a whole batch (on a loaded machine a batch outlasts the short
    # lease, and a drain may then take rows the other is still sending, as at-least-once allows). The dead
    # workers' claims were made with the short lease and are free again within it.
    group.env["OUTBOX_LEASE_SECONDS"] = "60"
    group.start(concurrency=2)
    wait_for(
        lambda: OutboxMessage.objects.filter(status=MessageStatus.SENT).count() == MESSAGES,
        60,
        lambda: (
            f"the backlog did not drain after {KILLS} kills: outbox {statuses()}, "
            f"errors {set(OutboxMessage.objects.exclude(last_error='').values_list('last_error', flat=True)[:5])}:\n"
            f"{group.tail()}"
        ),
    )
    group.kill()
    elapsed = time.monotonic() - started

    counts = Counter(r.key for r in sink.receipts)
    redeliveries = sum(n - 1 for n in counts.values())
    reclaimed = OutboxMessage.objects.filter(attempts__gt=1).count()
    print(
        f"seed {seed}: {group.started} workers, {KILLS} kills, {len(sink.receipts)} receipts, "
        f"{len(sink.processed)} processed, {redeliveries} redeliveries "
        f"({sum(1 for n in counts.values() if n > 1)} keys), {reclaimed} rows claimed again, {elapsed:.1f} s"
    )
    assert not sink.refused, f"deliveries with a bad signature: {sink.refused[:5]}"
    assert set(sink.processed) == keys, (
        f"lost: {sorted(keys - set(sink.processed))[:10]}, foreign: {sorted(set(sink.processed) - keys)[:10]}"
    )
    assert statuses() == {MessageStatus.SENT: MESSAGES}
    # A redelivery is the same message: same key, same bytes; no message travels under a second key.
    assert all(r.body == sink.processed[r.key] for r in sink.receipts)
    keys_of_message: dict[int, set[str]] = defaultdict(set)
    for r in sink.receipts:
        keys_of_message[json.loads(r.body)["n"]].add(r.key)
    assert all(len(k) == 1 for k in keys_of_message.values())
    after_kills = [r.key for r in sink.receipts[last_kill:]]
    assert len(after_kills) == len(set(after_kills)), "the two drains of the last worker sent the same rows"
    # Only what a killed worker had sent but not yet recorded comes twice: at most a batch per kill.
    assert redeliveries <= KILLS * BATCH, f"{redeliveries} redeliveries for {KILLS} kills of batches of {BATCH}"


# --- Redis down -------------------------------------------------------------------------------


def test_while_redis_is_down_requests_work_and_messages_wait_then_drain_when_it_returns(
    tmp_path: Path,
    settings: Any,
    private_redis: RedisServer,
    celery_broker: Callable[[str], None],
    workers: Callable[..., Workers],
) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "fieldbox.core.cache.ResilientRedisCache",
            "LOCATION": private_redis.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    celery_broker(private_redis.url)
    tenant = make_tenant("outage")
    admin = tenant.provider_admin
    _token, raw = account_services.token_create(scope=tenant.scope(admin), name="outage", days=1)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    browser, api, anonymous = signed_in(admin), Client(), Client()

    # Redis up: the API throttle keeps its history in this Redis.
    assert api.get("/api/v1/me", **bearer).status_code == 200
    assert private_redis.client().dbsize() > 0, "the cache does not use the private Redis"

    private_redis.kill()
    invited, invite = "office@outage-partner.example", reverse("accounts:partner_invite")
    timings = {}
    response, timings["partner invitation"] = timed(browser.post, invite, {"email": invited})
    assert response.status_code == 302, response.content[:500]
    response, timings["API with a token"] = timed(api.get, "/api/v1/me", **bearer)
    assert response.status_code == 200, response.content[:500]
    assert response.json()["email"] == admin.email
    response, timings["password reset"] = timed(
        anonymous.post, reverse("accounts:password_reset"), {"email": admin.email}
    )
    assert response.status_code == 302, response.content[:500]
    response, timings["partners page"] = timed(browser.get, reverse("accounts:partners"))
    assert response.status_code == 200
    print("while Redis is down: " + ", ".join(f"{name} {s:.2f} s" for name, s in timings.items()))
    assert all(s < REQUEST_LIMIT for s in timings.values()), timings
    backlog = OutboxMessage.objects.filter(recipient__in=[invited, admin.email])
    waiting = list(backlog.values_list("pk", flat=True))
    assert sorted(backlog.values_list("recipient", "status", "attempts")) == [
        (admin.email, MessageStatus.PENDING, 0),
        (invited, MessageStatus.PENDING, 0),
    ]

    # Redis back, a worker (no beat) starts: it drains what waited without being asked.
    private_redis.start()
    group = workers(private_redis.url, EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend")
    group.start()
    waited = wait_for(
        lambda: statuses(pk__in=waiting) == {MessageStatus.SENT: 2},
        30,
        lambda: f"the backlog did not drain: outbox {statuses()}:\n{group.tail()}",
    )
    mail = "\n".join(p.read_text(errors="replace") for p in (tmp_path / "mail").glob("*"))
    assert f"To: {invited}" in mail
    assert f"To: {admin.email}" in mail

    # The web process skips Redis for a few seconds after a failure (one timeout, not one per call),
    # then finds it again: a new message is queued at once and sent by the worker.
    from fieldbox.core.cache import redis_breaker
    from fieldbox.messaging.outbox import broker_breaker

    wait_for(lambda: not (redis_breaker.is_open or broker_breaker.is_open), 15, lambda: "still skipping Redis")
    again = "desk@outage-partner.example"
    response, seconds = timed(browser.post, invite, {"email": again})
    assert response.status_code == 302
    assert seconds < 3, f"queueing took {seconds:.2f} s with Redis back"
    wait_for(
        lambda: statuses(recipient=again) == {MessageStatus.SENT: 1},
        15,
        lambda: f"the message queued after Redis returned was not sent: {statuses()}:\n{group.tail()}",
    )
    cache.set("probe", 1)
    assert cache.get("probe") == 1, "the cache did not reconnect"
    print(f"backlog drained {waited:.1f} s after the worker started")

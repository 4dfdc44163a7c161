"""The figures each process counts (requests, background tasks), who may read /metrics, and the shared directory.

Production runs several gunicorn workers and Celery worker processes: each writes its counters to files in
``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode) and /metrics adds up the files of every
process of the host. prometheus-client picks its way of keeping values when it is first imported, from that
variable: so nothing here imports it at module level, ``serve`` and ``worker`` set the variable before any metric
exists (``use_shared_dir``), and the metrics are made on first use, in the process that counts.

Who may read: a bearer token (``METRICS_TOKEN``, compared in constant time) or an address in
``METRICS_ALLOWED_NETWORKS`` (the address of the connection itself, REMOTE_ADDR: Prometheus scrapes the web
processes directly, and a header a client writes cannot open it). With neither set the page
does not exist (404); the demo sets the networks to this machine.
"""

from __future__ import annotations

import fcntl
import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

log = logging.getLogger(__name__)
ENV = "PROMETHEUS_MULTIPROC_DIR"
ARCHIVE = "archive"  # counter_archive.db, histogram_archive.db: what the host's ended processes counted
LOCK = "merge.lock"
UNRESOLVED = "<unresolved>"  # the route label of a request no URL pattern matched (404s, static files)
# Request latency buckets, in seconds: pages answer in tens of milliseconds, imports and exports in seconds.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def use_shared_dir(*, empty: bool) -> Path:
    """Point this process (and the processes it forks) at the host's metrics directory; ``empty`` adds the files of
    processes that no longer run into the archive (``serve`` does it as it starts: the last run's web workers; the
    live Celery workers of the host keep theirs, which they still write)."""
    folder = Path(os.environ.get(ENV) or settings.METRICS_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ[ENV] = str(folder)
    if empty:
        for leftover in folder.glob("*.db"):
            pid = leftover.stem.rpartition("_")[2]
            if pid.isdigit() and not _running(int(pid)):
                mark_dead(int(pid))  # its counts go on in the archive
    return folder


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def shared_dir() -> str | None:
    return os.environ.get(ENV) or None


def mark_dead(pid: int) -> None:
    """A process of the host ended: its counters and histograms are added into the host's archive files and its own
    files go, so the directory holds one file per live process (gunicorn and Celery replace their processes all the
    time: WEB_MAX_REQUESTS, WORKER_MAX_TASKS_PER_CHILD) and a scrape reads a bounded number of files. A scrape never
    sees the values twice or not at all: it reads under the same lock (``process_figures``)."""
    folder = shared_dir()
    if not folder:
        return
    from prometheus_client import multiprocess
    from prometheus_client.mmap_dict import MmapedDict

    multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
    with _merge_lock(Path(folder), exclusive=True):
        for kind in ("counter", "histogram"):
            dead = Path(folder) / f"{kind}_{pid}.db"
            if not dead.exists():
                continue
            try:
                values = list(MmapedDict.read_all_values_from_file(str(dead)))  # type: ignore[no-untyped-call]
            except Exception:
                log.warning("Metrics file %s cannot be read: removed", dead.name, exc_info=True)
                values = []
            archive = MmapedDict(str(Path(folder) / f"{kind}_{ARCHIVE}.db"))  # type: ignore[no-untyped-call]
            try:
                for key, value, timestamp, _pos in values:
                    total, _ = archive.read_value(key)  # type: ignore[no-untyped-call]
                    archive.write_value(key, total + value, timestamp)  # type: ignore[no-untyped-call]
            finally:
                archive.close()  # type: ignore[no-untyped-call]
            dead.unlink()


@contextmanager
def _merge_lock(folder: Path, *, exclusive: bool) -> Iterator[None]:
    """Between a dead process's merge (exclusive) and the scrapes (shared), across the processes of the host."""
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # releases the lock


@cache
def _metrics() -> dict[str, Any]:
    from prometheus_client import Counter, Histogram

    return {
        "requests": Counter(
            "fieldbox_http_requests_total",
            "Requests answered, by URL pattern, method and status.",
            ["route", "method", "status"],
        ),
        "latency": Histogram(
            "fieldbox_http_request_duration_seconds",
            "Time to answer a request, by URL pattern.",
            ["route"],
            buckets=LATENCY_BUCKETS,
        ),
        "tasks": Counter(
            "fieldbox_tasks_total", "Background tasks finished, by task name and outcome.", ["task", "outcome"]
        ),
        "task_time": Histogram(
            "fieldbox_task_duration_seconds",
            "Time a background task ran, by task name.",
            ["task"],
            buckets=(0.05, 0.25, 1.0, 5.0, 15.0, 60.0, 300.0, 1800.0),
        ),
    }


def route_of(request: HttpRequest) -> str:
    """The URL pattern that answered (``jobs/<int:pk>/``), never the path itself: a bounded set of labels."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNRESOLVED
    return "/" + match.route if match.route else (match.view_name or UNRESOLVED)


class RequestMetricsMiddleware:
    """Counts every request by route, method and status, and times it. First in the chain: it sees all of them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        observe_request(request, response.status_code, time.perf_counter() - started)
        return response


def observe_request(request: HttpRequest, status: int, seconds: float) -> None:
    route = route_of(request)
    method = request.method if request.method in KNOWN_METHODS else "other"
    found = _metrics()
    found["requests"].labels(route, method, str(status)).inc()
    found["latency"].labels(route).observe(seconds)


KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def task_done(task: str, outcome: str, seconds: float | None) -> None:
    """A background task finished (``ok``, ``failed`` or ``retried``)."""
    found = _metrics()
    found["tasks"].labels(task, outcome).inc()
    if seconds is not None:
        found["task_time"].labels(task).observe(seconds)


def process_figures() -> bytes:
    """The counters of this host's processes, in the text format: every process's files in multiprocess mode, this
    process's own otherwise (the tests, ``runserver``)."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess

    _metrics()  # present (at zero) before the first request
    folder = shared_dir()
    if folder:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        with _merge_lock(Path(folder), exclusive=False):
            return generate_latest(registry)
    return generate_latest(REGISTRY)


# Who may read /metrics.

OPEN, UNKNOWN, NO_CREDENTIALS, REFUSED = "open", "unknown", "no-credentials", "refused"


def access(request: HttpRequest) -> str:
    """``open``; ``unknown`` (nothing configured: the page does not exist); ``no-credentials`` (a token is
    configured and none came); ``refused`` (a wrong token, or an address outside the networks)."""
    token: str = settings.METRICS_TOKEN
    networks = _networks(tuple(settings.METRICS_ALLOWED_NETWORKS))
    if not token and not networks:
        return UNKNOWN
    if networks and _address_in(str(request.META.get("REMOTE_ADDR") or ""), networks):
        return OPEN
    if token:
        given = str(request.META.get("HTTP_AUTHORIZATION", ""))
        if not given:
            return NO_CREDENTIALS
        scheme, _, value = given.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode()):
            return OPEN
    return REFUSED


@cache
def _networks(cidrs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def _address_in(address: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in n for n in networks if n.version == ip.version)


# Background tasks: Celery's signals, connected in the worker's processes by ``fieldbox worker``.

_started: dict[str, float] = {}


def count_tasks() -> None:
    """Count and time the tasks this worker runs, by task name; a child process that ends is marked dead."""
    from celery import signals

    signals.task_prerun.connect(_prerun, weak=False)
    signals.task_postrun.connect(_postrun, weak=False)
    signals.task_retry.connect(_retry, weak=False)
    signals.worker_process_shutdown.connect(_child_gone, weak=False)


def _prerun(task_id: str = "", **_: Any) -> None:
    _started[task_id] = time.perf_counter()


def _postrun(task_id: str = "", task: Any = None, state: str = "", **_: Any) -> None:
    began = _started.pop(task_id, None)
    seconds = time.perf_counter() - began if began is not None else None
    if state == "RETRY":
        return  # counted by _retry
    task_done(getattr(task, "name", "unknown"), "ok" if state == "SUCCESS" else "failed", seconds)


def _retry(sender: Any = None, **_: Any) -> None:
    task_done(getattr(sender, "name", "unknown"), "retried", None)


def _child_gone(pid: int | None = None, **_: Any) -> None:
    mark_dead(pid or os.getpid())

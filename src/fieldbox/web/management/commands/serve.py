"""Serve Fieldbox with gunicorn; with no broker configured, the scheduler runs beside it too.

Without a broker (the demo) background work runs in the process that queues it, and the scheduled tasks run in a
process of their own, forked before gunicorn starts: not in a thread of gunicorn's master, which forks its web
workers while the thread may hold a lock (kombu's producer pool, a database connection), and a web worker born
with a held lock waits for it forever."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections
from django.utils.module_loading import import_string

from fieldbox.core import metrics

log = logging.getLogger(__name__)


def run_schedule(done: Callable[[], bool]) -> None:
    """The stand-in for Celery beat: runs each scheduled task at its interval until ``done()``."""
    due: dict[str, float] = {}
    while not done():
        now = time.monotonic()
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
            if now >= due.get(name, 0):
                due[name] = now + float(entry["schedule"])  # type: ignore[arg-type]
                try:
                    # The task's name is its dotted path: importing it works before Celery's autodiscovery ran.
                    import_string(str(entry["task"])).apply()
                except Exception:
                    log.exception("scheduled task %s failed", name)
        time.sleep(0.5)


def _scheduler(parent: int) -> None:
    """The scheduler's process: it runs while the server that forked it lives (a killed server leaves no orphan)."""
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C reaches the whole process group
        run_schedule(lambda: os.getppid() != parent)


def start_scheduler() -> multiprocessing.context.ForkProcess:
    """The scheduler's process, forked now, while this process has no other thread and no open connection."""
    connections.close_all()
    process = multiprocessing.get_context("fork").Process(
        target=_scheduler, args=(os.getpid(),), name="fieldbox-scheduler", daemon=True
    )
    process.start()
    return process


class Command(BaseCommand):
    help = "Run the web server (gunicorn); in the demo also the in-process worker and scheduler."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))

    def handle(self, *args: Any, **options: Any) -> None:
        from gunicorn.app.wsgiapp import run

        metrics.use_shared_dir(empty=True)  # before any fork: every process of the host counts into it
        if not settings.REDIS_URL:
            scheduler = start_scheduler()
            self.stdout.write(f"In-process worker and scheduler (process {scheduler.pid}): on (no REDIS_URL).")
        sys.argv = [
            "gunicorn",
            "fieldbox.config.wsgi:application",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["workers"]),
            # The access line is written by fieldbox.core.logs.RequestIdMiddleware (with the request's id), and
            # gunicorn's own lines go through the project's logging: JSON in production.
            "--logger-class",
            "fieldbox.core.logs.GunicornLogger",
            # A web process silent this long (a request stuck outside the database) is killed and replaced; one
            # asked to stop finishes its request within the graceful time. Each is replaced after about
            # WEB_MAX_REQUESTS requests (jittered, so they do not all restart at once): no slow leak grows.
            "--timeout",
            str(settings.WEB_TIMEOUT),
            "--graceful-timeout",
            str(settings.WEB_GRACEFUL_TIMEOUT),
            "--max-requests",
            str(settings.WEB_MAX_REQUESTS),
            "--max-requests-jitter",
            str(max(1, settings.WEB_MAX_REQUESTS // 10)),
            "--config",
            "python:fieldbox.config.gunicorn_hooks",
        ]
        run()

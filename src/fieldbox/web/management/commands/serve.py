"""Serve Fieldbox with gunicorn; with no broker configured, the scheduler runs in-process too."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


def run_schedule_forever(stop: threading.Event) -> None:
    """The in-process stand-in for Celery beat: runs each scheduled task at its interval."""
    due: dict[str, float] = {}
    while not stop.is_set():
        now = time.monotonic()
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
            if now >= due.get(name, 0):
                due[name] = now + float(entry["schedule"])  # type: ignore[arg-type]
                try:
                    # The task's name is its dotted path: importing it works before Celery's autodiscovery ran.
                    import_string(str(entry["task"])).apply()
                except Exception:
                    log.exception("scheduled task %s failed", name)
        stop.wait(5)


class Command(BaseCommand):
    help = "Run the web server (gunicorn); in the demo also the in-process worker and scheduler."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))

    def handle(self, *args: Any, **options: Any) -> None:
        from gunicorn.app.wsgiapp import run

        if not settings.REDIS_URL:
            stop = threading.Event()
            threading.Thread(target=run_schedule_forever, args=(stop,), daemon=True, name="scheduler").start()
            self.stdout.write("In-process worker and scheduler: on (no REDIS_URL).")
        sys.argv = [
            "gunicorn",
            "fieldbox.config.wsgi:application",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["workers"]),
            "--access-logfile",
            "-",
        ]
        run()

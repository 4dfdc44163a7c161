"""Run a Celery worker (with ``--beat`` also the scheduler) against the configured broker."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run a Celery worker for background work (needs REDIS_URL)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--beat", action="store_true", help="Also run the scheduler (one per deployment).")
        parser.add_argument("--concurrency", type=int, default=2)
        parser.add_argument(
            "--queues",
            default=",".join(settings.WORKER_QUEUES),
            help="The queues to take work from, separated by commas (default: all of them).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.REDIS_URL:
            raise CommandError("Set REDIS_URL: without a broker, 'fieldbox serve' runs the work in-process.")
        from celery import current_app as app  # the project's, made current when the settings package loaded

        from fieldbox.core import metrics

        # The tasks' figures go to the host's metrics directory; /metrics of a web process on this host shows them.
        metrics.use_shared_dir(empty=False)
        metrics.count_tasks()

        # No mingle/gossip: workers share nothing but the broker, and a restarted worker is back a second sooner.
        argv = [
            "worker",
            "--loglevel=INFO",
            f"--concurrency={options['concurrency']}",
            "--without-mingle",
            "--without-gossip",
            f"--queues={options['queues']}",
        ]
        if options["beat"]:
            argv.append("--beat")
        app.worker_main(argv)

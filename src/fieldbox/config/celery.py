"""The Celery application: Redis broker in production, in-process (eager) in the demo."""

import os
from typing import Any

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldbox.config.settings")

app = Celery("fieldbox")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def limit_task_statements(**kwargs: Any) -> None:
    """Each of a worker's task processes cuts a statement after TASK_STATEMENT_TIMEOUT (fieldbox.core.limits)."""
    from django.conf import settings

    from fieldbox.core.limits import limit_statements

    limit_statements(settings.TASK_STATEMENT_TIMEOUT)

"""The Celery application: Redis broker in production, in-process (eager) in the demo."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldbox.config.settings")

app = Celery("fieldbox")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

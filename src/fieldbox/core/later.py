"""Queue a worker task by its name, so that the services that queue work never import the tasks modules (which
import the services: a cycle). Each app imports its tasks module when it starts, which registers its tasks."""

from __future__ import annotations

from typing import Any

from celery import current_app


def later(task: str, *args: Any) -> None:
    """Queue ``task`` (its dotted name) with ``args``; raises if the broker cannot take it (the caller decides)."""
    current_app.tasks[task].apply_async(args, retry=False)

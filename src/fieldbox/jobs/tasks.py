"""Scheduled work on jobs: flag paired devices that did not activate in time."""

from __future__ import annotations

from celery import shared_task

from fieldbox.jobs import services


@shared_task(ignore_result=True)
def flag_missing_activations() -> int:
    return services.flag_missing_activations()

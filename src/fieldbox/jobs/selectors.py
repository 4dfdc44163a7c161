"""Reads of jobs, scoped by ``Job.objects.visible_to``: a provider sees its jobs; a company the jobs assigned to it
once visible (the owner's data masked once a job ended), never a draft."""

from __future__ import annotations

from datetime import date

from django.http import Http404

from fieldbox.core import clock
from fieldbox.core.tenancy import Scope
from fieldbox.jobs import filters
from fieldbox.jobs.choices import DONE_FOR_COMPANY, JobStatus
from fieldbox.jobs.models import Job, JobQuerySet

RELATED = ("vehicle", "customer", "product", "subscription", "company", "installer", "device")


def jobs_for(scope: Scope) -> JobQuerySet:
    return Job.objects.visible_to(scope).select_related(*RELATED)


def job_for(scope: Scope, pk: int) -> Job:
    try:
        return jobs_for(scope).select_related("provider").get(pk=pk)
    except Job.DoesNotExist:
        raise Http404 from None


def open_jobs(scope: Scope) -> JobQuerySet:
    """IOINSTALLER "attività in carico": assigned to the company, not yet paired (removal requests' jobs are handled
    under Removals)."""
    return jobs_for(scope).open().on_job_screens()


def completed_jobs(scope: Scope) -> JobQuerySet:
    """IOINSTALLER "attività completate": a serial is paired to the plate."""
    return jobs_for(scope).filter(status__in=DONE_FOR_COMPANY).on_job_screens()


def available_jobs(scope: Scope) -> JobQuerySet:
    """INVERS "Available jobs": the company's jobs nobody works on yet, with their town."""
    return jobs_for(scope).filter(status=JobStatus.ASSIGNED).on_job_screens().with_town()


def my_jobs(scope: Scope) -> JobQuerySet:
    """The jobs I took and have not paired yet, with their town."""
    return jobs_for(scope).filter(status=JobStatus.IN_PROGRESS, installer=scope.user).with_town()


def my_appointments(scope: Scope, day: date) -> JobQuerySet:
    """My jobs with an appointment on ``day`` (on the company's clock), in the order of the day."""
    day_starts, next_day = clock.start_of_day(day), clock.day_after(day)
    mine = my_jobs(scope).filter(appointment_at__gte=day_starts, appointment_at__lt=next_day)
    return mine.order_by("appointment_at", "pk")


def search(scope: Scope, text: str) -> JobQuerySet:
    """Customer care's one box: plate, VIN, subscription number, customer name or phone; newest first. An installer
    company finds only the jobs whose owner's data it still reads."""
    if not " ".join(text.split()):
        return jobs_for(scope).none()
    return filters.apply(jobs_for(scope), scope, {"q": text}).order_by("-id")

"""Reads of jobs, scoped: a provider sees its jobs; a company sees the jobs assigned to it once visible."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from fieldbox.core.tenancy import Scope
from fieldbox.jobs.choices import ENDED, JobStatus
from fieldbox.jobs.models import Job

OPEN_FOR_COMPANY = (JobStatus.ASSIGNED, JobStatus.IN_PROGRESS)
DONE_FOR_COMPANY = (JobStatus.PAIRED, JobStatus.SUCCEEDED)


def jobs_for(scope: Scope) -> QuerySet[Job]:
    org = scope.organisation
    qs = Job.objects.select_related("vehicle", "customer", "product", "subscription", "company", "installer", "device")
    if org.is_provider:
        return qs.filter(provider=org)
    return qs.filter(company=org, visible_from__lte=timezone.now()).exclude(status=JobStatus.DRAFT)


def job_for(scope: Scope, pk: int) -> Job:
    try:
        return jobs_for(scope).get(pk=pk)
    except Job.DoesNotExist:
        raise Http404 from None


def open_jobs(scope: Scope) -> QuerySet[Job]:
    """IOINSTALLER "attività in carico": assigned to the company, not yet paired."""
    return jobs_for(scope).filter(status__in=OPEN_FOR_COMPANY)


def completed_jobs(scope: Scope) -> QuerySet[Job]:
    """IOINSTALLER "attività completate": a serial is paired to the plate."""
    return jobs_for(scope).filter(status__in=DONE_FOR_COMPANY)


def available_jobs(scope: Scope) -> QuerySet[Job]:
    """INVERS "Available jobs": the company's jobs nobody works on yet."""
    return jobs_for(scope).filter(status=JobStatus.ASSIGNED)


def sees_personal_data(scope: Scope, job: Job) -> bool:
    """A company sees the owner's data and the vehicle only while its job is open."""
    return scope.organisation.is_provider or job.status not in ENDED


def masked_plate(plate: str) -> str:
    return plate[:2] + "•" * max(len(plate) - 4, 1) + plate[-2:] if len(plate) > 4 else "•" * len(plate)


def search(scope: Scope, text: str) -> QuerySet[Job]:
    """Customer care's one box: plate, VIN, subscription number, customer name or phone."""
    text = text.strip()
    if not text:
        return jobs_for(scope).none()
    return jobs_for(scope).filter(
        Q(vehicle__plate__iexact=text.replace(" ", ""))
        | Q(vehicle__vin__iexact=text)
        | Q(subscription__number__iexact=text)
        | Q(customer__last_name__icontains=text)
        | Q(customer__company_name__icontains=text)
        | Q(customer__phone__endswith=text.replace(" ", "").lstrip("0"))
    )

"""Reads of jobs, scoped: a provider sees its jobs; a company sees the jobs assigned to it once visible."""

from __future__ import annotations

import re

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
    """IOINSTALLER "attività in carico": assigned to the company, not yet paired (removal requests' jobs are handled
    under Removals)."""
    return jobs_for(scope).filter(status__in=OPEN_FOR_COMPANY, removal__isnull=True)


def completed_jobs(scope: Scope) -> QuerySet[Job]:
    """IOINSTALLER "attività completate": a serial is paired to the plate."""
    return jobs_for(scope).filter(status__in=DONE_FOR_COMPANY)


def available_jobs(scope: Scope) -> QuerySet[Job]:
    """INVERS "Available jobs": the company's jobs nobody works on yet."""
    return jobs_for(scope).filter(status=JobStatus.ASSIGNED, removal__isnull=True)


def sees_personal_data(scope: Scope, job: Job) -> bool:
    """A company sees the owner's data and the vehicle only while its job is open."""
    return scope.organisation.is_provider or job.status not in ENDED


def masked_plate(plate: str) -> str:
    return plate[:2] + "•" * max(len(plate) - 4, 1) + plate[-2:] if len(plate) > 4 else "•" * len(plate)


def _phone_digits(text: str) -> str:
    """The national part of a typed phone number: +39, 0039 and leading zeros dropped; "" if not a phone."""
    if not re.fullmatch(r"\+?[\d\s./()-]{6,}", text):
        return ""
    digits = re.sub(r"\D", "", text)
    if text.startswith("00"):
        digits = digits[2:]
    digits = digits.lstrip("0")
    return digits if len(digits) >= 6 else ""


def _name_matches(text: str) -> Q | None:
    """Every word of ``text`` in the customer's first, last or company name ("Luca Bianchi", "bianchi")."""
    words = [w for w in text.split() if len(w) >= 2][:4]
    if not words:
        return None
    match = Q()
    for word in words:
        match &= (
            Q(customer__first_name__icontains=word)
            | Q(customer__last_name__icontains=word)
            | Q(customer__company_name__icontains=word)
        )
    return match


def search(scope: Scope, text: str) -> QuerySet[Job]:
    """Customer care's one box: plate, VIN, subscription number, customer name or phone; newest first.

    A plate matches without spaces or dashes and in any case; a phone with or without +39, 0039 or a
    leading 0. An installer company finds only its open jobs (it no longer sees an ended job's owner).
    """
    text = " ".join(text.split())[:100]
    if not text:
        return jobs_for(scope).none()
    compact = re.sub(r"[\s.-]", "", text)
    match = (
        Q(vehicle__plate__iexact=compact)
        | Q(vehicle__vin__iexact=compact)
        | Q(subscription__number__iexact=text)
        | Q(subscription__number__iexact=compact)
    )
    names = _name_matches(text)
    if names is not None:
        match |= names
    digits = _phone_digits(text)
    if digits:
        match |= Q(customer__phone__endswith=digits) | Q(customer__phone_other__endswith=digits)
    qs = jobs_for(scope).filter(match)
    if not scope.organisation.is_provider:
        qs = qs.exclude(status__in=ENDED)
    return qs.order_by("-id")

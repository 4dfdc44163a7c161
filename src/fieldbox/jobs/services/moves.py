"""What every move of a job shares: who may act, the locked job, the transition table, audit, webhooks, SMS."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldbox.accounts.choices import PartnershipStatus, Role
from fieldbox.accounts.models import Organisation, Partnership
from fieldbox.core import audit
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.choices import DEVICE_TRANSITIONS
from fieldbox.fleet.models import Device
from fieldbox.jobs.choices import JOB_TRANSITIONS, JobStatus
from fieldbox.jobs.models import Job
from fieldbox.messaging import events
from fieldbox.messaging.services import send_sms

PLANNERS = (Role.PROVIDER_ADMIN, Role.DISPATCHER, Role.AGENCY)

CARE = (Role.PROVIDER_ADMIN, Role.CUSTOMER_CARE)

INSTALLERS = (Role.INSTALLER, Role.INSTALLER_ADMIN)


def _end_of_day(day: date, tz_name: str) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=ZoneInfo(tz_name))


def _start_of_day(day: date, tz_name: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz_name))


def _locked(scope: Scope, job_id: int) -> Job:
    """The job, locked, if this organisation may act on it (404 otherwise, like a missing one).

    The job of a removal request's line moves only with its line (``removals.services.lines``): the job screens
    refuse to move it, so that a line and its job never disagree."""
    org = scope.organisation
    qs = Job.objects.select_for_update().filter(pk=job_id)
    qs = qs.filter(provider=org) if org.is_provider else qs.filter(company=org, visible_from__lte=timezone.now())
    job = qs.first()
    if job is None:
        raise Job.DoesNotExist
    if Job.objects.filter(pk=job.pk, removal__isnull=False).exists():
        raise Conflict(_("This job belongs to a removal request: accept, refuse or report it under Removals."))
    return job


def locked(scope: Scope, job_id: int) -> Job:
    """The job, locked, for the services of other modules (checklists) that move it through the same table."""
    return _locked(scope, job_id)


def move(job: Job, action: str, *, scope: Scope | None, fields: list[str], **data: Any) -> None:
    _move(job, action, scope=scope, fields=fields, **data)


def _move(job: Job, action: str, *, scope: Scope | None, fields: list[str], reason: str = "", **data: Any) -> None:
    """Apply ``action`` from the transition table, save, audit and tell the provider's systems."""
    new = JOB_TRANSITIONS[job.status].get(action)
    if new is None:
        raise Conflict(_("Not possible while the job is “%(status)s”.") % {"status": job.get_status_display()})
    old = job.status
    job.status = new
    if new in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED):
        job.closed_at = timezone.now()
        fields.append("closed_at")
    job.save(update_fields=["status", *fields])
    _announce(job, action, old, new, scope=scope, reason=reason, **data)


def _announce(job: Job, action: str, old: str, new: str, *, scope: Scope | None, reason: str = "", **data: Any) -> None:
    """Audit a move already saved and send it to the provider's webhooks (needs only the job's ids)."""
    provider = Organisation(pk=job.provider_id)
    record = audit.record(
        actor=scope.user if scope else None,
        organisation=provider,
        obj=job,
        action=f"job.{action}",
        from_state=old,
        to_state=new,
        reason=reason,
        data=data,
    )
    _emit_move(job, action, old, new, record.pk, **data)


def _emit_move(job: Job, action: str, old: str, new: str, audit_id: int, **data: Any) -> None:
    events.emit(
        "job.status_changed",
        organisation=Organisation(pk=job.provider_id),
        key=f"job:{job.pk}:audit:{audit_id}",
        data={"job_id": job.pk, "number": job.number, "action": action, "from": old, "to": new, **data},
    )


def _partner(provider: Organisation, company_id: int) -> Organisation:
    link = (
        Partnership.objects.filter(provider=provider, installer_id=company_id, status=PartnershipStatus.ACCEPTED)
        .select_related("installer")
        .first()
    )
    if link is None or link.installer is None:
        raise ValidationError({"company": _("Choose an installer company that accepted your partnership.")})
    return link.installer


def _assignment_key(job: Job) -> str:
    """One SMS per assignment: a job moved back to a company it had before is told again, with a new link."""
    assert job.company_id is not None
    assert job.assigned_at is not None
    return f"job:{job.pk}:installer:{job.company_id}:{job.assigned_at.timestamp():.6f}"


def _sms_owner(job: Job, kind: str, *, key: str, **extra: str) -> None:
    customer, company = job.customer, job.company
    if not customer.phone or company is None:
        return
    send_sms(
        kind,
        key=key,
        to=customer.phone,
        language=customer.language,
        organisation=job.provider,
        context={
            "workshop": company.name,
            "address": company.address,
            "phone": company.phone,
            "plate": job.vehicle.plate,
            "provider": job.provider.name,
            **extra,
        },
    )


def _device_move(device: Device, action: str, **changes: Any) -> None:
    new = DEVICE_TRANSITIONS[device.status].get(action)
    if new is None:
        raise Conflict(_("Not possible while the device is “%(status)s”.") % {"status": device.get_status_display()})
    old = device.status
    device.status = new
    for field, value in changes.items():
        setattr(device, field, value)
    device.save(update_fields=["status", *changes])
    audit.record(
        actor=None, organisation=device.provider, obj=device, action=f"device.{action}", from_state=old, to_state=new
    )

"""The provider's moves: create, edit, delete a draft; assign, reassign, extend a deadline, cancel."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldbox.accounts.choices import Role
from fieldbox.core import audit
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.models import Subscription
from fieldbox.jobs.care import owner_link
from fieldbox.jobs.choices import JobKind, JobStatus
from fieldbox.jobs.models import Job
from fieldbox.jobs.services.moves import (
    CARE,
    PLANNERS,
    _assignment_key,
    _end_of_day,
    _locked,
    _move,
    _partner,
    _sms_owner,
    _start_of_day,
)


def job_create(
    *, scope: Scope, subscription_id: int, kind: str = JobKind.INSTALLATION, spec: dict[str, Any] | None = None
) -> Job:
    """A draft job for the vehicle of a subscription: editable and invisible to installers until assigned."""
    scope.require_role(*PLANNERS)
    if kind not in JobKind.values:
        raise ValidationError({"kind": _("Choose installation, removal or maintenance.")})
    with transaction.atomic():
        subscription = Subscription.objects.select_related("vehicle").get(
            pk=subscription_id, provider=scope.organisation
        )
        job = Job.objects.create(
            provider=scope.organisation,
            kind=kind,
            subscription=subscription,
            vehicle=subscription.vehicle,
            customer_id=subscription.customer_id,
            product_id=subscription.product_id,
            spec=_clean_spec(spec or {}),
        )
        audit.record(
            actor=scope.user, organisation=scope.organisation, obj=job, action="job.create", to_state=job.status
        )
    return job


def _clean_spec(spec: dict[str, Any]) -> dict[str, str]:
    allowed = ("vehicle_model", "central_lock_type", "notes", "new_vehicle")
    return {k: str(v).strip()[:500] for k, v in spec.items() if k in allowed and v is not None and str(v).strip()}


def job_update(*, scope: Scope, job_id: int, spec: dict[str, Any]) -> Job:
    scope.require_role(*PLANNERS)
    with transaction.atomic():
        job = _locked(scope, job_id)
        if job.status != JobStatus.DRAFT:
            raise Conflict(_("An assigned job can no longer be changed: ask the installer company."))
        job.spec = _clean_spec(spec)
        job.save(update_fields=["spec"])
        audit.record(actor=scope.user, organisation=job.provider, obj=job, action="job.update", data={"spec": job.spec})
    return job


def job_delete(*, scope: Scope, job_id: int) -> None:
    scope.require_role(*PLANNERS)
    with transaction.atomic():
        job = _locked(scope, job_id)
        if job.status != JobStatus.DRAFT:
            raise Conflict(_("Only a draft can be deleted; cancel an assigned job instead."))
        audit.record(actor=scope.user, organisation=job.provider, obj=job, action="job.delete", from_state=job.status)
        job.delete()


def job_assign(*, scope: Scope, job_id: int, company_id: int) -> Job:
    """Give the job to a partner company: it shows to the company at the configured moment; the owner gets an SMS."""
    scope.require_role(*PLANNERS)
    with transaction.atomic():
        job = _locked(scope, job_id)
        company = _partner(scope.organisation, company_id)
        provider = scope.organisation
        now = timezone.now()
        arrived = job.subscription.arrived_on
        job.company, job.assigned_at = company, now
        job.visible_from = (
            max(_start_of_day(arrived + timedelta(days=provider.job_visible_after_days), provider.time_zone), now)
            if provider.job_visible_after_days
            else now
        )
        today = timezone.localtime(now, ZoneInfo(provider.time_zone)).date()
        job.deadline_at = _end_of_day(today + timedelta(days=provider.install_deadline_days), provider.time_zone)
        _move(
            job,
            "assign",
            scope=scope,
            fields=["company", "assigned_at", "visible_from", "deadline_at"],
            company=company.installer_code,
        )
        _sms_owner(job, "jobs.installer_chosen", key=_assignment_key(job), link=owner_link(job))
    return job


def job_reassign(*, scope: Scope, job_id: int, company_id: int, reason: str) -> Job:
    """Customer care moves the job to another company (the owner asked for another workshop)."""
    scope.require_role(*CARE)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the job moves to another company.")})
    with transaction.atomic():
        job = _locked(scope, job_id)
        company = _partner(scope.organisation, company_id)
        before = job.company.installer_code if job.company else ""
        provider, now = job.provider, timezone.now()
        today = timezone.localtime(now, ZoneInfo(provider.time_zone)).date()
        job.company, job.installer, job.appointment_at = company, None, None
        job.assigned_at, job.visible_from = now, now
        job.deadline_at = _end_of_day(today + timedelta(days=provider.install_deadline_days), provider.time_zone)
        fields = ["company", "installer", "appointment_at", "assigned_at", "visible_from", "deadline_at"]
        _move(job, "reassign", scope=scope, fields=fields, reason=reason, company=company.installer_code, before=before)
        _sms_owner(job, "jobs.installer_chosen", key=_assignment_key(job), link=owner_link(job))
    return job


def job_extend_deadline(*, scope: Scope, job_id: int, until: date, reason: str) -> Job:
    """Customer care gives the company more time (the owner was away, say); audited with the reason."""
    scope.require_role(*CARE)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the deadline moves.")})
    with transaction.atomic():
        job = _locked(scope, job_id)
        if job.status not in (JobStatus.ASSIGNED, JobStatus.IN_PROGRESS):
            raise Conflict(_("Only an open job has a deadline to move."))
        new = _end_of_day(until, job.provider.time_zone)
        if job.deadline_at and new <= job.deadline_at:
            raise ValidationError({"until": _("Choose a day after the current deadline.")})
        before = job.deadline_at.isoformat() if job.deadline_at else ""
        job.deadline_at = new
        job.save(update_fields=["deadline_at"])
        audit.record(
            actor=scope.user,
            organisation=job.provider,
            obj=job,
            action="job.extend_deadline",
            from_state=before[:64],
            to_state=new.isoformat()[:64],
            reason=reason.strip(),
        )
    return job


def job_cancel(*, scope: Scope, job_id: int, reason: str) -> Job:
    scope.require_role(*PLANNERS, Role.CUSTOMER_CARE)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the job is cancelled.")})
    with transaction.atomic():
        job = _locked(scope, job_id)
        job.comment = reason.strip()
        _move(job, "cancel", scope=scope, fields=["comment"], reason=job.comment)
    return job

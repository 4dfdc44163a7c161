"""The provider's moves: create, edit, delete a draft; assign, reassign, extend a deadline, cancel; take jobs back
when a partnership ends."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fieldbox.accounts.selectors import accepted_partner
from fieldbox.core import clock, transitions
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.models import Subscription
from fieldbox.jobs.care import owner_link
from fieldbox.jobs.choices import JOB_TABLE, JobKind
from fieldbox.jobs.models import Job
from fieldbox.jobs.services.moves import assignment_key, job_number, locked, sms_owner

SPEC_KEYS = ("vehicle_model", "central_lock_type", "notes", "new_vehicle")


def refuse_busy(vehicle_ids: list[int], *, field: str) -> None:
    """No second job for a vehicle that has one not ended (draft, assigned, in progress or paired)."""
    busy = Job.objects.holding(vehicle_ids).select_related("vehicle").first()
    if busy is not None:
        message = _("The vehicle %(plate)s already has an open job (%(job)s).")
        raise ValidationError({field: message % {"plate": busy.vehicle.plate, "job": busy.number}})


def job_create(
    *, scope: Scope, subscription_id: int, kind: str = JobKind.INSTALLATION, spec: dict[str, Any] | None = None
) -> Job:
    """A draft job for the vehicle of a subscription: editable and invisible to installers until assigned."""
    JOB_TABLE.require("create", scope)
    if kind not in JobKind.values:
        raise ValidationError({"kind": _("Choose installation, removal or maintenance.")})
    with transitions.atomic():
        subscription = Subscription.objects.visible_to(scope).select_related("vehicle").get(pk=subscription_id)
        refuse_busy([subscription.vehicle_id], field="subscription")
        job = Job(
            provider=scope.organisation,
            kind=kind,
            subscription=subscription,
            vehicle=subscription.vehicle,
            customer_id=subscription.customer_id,
            product_id=subscription.product_id,
            spec=clean_spec(spec or {}),
            number=job_number(scope.organisation.pk)[0],
        )
        try:
            with transaction.atomic():
                JOB_TABLE.create(job, "create", scope=scope)
        except IntegrityError:  # another job of the vehicle was created at the same moment
            refuse_busy([subscription.vehicle_id], field="subscription")
            raise
    return job


def clean_spec(spec: dict[str, Any]) -> dict[str, str]:
    return {k: str(v).strip()[:500] for k, v in spec.items() if k in SPEC_KEYS and v is not None and str(v).strip()}


def job_update(*, scope: Scope, job_id: int, spec: dict[str, Any]) -> Job:
    JOB_TABLE.require("update", scope)
    with transitions.atomic():
        job = locked(scope, job_id)
        clean = clean_spec(spec)
        JOB_TABLE.apply(job, "update", scope=scope, changes={"spec": clean}, data={"spec": clean})
    return job


def job_delete(*, scope: Scope, job_id: int) -> None:
    JOB_TABLE.require("delete", scope)
    with transitions.atomic():
        JOB_TABLE.apply(locked(scope, job_id), "delete", scope=scope)


def _deadline(provider: Any) -> Any:
    """The end of the day ``install_deadline_days`` after today, on the provider's clock."""
    return clock.end_of_day(
        clock.today(provider.time_zone) + timedelta(days=provider.install_deadline_days), provider.time_zone
    )


def job_assign(*, scope: Scope, job_id: int, company_id: int) -> Job:
    """Give the job to a partner company: it shows to the company at the configured moment; the owner gets an SMS."""
    JOB_TABLE.require("assign", scope)
    with transitions.atomic():
        job = locked(scope, job_id)
        company = accepted_partner(scope, company_id, field="company")
        provider, now = scope.organisation, clock.now()
        arrived = job.subscription.arrived_on
        visible = now
        if provider.job_visible_after_days:
            shows = clock.start_of_day(arrived + timedelta(days=provider.job_visible_after_days), provider.time_zone)
            visible = max(shows, now)
        changes = {"company": company, "assigned_at": now, "visible_from": visible, "deadline_at": _deadline(provider)}
        JOB_TABLE.apply(job, "assign", scope=scope, changes=changes, data={"company": company.installer_code})
        sms_owner(job, "jobs.installer_chosen", key=assignment_key(job), link=owner_link(job))
    return job


def job_reassign(*, scope: Scope, job_id: int, company_id: int, reason: str) -> Job:
    """Customer care moves the job to another company (the owner asked for another workshop)."""
    JOB_TABLE.require("reassign", scope)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the job moves to another company.")})
    with transitions.atomic():
        job = locked(scope, job_id)
        company = accepted_partner(scope, company_id, field="company")
        if company.pk == job.company_id:
            raise ValidationError({"company": _("The job is already at this company: choose another one.")})
        before = job.company.installer_code if job.company else ""
        now = clock.now()
        changes = {
            "company": company,
            "installer": None,
            "appointment_at": None,
            "assigned_at": now,
            "visible_from": now,
            "deadline_at": _deadline(job.provider),
            "owner_change_asked_at": None,
        }
        data = {"company": company.installer_code, "before": before}
        JOB_TABLE.apply(job, "reassign", scope=scope, changes=changes, reason=reason.strip(), data=data)
        sms_owner(job, "jobs.installer_chosen", key=assignment_key(job), link=owner_link(job))
    return job


def job_extend_deadline(*, scope: Scope, job_id: int, until: date, reason: str) -> Job:
    """Customer care gives the company more time (the owner was away, say); audited with the reason."""
    JOB_TABLE.require("extend_deadline", scope)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the deadline moves.")})
    with transitions.atomic():
        job = locked(scope, job_id)
        JOB_TABLE.check(job, "extend_deadline", scope)
        new = clock.end_of_day(until, job.provider.time_zone)
        if job.deadline_at and new <= job.deadline_at:
            raise ValidationError({"until": _("Choose a day after the current deadline.")})
        before = job.deadline_at.isoformat() if job.deadline_at else ""
        data = {"before": before, "deadline": new.isoformat()}
        JOB_TABLE.apply(
            job, "extend_deadline", scope=scope, changes={"deadline_at": new}, reason=reason.strip(), data=data
        )
    return job


def job_cancel(*, scope: Scope, job_id: int, reason: str) -> Job:
    JOB_TABLE.require("cancel", scope)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the job is cancelled.")})
    with transitions.atomic():
        job = locked(scope, job_id)
        JOB_TABLE.apply(job, "cancel", scope=scope, changes={"comment": reason.strip()}, reason=reason.strip())
    return job


def jobs_take_back(*, scope: Scope, provider_id: int, company_id: int, reason: str) -> list[Job]:
    """A partnership ends: the company's open jobs of the provider (shown to it yet or not) go back to drafts,
    audited, in the caller's transaction. The ending admin may be on either side."""
    theirs = Job.objects.filter(provider_id=provider_id, company_id=company_id).on_job_screens()
    blank = dict.fromkeys(("company", "installer", "appointment_at", "assigned_at", "visible_from", "deadline_at"))
    taken = []
    for pk in theirs.open().order_by("pk").values_list("pk", flat=True):
        job = JOB_TABLE.lock(theirs, pk)
        changes = {**blank, "owner_change_asked_at": None}
        JOB_TABLE.apply(job, "take_back", scope=scope, changes=changes, reason=reason, data={"company": company_id})
        taken.append(job)
    return taken

"""Devices and jobs together: activation, pairing corrections, shipping and receipt, overdue activations."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldbox.accounts.models import Organisation
from fieldbox.core import audit
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.choices import DeviceStatus
from fieldbox.fleet.models import Device
from fieldbox.jobs.checks.selectors import missing_required
from fieldbox.jobs.choices import JobStatus
from fieldbox.jobs.models import Job
from fieldbox.jobs.services.field import _device_for_pairing
from fieldbox.jobs.services.moves import CARE, INSTALLERS, PLANNERS, _device_move, _locked, _move, _partner
from fieldbox.messaging import events


def job_activate(device: Device, at: datetime) -> Job | None:
    """The device reported its activation: the device is active, and its paired job succeeds once the
    required items of its checklist are complete too (until then it waits, with the activation recorded)."""
    if device.status in (DeviceStatus.WAITING_ACTIVATION, DeviceStatus.PAIRED):
        _device_move(device, "activate", activated_at=device.activated_at or at)
    job = Job.objects.select_for_update().filter(device=device, status=JobStatus.PAIRED).first()
    if job is None:
        return None
    job.activated_at = job.activated_at or at
    missing = missing_required(job)
    if missing:
        job.save(update_fields=["activated_at"])
        audit.record(
            actor=None,
            organisation=Organisation(pk=job.provider_id),
            obj=job,
            action="job.activation_recorded",
            data={"serial": device.serial, "missing": missing},
        )
        return job
    _move(job, "activate", scope=None, fields=["activated_at"], serial=device.serial)
    return job


def job_correct_pairing(*, scope: Scope, job_id: int, serial: str, imei_last4: str, reason: str) -> Job:
    """Customer care swaps the paired device before activation (the installer typed another box's serial)."""
    scope.require_role(*CARE)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the pairing is corrected.")})
    with transaction.atomic():
        job = _locked(scope, job_id)
        if job.status != JobStatus.PAIRED or job.device_id is None:
            raise Conflict(_("Only a pairing still waiting for activation can be corrected."))
        old = Device.objects.select_for_update().get(pk=job.device_id)
        new = _device_for_pairing(job, serial, imei_last4)
        _device_move(old, "unpair", vehicle=None)
        _device_move(new, "pair", vehicle=job.vehicle)
        job.device = new
        _move(
            job,
            "correct_pairing",
            scope=scope,
            fields=["device"],
            reason=reason.strip(),
            before=old.serial,
            serial=new.serial,
        )
    return job


def device_ship(*, scope: Scope, device_id: int, company_id: int) -> Device:
    """The provider records a device shipped to a partner company (expected there within 5 or 6 days)."""
    scope.require_role(*PLANNERS)
    with transaction.atomic():
        device = Device.objects.select_for_update().get(pk=device_id, provider=scope.organisation)
        company = _partner(scope.organisation, company_id)
        _device_move(device, "ship", company=company)
    return device


def device_receive(*, scope: Scope, device_id: int) -> Device:
    """The company confirms it received a device shipped to it."""
    scope.require_role(*INSTALLERS)
    with transaction.atomic():
        device = Device.objects.select_for_update().get(pk=device_id, company=scope.organisation)
        _device_move(device, "receive")
    return device


def flag_missing_activations(now: datetime | None = None) -> int:
    """Flag jobs paired longer than ACTIVATION_ALERT_HOURS ago without activation, and tell customer care."""
    now = now or timezone.now()
    hours = settings.ACTIVATION_ALERT_HOURS
    late = Job.objects.filter(
        status=JobStatus.PAIRED,
        paired_at__lt=now - timedelta(hours=hours),
        activation_alert_at__isnull=True,
        activated_at__isnull=True,
    )
    flagged = 0
    for job_id in list(late.values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            job = (
                Job.objects.select_for_update(of=("self",))
                .select_related("provider", "device", "vehicle")
                .get(pk=job_id)
            )
            if job.activation_alert_at is not None:
                continue
            job.activation_alert_at = now
            job.save(update_fields=["activation_alert_at"])
            events.emit(
                "job.activation_missing",
                organisation=job.provider,
                key=f"job:{job.pk}:activation-missing",
                data={"job_id": job.pk, "number": job.number, "serial": job.device.serial if job.device else None},
                context={
                    "job": job.number,
                    "serial": job.device.serial if job.device else "",
                    "plate": job.vehicle.plate,
                    "hours": hours,
                    "link": f"{settings.SITE_URL}/jobs/{job.pk}/",
                },
                url=f"/jobs/{job.pk}/",
            )
            flagged += 1
    return flagged

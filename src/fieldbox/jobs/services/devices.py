"""Devices and jobs together: activation, pairing corrections, overdue activations."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from fieldbox.core import clock, transitions
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.choices import DEVICE_TABLE
from fieldbox.fleet.models import Device
from fieldbox.jobs.checklist import missing_required
from fieldbox.jobs.choices import JOB_TABLE, JobStatus
from fieldbox.jobs.models import Job
from fieldbox.jobs.services.field import device_for_pairing
from fieldbox.jobs.services.moves import locked
from fieldbox.messaging import events


def job_activate(device: Device, at: datetime) -> Job | None:
    """The device reported its activation: the device is active, and its paired job succeeds once the required
    items of its checklist are complete too (until then it waits, with the activation recorded)."""
    with transitions.atomic():
        device = DEVICE_TABLE.lock(Device.objects.filter(provider_id=device.provider_id), device.pk)
        if DEVICE_TABLE.why_not(device, "activate", None) is None:
            DEVICE_TABLE.apply(device, "activate", scope=None, changes={"activated_at": device.activated_at or at})
        found = Job.objects.filter(device=device, status=JobStatus.PAIRED).values_list("pk", flat=True).first()
        if found is None:
            return None
        job = JOB_TABLE.lock(Job.objects.select_related("provider"), found)
        activated = job.activated_at or at
        data = {"serial": device.serial}
        missing = missing_required(job)
        if missing:
            changes = {"activated_at": activated}
            JOB_TABLE.apply(job, "record_activation", scope=None, changes=changes, data={**data, "missing": missing})
        else:
            JOB_TABLE.apply(job, "activate", scope=None, changes={"activated_at": activated}, data=data)
    return job


def job_correct_pairing(*, scope: Scope, job_id: int, serial: str, imei_last4: str, reason: str) -> Job:
    """Customer care swaps the paired device before activation (the installer typed another box's serial)."""
    JOB_TABLE.require("correct_pairing", scope)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the pairing is corrected.")})
    with transitions.atomic():
        job = locked(scope, job_id)
        JOB_TABLE.check(job, "correct_pairing", scope)
        if job.device_id is None:
            raise ValidationError({"serial": _("Only a pairing still waiting for activation can be corrected.")})
        old = DEVICE_TABLE.lock(Device.objects.filter(provider_id=job.provider_id), job.device_id)
        new = device_for_pairing(job, serial, imei_last4)
        DEVICE_TABLE.apply(old, "unpair", scope=scope, changes={"vehicle": None})
        DEVICE_TABLE.apply(new, "pair", scope=scope, changes={"vehicle_id": job.vehicle_id})
        data = {"before": old.serial, "serial": new.serial}
        JOB_TABLE.apply(job, "correct_pairing", scope=scope, changes={"device": new}, reason=reason.strip(), data=data)
    return job


def flag_missing_activations(now: datetime | None = None) -> int:
    """Flag jobs paired longer than ACTIVATION_ALERT_HOURS ago without activation, and tell customer care."""
    now = now or clock.now()
    hours = settings.ACTIVATION_ALERT_HOURS
    late = Job.objects.filter(
        status=JobStatus.PAIRED,
        paired_at__lt=now - timedelta(hours=hours),
        activation_alert_at__isnull=True,
        activated_at__isnull=True,
    )
    flagged = 0
    for job_id in list(late.values_list("pk", flat=True)[:500]):
        if _flag(late, job_id, now, hours):
            flagged += 1
    return flagged


def _flag(late: QuerySet[Job], job_id: int, now: datetime, hours: int) -> bool:
    with transitions.atomic():
        try:
            job = JOB_TABLE.lock(late.select_related("provider", "device", "vehicle"), job_id)
        except Job.DoesNotExist:  # flagged or activated meanwhile
            return False
        JOB_TABLE.apply(job, "flag_activation", scope=None, changes={"activation_alert_at": now})
        events.emit(
            "job.activation_missing",
            organisation=job.provider,  # loaded: its name and zone speak in the e-mail
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
    return True

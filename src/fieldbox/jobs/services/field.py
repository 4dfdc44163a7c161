"""The installer company's moves: take, take next, take over, appointment, ask customer care, pair, fail."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldbox.core import audit
from fieldbox.core.errors import Conflict
from fieldbox.core.models import AuditEvent
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.choices import DeviceStatus
from fieldbox.fleet.models import Device
from fieldbox.jobs.choices import JOB_TRANSITIONS, JobStatus
from fieldbox.jobs.models import Job
from fieldbox.jobs.services.moves import INSTALLERS, _device_move, _emit_move, _locked, _move, _sms_owner
from fieldbox.messaging import events


def job_take(*, scope: Scope, job_id: int) -> Job:
    """ "Assign to me": of two installers taking the same job at once, exactly one gets it."""
    scope.require_role(*INSTALLERS)
    with transaction.atomic():
        job = _locked(scope, job_id)
        if job.status == JobStatus.IN_PROGRESS and job.installer_id == scope.user.pk:
            raise Conflict(_("This job is already yours."))
        if job.status == JobStatus.IN_PROGRESS:
            raise Conflict(_("Another installer took this job a moment ago."))
        job.installer = scope.user
        _move(job, "take", scope=scope, fields=["installer"])
    return job


# One statement takes the next job and writes its audit event: rows other installers hold are skipped,
# not waited for. It writes what audit.record writes for any other move (the hot path of a busy morning).
# The jobs of removal requests move with their lines, under Removals (their table, by the reverse relation).
REMOVAL_LINES = Job._meta.get_field("removal").related_model._meta.db_table
TAKE_NEXT_SQL = (
    "WITH taken AS ("  # noqa: S608 - table and column names come from the models; values are parameters
    f"UPDATE {Job._meta.db_table} SET status = %(new)s, installer_id = %(user)s "
    f"WHERE id = (SELECT id FROM {Job._meta.db_table} j WHERE company_id = %(company)s AND status = %(old)s "
    f"AND visible_from <= %(now)s AND NOT EXISTS (SELECT 1 FROM {REMOVAL_LINES} r WHERE r.job_id = j.id) "
    "ORDER BY deadline_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) "
    "RETURNING id, provider_id) "
    f"INSERT INTO {AuditEvent._meta.db_table} (at, actor_id, actor_label, organisation_id, object_type, object_id, "
    "object_label, action, from_state, to_state, reason, ip_address, data) "
    "SELECT %(now)s, %(user)s, %(email)s, provider_id, 'jobs.job', id::text, 'J' || lpad(id::text, 7, '0'), "
    "'job.take', %(old)s, %(new)s, '', %(ip)s, '{}'::jsonb FROM taken RETURNING id, object_id, organisation_id"
)


def job_take_next(*, scope: Scope) -> Job | None:
    """Take the company's available job closest to its deadline; installers taking at once never collide."""
    scope.require_role(*INSTALLERS)
    new = JOB_TRANSITIONS[JobStatus.ASSIGNED]["take"]
    params: dict[str, Any] = {
        "new": new,
        "old": JobStatus.ASSIGNED,
        "user": scope.user.pk,
        "email": scope.user.email,
        "company": scope.organisation.pk,
        "now": timezone.now(),
        "ip": audit.current_ip.get() or None,
    }
    if connection.vendor != "postgresql":  # the demo's SQLite: the same move, one query at a time
        return _take_next_plainly(scope)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(TAKE_NEXT_SQL, params)
            row = cursor.fetchone()
        if row is None:
            return None
        audit_id, job_id, provider_id = row
        job = Job(pk=int(job_id), provider_id=provider_id, status=new, installer_id=scope.user.pk)
        _emit_move(job, "take", JobStatus.ASSIGNED, new, audit_id)
    return job


def _take_next_plainly(scope: Scope) -> Job | None:
    with transaction.atomic():
        job = (
            Job.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(company=scope.organisation, status=JobStatus.ASSIGNED, visible_from__lte=timezone.now())
            .filter(removal__isnull=True)
            .order_by("deadline_at", "id")
            .first()
        )
        if job is None:
            return None
        job.installer = scope.user
        _move(job, "take", scope=scope, fields=["installer"])
    return job


def job_take_over(*, scope: Scope, job_id: int) -> Job:
    """Withdraw a colleague's job and take it, so that no job stays stuck with someone away."""
    scope.require_role(*INSTALLERS)
    with transaction.atomic():
        job = _locked(scope, job_id)
        if job.installer_id == scope.user.pk:
            raise Conflict(_("This job is already yours."))
        before = job.installer.email if job.installer else ""
        job.installer = scope.user
        _move(job, "take_over", scope=scope, fields=["installer"], before=before)
    return job


def job_appointment(*, scope: Scope, job_id: int, when: datetime) -> Job:
    """Record or move the appointment, never past the deadline; the owner gets an SMS each time."""
    scope.require_role(*INSTALLERS)
    with transaction.atomic():
        job = _locked(scope, job_id)
        if when < timezone.now():
            raise ValidationError({"when": _("Choose a time that has not passed yet.")})
        if job.deadline_at and when > job.deadline_at:
            raise ValidationError(
                {
                    "when": _("This is past the deadline (%(deadline)s): ask customer care to extend it.")
                    % {
                        "deadline": timezone.localtime(job.deadline_at, ZoneInfo(job.provider.time_zone)).strftime(
                            "%d/%m/%Y"
                        )
                    }
                }
            )
        job.appointment_at = when
        _move(job, "appointment", scope=scope, fields=["appointment_at"], when=when.isoformat())
        local = timezone.localtime(when, ZoneInfo(job.provider.time_zone))
        _sms_owner(
            job,
            "jobs.appointment",
            key=f"job:{job.pk}:appointment:{when.isoformat()}",
            when=local.strftime("%d/%m/%Y %H:%M"),
        )
    return job


def job_ask_care(*, scope: Scope, job_id: int, message: str) -> None:
    """The installer asks the provider's customer care (to extend a deadline, say)."""
    scope.require_role(*INSTALLERS)
    if not message.strip():
        raise ValidationError({"message": _("Write what you need.")})
    with transaction.atomic():
        job = _locked(scope, job_id)
        events.emit(
            "job.help_requested",
            organisation=job.provider,
            key=f"job:{job.pk}:help:{timezone.now().timestamp()}",
            data={"job_id": job.pk, "number": job.number, "company": scope.organisation.installer_code},
            context={
                "job": job.number,
                "workshop": scope.organisation.name,
                "message": message.strip()[:2000],
                "link": f"{settings.SITE_URL}/jobs/{job.pk}/",
            },
            url=f"/jobs/{job.pk}/",
        )


def _device_for_pairing(job: Job, serial: str, imei_last4: str) -> Device:
    product = job.product
    serial = serial.strip().upper()
    if product.serial_prefix and not serial.startswith(product.serial_prefix.upper()):
        raise ValidationError(
            {
                "serial": _("Serial numbers of %(product)s start with %(prefix)s.")
                % {"product": product.name, "prefix": product.serial_prefix}
            }
        )
    device = Device.objects.select_for_update().filter(serial=serial, provider=job.provider).first()
    if device is None:
        raise ValidationError(
            {
                "serial": _("No device with this serial number belongs to %(provider)s.")
                % {"provider": job.provider.name}
            }
        )
    if device.vehicle_id is not None or device.status not in (DeviceStatus.SHIPPED, DeviceStatus.RECEIVED):
        raise ValidationError({"serial": _("This device is already paired to another vehicle or not available.")})
    if device.company_id != job.company_id:
        raise ValidationError({"serial": _("This device was not shipped to your company.")})
    if product.imei_required and not (device.imei and imei_last4.strip() == device.imei[-4:]):
        raise ValidationError({"imei_last4": _("The last 4 digits of the IMEI do not match this device.")})
    return device


def job_pair(*, scope: Scope, job_id: int, serial: str, imei_last4: str) -> Job:
    """ "Abbina": match serial + last 4 IMEI digits to the vehicle; the device then waits for activation."""
    scope.require_role(*INSTALLERS)
    with transaction.atomic():
        job = _locked(scope, job_id)
        if job.status != JobStatus.IN_PROGRESS:
            raise Conflict(_("Take the job (“Assign to me”) before pairing."))
        device = _device_for_pairing(job, serial, imei_last4)
        _device_move(device, "pair", vehicle=job.vehicle)
        job.device, job.paired_at = device, timezone.now()
        if job.installer_id is None:
            job.installer = scope.user
        _move(job, "pair", scope=scope, fields=["device", "paired_at", "installer"], serial=device.serial)
    return job


def job_fail(*, scope: Scope, job_id: int, comment: str) -> Job:
    """The installer company could not do the job; the provider reads why (it may cancel instead)."""
    scope.require_role(*INSTALLERS)
    if not comment.strip():
        raise ValidationError({"comment": _("Say why the job failed: the provider reads it.")})
    with transaction.atomic():
        job = _locked(scope, job_id)
        job.comment = comment.strip()
        if job.status == JobStatus.PAIRED and job.device_id is not None:
            # The box was paired but the job failed: it goes back to the company's stock, off the vehicle.
            _device_move(Device.objects.select_for_update().get(pk=job.device_id), "unpair", vehicle=None)
        _move(job, "fail", scope=scope, fields=["comment"], reason=job.comment)
    return job

"""The installer company's moves: take, take next, take over, appointment, ask customer care, pair, fail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from fieldbox.core import audit, clock, transitions
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.choices import DEVICE_TABLE
from fieldbox.fleet.models import Device
from fieldbox.jobs import booking
from fieldbox.jobs.choices import JOB_TABLE, JobStatus
from fieldbox.jobs.models import Job
from fieldbox.jobs.services.moves import locked, sms_owner
from fieldbox.messaging import events


def job_take(*, scope: Scope, job_id: int) -> Job:
    """ "Assign to me": of two installers taking the same job at once, exactly one gets it."""
    JOB_TABLE.require("take", scope)
    with transitions.atomic():
        job = locked(scope, job_id)
        JOB_TABLE.apply(job, "take", scope=scope, changes={"installer": scope.user})
    return job


# The installer company's available jobs (``Job.visible_to`` of an installer company, ``on_job_screens``, status
# ASSIGNED: the "Available jobs" list, a test proves they are the same rows for every role), the one closest to its
# deadline taken with SKIP LOCKED (installers taking at once skip each other's rows instead of waiting), its audit
# row written by the same statement, and what the kernel needs of the job (counters, webhooks) returned.
_JOB = Job._meta.db_table
_TOUCHED = Job._meta.get_field(str(JOB_TABLE.touched)).column  # type: ignore[union-attr]
TAKEN_COLUMNS = ("id", "provider_id", "company_id", "number", "kind", "in_removal_request", "status", "installer_id")
TAKE_NEXT_SQL = (
    f"WITH chosen AS (SELECT id FROM {_JOB} WHERE company_id = %s AND status = %s AND visible_from <= %s "  # noqa: S608
    "AND NOT in_removal_request ORDER BY deadline_at, id LIMIT 1 FOR UPDATE SKIP LOCKED), "
    f"taken AS (UPDATE {_JOB} AS j SET status = %s, installer_id = %s, {_TOUCHED} = %s FROM chosen "
    f"WHERE j.id = chosen.id RETURNING {', '.join(f'j.{c}' for c in TAKEN_COLUMNS)}), "
    "written AS ({audit}) "
    f"SELECT written.id, {', '.join(f'taken.{c}' for c in TAKEN_COLUMNS)} FROM written, taken"
)


def take_next_sql(scope: Scope) -> tuple[str, list[Any]]:
    """TAKE_NEXT_SQL for this scope, with the audit row the kernel would write (``JOB_TABLE.audit_template``,
    ``audit.insert_sql``): the statement and its parameters."""
    now = clock.now()
    new = JOB_TABLE.move("take").leads_to(JobStatus.ASSIGNED)
    template = JOB_TABLE.audit_template("take", scope=scope, old=JobStatus.ASSIGNED, record=Job(pk=0))
    write, write_params = audit.insert_sql(
        template,
        source="taken",
        columns={"organisation_id": "provider_id", "object_id": "id::text", "object_label": "number"},
    )
    params = [scope.organisation.pk, JobStatus.ASSIGNED, now, new, scope.user.pk, now, *write_params]
    return TAKE_NEXT_SQL.replace("{audit}", f"{write} RETURNING id"), params


def job_take_next(*, scope: Scope) -> Job | None:
    """Take the company's available job closest to its deadline; installers taking at once never collide. Answers
    the job taken as the statement returned it (id, number, owner, status): callers load what they show."""
    JOB_TABLE.require("take", scope)
    if connection.vendor != "postgresql":  # the demo's SQLite: the same move, one query at a time
        return _take_next_plainly(scope)
    with transitions.atomic():
        sql, params = take_next_sql(scope)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        audit_id, *values = row
        job = Job(**dict(zip(TAKEN_COLUMNS, values, strict=True)))  # as the statement left it: taken
        JOB_TABLE.moved_in_sql(job, "take", JobStatus.ASSIGNED, scope=scope, event_id=audit_id)
    return job


def _take_next_plainly(scope: Scope) -> Job | None:
    with transitions.atomic():
        available = Job.objects.visible_to(scope).filter(status=JobStatus.ASSIGNED).on_job_screens()
        job = available.select_for_update(skip_locked=True, of=("self",)).order_by("deadline_at", "id").first()
        if job is None:
            return None
        JOB_TABLE.hold(job)
        JOB_TABLE.apply(job, "take", scope=scope, changes={"installer": scope.user})
    return job


def job_take_over(*, scope: Scope, job_id: int) -> Job:
    """Withdraw a colleague's job and take it, so that no job stays stuck with someone away."""
    JOB_TABLE.require("take_over", scope)
    with transitions.atomic():
        job = locked(scope, job_id)
        before = job.installer.email if job.installer else ""
        JOB_TABLE.apply(job, "take_over", scope=scope, changes={"installer": scope.user}, data={"before": before})
    return job


def appointment_refusal(job: Job, when: datetime) -> str | None:
    """Why an appointment at ``when`` is refused (outside ``booking.window``: the past, or past the deadline), or
    None."""
    earliest, latest = booking.window(job)
    if when < earliest:
        return str(_("Choose a time that has not passed yet."))
    if latest and when > latest:
        deadline = clock.local(latest, job.provider.time_zone).strftime("%d/%m/%Y")
        return str(
            _("This is past the deadline (%(deadline)s): ask customer care to extend it.") % {"deadline": deadline}
        )
    return None


def job_appointment(*, scope: Scope, job_id: int, when: datetime) -> Job:
    """Record or move the appointment, never past the deadline; the owner gets an SMS each time."""
    JOB_TABLE.require("appointment", scope)
    with transitions.atomic():
        job = locked(scope, job_id)
        JOB_TABLE.check(job, "appointment", scope)
        refusal = appointment_refusal(job, when)
        if refusal:
            raise ValidationError({"when": refusal})
        JOB_TABLE.apply(
            job, "appointment", scope=scope, changes={"appointment_at": when}, data={"when": when.isoformat()}
        )
        local = clock.local(when, job.provider.time_zone)
        sms_owner(
            job,
            "jobs.appointment",
            key=f"job:{job.pk}:appointment:{when.isoformat()}",
            when=local.strftime("%d/%m/%Y %H:%M"),
        )
    return job


def job_ask_care(*, scope: Scope, job_id: int, message: str) -> None:
    """The installer asks the provider's customer care (to extend a deadline, say); the job's history keeps it."""
    JOB_TABLE.require("ask_care", scope)
    if not message.strip():
        raise ValidationError({"message": _("Write what you need.")})
    text = message.strip()[:2000]
    with transitions.atomic():
        job = locked(scope, job_id)
        step = JOB_TABLE.apply(job, "ask_care", scope=scope, reason=text)
        assert step.event is not None
        events.emit(
            "job.help_requested",
            organisation=job.provider,  # loaded: its name and zone speak in the e-mail
            key=f"job:{job.pk}:help:{step.event.pk}",
            data={"job_id": job.pk, "number": job.number, "company": scope.organisation.installer_code},
            context={
                "job": job.number,
                "workshop": scope.organisation.name,
                "message": text,
                "link": f"{settings.SITE_URL}/jobs/{job.pk}/",
            },
            url=f"/jobs/{job.pk}/",
        )


def device_for_pairing(job: Job, serial: str, imei_last4: str) -> Device:
    """The device with this serial, locked, if it may be paired to ``job`` (errors on ``serial`` or ``imei_last4``)."""
    product = job.product
    serial = serial.strip().upper()
    if product.serial_prefix and not serial.startswith(product.serial_prefix.upper()):
        message = _("Serial numbers of %(product)s start with %(prefix)s.")
        raise ValidationError({"serial": message % {"product": product.name, "prefix": product.serial_prefix}})
    found = Device.objects.filter(serial=serial, provider_id=job.provider_id).values_list("pk", flat=True).first()
    if found is None:
        message = _("No device with this serial number belongs to %(provider)s.")
        raise ValidationError({"serial": message % {"provider": job.provider.name}})
    device = DEVICE_TABLE.lock(Device.objects.filter(provider_id=job.provider_id), found)
    if device.vehicle_id is not None or DEVICE_TABLE.why_not(device, "pair", None) is not None:
        raise ValidationError({"serial": _("This device is already paired to another vehicle or not available.")})
    if device.company_id != job.company_id:
        raise ValidationError({"serial": _("This device was not shipped to your company.")})
    if product.imei_required and not (device.imei and imei_last4.strip() == device.imei[-4:]):
        raise ValidationError({"imei_last4": _("The last 4 digits of the IMEI do not match this device.")})
    return device


def job_pair(*, scope: Scope, job_id: int, serial: str, imei_last4: str) -> Job:
    """ "Abbina": match serial + last 4 IMEI digits to the vehicle; the device then waits for activation."""
    JOB_TABLE.require("pair", scope)
    with transitions.atomic():
        job = locked(scope, job_id)
        JOB_TABLE.check(job, "pair", scope)
        device = device_for_pairing(job, serial, imei_last4)
        DEVICE_TABLE.apply(device, "pair", scope=scope, changes={"vehicle_id": job.vehicle_id})
        changes = {"device": device, "paired_at": clock.now(), "installer": job.installer or scope.user}
        JOB_TABLE.apply(job, "pair", scope=scope, changes=changes, data={"serial": device.serial})
    return job


def job_fail(*, scope: Scope, job_id: int, comment: str) -> Job:
    """The installer company could not do the job; the provider reads why (it may cancel instead)."""
    JOB_TABLE.require("fail", scope)
    if not comment.strip():
        raise ValidationError({"comment": _("Say why the job failed: the provider reads it.")})
    with transitions.atomic():
        job = locked(scope, job_id)
        JOB_TABLE.check(job, "fail", scope)
        if job.status == JobStatus.PAIRED and job.device_id is not None:
            # The box was paired but the job failed: it goes back to the company's stock, off the vehicle.
            device = DEVICE_TABLE.lock(Device.objects.all(), job.device_id)
            DEVICE_TABLE.apply(device, "unpair", scope=scope, changes={"vehicle": None})
        text = comment.strip()
        JOB_TABLE.apply(job, "fail", scope=scope, changes={"comment": text}, reason=text)
    return job

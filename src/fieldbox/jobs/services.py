"""Every change of a job: one transition table, each step locked, audited and told, in one transaction."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldbox.accounts.choices import PartnershipStatus, Role
from fieldbox.accounts.models import Organisation, Partnership
from fieldbox.core import audit
from fieldbox.core.errors import Conflict
from fieldbox.core.models import AuditEvent
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.choices import DEVICE_TRANSITIONS, DeviceStatus
from fieldbox.fleet.models import Device, Subscription
from fieldbox.jobs.care import owner_link
from fieldbox.jobs.checks.selectors import missing_required
from fieldbox.jobs.choices import JOB_TRANSITIONS, JobKind, JobStatus
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
    """The job, locked, if this organisation may act on it (404 otherwise, like a missing one)."""
    org = scope.organisation
    qs = Job.objects.select_for_update().filter(pk=job_id)
    qs = qs.filter(provider=org) if org.is_provider else qs.filter(company=org, visible_from__lte=timezone.now())
    job = qs.first()
    if job is None:
        raise Job.DoesNotExist
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


def _partner(provider: Organisation, company_id: int) -> Organisation:
    link = (
        Partnership.objects.filter(provider=provider, installer_id=company_id, status=PartnershipStatus.ACCEPTED)
        .select_related("installer")
        .first()
    )
    if link is None or link.installer is None:
        raise ValidationError({"company": _("Choose an installer company that accepted your partnership.")})
    return link.installer


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
TAKE_NEXT_SQL = (
    "WITH taken AS ("  # noqa: S608 - table and column names come from the models; values are parameters
    f"UPDATE {Job._meta.db_table} SET status = %(new)s, installer_id = %(user)s "
    f"WHERE id = (SELECT id FROM {Job._meta.db_table} WHERE company_id = %(company)s AND status = %(old)s "
    "AND visible_from <= %(now)s ORDER BY deadline_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) "
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
            Job.objects.select_for_update(skip_locked=True)
            .filter(company=scope.organisation, status=JobStatus.ASSIGNED, visible_from__lte=timezone.now())
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


def job_cancel(*, scope: Scope, job_id: int, reason: str) -> Job:
    scope.require_role(*PLANNERS, Role.CUSTOMER_CARE)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the job is cancelled.")})
    with transaction.atomic():
        job = _locked(scope, job_id)
        job.comment = reason.strip()
        _move(job, "cancel", scope=scope, fields=["comment"], reason=job.comment)
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

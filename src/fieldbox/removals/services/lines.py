"""The life of a removal line: the remover accepts, refuses or reports it; the requester cancels it.

Each move locks the line, checks ``LINE_TRANSITIONS``, keeps the line's removal job in step through the job
services, writes the audit event and the requester's e-mail, in one transaction. Reporting a removal also does
the "IT removal": the box leaves the vehicle and waits at the remover's, the subscription's service ends.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldbox.accounts.choices import Role
from fieldbox.accounts.models import Organisation
from fieldbox.core import audit
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.choices import DEVICE_TRANSITIONS, DeviceStatus, SubscriptionStatus
from fieldbox.fleet.models import Device, Subscription
from fieldbox.jobs import services as jobs
from fieldbox.jobs.choices import JOB_TRANSITIONS
from fieldbox.jobs.models import Job
from fieldbox.removals import notifications
from fieldbox.removals.choices import LINE_TRANSITIONS, LineStatus
from fieldbox.removals.models import RemovalLine

REMOVERS = (Role.INSTALLER_ADMIN, Role.INSTALLER)
# Who follows the requests and cancels a line: every provider role (uploading is for planners: requests.REQUESTERS).
REQUESTERS = (Role.PROVIDER_ADMIN, Role.DISPATCHER, Role.CUSTOMER_CARE, Role.AGENCY)
SERIAL_END = 7


def _locked(scope: Scope, line_id: int) -> RemovalLine:
    """The line, locked, if this organisation may act on it (404 otherwise, like a missing one)."""
    org = scope.organisation
    qs = RemovalLine.objects.select_for_update(of=("self",)).filter(pk=line_id).exclude(status=LineStatus.NEW)
    qs = qs.filter(request__provider=org) if org.is_provider else qs.filter(company=org)
    line = qs.select_related("request__provider", "vehicle", "company").first()
    if line is None:
        raise RemovalLine.DoesNotExist
    return line


def _step(line: RemovalLine, action: str, *, scope: Scope | None, fields: list[str], reason: str = "") -> None:
    """Apply ``action`` from the table, save, audit and tell the requester."""
    new = LINE_TRANSITIONS[line.status].get(action)
    if new is None:
        raise Conflict(_("Not possible while the removal is “%(status)s”.") % {"status": line.get_status_display()})
    old = line.status
    line.status = new
    line.save(update_fields=["status", "updated_at", *fields])
    audit.record(
        actor=scope.user if scope else None,
        organisation=Organisation(pk=line.request.provider_id),
        obj=line,
        action=f"removal.{action}",
        from_state=old,
        to_state=new,
        reason=reason,
        data={"vin": line.vehicle.vin, "company": line.company.installer_code},
    )
    notifications.tell_requester(line, action)


def _job_moves(line: RemovalLine, scope: Scope | None, *actions: str, **changes: Any) -> None:
    """Move the line's removal job through ``actions`` (those its status allows), with ``changes`` on the last."""
    if line.job_id is None:
        return
    job = Job.objects.select_for_update().get(pk=line.job_id)
    for n, action in enumerate(actions):
        if action not in JOB_TRANSITIONS[job.status]:
            continue
        fields: list[str] = []
        if action == "take":
            job.installer = scope.user if scope else None
            fields.append("installer")
        last = n == len(actions) - 1
        if last:
            for field, value in changes.items():
                setattr(job, field, value)
            fields.extend(changes)
        jobs.move(job, action, scope=scope, fields=fields, reason=str(changes.get("comment", "")) if last else "")


def line_accept(*, scope: Scope, line_id: int) -> RemovalLine:
    """The remover takes the removal on ("Accepter"); its job is in progress with the acting person."""
    scope.require_role(*REMOVERS)
    with transaction.atomic():
        line = _locked(scope, line_id)
        _step(line, "accept", scope=scope, fields=[])
        _job_moves(line, scope, "take")
    return line


def line_refuse(*, scope: Scope, line_id: int, reason: str) -> RemovalLine:
    """The remover will not do it ("Refuser"), saying why; the job fails with the reason."""
    scope.require_role(*REMOVERS)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you refuse this removal: the requester reads it.")})
    with transaction.atomic():
        line = _locked(scope, line_id)
        line.reason = reason[:2000]
        _step(line, "refuse", scope=scope, fields=["reason"], reason=line.reason)
        _job_moves(line, scope, "take", "fail", comment=line.reason)
    return line


def line_cancel(*, scope: Scope, line_id: int, reason: str = "") -> RemovalLine:
    """The requester withdraws a removal not done yet ("Annulée"); its job is cancelled and the remover told."""
    scope.require_role(*REQUESTERS)
    with transaction.atomic():
        line = _locked(scope, line_id)
        line.reason = reason.strip()[:2000]
        _step(line, "cancel", scope=scope, fields=["reason"], reason=line.reason)
        _job_moves(line, scope, "cancel", comment=line.reason or _("Cancelled by the requester."))
        notifications.tell_remover_cancelled(line)
    return line


def line_report(*, scope: Scope, line_id: int, removed_at: datetime, serial_end: str, technician: str) -> RemovalLine:
    """ "Signaler une dépose": the box was physically removed; the IT removal follows in the same transaction."""
    scope.require_role(*REMOVERS)
    with transaction.atomic():
        line = _locked(scope, line_id)
        report(line, scope=scope, removed_at=removed_at, serial_end=serial_end, technician=technician)
    return line


def report(line: RemovalLine, *, scope: Scope | None, removed_at: datetime, serial_end: str, technician: str) -> None:
    """Report a line already locked and checked by the caller (the screens, or a job code without a person)."""
    technician = " ".join(technician.split())
    if not technician:
        raise ValidationError({"technician": _("Give the name of the technician who removed the box.")})
    if removed_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"removed_at": _("The removal cannot be in the future.")})
    if LINE_TRANSITIONS[line.status].get("report") is None:
        raise Conflict(_("Not possible while the removal is “%(status)s”.") % {"status": line.get_status_display()})
    device = _it_removal(line, scope=scope, removed_at=removed_at, serial_end=serial_end)
    line.removed_at, line.technician, line.device = removed_at, technician[:100], device
    _step(line, "report", scope=scope, fields=["removed_at", "technician", "device"])
    _job_moves(line, scope, "take", "complete", device=device)


def _installed_box(line: RemovalLine, serial_end: str) -> Device:
    serial_end = serial_end.strip().upper()
    if len(serial_end) != SERIAL_END:
        raise ValidationError({"serial_end": _("Type exactly the last 7 characters of the box's number.")})
    installed = list(
        Device.objects.select_for_update()
        .filter(vehicle_id=line.vehicle_id, provider_id=line.request.provider_id, status=DeviceStatus.ACTIVE)
        .order_by("pk")
    )
    if not installed:
        raise ValidationError({"serial_end": _("No active box is recorded in this vehicle: contact the requester.")})
    # A vehicle may carry more than one box: the technician's digits say which one came out.
    device = next((d for d in installed if d.serial.upper()[-SERIAL_END:] == serial_end), None)
    if device is None:
        raise ValidationError(
            {"serial_end": _("These are not the last 7 characters of the box installed in this vehicle.")}
        )
    return device


def _it_removal(line: RemovalLine, *, scope: Scope | None, removed_at: datetime, serial_end: str) -> Device:
    """The box leaves the vehicle and waits at the remover's for pick-up; the subscription's service ends."""
    device = _installed_box(line, serial_end)
    actor = scope.user if scope else None
    provider = Organisation(pk=line.request.provider_id)
    old = device.status
    device.status = DEVICE_TRANSITIONS[old]["remove"]
    device.vehicle, device.company = None, line.company
    device.save(update_fields=["status", "vehicle", "company"])
    audit.record(
        actor=actor, organisation=provider, obj=device, action="device.remove", from_state=old, to_state=device.status
    )
    subscription = Subscription.objects.select_for_update().get(pk=line.subscription_id)
    ended = subscription.status
    tz = ZoneInfo(line.request.provider.time_zone)
    subscription.status, subscription.ends_on = SubscriptionStatus.ENDED, timezone.localtime(removed_at, tz).date()
    subscription.save(update_fields=["status", "ends_on"])
    audit.record(
        actor=actor,
        organisation=provider,
        obj=subscription,
        action="subscription.end",
        from_state=ended,
        to_state=subscription.status,
        reason=_("Box removed"),
    )
    return device

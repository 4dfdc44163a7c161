"""The life of a removal line: the remover accepts, refuses or reports it; the requester cancels it.

Each move goes through the kernel with ``LINE_TABLE``: the line locked, checked, saved, audited and counted, its
removal job kept in step through ``JOB_TABLE``, the requester's e-mail written, in one transaction. Reporting a
removal also does the "IT removal": the box leaves the vehicle and waits at the remover's, the subscription's
service ends (``DEVICE_TABLE``, ``SUBSCRIPTION_TABLE``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from fieldbox.core import clock, transitions
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.choices import DEVICE_TABLE, SUBSCRIPTION_TABLE, DeviceStatus
from fieldbox.fleet.models import Device, Subscription
from fieldbox.jobs.choices import JOB_TABLE
from fieldbox.jobs.models import Job
from fieldbox.removals import notifications
from fieldbox.removals.choices import LINE_TABLE
from fieldbox.removals.models import RemovalLine

SERIAL_END = 7


def locked(scope: Scope, line_id: int) -> RemovalLine:
    """The line, locked, among those this organisation sees (404 otherwise, like a missing one)."""
    qs = RemovalLine.objects.visible_to(scope).select_related("request__provider", "vehicle", "company")
    return LINE_TABLE.lock(qs, line_id)


def _step(
    line: RemovalLine, action: str, *, scope: Scope | None, changes: dict[str, Any] | None = None, reason: str = ""
) -> None:
    """Apply ``action`` from the line's table (saved, audited, counted) and tell the requester."""
    changes = {**(changes or {}), "updated_at": clock.now()}
    data = {"vin": line.vehicle.vin, "company": line.company.installer_code}
    LINE_TABLE.apply(line, action, scope=scope, changes=changes, reason=reason, data=data)
    notifications.tell_requester(line, action)


def _job_moves(line: RemovalLine, scope: Scope | None, *actions: str, **changes: Any) -> None:
    """Move the line's removal job through ``actions`` (those its status allows), with ``changes`` on the last."""
    if line.job_id is None:
        return
    job = JOB_TABLE.lock(Job.objects.filter(provider_id=line.provider_id), line.job_id)
    for n, action in enumerate(actions):
        if JOB_TABLE.why_not(job, action, scope) is not None:  # already there (taken by this person, say)
            continue
        last = n == len(actions) - 1
        step_changes: dict[str, Any] = dict(changes) if last else {}
        if action == "take":
            step_changes["installer"] = scope.user if scope else None
        reason = str(changes.get("comment", "")) if last else ""
        JOB_TABLE.apply(job, action, scope=scope, changes=step_changes, reason=reason)
        JOB_TABLE.hold(job)


def line_accept(*, scope: Scope, line_id: int) -> RemovalLine:
    """The remover takes the removal on ("Accepter"); its job is in progress with the acting person."""
    LINE_TABLE.require("accept", scope)
    with transitions.atomic():
        line = locked(scope, line_id)
        _step(line, "accept", scope=scope)
        _job_moves(line, scope, "take")
    return line


def line_refuse(*, scope: Scope, line_id: int, reason: str) -> RemovalLine:
    """The remover will not do it ("Refuser"), saying why; the job fails with the reason."""
    LINE_TABLE.require("refuse", scope)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you refuse this removal: the requester reads it.")})
    with transitions.atomic():
        line = locked(scope, line_id)
        _step(line, "refuse", scope=scope, changes={"reason": reason[:2000]}, reason=reason[:2000])
        _job_moves(line, scope, "take", "fail", comment=line.reason)
    return line


def line_cancel(*, scope: Scope, line_id: int, reason: str = "") -> RemovalLine:
    """The requester withdraws a removal not done yet ("Annulée"); its job is cancelled and the remover told."""
    LINE_TABLE.require("cancel", scope)
    with transitions.atomic():
        line = locked(scope, line_id)
        text = reason.strip()[:2000]
        _step(line, "cancel", scope=scope, changes={"reason": text}, reason=text)
        _job_moves(line, scope, "cancel", comment=text or _("Cancelled by the requester."))
        notifications.tell_remover_cancelled(line)
    return line


def line_report(*, scope: Scope, line_id: int, removed_at: datetime, serial_end: str, technician: str) -> RemovalLine:
    """ "Signaler une dépose": the box was physically removed; the IT removal follows in the same transaction."""
    LINE_TABLE.require("report", scope)
    with transitions.atomic():
        line = locked(scope, line_id)
        report(line, scope=scope, removed_at=removed_at, serial_end=serial_end, technician=technician)
    return line


def report(line: RemovalLine, *, scope: Scope | None, removed_at: datetime, serial_end: str, technician: str) -> None:
    """Report a line locked by the caller (the screens, or a job code without a person)."""
    LINE_TABLE.check(line, "report", scope)
    technician = " ".join(technician.split())
    if not technician:
        raise ValidationError({"technician": _("Give the name of the technician who removed the box.")})
    if removed_at > clock.now() + timedelta(minutes=5):
        raise ValidationError({"removed_at": _("The removal cannot be in the future.")})
    device = _it_removal(line, scope=scope, removed_at=removed_at, serial_end=serial_end)
    changes = {"removed_at": removed_at, "technician": technician[:100], "device": device}
    _step(line, "report", scope=scope, changes=changes)
    _job_moves(line, scope, "take", "complete", device=device)


def _installed_box(line: RemovalLine, serial_end: str) -> Device:
    serial_end = serial_end.strip().upper()
    if len(serial_end) != SERIAL_END:
        raise ValidationError({"serial_end": _("Type exactly the last 7 characters of the box's number.")})
    installed = Device.objects.filter(
        vehicle_id=line.vehicle_id, provider_id=line.provider_id, status=DeviceStatus.ACTIVE
    )
    serials = dict(installed.order_by("pk").values_list("pk", "serial"))
    if not serials:
        raise ValidationError({"serial_end": _("No active box is recorded in this vehicle: contact the requester.")})
    # A vehicle may carry more than one box: the technician's characters say which one came out.
    found = next((pk for pk, serial in serials.items() if serial.upper()[-SERIAL_END:] == serial_end), None)
    if found is None:
        raise ValidationError(
            {"serial_end": _("These are not the last 7 characters of the box installed in this vehicle.")}
        )
    return DEVICE_TABLE.lock(installed, found)


def _it_removal(line: RemovalLine, *, scope: Scope | None, removed_at: datetime, serial_end: str) -> Device:
    """The box leaves the vehicle and waits at the remover's for pick-up; the subscription's service ends."""
    device = _installed_box(line, serial_end)
    DEVICE_TABLE.apply(device, "remove", scope=scope, changes={"vehicle": None, "company": line.company})
    subscription = SUBSCRIPTION_TABLE.lock(
        Subscription.objects.filter(provider_id=line.provider_id), line.subscription_id
    )
    ends_on = clock.day_of(removed_at, line.request.provider.time_zone)
    SUBSCRIPTION_TABLE.apply(subscription, "end", scope=scope, changes={"ends_on": ends_on}, reason=_("Box removed"))
    return device

"""The life of a removal line: accept, refuse, report (with the IT removal), cancel; the job kept in step; e-mails."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from fieldbox.core.errors import Conflict
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.choices import DeviceStatus, SubscriptionStatus
from fieldbox.fleet.models import Device, Subscription
from fieldbox.fleet.tests.factories import device as make_device
from fieldbox.jobs import selectors as job_selectors
from fieldbox.jobs import services as job_services
from fieldbox.jobs.choices import JobStatus
from fieldbox.jobs.models import Job
from fieldbox.messaging.models import OutboxMessage
from fieldbox.removals import notifications
from fieldbox.removals.choices import LineStatus
from fieldbox.removals.models import RemovalLine
from fieldbox.removals.services.lines import line_accept, line_cancel, line_refuse, line_report
from fieldbox.removals.tests.factories import confirmed_request

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")


def _report(tenant, line, serial_end, **extra):
    return line_report(
        scope=tenant.scope(tenant.installer),
        line_id=line.pk,
        removed_at=extra.get("removed_at", timezone.now() - timedelta(hours=1)),
        serial_end=serial_end,
        technician=extra.get("technician", "Marc Dupont"),
    )


def _requester_mails(line, action=""):
    return OutboxMessage.objects.filter(idempotency_key__startswith=f"removal-line:{line.pk}:{action}")


def test_accept_takes_the_job_and_tells_the_requester(tenant):
    _request, [removal] = confirmed_request(tenant)
    line = line_accept(scope=tenant.scope(tenant.installer), line_id=removal.line.pk)
    line.refresh_from_db()
    job = Job.objects.get(pk=line.job_id)
    assert line.status == LineStatus.ACCEPTED
    assert (job.status, job.installer_id) == (JobStatus.IN_PROGRESS, tenant.installer.pk)
    assert AuditEvent.objects.filter(action="removal.accept", object_id=str(line.pk), to_state="accepted").exists()
    mails = {m.recipient: m for m in _requester_mails(line)}
    assert set(mails) == {tenant.dispatcher.email, "follow-up@requester.example"}
    mail = mails[tenant.dispatcher.email]
    assert mail.subject == f"Your removal request {line.vehicle.vin} was accepted"
    for text in ("BMW", "Serie 1", line.vehicle.vin, "Chambéry", "30/07/2030", tenant.company.name):
        assert text in mail.body


def test_the_requester_reads_it_in_french(tenant):
    tenant.dispatcher.language = "fr"
    tenant.dispatcher.save(update_fields=["language"])
    _request, [removal] = confirmed_request(tenant)
    line_accept(scope=tenant.scope(tenant.installer), line_id=removal.line.pk)
    mail = _requester_mails(removal.line).get(recipient=tenant.dispatcher.email)
    assert mail.language == "fr"
    with translation.override("fr"):  # "Acceptation de votre demande de dépose <VIN>"
        expected = translation.gettext("Your removal request %(vin)s was accepted") % {"vin": removal.line.vehicle.vin}
    assert mail.subject == expected


def test_refuse_needs_a_reason_and_fails_the_job(tenant):
    _request, [removal] = confirmed_request(tenant)
    scope = tenant.scope(tenant.company_admin)
    with pytest.raises(ValidationError) as error:
        line_refuse(scope=scope, line_id=removal.line.pk, reason="  ")
    assert "reason" in error.value.message_dict
    assert RemovalLine.objects.get(pk=removal.line.pk).status == LineStatus.NOTIFIED
    line_refuse(scope=scope, line_id=removal.line.pk, reason="Vehicle not on our parking")
    line = RemovalLine.objects.get(pk=removal.line.pk)
    job = Job.objects.get(pk=line.job_id)
    assert (line.status, line.reason) == (LineStatus.REFUSED, "Vehicle not on our parking")
    assert (job.status, job.comment) == (JobStatus.FAILED, "Vehicle not on our parking")
    mail = _requester_mails(line).get(recipient=tenant.dispatcher.email)
    assert "was refused" in mail.subject and "Vehicle not on our parking" in mail.body


def test_report_does_the_it_removal(tenant):
    _request, [removal] = confirmed_request(tenant)
    line_accept(scope=tenant.scope(tenant.installer), line_id=removal.line.pk)
    removed_at = datetime(2030, 7, 29, 23, 30, tzinfo=ROME)
    with time_machine.travel(datetime(2030, 7, 30, 9, 0, tzinfo=ROME)):
        _report(tenant, removal.line, removal.device.serial[-7:].lower(), removed_at=removed_at)
    line = RemovalLine.objects.get(pk=removal.line.pk)
    device = Device.objects.get(pk=removal.device.pk)
    subscription = Subscription.objects.get(pk=line.subscription_id)
    job = Job.objects.get(pk=line.job_id)
    assert (line.status, line.removed_at, line.technician, line.device_id) == (
        LineStatus.DONE,
        removed_at,
        "Marc Dupont",
        device.pk,
    )
    assert (device.status, device.vehicle_id, device.company_id) == (DeviceStatus.REMOVED, None, tenant.company.pk)
    assert (subscription.status, subscription.ends_on.isoformat()) == (SubscriptionStatus.ENDED, "2030-07-29")
    assert (job.status, job.device_id) == (JobStatus.SUCCEEDED, device.pk)
    mail = _requester_mails(line, "report").get(recipient=tenant.dispatcher.email)
    assert "was done" in mail.subject and "29/07/2030 23:30" in mail.body


def test_of_two_boxes_in_a_vehicle_the_digits_say_which_one_came_out(tenant):
    _request, [removal] = confirmed_request(tenant)
    second = make_device(tenant.provider)
    Device.objects.filter(pk=second.pk).update(status=DeviceStatus.ACTIVE, vehicle=removal.line.vehicle, company=None)
    _report(tenant, removal.line, second.serial[-7:])
    assert Device.objects.get(pk=second.pk).status == DeviceStatus.REMOVED
    assert Device.objects.get(pk=removal.device.pk).status == DeviceStatus.ACTIVE


def test_notified_goes_to_done_directly(tenant):
    _request, [removal] = confirmed_request(tenant)
    _report(tenant, removal.line, removal.device.serial[-7:])
    line = RemovalLine.objects.get(pk=removal.line.pk)
    assert line.status == LineStatus.DONE
    assert Job.objects.get(pk=line.job_id).status == JobStatus.SUCCEEDED


@pytest.mark.parametrize(
    ("serial_end", "technician", "field"),
    [("9999999", "Marc", "serial_end"), ("12345", "Marc", "serial_end"), (None, " ", "technician")],
)
def test_report_refuses_bad_input_and_changes_nothing(tenant, serial_end, technician, field):
    _request, [removal] = confirmed_request(tenant)
    with pytest.raises(ValidationError) as error:
        _report(tenant, removal.line, serial_end or removal.device.serial[-7:], technician=technician)
    assert field in error.value.message_dict
    assert RemovalLine.objects.get(pk=removal.line.pk).status == LineStatus.NOTIFIED
    device = Device.objects.get(pk=removal.device.pk)
    assert (device.status, device.vehicle_id) == (DeviceStatus.ACTIVE, removal.line.vehicle_id)
    assert Subscription.objects.get(pk=removal.line.subscription_id).status == SubscriptionStatus.ACTIVE
    assert not _requester_mails(removal.line).exists()


def test_a_removal_in_the_future_is_refused(tenant):
    _request, [removal] = confirmed_request(tenant)
    with pytest.raises(ValidationError) as error:
        _report(tenant, removal.line, removal.device.serial[-7:], removed_at=timezone.now() + timedelta(days=1))
    assert "removed_at" in error.value.message_dict


def test_cancel_by_the_requester_then_nothing_more(tenant):
    _request, [removal] = confirmed_request(tenant)
    line_cancel(scope=tenant.scope(tenant.dispatcher), line_id=removal.line.pk, reason="Vehicle sold")
    line = RemovalLine.objects.get(pk=removal.line.pk)
    assert line.status == LineStatus.CANCELLED
    told = OutboxMessage.objects.get(idempotency_key=f"removal-line:{line.pk}:cancel:remover")
    assert told.recipient == tenant.company.email and told.subject == f"Removal cancelled: {line.vehicle.vin}"
    assert "do not remove it" in told.body and "Vehicle sold" in told.body
    assert Job.objects.get(pk=line.job_id).status == JobStatus.CANCELLED
    with pytest.raises(Conflict):
        _report(tenant, line, removal.device.serial[-7:])
    with pytest.raises(Conflict):
        line_accept(scope=tenant.scope(tenant.installer), line_id=line.pk)
    assert Device.objects.get(pk=removal.device.pk).status == DeviceStatus.ACTIVE


def test_a_done_line_cannot_be_cancelled(tenant):
    _request, [removal] = confirmed_request(tenant)
    _report(tenant, removal.line, removal.device.serial[-7:])
    with pytest.raises(Conflict):
        line_cancel(scope=tenant.scope(tenant.dispatcher), line_id=removal.line.pk)


def test_another_company_cannot_touch_the_line(tenant, other_tenant):
    _request, [removal] = confirmed_request(tenant)
    with pytest.raises(RemovalLine.DoesNotExist):
        line_accept(scope=other_tenant.scope(other_tenant.installer), line_id=removal.line.pk)
    with pytest.raises(RemovalLine.DoesNotExist):
        line_cancel(scope=other_tenant.scope(other_tenant.dispatcher), line_id=removal.line.pk)
    assert RemovalLine.objects.get(pk=removal.line.pk).status == LineStatus.NOTIFIED


def test_one_email_per_remover_and_request_with_links(tenant, other_tenant):
    request, removals = confirmed_request(tenant, count=2)
    notifications.notify_removers(request)
    notifications.notify_removers(request)  # the same request told twice: still one e-mail
    mail = OutboxMessage.objects.get(idempotency_key=f"removal-request:{request.pk}:remover:{tenant.company.pk}")
    assert mail.recipient == tenant.company.email
    assert mail.subject == f"Removal request {request.number} from {tenant.provider.name}"
    for removal in removals:
        assert removal.line.vehicle.vin in mail.body
        assert f"/removals/{removal.line.pk}/report/" in mail.body
    assert mail.body.count("/a/") == 4  # accept and refuse, per vehicle


def test_a_large_request_lists_its_first_vehicles_and_sends_the_remover_to_its_list(tenant, monkeypatch):
    monkeypatch.setattr(notifications, "EMAIL_LINES", 2)
    request, removals = confirmed_request(tenant, count=3)
    notifications.notify_removers(request)
    mail = OutboxMessage.objects.get(idempotency_key=f"removal-request:{request.pk}:remover:{tenant.company.pk}")
    assert "remove the boxes of these 3 vehicles" in mail.body
    assert [r.line.vehicle.vin in mail.body for r in removals] == [True, True, False]
    assert "…and 1 more vehicle: see it on your list of removals." in mail.body


def test_the_job_of_a_line_moves_only_with_its_line(tenant):
    """Neither the installer's job screens nor the provider's may move a removal request's job on their own."""
    line = confirmed_request(tenant)[1][0].line
    assert line.job_id is not None
    fitter, planner = tenant.scope(tenant.installer), tenant.scope(tenant.dispatcher)
    assert not job_selectors.available_jobs(fitter).filter(pk=line.job_id).exists()
    assert job_services.job_take_next(scope=fitter) is None  # the only job of the company is the removal's
    with pytest.raises(Conflict, match="belongs to a removal request"):
        job_services.job_take(scope=fitter, job_id=line.job_id)
    with pytest.raises(Conflict, match="belongs to a removal request"):
        job_services.job_cancel(scope=planner, job_id=line.job_id, reason="no")
    line_accept(scope=fitter, line_id=line.pk)  # its own way: the job follows
    assert Job.objects.get(pk=line.job_id).status == JobStatus.IN_PROGRESS

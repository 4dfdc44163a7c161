"""A job's life through its services: draft, assign, take, appointment, pair, activation, and the refusals."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections
from django.utils import timezone

from fieldbox.accounts.tests.fixtures import another_partner
from fieldbox.core.errors import Conflict
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.choices import DeviceStatus
from fieldbox.fleet.tests.factories import device, registry
from fieldbox.jobs import selectors, services
from fieldbox.jobs.choices import JobStatus
from fieldbox.jobs.models import Job
from fieldbox.messaging import outbox
from fieldbox.messaging.channels import sms
from fieldbox.messaging.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sms(settings):
    settings.SMS_BACKEND = "locmem"
    sms.outbox.clear()


def assigned_job(tenant, **spec) -> Job:
    reg = registry(tenant.provider, arrived_on=date(2026, 1, 1))
    job = services.job_create(scope=tenant.scope(tenant.dispatcher), subscription_id=reg.subscription.pk, spec=spec)
    return services.job_assign(scope=tenant.scope(tenant.dispatcher), job_id=job.pk, company_id=tenant.company.pk)


def test_a_draft_is_editable_and_invisible_then_assigned_and_the_owner_told(tenant):
    reg = registry(tenant.provider, arrived_on=date(2026, 1, 1))
    dispatcher = tenant.scope(tenant.dispatcher)
    job = services.job_create(scope=dispatcher, subscription_id=reg.subscription.pk, spec={"vehicle_model": "Panda"})
    assert job.status == JobStatus.DRAFT and not selectors.jobs_for(tenant.scope(tenant.installer)).exists()
    services.job_update(scope=dispatcher, job_id=job.pk, spec={"notes": "Under the dashboard"})

    services.job_assign(scope=dispatcher, job_id=job.pk, company_id=tenant.company.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.ASSIGNED and job.company == tenant.company
    assert selectors.jobs_for(tenant.scope(tenant.installer)).get() == job
    with pytest.raises(Conflict):
        services.job_update(scope=dispatcher, job_id=job.pk, spec={"notes": "too late"})
    outbox.drain()
    [message] = sms.outbox
    assert message["to"] == "+393331234567" and tenant.company.name in message["body"]
    assert "sarà installata da" in message["body"]  # in the owner's language
    assert OutboxMessage.objects.filter(kind="job.status_changed").count() == 0  # no endpoint subscribed


def test_the_deadline_is_20_days_from_assignment_and_the_job_shows_2_days_after_the_subscription(tenant):
    with time_machine.travel("2026-03-10 09:00 +01:00", tick=False):
        reg = registry(tenant.provider, arrived_on=date(2026, 3, 10))
        scope = tenant.scope(tenant.dispatcher)
        job = services.job_create(scope=scope, subscription_id=reg.subscription.pk)
        job = services.job_assign(scope=scope, job_id=job.pk, company_id=tenant.company.pk)
        assert timezone.localtime(job.deadline_at).date() == date(2026, 3, 30)
        assert not selectors.jobs_for(tenant.scope(tenant.installer)).exists(), "not before two days"
    with time_machine.travel("2026-03-12 00:01 +01:00", tick=False):
        assert selectors.jobs_for(tenant.scope(tenant.installer)).get() == job


def test_only_accepted_partners_get_jobs(tenant, other_tenant):
    reg = registry(tenant.provider)
    scope = tenant.scope(tenant.dispatcher)
    job = services.job_create(scope=scope, subscription_id=reg.subscription.pk)
    with pytest.raises(ValidationError, match="accepted your partnership"):
        services.job_assign(scope=scope, job_id=job.pk, company_id=other_tenant.company.pk)
    assert Job.objects.get().status == JobStatus.DRAFT


@pytest.mark.postgres  # two connections at once: SQLite has one writer
@pytest.mark.django_db(transaction=True)
def test_two_installers_taking_the_same_job_at_once_exactly_one_wins(tenant):
    from fieldbox.accounts.tests.factories import member

    colleague = member(tenant.company, "installer", email="second@alpha-workshop.example")
    job = assigned_job(tenant)
    results: list[str] = []
    ready = threading.Barrier(2, timeout=10)

    def take(user) -> None:
        try:
            ready.wait()
            services.job_take(
                scope=tenant.scope(user) if user != colleague else _scope(colleague, tenant), job_id=job.pk
            )
            results.append("won")
        except Conflict:
            results.append("told")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(u,)) for u in (tenant.installer, colleague)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sorted(results) == ["told", "won"]
    assert Job.objects.get().status == JobStatus.IN_PROGRESS


def _scope(user, tenant):
    from fieldbox.accounts.tests.fixtures import scope_of

    return scope_of(user, tenant.company)


def test_a_colleague_takes_over_and_it_is_audited(tenant):
    from fieldbox.accounts.tests.factories import member

    colleague = member(tenant.company, "installer", email="other@alpha-workshop.example")
    job = assigned_job(tenant)
    services.job_take(scope=tenant.scope(tenant.installer), job_id=job.pk)
    services.job_take_over(scope=_scope(colleague, tenant), job_id=job.pk)
    job.refresh_from_db()
    assert job.installer == colleague
    event = AuditEvent.objects.get(action="job.take_over")
    assert event.data["before"] == tenant.installer.email and event.actor == colleague


def test_appointments_stay_within_the_deadline_and_each_is_sent_to_the_owner(tenant):
    job = assigned_job(tenant)
    scope = tenant.scope(tenant.installer)
    services.job_appointment(scope=scope, job_id=job.pk, when=timezone.now() + timedelta(days=3))
    services.job_appointment(scope=scope, job_id=job.pk, when=timezone.now() + timedelta(days=4))
    with pytest.raises(ValidationError, match="ask customer care"):
        services.job_appointment(scope=scope, job_id=job.pk, when=timezone.now() + timedelta(days=25))
    outbox.drain()
    appointments = [m for m in sms.outbox if ":appointment:" in m["reference"]]
    assert len(appointments) == 2 and all(job.vehicle.plate in m["body"] for m in appointments)


def pair_ready(tenant) -> tuple[Job, object]:
    job = assigned_job(tenant)
    services.job_take(scope=tenant.scope(tenant.installer), job_id=job.pk)
    return job, device(tenant.provider, company=tenant.company)


@pytest.mark.parametrize(
    ("case", "field", "text"),
    [
        ("prefix", "serial", "start with TBA"),
        ("unknown", "serial", "No device with this serial"),
        ("imei", "imei_last4", "last 4 digits"),
        ("elsewhere", "serial", "not shipped to your company"),
        ("paired", "serial", "already paired"),
    ],
)
def test_a_pairing_that_does_not_match_says_why_and_changes_nothing(tenant, other_tenant, case, field, text):
    job, box = pair_ready(tenant)
    serial, last4 = box.serial, box.imei[-4:]
    if case == "prefix":
        serial = "XYZ1234"
    elif case == "unknown":
        serial = "TBA9999999"
    elif case == "imei":
        last4 = "0000" if last4 != "0000" else "1111"
    elif case == "elsewhere":
        box.company = other_tenant.company
        box.save()
    elif case == "paired":
        box.vehicle = registry(tenant.provider).vehicle
        box.save()
    with pytest.raises(ValidationError) as refused:
        services.job_pair(scope=tenant.scope(tenant.installer), job_id=job.pk, serial=serial, imei_last4=last4)
    assert field in refused.value.message_dict and text in refused.value.message_dict[field][0]
    job.refresh_from_db()
    box.refresh_from_db()
    assert job.status == JobStatus.IN_PROGRESS and job.device is None
    assert box.status == DeviceStatus.SHIPPED


def test_pairing_then_the_device_activation_closes_the_job(tenant, django_capture_on_commit_callbacks):
    job, box = pair_ready(tenant)
    services.job_pair(
        scope=tenant.scope(tenant.installer), job_id=job.pk, serial=box.serial.lower(), imei_last4=box.imei[-4:]
    )
    job.refresh_from_db()
    box.refresh_from_db()
    assert job.status == JobStatus.PAIRED and job.device == box and job.paired_at
    assert box.status == DeviceStatus.WAITING_ACTIVATION and box.vehicle == job.vehicle
    assert selectors.completed_jobs(tenant.scope(tenant.installer)).get() == job

    from django.test import Client

    from fieldbox.messaging import services as messaging
    from fieldbox.messaging import signing

    feed = messaging.feed_create(scope=tenant.scope(tenant.provider_admin))
    body = f'{{"id": "act-1", "type": "activated", "imei": "{box.imei}", "time": "2026-11-22T10:00:00Z"}}'.encode()
    signed = signing.headers(feed.secret, body)
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            "/api/v1/device-events",
            body,
            content_type="application/json",
            HTTP_X_FIELDBOX_KEY=feed.key_id,
            HTTP_X_FIELDBOX_TIMESTAMP=signed["X-Fieldbox-Timestamp"],
            HTTP_X_FIELDBOX_SIGNATURE=signed["X-Fieldbox-Signature"],
        )
    assert response.status_code == 202
    job.refresh_from_db()
    box.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.closed_at
    assert box.status == DeviceStatus.ACTIVE and box.activated_at


def test_failing_needs_a_comment_and_cancelling_a_reason(tenant):
    job = assigned_job(tenant)
    services.job_take(scope=tenant.scope(tenant.installer), job_id=job.pk)
    with pytest.raises(ValidationError):
        services.job_fail(scope=tenant.scope(tenant.installer), job_id=job.pk, comment="  ")
    services.job_fail(scope=tenant.scope(tenant.installer), job_id=job.pk, comment="Owner sold the car")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.comment == "Owner sold the car"
    with pytest.raises(Conflict):
        services.job_cancel(scope=tenant.scope(tenant.dispatcher), job_id=job.pk, reason="x")


def test_another_companys_job_is_out_of_reach(tenant, other_tenant):
    job = assigned_job(tenant)
    with pytest.raises(Job.DoesNotExist):
        services.job_take(scope=other_tenant.scope(other_tenant.installer), job_id=job.pk)
    with pytest.raises(Job.DoesNotExist):
        services.job_cancel(scope=other_tenant.scope(other_tenant.dispatcher), job_id=job.pk, reason="x")
    assert Job.objects.get().status == JobStatus.ASSIGNED


def test_customer_care_finds_a_job_by_plate_subscription_or_name(tenant):
    job = assigned_job(tenant)
    scope = tenant.scope(tenant.care)
    for text in (job.vehicle.plate.lower(), job.subscription.number, job.customer.last_name[:6], "3331234567"):
        assert list(selectors.search(scope, text)) == [job], text
    assert not selectors.search(tenant.scope(tenant.care), "nothing-like-it").exists()


def test_no_activation_a_day_after_pairing_alerts_customer_care_once(tenant):
    from fieldbox.messaging.models import Notification

    job, box = pair_ready(tenant)
    services.job_pair(scope=tenant.scope(tenant.installer), job_id=job.pk, serial=box.serial, imei_last4=box.imei[-4:])
    assert services.flag_missing_activations(timezone.now() + timedelta(hours=23)) == 0
    assert services.flag_missing_activations(timezone.now() + timedelta(hours=25)) == 1
    assert services.flag_missing_activations(timezone.now() + timedelta(hours=26)) == 0
    told = Notification.objects.filter(event="job.activation_missing")
    assert {n.user for n in told} == {tenant.care, tenant.provider_admin} and box.serial in told.first().text


@pytest.mark.postgres  # four connections at once (SKIP LOCKED): SQLite has one writer
@pytest.mark.django_db(transaction=True)
def test_installers_taking_the_next_job_at_once_never_get_the_same_one(tenant):
    from fieldbox.accounts.tests.factories import member

    crew = [tenant.installer] + [
        member(tenant.company, "installer", email=f"fit{i}@alpha-workshop.example") for i in range(3)
    ]
    for _ in range(6):
        assigned_job(tenant)
    taken: list[int] = []
    ready = threading.Barrier(len(crew), timeout=10)

    def work(user) -> None:
        try:
            ready.wait()
            while (job := services.job_take_next(scope=_scope(user, tenant))) is not None:
                taken.append(job.pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(u,)) for u in crew]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(taken) == 6 and len(set(taken)) == 6
    assert not Job.objects.filter(status=JobStatus.ASSIGNED).exists()
    # Each take is audited like any other move: who, which job, from and to.
    for job in Job.objects.all():
        event = AuditEvent.objects.get(action="job.take", object_id=str(job.pk))
        assert (event.actor, event.object_label, event.from_state, event.to_state) == (
            job.installer,
            job.number,
            JobStatus.ASSIGNED,
            JobStatus.IN_PROGRESS,
        )
        assert event.organisation == tenant.provider


def test_customer_care_extends_a_deadline_with_a_reason(tenant):
    job = assigned_job(tenant)
    care = tenant.scope(tenant.care)
    later = timezone.localtime(job.deadline_at).date() + timedelta(days=10)
    with pytest.raises(ValidationError):
        services.job_extend_deadline(scope=care, job_id=job.pk, until=later, reason=" ")
    services.job_extend_deadline(scope=care, job_id=job.pk, until=later, reason="Owner abroad")
    job.refresh_from_db()
    assert timezone.localtime(job.deadline_at).date() == later
    services.job_appointment(
        scope=tenant.scope(tenant.installer), job_id=job.pk, when=timezone.now() + timedelta(days=25)
    )
    with pytest.raises(PermissionDenied):  # installers cannot move their own deadline
        services.job_extend_deadline(scope=tenant.scope(tenant.installer), job_id=job.pk, until=later, reason="x")


def test_customer_care_corrects_a_pairing_before_activation(tenant):
    job, box = pair_ready(tenant)
    services.job_pair(scope=tenant.scope(tenant.installer), job_id=job.pk, serial=box.serial, imei_last4=box.imei[-4:])
    right = device(tenant.provider, company=tenant.company)
    services.job_correct_pairing(
        scope=tenant.scope(tenant.care),
        job_id=job.pk,
        serial=right.serial,
        imei_last4=right.imei[-4:],
        reason="Wrong box",
    )
    job.refresh_from_db()
    box.refresh_from_db()
    right.refresh_from_db()
    assert job.device == right and job.status == JobStatus.PAIRED
    assert box.status == DeviceStatus.RECEIVED and box.vehicle is None
    assert right.status == DeviceStatus.WAITING_ACTIVATION and right.vehicle == job.vehicle


def test_failing_a_paired_job_takes_the_box_off_the_vehicle(tenant):
    job, box = pair_ready(tenant)
    services.job_pair(scope=tenant.scope(tenant.installer), job_id=job.pk, serial=box.serial, imei_last4=box.imei[-4:])
    services.job_fail(scope=tenant.scope(tenant.installer), job_id=job.pk, comment="The car is too damaged")
    box.refresh_from_db()
    assert box.status == DeviceStatus.RECEIVED and box.vehicle is None


def test_each_assignment_texts_the_owner_again_even_back_to_the_same_company(tenant):
    job = assigned_job(tenant)
    other = another_partner(tenant)
    care = tenant.scope(tenant.care)
    with pytest.raises(ValidationError) as same:
        services.job_reassign(scope=care, job_id=job.pk, company_id=tenant.company.pk, reason="Owner asked")
    assert "already at this company" in str(same.value)
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        services.job_reassign(scope=care, job_id=job.pk, company_id=other.pk, reason="Owner asked")
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        services.job_reassign(scope=care, job_id=job.pk, company_id=tenant.company.pk, reason="Owner changed mind")
        outbox.drain()
    # In the order they were written (a batch goes out in parallel: the gateway may get them in any order).
    sent = OutboxMessage.objects.filter(channel="sms", status="sent").order_by("id")
    bodies = list(sent.values_list("body", flat=True))
    assert sorted(bodies) == sorted(m["body"] for m in sms.outbox)
    assert any(other.name in b for b in bodies) and tenant.company.name in bodies[-1]
    back = [b for b in bodies if tenant.company.name in b]
    assert len(back) == 2 and back[0] != back[1], "back at the first company, the owner gets a new link"


def test_a_question_to_customer_care_reaches_it_under_the_providers_name(tenant, django_capture_on_commit_callbacks):
    from django.core import mail

    job = assigned_job(tenant)
    installer = tenant.scope(tenant.installer)
    services.job_take(scope=installer, job_id=job.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.job_ask_care(scope=installer, job_id=job.pk, message="The owner asks for next week: extend?")
    outbox.drain()
    [email] = [m for m in mail.outbox if tenant.care.email in m.to]
    assert email.from_email.startswith(f'"{tenant.provider.name} (Fieldbox)" <'), email.from_email
    assert "The owner asks for next week: extend?" in email.body and job.number in email.body
    assert AuditEvent.objects.filter(action="job.ask_care", object_id=str(job.pk)).count() == 1

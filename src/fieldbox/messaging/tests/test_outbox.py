"""The outbox: written with the change, sent once per key, retried with back-off, parked as failed."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection, connections, transaction
from django.utils import timezone

from fieldbox.messaging import outbox
from fieldbox.messaging.channels import DeliveryError, Result, each, sms
from fieldbox.messaging.choices import Channel, MessageStatus
from fieldbox.messaging.models import OutboxMessage

pytestmark = pytest.mark.django_db


def email(key: str, to: str = "someone@example.com") -> OutboxMessage:
    return outbox.message(key=key, channel=Channel.EMAIL, recipient=to, subject=f"About {key}", body="Hello")


def failing(permanent: bool = False):
    def send(messages):
        def boom(message):
            raise DeliveryError("gateway said no", permanent=permanent, status=503)

        return each(messages, boom)

    return send


def test_the_same_key_is_written_and_sent_once():
    outbox.enqueue(email("invite:1"), email("invite:1"))
    outbox.enqueue(email("invite:1"))
    assert OutboxMessage.objects.count() == 1
    outbox.drain()
    outbox.drain()
    assert len(mail.outbox) == 1 and mail.outbox[0].subject == "About invite:1"
    row = OutboxMessage.objects.get()
    assert row.status == MessageStatus.SENT and row.attempts == 1 and row.sent_at is not None
    assert row.provider_message_id == mail.outbox[0].extra_headers["Message-ID"]


def test_a_rolled_back_change_sends_nothing():
    def change_that_fails() -> None:
        with transaction.atomic():
            outbox.enqueue(email("lost:1"))
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        change_that_fails()
    outbox.drain()
    assert not OutboxMessage.objects.exists() and mail.outbox == []


def test_messages_are_sent_once_the_change_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        outbox.enqueue(email("a:1"))
        outbox.enqueue(email("a:2"))
        assert mail.outbox == []
    assert len(callbacks) == 1, "one drain per transaction, however many messages"
    assert sorted(m.subject for m in mail.outbox) == ["About a:1", "About a:2"]


def test_a_failure_is_retried_with_growing_delays_then_parked(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.OUTBOX_RETRY_BASE_SECONDS = 60
    outbox.enqueue(email("flaky:1"))
    delays = []
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(3):
            stats = outbox.drain(senders={Channel.EMAIL: failing()})
            assert stats.claimed == 1
            row = OutboxMessage.objects.get()
            delays.append((row.next_attempt_at - timezone.now()).total_seconds())
            assert outbox.drain(senders={Channel.EMAIL: failing()}).claimed == 0, "not before its time"
            clock.shift(timedelta(hours=1))
    row = OutboxMessage.objects.get()
    assert row.status == MessageStatus.FAILED and row.attempts == 3
    assert "gateway said no" in row.last_error and row.response_status == 503
    assert 54 <= delays[0] <= 66 and 108 <= delays[1] <= 132  # 60 s, then 120 s (±10 % jitter)


def test_a_permanent_refusal_is_parked_at_once():
    outbox.enqueue(email("refused:1"))
    stats = outbox.drain(senders={Channel.EMAIL: failing(permanent=True)})
    assert stats.failed == 1
    assert OutboxMessage.objects.get().status == MessageStatus.FAILED


def test_failed_messages_can_be_sent_again():
    outbox.enqueue(email("again:1"))
    outbox.drain(senders={Channel.EMAIL: failing(permanent=True)})
    assert outbox.retry(OutboxMessage.objects.values_list("pk", flat=True)) == 1
    outbox.drain()
    row = OutboxMessage.objects.get()
    assert row.status == MessageStatus.SENT and row.attempts == 1 and row.last_error == ""
    assert len(mail.outbox) == 1


def test_a_sender_that_crashes_fails_only_its_batch():
    def crash(messages):
        raise ConnectionError("broken pipe")

    outbox.enqueue(email("crash:1"))
    outbox.enqueue(outbox.message(key="sms:1", channel=Channel.SMS, recipient="+393331234567", body="Hi"))
    stats = outbox.drain(senders={Channel.EMAIL: crash, Channel.SMS: lambda ms: [Result(m.pk, True) for m in ms]})
    assert stats.sent == 1 and stats.retried == 1
    assert OutboxMessage.objects.get(idempotency_key="crash:1").status == MessageStatus.PENDING


def test_a_worker_that_dies_leaves_its_messages_to_the_next_after_the_lease(settings):
    settings.OUTBOX_LEASE_SECONDS = 120
    outbox.enqueue(email("orphan:1"))
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert len(outbox.claim(10)) == 1  # a worker took it, then died before recording anything
        assert outbox.claim(10) == []
        clock.shift(timedelta(seconds=121))
        outbox.drain()
    row = OutboxMessage.objects.get()
    assert row.status == MessageStatus.SENT and row.attempts == 2


@pytest.mark.postgres  # SKIP LOCKED between two connections
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_claim_the_same_message():
    OutboxMessage.objects.bulk_create(email(f"race:{i}") for i in range(40))  # no drain kicked
    claimed: list[list[int]] = []
    ready = threading.Barrier(2, timeout=5)

    def worker() -> None:
        try:
            ready.wait()
            with transaction.atomic():
                rows = outbox.claim(25)
                claimed.append([r.pk for r in rows])
                ready.wait()  # both hold their claim at the same time
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    first, second = claimed
    assert len(first) + len(second) == 40 and not set(first) & set(second)


def test_sent_messages_are_purged_after_the_retention_but_failed_ones_stay():
    outbox.enqueue(email("old:sent"), email("old:failed"))
    outbox.drain(senders={Channel.EMAIL: lambda ms: [Result(m.pk, m.idempotency_key == "old:sent") for m in ms]})
    OutboxMessage.objects.update(next_attempt_at=timezone.now(), status=MessageStatus.FAILED)
    OutboxMessage.objects.filter(idempotency_key="old:sent").update(
        status=MessageStatus.SENT, sent_at=timezone.now() - timedelta(days=100)
    )
    assert outbox.purge_sent(timedelta(days=90)) == 1
    assert list(OutboxMessage.objects.values_list("idempotency_key", flat=True)) == ["old:failed"]


def test_platform_staff_list_failed_messages_and_retry_them_in_the_admin(django_user_model):
    from fieldbox.accounts.tests.fixtures import give_totp, signed_in

    staff = django_user_model.objects.create_superuser("root@fieldbox.example", "a long staff password")
    give_totp(staff)
    outbox.enqueue(email("admin:1"), email("admin:2"))
    outbox.drain(senders={Channel.EMAIL: failing(permanent=True)})
    client = signed_in(staff)
    listed = client.get("/admin/messaging/outboxmessage/?status__exact=failed").content.decode()
    assert "gateway said no" in listed and listed.count('name="_selected_action"') == 2
    ids = list(OutboxMessage.objects.values_list("pk", flat=True))
    done = client.post(
        "/admin/messaging/outboxmessage/", {"action": "retry_failed", "_selected_action": ids[:1]}, follow=True
    )
    assert "1 message will be sent again." in done.content.decode()
    outbox.drain()
    assert OutboxMessage.objects.filter(status=MessageStatus.SENT).count() == 1
    assert len(mail.outbox) == 1


def test_a_batch_that_runs_out_of_its_lease_hands_the_rest_back_untried(settings):
    settings.OUTBOX_LEASE_SECONDS = 2
    outbox.enqueue(email("slow:1"), email("slow:2"), email("slow:3"))
    sent: list[str] = []

    def slow(messages):
        def one(message):
            sent.append(message.idempotency_key)
            time.sleep(1.2)  # past half the lease after the first message
            return ""

        return each(messages, one)

    stats = outbox.drain(senders={Channel.EMAIL: slow}, batch_size=3)
    assert stats.skipped >= 1 and len(sent) == 3, "the untried ones were claimed again and sent"
    assert OutboxMessage.objects.filter(status=MessageStatus.SENT).count() == 3
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}, "a skip is not a try"


def test_purging_a_sent_message_deletes_its_attachments(settings, tmp_path):
    from django.core.files.storage import default_storage

    settings.MEDIA_ROOT = tmp_path
    outbox.enqueue(
        outbox.message(
            key="report:1",
            channel=Channel.EMAIL,
            recipient="a@example.com",
            subject="Report",
            attachments=[outbox.Attachment("report.pdf", b"%PDF", "application/pdf")],
        )
    )
    outbox.drain()
    [item] = OutboxMessage.objects.get().data["attachments"]
    assert default_storage.exists(item["path"]) and mail.outbox[0].attachments[0][0] == "report.pdf"
    OutboxMessage.objects.update(sent_at=timezone.now() - timedelta(days=100))
    assert outbox.purge_sent(timedelta(days=90)) == 1
    assert not default_storage.exists(item["path"])


@pytest.mark.django_db(transaction=True)
def test_the_demo_scheduler_drains_the_outbox_in_process():
    from fieldbox.web.management.commands.serve import run_schedule

    OutboxMessage.objects.bulk_create([email("demo:1")])  # written without a kick: only the scheduler sends it
    stop = threading.Event()

    def scheduler() -> None:
        try:
            run_schedule(stop.is_set)
        finally:
            connections.close_all()

    thread = threading.Thread(target=scheduler)
    thread.start()
    try:
        for _ in range(50):
            if OutboxMessage.objects.filter(status=MessageStatus.SENT).exists():
                break
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(10)
    assert OutboxMessage.objects.get().status == MessageStatus.SENT


@pytest.mark.postgres  # the order PostgreSQL stores rows in, and its planner
def test_messages_go_out_in_the_order_they_fell_due_whatever_order_the_table_keeps(settings):
    settings.SMS_BACKEND = "locmem"
    sms.outbox.clear()
    start = timezone.now() - timedelta(minutes=10)
    texts = ["1. assigned to Officina Rossi", "2. moved to Tramosa", "3. back to Officina Rossi"]
    for n, text in enumerate(texts):
        outbox.enqueue(outbox.message(key=f"order:{n}", channel=Channel.SMS, recipient="+393331234567", body=text))
        OutboxMessage.objects.filter(idempotency_key=f"order:{n}").update(next_attempt_at=start + timedelta(minutes=n))
    # A change to the first row rewrites it at the end of the table (PostgreSQL keeps no order), and a plan that
    # reads the table in its stored order (as the planner chooses on a big outbox) returns it last.
    OutboxMessage.objects.filter(idempotency_key="order:0").update(last_error="")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_indexscan = off")
        cursor.execute("SET enable_bitmapscan = off")
        try:
            outbox.drain()
        finally:
            cursor.execute("RESET enable_indexscan")
            cursor.execute("RESET enable_bitmapscan")
    assert [m["body"] for m in sms.outbox] == texts

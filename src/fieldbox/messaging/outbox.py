"""The outbox: messages are rows written with the change that causes them, sent by workers later.

``enqueue`` writes a row inside the caller's transaction (a rolled-back change sends
nothing; a key already written is kept once). ``drain`` claims due rows with
``FOR UPDATE SKIP LOCKED`` in a short transaction that moves them a lease ahead, sends them
after that commit, and records each result: sent, or retried with exponential back-off,
or parked as failed after ``OUTBOX_MAX_ATTEMPTS`` tries. A worker that dies mid-batch
leaves its rows to be claimed again when the lease runs out: delivery is at least once,
and receivers deduplicate by the idempotency key that travels with every message.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.text import get_valid_filename

from fieldbox.core.cache import Breaker
from fieldbox.core.later import later
from fieldbox.messaging.channels import Result, Sender, send_deadline
from fieldbox.messaging.choices import Channel, MessageStatus
from fieldbox.messaging.models import OutboxMessage

log = logging.getLogger(__name__)

SENDERS = {
    Channel.EMAIL: "fieldbox.messaging.channels.email.send_batch",
    Channel.SMS: "fieldbox.messaging.channels.sms.send_batch",
    Channel.WEBHOOK: "fieldbox.messaging.channels.webhook.send_batch",
}
TABLE = OutboxMessage._meta.db_table
# What the channels and the result need of a claimed row; the rest stays in the database.
CLAIMED = (
    "id",
    "idempotency_key",
    "channel",
    "endpoint_id",
    "recipient",
    "sender",
    "subject",
    "body",
    "html",
    "data",
    "attempts",
)
COLUMNS = ", ".join(CLAIMED)
# PostgreSQL: claim a batch in one statement; table and columns come from the model, values are parameters.
# The batch comes back in the order the messages fell due (RETURNING gives the rows in the order the table stores
# them): two texts to one owner, "assigned to A" then "moved to B", must not reach the gateway the other way round.
CLAIM_SQL = (
    f"WITH due AS (SELECT id, next_attempt_at AS due_at FROM {TABLE} "  # noqa: S608
    "WHERE status = %s AND next_attempt_at <= %s ORDER BY next_attempt_at, id LIMIT %s FOR UPDATE SKIP LOCKED), "
    f"claimed AS (UPDATE {TABLE} AS m SET attempts = m.attempts + 1, next_attempt_at = %s FROM due "
    f"WHERE m.id = due.id RETURNING m.*, due.due_at) SELECT {COLUMNS} FROM claimed ORDER BY due_at, id"
)
# PostgreSQL: mark a batch sent in one statement (with each row's provider message id when there is one).
MARK_SENT_PLAIN_SQL = (
    f"UPDATE {TABLE} SET status = %s, sent_at = %s, last_error = '' "  # noqa: S608
    "WHERE id = ANY(%s) AND status = %s"
)
MARK_SENT_SQL = (
    f"UPDATE {TABLE} AS m SET status = %s, sent_at = %s, provider_message_id = v.pid, "  # noqa: S608
    "response_status = v.st, last_error = '' "
    "FROM unnest(%s::bigint[], %s::text[], %s::int[]) AS v(id, pid, st) "
    "WHERE m.id = v.id AND m.status = %s"
)


@dataclass
class Attachment:
    name: str
    content: bytes
    mimetype: str = "application/octet-stream"


def message(
    *,
    key: str,
    channel: str,
    recipient: str,
    attachments: Sequence[Attachment] = (),
    data: dict[str, Any] | None = None,
    **fields: Any,
) -> OutboxMessage:
    """An unsaved outbox row; attachments are stored now and referenced by path."""
    data = dict(data or {})
    if attachments:
        folder = "outbox/" + hashlib.sha256(key.encode()).hexdigest()[:32]
        data["attachments"] = [
            {
                "name": a.name,
                "mimetype": a.mimetype,
                "path": default_storage.save(f"{folder}/{get_valid_filename(a.name)}", ContentFile(a.content)),
            }
            for a in attachments
        ]
    return OutboxMessage(idempotency_key=key, channel=channel, recipient=recipient, data=data, **fields)


def enqueue(*messages: OutboxMessage) -> None:
    """Write messages in the current transaction; a key written before is kept once, never sent twice."""
    if not messages:
        return
    OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True, batch_size=1000)
    _kick_on_commit()


def _kick_on_commit() -> None:
    """Ask a worker to drain once the transaction commits (once per transaction)."""
    conn = transaction.get_connection()
    pending = getattr(conn, "run_on_commit", [])
    if any(callback is kick for _sids, callback, *_rest in pending):
        return
    transaction.on_commit(kick)


broker_breaker = Breaker("The broker")


def kick() -> None:
    """Queue a drain. If the broker is down the messages wait: the scheduled drain finds them."""
    if broker_breaker.is_open:
        return  # it failed moments ago: do not make another request wait for it
    try:
        later("fieldbox.messaging.tasks.drain_outbox")
    except Exception:
        broker_breaker.trip()


@dataclass
class DrainStats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    more: bool = False
    by_channel: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def drain(
    *, budget_seconds: float | None = None, senders: dict[str, Sender] | None = None, batch_size: int | None = None
) -> DrainStats:
    """Send due messages batch by batch until none is left or the time budget is spent."""
    stats = DrainStats()
    started = time.monotonic()
    size = batch_size or settings.OUTBOX_BATCH_SIZE
    batch = claim(size)
    while batch:
        stats.claimed += len(batch)
        results = send(batch, senders)
        more = budget_seconds is None or time.monotonic() - started <= budget_seconds
        # The results of a batch and the claim of the next share one transaction: one commit per batch.
        with transaction.atomic():
            record(batch, results, stats)
            batch = claim(size) if more else []
        stats.more = not more
    return stats


def claim(size: int, now: datetime | None = None) -> list[OutboxMessage]:
    """Take up to ``size`` due messages for this worker; rows other workers hold are skipped."""
    now = now or timezone.now()
    lease = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    if connection.vendor == "postgresql":
        with transaction.atomic(savepoint=False):
            return list(OutboxMessage.objects.raw(CLAIM_SQL, [MessageStatus.PENDING, now, size, lease]))
    with transaction.atomic(savepoint=False):  # SQLite (the demo): one writer at a time, no SKIP LOCKED needed
        due = OutboxMessage.objects.filter(status=MessageStatus.PENDING, next_attempt_at__lte=now)
        ids = list(due.order_by("next_attempt_at", "id").values_list("id", flat=True)[:size])
        for row in OutboxMessage.objects.filter(id__in=ids):
            row.attempts += 1
            row.next_attempt_at = lease
            row.save(update_fields=["attempts", "next_attempt_at"])
        return list(OutboxMessage.objects.filter(id__in=ids).order_by("next_attempt_at", "id"))


def send(batch: Sequence[OutboxMessage], senders: dict[str, Sender] | None = None) -> list[Result]:
    """Hand each channel its messages of the batch; a sender that breaks fails its messages, not the batch."""
    by_channel: dict[str, list[OutboxMessage]] = defaultdict(list)
    for row in batch:
        by_channel[row.channel].append(row)
    results: list[Result] = []
    # Start no message after half the lease: the rest goes back in line for the next claim.
    token = send_deadline.set(time.monotonic() + settings.OUTBOX_LEASE_SECONDS / 2)
    try:
        for channel, rows in by_channel.items():
            results.extend(_send_channel(channel, rows, senders))
    finally:
        send_deadline.reset(token)
    return results


def _send_channel(channel: str, rows: list[OutboxMessage], senders: dict[str, Sender] | None) -> list[Result]:
    sender = (senders or {}).get(channel) or import_string(SENDERS[Channel(channel)])
    try:
        return sender(rows)
    except Exception as exc:
        log.exception("the %s channel failed on a batch", channel)
        return [Result(r.pk, False, error=f"{type(exc).__name__}: {exc}") for r in rows]


def backoff(attempts: int) -> timedelta:
    """Exponential back-off with jitter: 30 s, 1 min, 2 min, … up to the configured ceiling."""
    seconds = min(settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), settings.OUTBOX_RETRY_MAX_SECONDS)
    return timedelta(seconds=seconds * random.uniform(0.9, 1.1))  # noqa: S311 - jitter, not security


def record(batch: Sequence[OutboxMessage], results: Iterable[Result], stats: DrainStats) -> None:
    """Write the outcome of a batch: the successes in one statement, the failures one by one."""
    rows = {row.pk: row for row in batch}
    now = timezone.now()
    done = [r for r in results if r.ok]
    _mark_sent(done, now)
    stats.sent += len(done)
    for r in done:
        stats.by_channel[rows[r.message_id].channel] += 1
    for r in results:
        if not r.ok:
            _mark_failure(rows[r.message_id], r, now, stats)


def _mark_sent(done: Sequence[Result], now: datetime) -> None:
    if not done:
        return
    if connection.vendor == "postgresql":
        plain = [r.message_id for r in done if not r.provider_message_id and r.status is None]
        detailed = [r for r in done if r.provider_message_id or r.status is not None]
        with connection.cursor() as cursor:
            if plain:
                cursor.execute(MARK_SENT_PLAIN_SQL, [MessageStatus.SENT, now, plain, MessageStatus.PENDING])
            if detailed:
                params: list[Any] = [
                    MessageStatus.SENT,
                    now,
                    [r.message_id for r in detailed],
                    [r.provider_message_id[:255] for r in detailed],
                    [r.status for r in detailed],
                    MessageStatus.PENDING,
                ]
                cursor.execute(MARK_SENT_SQL, params)
        return
    for r in done:
        OutboxMessage.objects.filter(pk=r.message_id, status=MessageStatus.PENDING).update(
            status=MessageStatus.SENT,
            sent_at=now,
            provider_message_id=r.provider_message_id[:255],
            response_status=r.status,
            last_error="",
        )


def _mark_failure(row: OutboxMessage, result: Result, now: datetime, stats: DrainStats) -> None:
    if result.skipped:
        OutboxMessage.objects.filter(pk=row.pk, status=MessageStatus.PENDING).update(
            next_attempt_at=now, attempts=F("attempts") - 1
        )
        stats.skipped += 1
        return
    final = result.permanent or row.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    changes: dict[str, Any] = {"last_error": result.error[:2000], "response_status": result.status}
    if final:
        changes["status"] = MessageStatus.FAILED
        stats.failed += 1
        log.warning("%s to %s failed for good: %s", row.channel, row.recipient, result.error)
    else:
        changes["next_attempt_at"] = now + backoff(row.attempts)
        stats.retried += 1
    OutboxMessage.objects.filter(pk=row.pk, status=MessageStatus.PENDING).update(**changes)


def retry(ids: Iterable[int]) -> int:
    """Put failed messages back in line with a fresh set of tries; answers how many."""
    count = OutboxMessage.objects.filter(pk__in=list(ids), status=MessageStatus.FAILED).update(
        status=MessageStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    if count:
        _kick_on_commit()
    return count


def purge_sent(older_than: timedelta) -> int:
    """Delete sent messages older than ``older_than``; failed ones stay for people to look at."""
    limit = timezone.now() - older_than
    old = OutboxMessage.objects.filter(status=MessageStatus.SENT, sent_at__lt=limit)
    for data in old.filter(data__has_key="attachments").values_list("data", flat=True).iterator():
        for item in data["attachments"]:
            default_storage.delete(item["path"])
    deleted, _ = old.delete()
    return deleted

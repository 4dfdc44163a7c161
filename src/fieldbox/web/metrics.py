"""/metrics: the counters of this host's processes (``core.metrics``) and the figures of the whole deployment, read
at scrape time in the web process that answers (``DeploymentCollector``).

The deployment's figures are global (every organisation) and labelled only by channel, queue or mailbox id. A
scrape costs a fixed number of queries whatever the data's size: each figure reads a small partial index — the
first row, or a count that stops at ``CAP`` rows (a backlog past it is reported as ``CAP``: the alert has long
fired by then) — never a scan of a table.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from fieldbox.core import metrics
from fieldbox.jobs import filters as job_filters
from fieldbox.jobs.models import Job
from fieldbox.messaging.choices import Channel, DeviceEventStatus, MessageStatus
from fieldbox.messaging.models import DeviceEvent, OutboxMessage
from fieldbox.service import sla
from fieldbox.service.models import Mailbox, Ticket, WorkOrder
from fieldbox.service.selectors_work_orders import late_to_start_q

CAP = 10_000
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Kombu's Redis transport keeps a queue's messages of priority 3, 6 and 9 in lists named after it.
PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


def capped_count(qs: QuerySet[Any]) -> int:
    """How many rows, up to ``CAP``: one bounded read of the index the filter matches."""
    return qs.order_by().values("pk")[:CAP].count()


def age_seconds(moment: datetime | None, now: datetime) -> float:
    return max((now - moment).total_seconds(), 0.0) if moment else 0.0


class DeploymentCollector:
    """The figures of the deployment, read when Prometheus asks."""

    def collect(self) -> Iterator[Any]:
        now = timezone.now()
        yield from self._outbox(now)
        yield from self._device_events(now)
        yield from self._queues()
        yield from self._mailboxes(now)
        yield from self._jobs()
        yield from self._service(now)

    def _outbox(self, now: datetime) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        backlog = GaugeMetricFamily(
            "fieldbox_outbox_pending_messages",
            f"Messages waiting to be sent (or retried), by channel; counted up to {CAP}.",
            labels=["channel"],
        )
        oldest = GaugeMetricFamily(
            "fieldbox_outbox_oldest_pending_age_seconds",
            "Age of the oldest message waiting to be sent, by channel (0 when none waits).",
            labels=["channel"],
        )
        failed = GaugeMetricFamily(
            "fieldbox_outbox_failed_messages",
            f"Messages parked as failed after their last try, waiting for an admin, by channel; counted up to {CAP}.",
            labels=["channel"],
        )
        for channel in Channel.values:
            pending = OutboxMessage.objects.filter(status=MessageStatus.PENDING, channel=channel)
            backlog.add_metric([channel], capped_count(pending))
            first = pending.order_by("id").values_list("created_at", flat=True).first()
            oldest.add_metric([channel], age_seconds(first, now))
            parked = OutboxMessage.objects.filter(status=MessageStatus.FAILED, channel=channel)
            failed.add_metric([channel], capped_count(parked))
        yield from (backlog, oldest, failed)

    def _device_events(self, now: datetime) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        waiting = DeviceEvent.objects.filter(status=DeviceEventStatus.RECEIVED)
        first = waiting.order_by("received_at", "id").values_list("received_at", flat=True).first()
        yield GaugeMetricFamily(
            "fieldbox_device_events_waiting",
            f"Device events received and not processed yet (the sweep takes them after a minute); up to {CAP}.",
            value=capped_count(waiting),
        )
        yield GaugeMetricFamily(
            "fieldbox_device_events_oldest_waiting_age_seconds",
            "Age of the oldest device event not processed yet (0 when none waits).",
            value=age_seconds(first, now),
        )

    def _queues(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        if not settings.REDIS_URL:
            return  # no broker: the work runs in-process, nothing waits in a queue
        up = GaugeMetricFamily("fieldbox_broker_up", "1 when the broker (Redis) answered this scrape, else 0.")
        length = GaugeMetricFamily(
            "fieldbox_celery_queue_length", "Tasks waiting in each Celery queue of the broker.", labels=["queue"]
        )
        try:
            lengths = queue_lengths(settings.REDIS_URL, settings.WORKER_QUEUES)
        except Exception:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        for queue, n in lengths.items():
            length.add_metric([queue], n)
        yield from (up, length)

    def _mailboxes(self, now: datetime) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        since = GaugeMetricFamily(
            "fieldbox_mailbox_last_poll_age_seconds",
            "Time since each IMAP support mailbox was last polled, by mailbox id (the mail ingestion lag).",
            labels=["mailbox"],
        )
        failing = GaugeMetricFamily(
            "fieldbox_mailbox_poll_failing",
            "1 when the last poll of the mailbox failed (its error is on the mailbox's page), else 0.",
            labels=["mailbox"],
        )
        rows = Mailbox.objects.filter(active=True).exclude(imap_host="").values_list("pk", "polled_at", "poll_error")
        for pk, polled_at, error in rows.order_by("pk"):
            # Never polled yet: as late as the mailbox is old would be a guess; report the lag from now on.
            since.add_metric([str(pk)], age_seconds(polled_at, now))
            failing.add_metric([str(pk)], 1 if error or polled_at is None else 0)
        yield from (since, failing)

    def _jobs(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        overdue, soon = job_filters.deadline_q("overdue"), job_filters.deadline_q("soon")
        assert overdue is not None
        assert soon is not None
        at_risk = GaugeMetricFamily(
            "fieldbox_jobs_at_risk",
            "Open jobs past their deadline (overdue) or due within the next "
            f"{job_filters.SOON_DAYS} days, late ones included (soon), as customer care's filters read them; "
            f"up to {CAP}.",
            labels=["state"],
        )
        at_risk.add_metric(["overdue"], capped_count(Job.objects.filter(overdue)))
        at_risk.add_metric(["soon"], capped_count(Job.objects.filter(soon)))
        yield at_risk

    def _service(self, now: datetime) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        late = GaugeMetricFamily(
            "fieldbox_tickets_late",
            "Open tickets past the promise they are held to now, by promise: their first answer (first_answer) or "
            f"their resolution (resolution), as the desk's service levels read them; up to {CAP}.",
            labels=["promise"],
        )
        for promise, q in sla.late_q(now).items():
            late.add_metric([promise], capped_count(Ticket.objects.filter(q)))
        yield late
        work = GaugeMetricFamily(
            "fieldbox_work_orders_late",
            "Work orders planned, sent or accepted whose planned start has passed and that are not started yet; "
            f"up to {CAP}.",
        )
        work.add_metric([], capped_count(WorkOrder.objects.filter(late_to_start_q(now))))
        yield work


def queue_lengths(url: str, queues: tuple[str, ...] | list[str]) -> dict[str, int]:
    """LLEN of each queue's lists in the broker, in one round trip."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        pipe = client.pipeline(transaction=False)
        for queue in queues:
            for suffix in PRIORITY_SUFFIXES:
                pipe.llen(queue + suffix)
        found = pipe.execute()
    finally:
        client.close()
    step = len(PRIORITY_SUFFIXES)
    return {queue: sum(found[i * step : (i + 1) * step]) for i, queue in enumerate(queues)}


def deployment_figures() -> bytes:
    from prometheus_client import CollectorRegistry, generate_latest

    registry = CollectorRegistry(auto_describe=False)
    registry.register(DeploymentCollector())
    return generate_latest(registry)


REFUSALS = {metrics.NO_CREDENTIALS: 401, metrics.REFUSED: 403}


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """The figures in Prometheus' text format, for the token or the allowed networks only."""
    verdict = metrics.access(request)
    if verdict == metrics.UNKNOWN:
        raise Http404  # not configured: the same page as any address that does not exist
    if verdict != metrics.OPEN:
        status = REFUSALS[verdict]
        response = HttpResponse(status=status, content_type="text/plain; charset=utf-8")
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics.process_figures() + deployment_figures(), content_type=CONTENT_TYPE)

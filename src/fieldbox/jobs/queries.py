"""Read helpers of the job screens that the selectors do not have: filters, history, look-ups by number.

Every function starts from a scoped queryset or takes the scope, so nothing here widens what a user sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from fieldbox.accounts.models import Membership
from fieldbox.core.models import AuditEvent
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.models import Subscription
from fieldbox.jobs import selectors
from fieldbox.jobs.choices import ENDED, OPEN, JobStatus
from fieldbox.jobs.models import Job

# Counters stop here: a total above it shows as "1000+" and never costs an unbounded COUNT.
COUNT_CAP = 1000


def capped_count(qs: QuerySet[Job]) -> str:
    n = qs.order_by().values("pk")[: COUNT_CAP + 1].count()
    return f"{COUNT_CAP}+" if n > COUNT_CAP else str(n)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _customer_q(text: str) -> Q:
    return (
        Q(customer__first_name__icontains=text)
        | Q(customer__last_name__icontains=text)
        | Q(customer__company_name__icontains=text)
    )


def filter_open(qs: QuerySet[Job], f: dict[str, Any]) -> QuerySet[Job]:
    """The filters of the "Open" tab (every job in it is open, so its personal data may be searched)."""
    today = timezone.localdate()
    if f.get("subscription"):
        qs = qs.filter(subscription__number__icontains=f["subscription"])
    if f.get("days_min") is not None:
        qs = qs.filter(assigned_at__lt=_day_start(today - timedelta(days=f["days_min"] - 1)))
    if f.get("plate"):
        qs = qs.filter(vehicle__plate__icontains=f["plate"].replace(" ", ""))
    if f.get("customer"):
        qs = qs.filter(_customer_q(f["customer"]))
    if f.get("phone"):
        qs = qs.filter(Q(customer__phone__icontains=f["phone"]) | Q(customer__phone_other__icontains=f["phone"]))
    if f.get("vehicle_type"):
        qs = qs.filter(vehicle__vehicle_type=f["vehicle_type"])
    if f.get("product"):
        qs = qs.filter(product__name__icontains=f["product"])
    return filter_deadline(qs, f.get("deadline"), f.get("deadline_days"))


def filter_deadline(qs: QuerySet[Job], which: str | None, days: int | None = None) -> QuerySet[Job]:
    """ "soon": within 3 days (or ``days``) including overdue ones; "overdue": past it. Open jobs only:
    a job that ended has no deadline left to meet."""
    now = timezone.now()
    if which == "overdue":
        return qs.filter(deadline_at__lt=now, status__in=OPEN)
    if which == "soon" or days is not None:
        limit = _day_start(timezone.localdate() + timedelta(days=(3 if days is None else days) + 1))
        return qs.filter(deadline_at__lt=limit, status__in=OPEN)
    return qs


def filter_completed(qs: QuerySet[Job], f: dict[str, Any]) -> QuerySet[Job]:
    """The filters of the "Completed" tab; a plate is searched only on jobs whose data the company still sees."""
    if f.get("serial"):
        qs = qs.filter(device__serial__icontains=f["serial"])
    if f.get("done_on"):
        start = _day_start(f["done_on"])
        qs = qs.filter(paired_at__gte=start, paired_at__lt=start + timedelta(days=1))
    if f.get("done_in_max") is not None:
        qs = qs.filter(paired_at__lt=_plus_days("assigned_at", f["done_in_max"] + 1))
    if f.get("plate"):
        qs = qs.filter(vehicle__plate__icontains=f["plate"].replace(" ", "")).exclude(status__in=ENDED)
    return qs


def _plus_days(field: str, days: int) -> Any:
    return F(field) + timedelta(days=days)


@dataclass
class Row:
    """One job as a line of a list, with the numbers the screen shows."""

    job: Job
    plate: str
    sees_data: bool
    days_assigned: int | None
    days_left: int | None
    done_in: int | None

    @property
    def counting(self) -> bool:
        """The deadline still matters: the job is open."""
        return self.days_left is not None and self.job.status in selectors.OPEN_FOR_COMPANY

    @property
    def urgency(self) -> str:
        if not self.counting or self.days_left is None:
            return ""
        if self.days_left < 0:
            return "late"
        return "soon" if self.days_left <= 3 else ""

    @property
    def days_late(self) -> int:
        return -(self.days_left or 0)


def row_of(scope: Scope, job: Job) -> Row:
    today = timezone.localdate()
    sees = selectors.sees_personal_data(scope, job)
    assigned = timezone.localtime(job.assigned_at).date() if job.assigned_at else None
    paired = timezone.localtime(job.paired_at).date() if job.paired_at else None
    return Row(
        job=job,
        plate=job.vehicle.plate if sees else selectors.masked_plate(job.vehicle.plate),
        sees_data=sees,
        days_assigned=(today - assigned).days if assigned else None,
        days_left=(timezone.localtime(job.deadline_at).date() - today).days if job.deadline_at else None,
        done_in=(paired - assigned).days if assigned and paired else None,
    )


def my_jobs(scope: Scope) -> QuerySet[Job]:
    """The jobs I took and have not paired yet."""
    return selectors.jobs_for(scope).filter(status=JobStatus.IN_PROGRESS, installer=scope.user)


def subscription_by_number(scope: Scope, number: str) -> Subscription | None:
    """The provider's own subscription with this number (never another organisation's)."""
    if not scope.organisation.is_provider:
        return None
    return Subscription.objects.filter(provider=scope.organisation, number__iexact=number.strip()).first()


@dataclass
class HistoryLine:
    event: AuditEvent
    actor: str
    reason: str
    address: str

    @property
    def change(self) -> str:
        """ "Assigned → In progress", in the reader's language."""
        labels = dict(JobStatus.choices)
        states = [str(labels.get(s, s)) for s in (self.event.from_state, self.event.to_state) if s]
        return " → ".join(states)


def history(scope: Scope, job: Job) -> list[HistoryLine]:
    """The job's audit trail: all of it for the provider; for the company its own actions and the transitions,
    with names and reasons only of its own people and never an address."""
    events = AuditEvent.objects.filter(
        object_type=Job._meta.label_lower, object_id=str(job.pk), organisation_id=job.provider_id
    ).order_by("at", "id")
    if scope.organisation.is_provider:
        return [HistoryLine(e, e.actor_label, e.reason, e.ip_address or "") for e in events[:500]]
    ours = set(Membership.objects.filter(organisation=scope.organisation).values_list("user_id", flat=True))
    lines = []
    for e in events.filter(Q(actor__in=ours) | ~Q(to_state=""))[:500]:
        own = e.actor_id in ours
        lines.append(HistoryLine(e, e.actor_label if own else "", e.reason if own else "", ""))
    return lines

"""Read helpers of the job screens that the selectors do not have: filters, history, look-ups by number.

Every function starts from a scoped queryset or takes the scope, so nothing here widens what a user sees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fieldbox.accounts.models import Membership
from fieldbox.core.models import AuditEvent
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.models import Subscription
from fieldbox.jobs import selectors
from fieldbox.jobs.choices import ENDED, OPEN, JobKind, JobStatus
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


# ---- the provider's list: columns the user chooses -----------------------------------------------------


def _day(value: datetime | None) -> str:
    return timezone.localtime(value).date().isoformat() if value else ""


def _minute(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


@dataclass(frozen=True)
class Column:
    """A column of the provider's job list: its header(s) and its cell(s) in an export."""

    key: str
    label: Any
    cells: Callable[[Row], list[Any]]
    headers: tuple[Any, ...] = ()

    @property
    def export_headers(self) -> list[str]:
        return [str(h) for h in (self.headers or (self.label,))]


LIST_COLUMNS: tuple[Column, ...] = (
    Column("number", _("Job"), lambda r: [r.job.number]),
    Column("status", _("Status"), lambda r: [r.job.get_status_display()]),
    Column("kind", _("Kind"), lambda r: [r.job.get_kind_display()]),
    Column("subscription", _("Subscription"), lambda r: [r.job.subscription.number]),
    Column("plate", _("Plate"), lambda r: [r.plate]),
    Column("customer", _("Customer"), lambda r: [r.job.customer.display_name]),
    Column("company", _("Installer company"), lambda r: [r.job.company.name if r.job.company else ""]),
    Column("installer", _("Installer"), lambda r: [str(r.job.installer) if r.job.installer else ""]),
    Column("created", _("Created on"), lambda r: [_day(r.job.created_at)]),
    Column("assigned", _("Assigned on"), lambda r: [_day(r.job.assigned_at)]),
    Column(
        "deadline",
        _("Deadline"),
        lambda r: [_day(r.job.deadline_at), r.days_left if r.counting else ""],
        (_("Deadline"), _("Days left")),
    ),
    Column("appointment", _("Appointment"), lambda r: [_minute(r.job.appointment_at)]),
    Column("paired", _("Paired on"), lambda r: [_day(r.job.paired_at)]),
    Column("closed", _("Closed on"), lambda r: [_day(r.job.closed_at)]),
    Column("serial", _("Serial number"), lambda r: [r.job.device.serial if r.job.device else ""]),
)
COLUMNS_BY_KEY = {c.key: c for c in LIST_COLUMNS}
DEFAULT_COLUMNS = ("number", "status", "kind", "subscription", "plate", "customer", "company", "deadline")


def chosen_columns(keys: Any) -> list[Column]:
    """The columns named in ``keys`` (unknown names ignored), in the list's order; the defaults when none."""
    wanted = {str(k) for k in keys or ()} & set(COLUMNS_BY_KEY)
    return [c for c in LIST_COLUMNS if c.key in (wanted or set(DEFAULT_COLUMNS))]


# ---- the provider's dashboard ---------------------------------------------------------------------------

OPEN_ON_DASHBOARD = (JobStatus.DRAFT, JobStatus.ASSIGNED, JobStatus.IN_PROGRESS, JobStatus.PAIRED)
AT_COMPANIES = (JobStatus.ASSIGNED, JobStatus.IN_PROGRESS, JobStatus.PAIRED)


def _days(value: timedelta | None) -> float | None:
    return round(value.total_seconds() / 86400, 1) if value is not None else None


@dataclass
class CompanyFigures:
    pk: int
    name: str
    counts: dict[str, int] = field(default_factory=dict)
    pair_days: float | None = None
    paired: int = 0
    activate_days: float | None = None
    activated: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Dashboard:
    days: int
    by_status: dict[str, int]
    overdue: int
    companies: list[CompanyFigures]
    pair_days: float | None
    paired: int
    activate_days: float | None
    activated: int

    @property
    def open_total(self) -> int:
        return sum(self.by_status.values())

    @property
    def empty(self) -> bool:
        return not self.open_total and not self.paired and not self.activated


def _weighted(pairs: list[tuple[float | None, int]]) -> float | None:
    total = sum(n for avg, n in pairs if avg is not None)
    return round(sum(avg * n for avg, n in pairs if avg is not None) / total, 1) if total else None


def dashboard(scope: Scope, days: int) -> Dashboard:
    """INVERS FleetControl's overview, in three aggregate queries whatever the number of jobs."""
    jobs = selectors.jobs_for(scope).select_related(None).order_by()
    now = timezone.now()
    late = Q(status__in=OPEN, deadline_at__lt=now)
    counts = {s: Count("pk", filter=Q(status=s)) for s in OPEN_ON_DASHBOARD}
    totals = jobs.filter(status__in=OPEN_ON_DASHBOARD).aggregate(**counts, overdue=Count("pk", filter=late))
    overdue = totals.pop("overdue")
    companies: dict[int, CompanyFigures] = {}
    at_companies = jobs.filter(status__in=AT_COMPANIES, company__isnull=False)
    for row in at_companies.values("company_id", "company__name", "status").annotate(n=Count("pk")):
        figures = companies.setdefault(row["company_id"], CompanyFigures(row["company_id"], row["company__name"]))
        figures.counts[row["status"]] = row["n"]
    _speeds(jobs, now - timedelta(days=days), companies)
    ranked = sorted(companies.values(), key=lambda c: (-c.total, c.name.lower()))
    return Dashboard(
        days=days,
        by_status=totals,
        overdue=overdue,
        companies=ranked,
        pair_days=_weighted([(c.pair_days, c.paired) for c in ranked]),
        paired=sum(c.paired for c in ranked),
        activate_days=_weighted([(c.activate_days, c.activated) for c in ranked]),
        activated=sum(c.activated for c in ranked),
    )


def _speeds(jobs: QuerySet[Job], since: datetime, companies: dict[int, CompanyFigures]) -> None:
    """Average days from assignment to pairing, and from pairing to activation of installations, per company."""
    to_pair = ExpressionWrapper(F("paired_at") - F("assigned_at"), output_field=DurationField())
    to_activate = ExpressionWrapper(F("closed_at") - F("paired_at"), output_field=DurationField())
    paired = Q(paired_at__gte=since, assigned_at__isnull=False)
    activated = Q(status=JobStatus.SUCCEEDED, kind=JobKind.INSTALLATION, closed_at__gte=since, paired_at__isnull=False)
    rows = (
        jobs.filter(paired | activated, company__isnull=False)
        .values("company_id", "company__name")
        .annotate(
            pair=Avg(to_pair, filter=paired),
            n_pair=Count("pk", filter=paired),
            act=Avg(to_activate, filter=activated),
            n_act=Count("pk", filter=activated),
        )
    )
    for row in rows:
        figures = companies.setdefault(row["company_id"], CompanyFigures(row["company_id"], row["company__name"]))
        figures.pair_days, figures.paired = _days(row["pair"]), row["n_pair"]
        figures.activate_days, figures.activated = _days(row["act"]), row["n_act"]

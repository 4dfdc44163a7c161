"""Read helpers of the job screens that the selectors do not have: rows, history, columns, the dashboard.

Every function starts from a scoped queryset or takes the scope, so nothing here widens what a user sees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import get_language, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from fieldbox.accounts.audit_labels import state_label
from fieldbox.accounts.models import Membership, Organisation
from fieldbox.core import clock, counters
from fieldbox.core.models import AuditEvent
from fieldbox.core.tenancy import Scope
from fieldbox.jobs import selectors
from fieldbox.jobs.choices import DONE_FOR_COMPANY, OPEN, JobKind, JobStatus
from fieldbox.jobs.models import Job


@lru_cache(maxsize=1024)
def short_date(language: str | None, day: date) -> str:
    """A day in the language's short format, formatted once per language and day (a list shows few distinct days)."""
    return formats.date_format(day, "SHORT_DATE_FORMAT")


DEADLINE_CLASSES = {
    "late": "deadline status status-failed deadline-late",
    "soon": "deadline status status-pending deadline-soon",
}


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
        return self.days_left is not None and self.job.status in OPEN

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

    # The cells of the long lists, one attribute each: a template resolves ``row.phone`` several times faster than
    # ``row.job.customer.phone`` (the relations must have been loaded with the rows).
    @property
    def subscription_number(self) -> str:
        return self.job.subscription.number

    @property
    def customer_name(self) -> str:
        return self.job.customer.display_name

    @property
    def phone(self) -> str:
        return self.job.customer.phone

    @property
    def town(self) -> str:
        """Where the car is (``JobQuerySet.with_town``), while the owner's data shows."""
        return (getattr(self.job, "town", "") or "") if self.sees_data else ""

    @property
    def product_name(self) -> str:
        return self.job.product.name

    @property
    def deadline_class(self) -> str:
        """The deadline's look: red once late, amber in its last three days."""
        return {
            "late": "deadline status status-failed deadline-late",
            "soon": "deadline status status-pending deadline-soon",
        }.get(self.urgency, "deadline")

    @property
    def deadline_text(self) -> str:
        """ "12/12/2026 · 3 days left" (the date in the reader's zone and format); "—" without a deadline. Built here
        once for every list (a template include per row costs more than the rest of the row)."""
        if self.job.deadline_at is None:
            return "—"
        day = short_date(get_language(), timezone.localdate(self.job.deadline_at))
        if not self.counting or self.days_left is None:
            return day
        if self.days_left < 0:
            left = ngettext("%(n)s day late", "%(n)s days late", self.days_late) % {"n": self.days_late}
        else:
            left = ngettext("%(n)s day left", "%(n)s days left", self.days_left) % {"n": self.days_left}
        return f"{day} · {left}"


def row_of(scope: Scope, job: Job) -> Row:
    """A job as a line of a list: its owner's data as the projection loaded it (masked or not), and its days."""
    today = clock.today()
    assigned = clock.day_of(job.assigned_at) if job.assigned_at else None
    paired = clock.day_of(job.paired_at) if job.paired_at else None
    return Row(
        job=job,
        plate=job.vehicle.plate,
        sees_data=not job.masked,
        days_assigned=(today - assigned).days if assigned else None,
        days_left=(clock.day_of(job.deadline_at) - today).days if job.deadline_at else None,
        done_in=(paired - assigned).days if assigned and paired else None,
    )


@dataclass
class InstallerDay:
    """The installer's home: today's appointments in order, my open jobs, and how many wait for someone."""

    appointments: list[Row]
    mine: list[Row]
    more_mine: bool
    available: int


MINE_ON_HOME = 10


def installer_day(scope: Scope) -> InstallerDay:
    """What the installer's home shows (their own jobs; the company's available count, exact from its counters)."""
    today = [row_of(scope, job) for job in selectors.my_appointments(scope, clock.today())]
    shown = {row.job.pk for row in today}
    mine = (
        selectors.my_jobs(scope)
        .exclude(pk__in=shown)
        .order_by(F("appointment_at").asc(nulls_last=True), "deadline_at", "pk")
    )
    rows = [row_of(scope, job) for job in mine[: MINE_ON_HOME + 1]]
    return InstallerDay(today, rows[:MINE_ON_HOME], len(rows) > MINE_ON_HOME, company_totals(scope).available)


@dataclass
class HistoryLine:
    event: AuditEvent
    actor: str
    reason: str
    address: str
    shows_details: bool = True

    @property
    def change(self) -> str:
        """ "Assigned → In progress", in the reader's language; one state when the move kept it."""
        action, old, new = self.event.action, self.event.from_state, self.event.to_state
        states = [state_label(action, s) for s in ((old, new) if old and old != new else (new,)) if s]
        return " → ".join(states)

    @property
    def details(self) -> str:
        """What the move carried (the appointment, the new deadline, the device…), times in the reader's zone."""
        if not self.shows_details:
            return ""
        words = HISTORY_DETAILS.get(self.event.action)
        return words(self.event.data or {}) if words else ""


def _moment(value: Any, fmt: str = "SHORT_DATETIME_FORMAT") -> str:
    """An ISO time kept in an audit row's data, as the screens show times: local, in the reader's format."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value or "")
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, fmt)


def _from_to(before: Any, after: Any) -> str:
    return " → ".join(str(v) for v in (before, after) if v)


HISTORY_DETAILS: dict[str, Callable[[dict[str, Any]], str]] = {
    "job.appointment": lambda d: _moment(d.get("when")),
    "job.extend_deadline": lambda d: _from_to(
        d.get("before") and _moment(d["before"], "SHORT_DATE_FORMAT"), _moment(d.get("deadline"), "SHORT_DATE_FORMAT")
    ),
    "job.assign": lambda d: str(d.get("company", "")),
    "job.reassign": lambda d: _from_to(d.get("before"), d.get("company")),
    "job.pair": lambda d: str(d.get("serial", "")),
    "job.correct_pairing": lambda d: _from_to(d.get("before"), d.get("serial")),
    "job.activate": lambda d: str(d.get("serial", "")),
    "job.record_activation": lambda d: str(d.get("serial", "")),
    "job.check": lambda d: f"{d.get('item', '')}: {d.get('value', '')}",
    "job.photo_add": lambda d: str(d.get("item", "")),
    "job.photo_delete": lambda d: str(d.get("item", "")),
}


def _who(event: AuditEvent) -> str:
    """The person's name (their address when they gave none, or the address kept after the account went)."""
    return str(event.actor) if event.actor is not None else event.actor_label


def history(scope: Scope, job: Job) -> list[HistoryLine]:
    """The job's audit trail: all of it for the provider; for the company its own actions and the changes of
    status, with names and reasons only of its own people and never an address."""
    events = (
        AuditEvent.objects.filter(
            object_type=Job._meta.label_lower, object_id=str(job.pk), organisation_id=job.provider_id
        )
        .order_by("at", "id")
        .select_related("actor")
    )
    if scope.organisation.is_provider:
        return [HistoryLine(e, _who(e), e.reason, e.ip_address or "") for e in events[:500]]
    ours = set(Membership.objects.visible_to(scope).values_list("user_id", flat=True))
    lines = []
    for e in events.filter(Q(actor__in=ours) | ~Q(from_state=F("to_state")))[:500]:
        own = e.actor_id in ours
        lines.append(HistoryLine(e, _who(e) if own else "", e.reason if own else "", "", shows_details=own))
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
    Column("created", pgettext_lazy("job", "Created on"), lambda r: [_day(r.job.created_at)]),
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
    """INVERS FleetControl's overview: totals by status and company from the counters (a few rows whatever the
    number of jobs), the late ones and the speeds of the last ``days`` days in two aggregate queries."""
    jobs = selectors.jobs_for(scope).select_related(None).order_by()
    now = clock.now()
    org = scope.organisation.pk
    own, at_company = f"jobs.provider:{org}", f"jobs.provider_company:{org}:"
    kept = counters.read_prefix(at_company, extra=[own])
    totals = {str(status): kept[(own, status)] for status in OPEN_ON_DASHBOARD}
    overdue = jobs.filter(status__in=OPEN, deadline_at__lt=now).count()
    company_ids = {int(key[len(at_company) :]) for key, _status in kept if key != own}
    companies: dict[int, CompanyFigures] = {}
    names = dict(Organisation.objects.filter(pk__in=company_ids).values_list("pk", "name"))
    for (key, status), n in kept.items():
        if key == own or status not in AT_COMPANIES or not n:
            continue
        company_id = int(key[len(at_company) :])
        figures = companies.setdefault(company_id, CompanyFigures(company_id, names.get(company_id, "")))
        figures.counts[status] = n
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


# ---- exact totals of the tabs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    """An installer company's tabs: open (available + in progress), completed (paired + succeeded)."""

    available: int
    in_progress: int
    completed: int

    @property
    def open(self) -> int:
        return self.available + self.in_progress


def company_totals(scope: Scope) -> Totals:
    """Exact, at any size: the company's counters (one read) less its assigned jobs that do not show yet (a few,
    found in the partial index of hidden jobs)."""
    org = scope.organisation.pk
    key = f"jobs.company:{org}"
    kept = counters.read([key])
    hidden = (
        Job.objects.filter(company_id=org, status=JobStatus.ASSIGNED, visible_from__gt=clock.now())
        .on_job_screens()
        .count()
    )
    return Totals(
        available=kept[(key, JobStatus.ASSIGNED)] - hidden,
        in_progress=kept[(key, JobStatus.IN_PROGRESS)],
        completed=sum(kept[(key, s)] for s in DONE_FOR_COMPANY),
    )


def provider_totals(scope: Scope) -> dict[str, int]:
    """The provider's jobs by status, exact: one read of its counters."""
    key = f"jobs.provider:{scope.organisation.pk}"
    kept = counters.read([key])
    return {status: kept[(key, status)] for status in JobStatus.values}


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

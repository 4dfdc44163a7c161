"""The one list of what is about to break a promise, soonest first: the organisation's open tickets (every team)
whose first answer or resolution falls due within the next hours of working time, or already did; and the jobs of
the telematics side that will miss their deadline — a provider's jobs, or the jobs assigned to an installer company.

Each kind is read as its own screens read it: tickets through their selector and ``service.sla``; jobs through
``jobs.selectors.jobs_for`` (the scope's jobs, masked as they must be), the jobs' own rule of a deadline that counts
(``jobs.filters.deadline_q``: open, due by then, late included) and their row (``jobs.queries.row_of``: the
deadline's words and look). A job's deadline is a day, so the horizon reaches the whole days it touches.

A person sees the rows their role reads: tickets for the desk, jobs for a provider's customer care and planners
and an installer company's admins. The list is paged by a key (due, kind, id), never counted.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Case, F, Q, QuerySet, When
from django.urls import reverse

from fieldbox.accounts.choices import CARE, DESK, INSTALLER_ADMINS, PLANNERS
from fieldbox.core import clock
from fieldbox.core.tenancy import Scope
from fieldbox.jobs import filters, queries
from fieldbox.jobs import selectors as job_selectors
from fieldbox.jobs.models import Job
from fieldbox.service import selectors, sla
from fieldbox.service.choices import OPEN_TICKET
from fieldbox.service.models import Ticket

TICKET_READERS = DESK
JOB_READERS = CARE | PLANNERS | INSTALLER_ADMINS
READERS = TICKET_READERS | JOB_READERS
KINDS = ("ticket", "job")
PAGE_SIZE = 50
MAX_HORIZON = 200  # working hours
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Key = tuple[datetime, int, int]  # (due, kind's rank, id): the order of the list


@dataclass(frozen=True)
class Row:
    """One line of the list: a ticket or a job, when it falls due and how it stands."""

    kind: str  # "ticket" | "job"
    pk: int
    number: str
    title: str  # the ticket's subject, the job's vehicle
    customer: str
    group: str  # the ticket's team; the job's installer company (its provider, for the company)
    due_at: datetime
    late: bool
    urgency: str  # "late", "soon" or ""
    left: str  # "First answer due in 3 h", "2 days late"
    css: str
    url: str

    @property
    def key(self) -> Key:
        return (self.due_at, KINDS.index(self.kind), self.pk)

    @property
    def cursor(self) -> str:
        """The key as text: microseconds since the epoch, kind, id."""
        micros = (self.due_at - _EPOCH) // timedelta(microseconds=1)
        return f"{micros}.{KINDS.index(self.kind)}.{self.pk}"


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    next_cursor: str | None
    horizon_end: datetime


def kinds_for(scope: Scope) -> tuple[str, ...]:
    """The kinds of rows this person's role reads."""
    return tuple(k for k, roles in zip(KINDS, (TICKET_READERS, JOB_READERS), strict=True) if scope.role in roles)


def _parse(cursor: str) -> Key | None:
    try:
        micros, rank, pk = (int(part) for part in cursor.split("."))
        return _EPOCH + timedelta(microseconds=micros), rank, pk
    except (ValueError, OverflowError):
        return None


def _after(field: str, rank: int, cursor: Key | None) -> Q:
    """The rows of the kind ``rank`` that come after ``cursor`` in the order (due, kind, id)."""
    if cursor is None:
        return Q()
    due, their_rank, pk = cursor
    if rank > their_rank:
        return Q(**{f"{field}__gte": due})
    if rank < their_rank:
        return Q(**{f"{field}__gt": due})
    return Q(**{f"{field}__gt": due}) | Q(**{field: due, "pk__gt": pk})


def _tickets(scope: Scope, until: datetime, cursor: Key | None, limit: int) -> Iterator[Row]:
    """Open tickets whose running promise (the first answer while none came, then the resolution) falls due
    before ``until``."""
    due = Case(
        When(first_response_at__isnull=True, response_due_at__isnull=False, then=F("response_due_at")),
        default=F("resolution_due_at"),
    )
    qs: QuerySet[Ticket] = (
        selectors.tickets_for(scope)
        .select_related("customer")
        .filter(status__in=OPEN_TICKET)
        .annotate(due=due)
        .filter(_after("due", 0, cursor), due__lt=until)
        .order_by("due", "pk")
    )
    now, organisation = clock.now(), scope.organisation
    for ticket in qs[:limit]:
        state = sla.due_of(ticket, organisation, now)
        assert state is not None
        yield Row(
            kind="ticket",
            pk=ticket.pk,
            number=ticket.number,
            title=ticket.subject,
            customer=(ticket.customer.display_name if ticket.customer else str(ticket.contact or "")),
            group=ticket.team.name,
            due_at=state.at,
            late=state.late,
            urgency=state.state,
            left=state.text,
            css=state.css,
            url=reverse("service:ticket", args=[ticket.pk]),
        )


def _jobs(scope: Scope, until: datetime, cursor: Key | None, limit: int) -> Iterator[Row]:
    """Jobs whose deadline counts and falls on a day the horizon reaches, or passed."""
    days = max(clock.days_between(clock.now(), until), 0)
    due = filters.deadline_q(None, days=days)
    assert due is not None
    qs = (
        job_selectors.jobs_for(scope)
        .select_related("provider")
        .filter(due)
        .filter(_after("deadline_at", 1, cursor))
        .order_by("deadline_at", "pk")
    )
    provider = scope.organisation.is_provider
    for job in qs[:limit]:
        row = queries.row_of(scope, job)
        other: Any = job.company if provider else job.provider
        yield Row(
            kind="job",
            pk=job.pk,
            number=job.number,
            title=f"{row.plate} · {job.get_kind_display()}",
            customer=row.customer_name,
            group=other.name if other else "—",
            due_at=_deadline(job),
            late=row.urgency == "late",
            urgency=row.urgency,
            left=row.deadline_text,
            css=row.deadline_class,
            url=reverse("jobs:detail", args=[job.pk]),
        )


def _deadline(job: Job) -> datetime:
    assert job.deadline_at is not None
    return job.deadline_at


def at_risk(
    scope: Scope, *, hours: int = sla.AT_RISK_HOURS, kind: str = "", cursor: str = "", limit: int = PAGE_SIZE
) -> Page:
    """The page of the list after ``cursor``: rows due within ``hours`` working hours (or late), soonest first,
    of the kinds the person reads (narrowed to ``kind`` when given)."""
    hours = max(1, min(hours, MAX_HORIZON))
    limit = max(1, min(limit, 200))
    until = sla.add_working_hours(clock.now(), hours, scope.organisation)
    after = _parse(cursor) if cursor else None
    sources: list[Iterable[Row]] = []
    for name in kinds_for(scope):
        if kind and kind != name:
            continue
        read = _tickets if name == "ticket" else _jobs
        sources.append(list(read(scope, until, after, limit + 1)))
    rows = list(heapq.merge(*sources, key=lambda r: r.key))[: limit + 1]
    if len(rows) <= limit:
        return Page(rows, None, until)
    return Page(rows[:limit], rows[limit - 1].cursor, until)

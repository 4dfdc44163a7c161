"""Service levels: when a ticket's first answer and its resolution fall due, counted in working hours.

Working time is the organisation's own: its time zone (``Organisation.time_zone``), Monday to Friday except the
public holidays of its country (``core.clock.is_working_day``, the one rule of a working day), from
08:30 to 12:30 and from 14:00 to 18:00 (``WORKING_HOURS``). Each day's hours are laid on the organisation's clock
and the arithmetic is done in UTC, so nights, weekends, holidays and the changes of daylight saving time all count
as nothing.

A ticket's promise is its organisation's ``ServiceLevel`` for its priority, or ``DEFAULT_LEVELS`` while the
organisation has set none: every ticket has its dues. The stamps follow the ticket's table (``_stamp``): a ticket
gets its dues when it is created, whoever creates it; its first answer when the desk first replies (a ticket the
desk opens from a phone call, or on its own initiative, is answered at once); its resolution when it is resolved
(cleared when it reopens). The dues stay those of the day the ticket opened: changing the service levels later
moves no open ticket's dues (``restamp`` does, when a ticket's priority changes).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from django.db.models import OuterRef, Q, Subquery
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from fieldbox.accounts.models import Organisation
from fieldbox.core import clock
from fieldbox.core.transitions import CREATED, Step
from fieldbox.jobs.queries import DEADLINE_CLASSES
from fieldbox.service.choices import OPEN_TICKET, TICKET_TABLE, Channel, Priority, TicketStatus
from fieldbox.service.models import ServiceLevel, Ticket

if TYPE_CHECKING:
    from fieldbox.core.tenancy import Scope

# The working day, on the organisation's clock: two periods, eight hours.
WORKING_HOURS: tuple[tuple[time, time], ...] = ((time(8, 30), time(12, 30)), (time(14, 0), time(18, 0)))
# The promise (first answer, resolution; working hours) of a priority the organisation has not set.
DEFAULT_LEVELS: dict[str, tuple[int, int]] = {
    Priority.URGENT: (2, 8),
    Priority.HIGH: (4, 16),
    Priority.NORMAL: (8, 40),
    Priority.LOW: (16, 80),
}
MIN_HOURS, MAX_HOURS = 1, 2000  # what an admin may promise, in working hours
# A due this close (working hours) is at risk: the at-risk list's default horizon, amber on the desk.
AT_RISK_HOURS = 4
# Channels whose tickets are answered as they are created: the desk took the call, or opened the ticket itself.
ANSWERED_AT_ONCE = frozenset({Channel.PHONE, Channel.STAFF})
_DAYS_AT_MOST = 366 * 20  # a promise reaches no further (2,000 working hours are about a year)


class HasTimeZone(Protocol):
    """An organisation, as far as its working time goes."""

    @property
    def time_zone(self) -> str: ...


@dataclass(frozen=True)
class Calendar:
    """An organisation's working time: its clock and its country's holidays."""

    zone: ZoneInfo
    country: str

    @classmethod
    def of(cls, organisation: HasTimeZone) -> Calendar:
        return cls(ZoneInfo(organisation.time_zone), clock.country_of(organisation.time_zone))

    def periods(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working periods of ``day``, in UTC (none on a weekend or a holiday)."""
        if not clock.is_working_day(day, country=self.country):
            return []
        return [
            (
                datetime.combine(day, begins, tzinfo=self.zone).astimezone(UTC),
                datetime.combine(day, ends, tzinfo=self.zone).astimezone(UTC),
            )
            for begins, ends in WORKING_HOURS
        ]

    def days(self, start: datetime) -> Iterator[date]:
        """The days from the one ``start`` falls on (on this clock), for as far as a promise reaches."""
        first = start.astimezone(self.zone).date()
        for n in range(_DAYS_AT_MOST):
            yield first + timedelta(days=n)

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """The moment ``amount`` of working time after ``start``."""
        at, left = start.astimezone(UTC), amount
        for day in self.days(at):
            for begins, ends in self.periods(day):
                if ends <= at:
                    continue
                begins = max(begins, at)
                if left <= ends - begins:
                    return begins + left
                left -= ends - begins
        raise ValueError("a promise this long has no working day to end on")

    def between(self, a: datetime, b: datetime) -> timedelta:
        """The working time from ``a`` to ``b`` (negative when ``b`` comes first)."""
        if b < a:
            return -self.between(b, a)
        a, b = a.astimezone(UTC), b.astimezone(UTC)
        total, last = timedelta(0), b.astimezone(self.zone).date()
        for day in self.days(a):
            if day > last:
                break
            for begins, ends in self.periods(day):
                total += max(min(ends, b) - max(begins, a), timedelta(0))
        return total


def add_working_hours(start: datetime, hours: float, organisation: HasTimeZone) -> datetime:
    """The moment ``hours`` working hours after ``start``, in the organisation's working time (UTC)."""
    return Calendar.of(organisation).add(start, timedelta(hours=hours))


def working_hours_between(a: datetime, b: datetime, organisation: HasTimeZone) -> float:
    """The working hours from ``a`` to ``b`` in the organisation's working time (negative when ``b`` comes first)."""
    return Calendar.of(organisation).between(a, b) / timedelta(hours=1)


# ---- The promises and the stamps ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    """The promise for one priority: the organisation's, or the default (``is_default``)."""

    priority: str
    response_hours: int
    resolution_hours: int
    is_default: bool

    @property
    def label(self) -> str:
        return str(Priority(self.priority).label)


# The priorities, most pressing first (the settings page and the API list them so).
PRIORITIES = (Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW)


def _levels(kept: dict[str, tuple[int, int]]) -> list[Level]:
    levels = []
    for priority in PRIORITIES:
        response, resolution = kept.get(priority, DEFAULT_LEVELS[priority])
        levels.append(Level(priority, response, resolution, is_default=priority not in kept))
    return levels


def levels_for(scope: Scope) -> list[Level]:
    """The organisation's promise for every priority, most pressing first (the default where none is set)."""
    rows = ServiceLevel.objects.visible_to(scope).values_list("priority", "response_hours", "resolution_hours")
    return _levels({p: (resp, res) for p, resp, res in rows})


def promise_of(organisation_id: int, priority: str) -> tuple[Calendar, int, int]:
    """The organisation's working time, and its promise for ``priority`` (first answer, resolution; working hours):
    one query."""
    kept = ServiceLevel.objects.filter(organisation_id=OuterRef("pk"), priority=priority)
    time_zone, response, resolution = (
        Organisation.objects.filter(pk=organisation_id)
        .annotate(
            response=Subquery(kept.values("response_hours")[:1]),
            resolution=Subquery(kept.values("resolution_hours")[:1]),
        )
        .values_list("time_zone", "response", "resolution")
        .get()
    )
    calendar = Calendar(ZoneInfo(time_zone), clock.country_of(time_zone))
    if response is None or resolution is None:
        response, resolution = DEFAULT_LEVELS.get(priority, DEFAULT_LEVELS[Priority.NORMAL])
    return calendar, response, resolution


def _changed(ticket: Ticket, values: dict[str, datetime | None]) -> list[str]:
    changed = [name for name, value in values.items() if getattr(ticket, name) != value]
    for name in changed:
        setattr(ticket, name, values[name])
    return changed


def restamp(ticket: Ticket) -> list[str]:
    """Set the ticket's dues from its opening and its organisation's promise for its priority: the first answer
    (while it has none) and the resolution. The names of the fields that changed (the caller saves them)."""
    calendar, response_hours, resolution_hours = promise_of(ticket.organisation_id, ticket.priority)
    values: dict[str, datetime | None] = {
        "resolution_due_at": calendar.add(ticket.created_at, timedelta(hours=resolution_hours))
    }
    if ticket.first_response_at is None:
        values["response_due_at"] = calendar.add(ticket.created_at, timedelta(hours=response_hours))
    return _changed(ticket, values)


def answered(ticket: Ticket, when: datetime) -> list[str]:
    """The ticket's first answer, at ``when``: stamped once, never moved. The fields that changed."""
    if ticket.first_response_at is not None:
        return []
    return _changed(ticket, {"first_response_at": when})


@TICKET_TABLE.on_move
def _stamp(step: Step) -> None:
    """What every move of a ticket stamps, in its transaction: its dues when it is created (however it is), its
    first answer with the first reply, its resolution when it is resolved (cleared when it reopens)."""
    ticket: Ticket = step.record
    changed: list[str] = []
    if step.move.sources == CREATED:
        if ticket.resolution_due_at is None:  # a creator may stamp before the insert, saving this update
            changed += restamp(ticket)
        if ticket.channel in ANSWERED_AT_ONCE:
            changed += answered(ticket, ticket.created_at)
    elif step.action == "reply":
        changed += answered(ticket, clock.now())
    elif step.action == "resolve":
        changed += _changed(ticket, {"resolved_at": clock.now()})
    elif step.action == "reopen":
        changed += _changed(ticket, {"resolved_at": None})
    if changed:
        ticket.save(update_fields=changed)


# ---- When a ticket falls due, as people read it -------------------------------------------------------------


def duration_text(hours: float) -> str:
    """ "45 min", "3 h", "3 h 30 min" (working time)."""
    minutes = round(abs(hours) * 60)
    if minutes < 60:
        return _("%(n)s min") % {"n": minutes}
    h, m = divmod(minutes, 60)
    if not m:
        return _("%(h)s h") % {"h": h}
    return _("%(h)s h %(m)s min") % {"h": h, "m": m}


@dataclass(frozen=True)
class Due:
    """The promise a ticket is held to now: its first answer while it has none, then its resolution; once
    resolved, whether the resolution came in time. ``hours`` is working time: left (late: past, negative)."""

    which: str  # "response" | "resolution"
    at: datetime
    hours: float
    late: bool
    ended: bool = False

    @property
    def state(self) -> str:
        """ "late", "soon" (within ``AT_RISK_HOURS``), "met" (resolved in time), or "" (time enough)."""
        if self.late:
            return "late"
        if self.ended:
            return "met"
        return "soon" if self.hours <= AT_RISK_HOURS else ""

    @property
    def css(self) -> str:
        """The look of a deadline, the same as the jobs'."""
        if self.ended:
            return "status status-failed" if self.late else "status status-succeeded"
        return DEADLINE_CLASSES.get(self.state, "deadline")

    @property
    def when(self) -> str:
        return str(formats.date_format(timezone.localtime(self.at), "SHORT_DATETIME_FORMAT"))

    @property
    def text(self) -> str:
        time_left = duration_text(self.hours)
        if self.ended:
            return _("Resolved %(time)s late") % {"time": time_left} if self.late else _("Resolved in time")
        first = self.which == "response"
        if round(abs(self.hours) * 60) == 0:  # outside working time: the due moment says more
            if self.late:
                words = _("First answer overdue since %(when)s") if first else _("Resolution overdue since %(when)s")
            else:
                words = _("First answer due by %(when)s") if first else _("Resolution due by %(when)s")
            return words % {"when": self.when}
        if self.late:
            words = _("First answer overdue by %(time)s") if first else _("Resolution overdue by %(time)s")
        else:
            words = _("First answer due in %(time)s") if first else _("Resolution due in %(time)s")
        return words % {"time": time_left}


def late_q(now: datetime) -> dict[str, Q]:
    """The open tickets whose promise is already broken at ``now``, as a query, by promise: those still without
    their first answer past ``response_due_at``, and those past ``resolution_due_at`` (``due_of``'s ``late`` for many
    tickets at once; each reads a partial index of the open tickets)."""
    still_open = Q(status__in=OPEN_TICKET)
    waits_for_answer = Q(first_response_at__isnull=True, response_due_at__isnull=False)
    return {
        "first_answer": still_open & waits_for_answer & Q(response_due_at__lt=now),
        "resolution": still_open & ~waits_for_answer & Q(resolution_due_at__lt=now),
    }


def due_of(ticket: Ticket, organisation: HasTimeZone, now: datetime | None = None) -> Due | None:
    """When ``ticket`` falls due (None: no promise runs, e.g. it was cancelled or merged)."""
    now = now or clock.now()
    calendar = Calendar.of(organisation)
    if ticket.status in OPEN_TICKET:
        if ticket.first_response_at is None and ticket.response_due_at is not None:
            which, at = "response", ticket.response_due_at
        elif ticket.resolution_due_at is not None:
            which, at = "resolution", ticket.resolution_due_at
        else:
            return None
        hours = calendar.between(now, at) / timedelta(hours=1)
        return Due(which, at, hours, late=now > at)
    if (
        ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
        and ticket.resolved_at
        and ticket.resolution_due_at
    ):
        at, done = ticket.resolution_due_at, ticket.resolved_at
        return Due("resolution", at, calendar.between(at, done) / timedelta(hours=1), late=done > at, ended=True)
    return None

"""Reads of hours (SYS "consuntivazione ore", Appsistance "rendiconto ore"); clock-in is ``selectors_clock``.

Who sees whose hours is said once, in ``entries_for`` and ``people_for``: an admin every person of the
organisation, anyone else their own. The worked-hours grid (people by days) reads its cells with one aggregate,
whatever the number of entries; planned vs worked sums a work order's entries, and a call's across all its work
orders."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.utils import formats
from django.utils.translation import gettext as _
from openpyxl import Workbook

from fieldbox.accounts.choices import ADMIN_ROLES, BACK_OFFICE, FIELD_WORKERS
from fieldbox.accounts.models import User
from fieldbox.accounts.selectors import members_for
from fieldbox.core import clock
from fieldbox.core.spreadsheets import safe_cell
from fieldbox.core.tenancy import Scope
from fieldbox.service.models import Ticket, TimeEntry, WorkOrder

# Who keeps hours and clocks in: the back office and the people in the field.
HOURS_PEOPLE = BACK_OFFICE | FIELD_WORKERS
# Who sees and corrects everyone's hours and clock events, and sets the clock-in points.
HOURS_ADMINS = ADMIN_ROLES
PERIODS = ("week", "month")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def hm(minutes: int | None) -> str:
    """Minutes written as hours and minutes: 450 → "7:30"; nothing → ""."""
    if not minutes:
        return ""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}:{rest:02d}"


def hours_of(minutes: int) -> Decimal:
    """Minutes as a number of hours with two decimals (half up), for spreadsheets."""
    return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def metres_label(value: float) -> str:
    """A distance as a person reads it: metres, or kilometres with one decimal past a kilometre."""
    if value >= 1000:
        return _("%(km)s km") % {"km": formats.number_format(round(value / 1000, 1), 1, use_l10n=True)}
    return _("%(m)s m") % {"m": formats.number_format(round(value), 0, use_l10n=True, force_grouping=True)}


def sees_everyone(scope: Scope) -> bool:
    return scope.role in HOURS_ADMINS


# ---- Who and whose --------------------------------------------------------------------------------------------


def entries_for(scope: Scope) -> QuerySet[TimeEntry]:
    """The time entries ``scope`` may read and write: the organisation's for an admin, one's own otherwise."""
    qs = TimeEntry.objects.visible_to(scope)
    return qs if sees_everyone(scope) else qs.filter(user=scope.user)


def people_for(scope: Scope) -> list[User]:
    """The rows of the grid: every active person of the organisation who keeps hours (an admin), or oneself."""
    if not sees_everyone(scope):
        return [scope.user]
    ids = members_for(scope).filter(role__in=HOURS_PEOPLE).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("last_name", "first_name", "email"))


def person_for(scope: Scope, user_id: int) -> User:
    """A person whose hours ``scope`` may read (404 otherwise, like one that does not exist)."""
    if user_id == scope.user.pk:
        return scope.user
    if sees_everyone(scope):
        ids = members_for(scope).values("user_id")
        found = User.objects.filter(pk=user_id, pk__in=ids).first()
        if found is not None:
            return found
    raise Http404


def entry_for(scope: Scope, pk: int) -> TimeEntry:
    found = entries_for(scope).select_related("user", "work_order", "ticket").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


# ---- The grid -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    day: date
    minutes: int

    @property
    def label(self) -> str:
        return hm(self.minutes)


@dataclass(frozen=True)
class Row:
    person: User
    cells: list[Cell]
    total: int

    @property
    def total_label(self) -> str:
        return hm(self.total) or "0:00"


@dataclass(frozen=True)
class Grid:
    period: str
    start: date
    end: date
    rows: list[Row]
    day_totals: list[Cell]
    total: int

    @property
    def days(self) -> list[date]:
        return [c.day for c in self.day_totals]

    @property
    def total_label(self) -> str:
        return hm(self.total) or "0:00"

    @property
    def previous(self) -> date:
        return self.start - timedelta(days=1)

    @property
    def next(self) -> date:
        return self.end + timedelta(days=1)


def period_of(period: str, day: date) -> tuple[date, date]:
    """The week (Monday to Sunday) or the month that holds ``day``."""
    if period == "month":
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return first, following - timedelta(days=1)
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def grid(scope: Scope, period: str, day: date) -> Grid:
    """People by days of the week or month holding ``day``, with the minutes of each cell and the totals per person
    and per day: two queries (the people, one aggregate of the entries)."""
    start, end = period_of(period if period in PERIODS else "week", day)
    people = people_for(scope)
    sums: dict[tuple[int, date], int] = {}
    rows = (
        entries_for(scope)
        .filter(day__gte=start, day__lte=end, user_id__in=[p.pk for p in people])
        .values("user_id", "day")
        .annotate(total=Sum("minutes"))
        .order_by()
    )
    for row in rows:
        sums[(row["user_id"], row["day"])] = int(row["total"] or 0)
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    grid_rows = []
    for person in people:
        cells = [Cell(d, sums.get((person.pk, d), 0)) for d in days]
        grid_rows.append(Row(person, cells, sum(c.minutes for c in cells)))
    per_day = [Cell(d, sum(sums.get((p.pk, d), 0) for p in people)) for d in days]
    return Grid(
        period if period in PERIODS else "week", start, end, grid_rows, per_day, sum(c.minutes for c in per_day)
    )


def day_entries(scope: Scope, user_id: int, day: date) -> list[TimeEntry]:
    """A person's entries of a day, first to last."""
    return list(
        entries_for(scope)
        .filter(user_id=user_id, day=day)
        .select_related("work_order", "ticket", "created_by")
        .order_by("starts_at", "pk")
    )


def work_order_choices(scope: Scope, user: User, day: date) -> list[WorkOrder]:
    """The work orders one may put a day's hours on, in a list: the person's own (lead or helper) planned around
    that day, nearest first (any other of the organisation's is accepted by its number through the API)."""
    tz = scope.organisation.time_zone
    near = Q(starts_at__gte=clock.start_of_day(day - timedelta(days=14), tz)) & Q(
        starts_at__lt=clock.day_after(day + timedelta(days=7), tz)
    )
    mine = Q(technician=user) | Q(assignments__user=user)
    qs = WorkOrder.objects.visible_to(scope).filter(mine, near).select_related("customer").distinct()
    return list(qs.order_by("-starts_at", "-pk")[:40])


# ---- Planned vs worked ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Worked:
    """Planned and worked minutes, and who worked them."""

    planned: int
    worked: int
    billable: int
    people: list[tuple[str, int]] = field(default_factory=list)

    @property
    def difference(self) -> int:
        return self.worked - self.planned

    @property
    def labels(self) -> dict[str, str]:
        """The minutes written as hours, for the pages."""
        return {
            "planned": hm(self.planned) or "0:00",
            "worked": hm(self.worked) or "0:00",
            "billable": hm(self.billable) or "0:00",
            "difference": ("+" if self.difference > 0 else "") + (hm(self.difference) or "0:00"),
        }

    @property
    def people_labels(self) -> list[tuple[str, str]]:
        return [(name, hm(minutes) or "0:00") for name, minutes in self.people]

    def as_dict(self) -> dict[str, Any]:
        return {
            "planned_minutes": self.planned,
            "worked_minutes": self.worked,
            "billable_minutes": self.billable,
            "difference_minutes": self.difference,
        }


def work_order_for(scope: Scope, pk: int) -> WorkOrder:
    found = WorkOrder.objects.visible_to(scope).select_related("customer", "ticket", "technician").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _worked(entries: QuerySet[TimeEntry], planned: int) -> Worked:
    rows = list(
        entries.values("user_id", "user__first_name", "user__last_name", "user__email")
        .annotate(worked=Sum("minutes"), paid=Sum("minutes", filter=Q(billable=True)))
        .order_by("user__last_name", "user__first_name", "user_id")
    )
    people = [
        (f"{r['user__first_name']} {r['user__last_name']}".strip() or r["user__email"], int(r["worked"] or 0))
        for r in rows
    ]
    return Worked(
        planned=planned,
        worked=sum(int(r["worked"] or 0) for r in rows),
        billable=sum(int(r["paid"] or 0) for r in rows),
        people=people,
    )


def work_order_hours(scope: Scope, pk: int) -> tuple[WorkOrder, Worked]:
    """A work order's planned minutes against the minutes entered on it (everyone's)."""
    order = work_order_for(scope, pk)
    return order, _worked(TimeEntry.objects.visible_to(scope).filter(work_order=order), order.minutes)


@dataclass(frozen=True)
class TicketHours:
    ticket: Ticket
    orders: list[tuple[WorkOrder, Worked]]
    on_call: int  # minutes entered on the call itself, with no work order
    total: Worked


def ticket_hours(scope: Scope, pk: int) -> TicketHours:
    """A call's work orders, each planned vs worked, and the call's totals across all of them: three queries."""
    ticket = Ticket.objects.visible_to(scope).filter(pk=pk).first()
    if ticket is None:
        raise Http404
    orders = list(WorkOrder.objects.visible_to(scope).filter(ticket=ticket).order_by("created_at", "pk"))
    entries = TimeEntry.objects.visible_to(scope).filter(Q(ticket=ticket) | Q(work_order__ticket=ticket))
    sums = {
        r["work_order_id"]: (int(r["worked"] or 0), int(r["paid"] or 0))
        for r in entries.values("work_order_id")
        .annotate(worked=Sum("minutes"), paid=Sum("minutes", filter=Q(billable=True)))
        .order_by()
    }
    per_order = [(o, Worked(o.minutes, *sums.get(o.pk, (0, 0)))) for o in orders]
    on_call, on_call_billable = 0, 0
    for order_id, (minutes, billable) in sums.items():
        if order_id is None or order_id not in {o.pk for o in orders}:
            on_call += minutes
            on_call_billable += billable
    total = Worked(
        planned=sum(o.minutes for o in orders),
        worked=sum(w.worked for _o, w in per_order) + on_call,
        billable=sum(w.billable for _o, w in per_order) + on_call_billable,
    )
    return TicketHours(ticket, per_order, on_call, total)


# ---- The spreadsheet ------------------------------------------------------------------------------------------


def export_xlsx(scope: Scope, period: str, day: date) -> tuple[str, bytes]:
    """The grid of the period as a workbook: a sheet of hours per person and day, with totals, and a sheet of the
    entries themselves. Every text cell is safe from formulas; hours are numbers with two decimals."""
    table = grid(scope, period, day)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(_("Hours")))
    sheet.append([str(_("Person")), *[d.isoformat() for d in table.days], str(_("Total"))])
    for row in table.rows:
        sheet.append([safe_cell(str(row.person)), *[hours_of(c.minutes) for c in row.cells], hours_of(row.total)])
    sheet.append([str(_("Total")), *[hours_of(c.minutes) for c in table.day_totals], hours_of(table.total)])
    _entries_sheet(scope, book, table)
    buffer = io.BytesIO()
    book.save(buffer)
    return f"hours-{table.start.isoformat()}-{table.end.isoformat()}.xlsx", buffer.getvalue()


def _entries_sheet(scope: Scope, book: Workbook, table: Grid) -> None:
    sheet = book.create_sheet(str(_("Entries")))
    header = (_("Person"), _("Day"), _("Start"), _("End"), _("Hours"), _("Activity"), _("Work order"), _("Call"))
    sheet.append([str(h) for h in (*header, _("Billable"), _("Note"))])
    tz = scope.organisation.time_zone
    entries = (
        entries_for(scope)
        .filter(day__gte=table.start, day__lte=table.end, user_id__in=[r.person.pk for r in table.rows])
        .select_related("user", "work_order", "ticket")
        .order_by("user__last_name", "user__first_name", "user_id", "starts_at")
    )
    for e in entries.iterator(chunk_size=2000):
        sheet.append(
            [
                safe_cell(str(e.user)),
                e.day.isoformat(),
                clock.local(e.starts_at, tz).strftime("%H:%M"),
                clock.local(e.ends_at, tz).strftime("%Y-%m-%d %H:%M"),
                hours_of(e.minutes),
                str(e.get_kind_display()),
                e.work_order.number if e.work_order else "",
                e.ticket.number if e.ticket else "",
                str(_("Yes") if e.billable else _("No")),
                safe_cell(e.note),
            ]
        )

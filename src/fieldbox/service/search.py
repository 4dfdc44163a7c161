"""The call search (SYS "Chiamata"): the organisation's calls narrowed by the day they came in, their number, an
intervention's number, status, type, team, customer, technician and serial number. One definition of each filter
for the page, the API and the exports.

Built for an organisation with a million calls: every filter keeps the rows of ``Ticket.objects.visible_to`` that
match (EXISTS and IN subqueries, never a join that repeats a call), the pages walk the id downwards from the last
one seen (``core.pagination``), so the ``(organisation, -id)`` indexes answer a page without counting or sorting the
table. Nothing here counts the matches, but an export stops at ``EXPORT_MAX`` rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.accounts.models import User
from fieldbox.core import clock
from fieldbox.core.pagination import keyset_page
from fieldbox.core.tenancy import Scope
from fieldbox.fleet import search as fleet_search
from fieldbox.fleet.models import Customer, Device
from fieldbox.service.choices import NUMBER_DIGITS, Priority, TicketKind, TicketStatus, numbered
from fieldbox.service.models import Equipment, Ticket, WorkOrder

PAGE_SIZE = 50
EXPORT_MAX = 100_000
NAMED_CUSTOMERS_MAX = 1000
NOTHING = Q(pk__in=[])

# The columns of an export, in order.
EXPORT_HEADER = (
    gettext_lazy("Number"),
    gettext_lazy("Created on"),
    gettext_lazy("Customer"),
    gettext_lazy("Subject"),
    gettext_lazy("Type"),
    gettext_lazy("Status"),
    gettext_lazy("Priority"),
    gettext_lazy("Team"),
    gettext_lazy("Assignee"),
    gettext_lazy("Serial number"),
    gettext_lazy("Interventions"),
)


def validate(filters: dict[str, Any]) -> None:
    """Refuse filters that cannot mean anything: a date range that ends before it starts."""
    start, end = filters.get("created_from"), filters.get("created_to")
    if isinstance(start, date) and isinstance(end, date) and start > end:
        raise ValidationError({"created_to": _("The end of the date range is before its start.")})


def call_search(scope: Scope, filters: dict[str, Any]) -> QuerySet[Ticket]:
    """The calls ``scope`` may see that match every filter given a value (an empty value filters nothing).

    ``filters``: ``created_from``/``created_to`` (dates, inclusive, on the organisation's clock), ``number`` and
    ``intervention`` (see ``number_q``), ``status`` (a list), ``kind``, ``team`` (id), ``customer`` (an id, or
    words of the customer's name), ``technician`` (a user id: an intervention's technician or the call's
    assignee), ``serial`` (the equipment's serial or its telematics device's, whole, in any case).
    """
    validate(filters)
    qs = Ticket.objects.visible_to(scope)
    for name, value in filters.items():
        if name in FILTERS and value not in (None, "", [], ()):
            qs = qs.filter(FILTERS[name](scope, value))
    return qs


def number_q(text: str, letter: str, field: str = "number") -> Q:
    """A number as people type it, with or without its letter and its zeros: "42", "t42" and "T0000042" are that
    call; digits typed with their leading zeros but not all of them ("T00001", "00001") are the start of a number
    (T0000100 to T0000199). The prefix is also a range, so that the unique index answers it in any collation."""
    typed = re.sub(r"\s", "", text).upper()
    digits = typed[1:] if typed.startswith(letter) else typed
    if not digits.isdigit():
        return NOTHING
    if digits.startswith("0") and len(digits) < NUMBER_DIGITS:
        start = letter + digits
        end = letter + str(int(digits) + 1).zfill(len(digits))
        return Q(**{f"{field}__startswith": start, f"{field}__gte": start, f"{field}__lt": end})
    return Q(**{field: numbered(letter, int(digits))})


def _created(scope: Scope, day: date, *, until: bool) -> Q:
    tz = scope.organisation.time_zone
    return Q(created_at__lt=clock.day_after(day, tz)) if until else Q(created_at__gte=clock.start_of_day(day, tz))


def _intervention(scope: Scope, text: str) -> Q:
    found = WorkOrder.objects.visible_to(scope).filter(number_q(text, "I"), ticket=OuterRef("pk"))
    return Q(Exists(found))


def _customer(scope: Scope, value: int | str) -> Q:
    """An id (a link from the customer's page), or every word in the customer's name. The customers a name finds
    are read first (up to ``NAMED_CUSTOMERS_MAX``), so the database plans with their true number."""
    if isinstance(value, int) or str(value).strip().isdigit():
        return Q(customer_id=int(value))
    words = fleet_search.name_q(str(value), path="")
    if words is None:
        return NOTHING
    named = Customer.objects.visible_to(scope).filter(words).values("pk")
    ids = list(named.values_list("pk", flat=True)[: NAMED_CUSTOMERS_MAX + 1])
    return Q(customer__in=ids if len(ids) <= NAMED_CUSTOMERS_MAX else named)


def _technician(scope: Scope, user_id: int) -> Q:
    """The call's assignee, or the technician of one of its interventions: one set of call ids (a union of two
    indexed reads), so a technician with few calls is found without reading the others."""
    assigned = Ticket.objects.visible_to(scope).filter(assignee_id=user_id).values("pk")
    sent = WorkOrder.objects.visible_to(scope).filter(technician_id=user_id).values("ticket_id")
    return Q(pk__in=assigned.union(sent))


def _serial(scope: Scope, text: str) -> Q:
    """The call's equipment by its own serial (any case) or its device's. Device serials are kept in capitals
    (fleet imports), so the device's is found through its unique index by the capitals of what was typed."""
    serial = text.strip()
    if not serial:
        return NOTHING
    equipment = Equipment.objects.visible_to(scope)
    own = equipment.filter(serial__iexact=serial).values("pk")
    devices = Device.objects.visible_to(scope).filter(serial__in={serial, serial.upper()}).values("pk")
    boxes = equipment.filter(device__in=devices).values("pk")
    return Q(equipment__in=own.union(boxes))


FILTERS: dict[str, Callable[[Scope, Any], Q]] = {
    "created_from": lambda scope, day: _created(scope, day, until=False),
    "created_to": lambda scope, day: _created(scope, day, until=True),
    "number": lambda scope, text: number_q(text, "T"),
    "intervention": _intervention,
    "status": lambda scope, statuses: Q(status__in=list(statuses)),
    "kind": lambda scope, kind: Q(kind=kind),
    "team": lambda scope, team: Q(team_id=team),
    "customer": _customer,
    "technician": _technician,
    "serial": _serial,
}


def counted(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Each call with its number of interventions (the database counts them for the rows read only)."""
    count = (
        WorkOrder.objects.filter(ticket=OuterRef("pk")).order_by().values("ticket").annotate(n=Count("pk")).values("n")
    )
    return qs.annotate(interventions_count=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)))


# What a row of the results shows (the page and the API), and nothing more.
SHOWN = (
    *("number", "subject", "created_at", "status", "kind", "channel", "priority"),
    *("team__name", "customer__kind", "customer__company_name", "customer__first_name", "customer__last_name"),
    *("assignee__first_name", "assignee__last_name", "assignee__email", "equipment__serial"),
)


def shown(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """The rows with what they show: team, customer, assignee, equipment, and the number of interventions."""
    return counted(qs.select_related("team", "customer", "assignee", "equipment").only(*SHOWN))


@dataclass(frozen=True)
class CallPage:
    """One page of results, newest first, with the keys of the pages around it (None: there is none)."""

    calls: list[Ticket]
    older: int | None  # ?before=<id>
    newer: int | None  # ?after=<id>


def call_page(
    scope: Scope,
    qs: QuerySet[Ticket],
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int = PAGE_SIZE,
) -> CallPage:
    """The page after ``before`` (older calls) or, going back, the page before ``after`` (newer calls). The ids
    are found first, then only those rows are read with what they show."""
    if after is None:
        found, older = keyset_page(qs, before, limit, values=("id",))
        ids = [row["id"] for row in found]
        newer = ids[0] if before is not None and ids else None
    else:
        back = list(qs.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[: limit + 1])
        ids = back[:limit][::-1]
        older, newer = (ids[-1] if ids else None), (ids[0] if len(back) > limit else None)
    calls = list(shown(Ticket.objects.visible_to(scope).filter(pk__in=ids)).order_by("-pk")) if ids else []
    return CallPage(calls, older, newer)


# What an export reads of each call: plain values, no model per row.
EXPORT_FIELDS = (
    "number",
    "created_at",
    "subject",
    "kind",
    "status",
    "priority",
    "team__name",
    "customer__kind",
    "customer__company_name",
    "customer__first_name",
    "customer__last_name",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__email",
    "equipment__serial",
    "interventions_count",
)


def export_rows(scope: Scope, qs: QuerySet[Ticket]) -> Iterator[Sequence[object]]:
    """Every matching call, newest first, read in chunks; refused beyond ``EXPORT_MAX`` rows, before any is read."""
    if qs[: EXPORT_MAX + 1].count() > EXPORT_MAX:
        raise ValidationError(
            _("More than %(max)s calls match: narrow the search (a shorter date range, a status) to export them.")
            % {"max": number_format(EXPORT_MAX, force_grouping=True)}
        )
    tz = clock.zone(scope.organisation.time_zone)
    labels = {str(v): str(label) for choices in (TicketKind, TicketStatus, Priority) for v, label in choices.choices}
    names: dict[tuple[Any, ...], str] = {}  # a customer's or a person's name, made once per export
    rows = counted(qs).order_by("-pk").values(*EXPORT_FIELDS).iterator(chunk_size=2000)
    return (_cells(row, tz, labels, names) for row in rows)


CUSTOMER_NAME = ("customer__kind", "customer__company_name", "customer__first_name", "customer__last_name")
PERSON_NAME = ("assignee__first_name", "assignee__last_name", "assignee__email")


def _name(row: dict[str, Any], fields: tuple[str, ...], names: dict[tuple[Any, ...], str]) -> str:
    """The name the customer or the person shows (``Customer.display_name``, ``str(User)``)."""
    key = tuple(row[f] for f in fields)
    if key not in names:
        given = {f.split("__")[1]: row[f] for f in fields}
        names[key] = Customer(**given).display_name if fields == CUSTOMER_NAME else str(User(**given))
    return names[key]


def _cells(
    row: dict[str, Any], tz: tzinfo, labels: dict[str, str], names: dict[tuple[Any, ...], str]
) -> tuple[object, ...]:
    return (
        row["number"],
        clock.local(row["created_at"], tz).strftime("%Y-%m-%d %H:%M"),
        _name(row, CUSTOMER_NAME, names) if row["customer__kind"] else "",
        row["subject"],
        labels[row["kind"]],
        labels[row["status"]],
        labels[row["priority"]],
        row["team__name"],
        _name(row, PERSON_NAME, names) if row["assignee__email"] else "",
        row["equipment__serial"] or "",
        row["interventions_count"],
    )

"""The filters of job lists, defined once for the screens (their filter forms) and the API (``JobFilters``).

``apply(qs, values)`` narrows a scoped queryset of jobs by the values a form or the API read; each name means the
same everywhere. Text is matched through ``fleet.search`` (plates with or without dashes, phones with or without
+39, names word by word), as customer care's search box does. Personal data (plate, customer, phone) are searched
only among jobs whose data the scope still reads: a masked job never matches them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.db.models import F, Q

from fieldbox.core import clock
from fieldbox.core.tenancy import Scope
from fieldbox.fleet import search
from fieldbox.jobs.choices import OPEN
from fieldbox.jobs.models import JobQuerySet

SOON_DAYS = 3


def deadline_q(which: str | None, days: int | None = None) -> Q | None:
    """ "overdue": open jobs past their deadline; "soon" (or ``days``): open jobs due within 3 (``days``) days,
    the late ones included. A job that ended has no deadline left to meet."""
    if which == "overdue":
        return Q(deadline_at__lt=clock.now(), status__in=OPEN)
    if which == "soon" or days is not None:
        limit = clock.day_after(clock.today() + timedelta(days=SOON_DAYS if days is None else days))
        return Q(deadline_at__lt=limit, status__in=OPEN)
    return None


def _overdue(value: bool) -> Q:
    late = Q(status__in=OPEN, deadline_at__lt=clock.now())
    return late if value else ~late


def _text_q(text: str) -> Q | None:
    """The API's ``q`` and customer care's box: plate, VIN, subscription number, customer name or phone."""
    text = " ".join(text.split())[:100]
    if not text:
        return None
    compacted = search.compact(text)
    match = (
        Q(vehicle__plate__iexact=compacted)
        | Q(vehicle__vin__iexact=compacted)
        | Q(subscription__number__iexact=text)
        | Q(subscription__number__iexact=compacted)
    )
    for extra in (search.name_q(text), search.phone_q(text)):
        if extra is not None:
            match |= extra
    return match


def _days_min(days: int) -> Q:
    """Assigned at least ``days`` days ago (calendar days, on the current clock)."""
    return Q(assigned_at__lt=clock.start_of_day(clock.today() - timedelta(days=days - 1)))


def _done_on(day: date) -> Q:
    return Q(paired_at__gte=clock.start_of_day(day), paired_at__lt=clock.day_after(day))


def _optional(q: Q | None) -> Q:
    return q if q is not None else Q(pk__in=[])


# name -> what it keeps, given the value read (an empty value filters nothing). The personal ones are marked.
FILTERS: dict[str, Callable[[Any], Q | None]] = {
    "status": lambda v: Q(status=v),
    "kind": lambda v: Q(kind=v),
    "company": lambda v: Q(company_id=v),
    "overdue": _overdue,
    "subscription": lambda v: Q(subscription__number__icontains=v.strip()),
    "days_min": _days_min,
    "plate": lambda v: _optional(search.plate_q(v)),
    "customer": lambda v: _optional(search.name_q(v)),
    "phone": lambda v: _optional(search.phone_q(v)),
    "vehicle_type": lambda v: Q(vehicle__vehicle_type=v),
    "product": lambda v: Q(product__name__icontains=v.strip()),
    "serial": lambda v: Q(device__serial__icontains=search.compact(v)),
    "done_on": _done_on,
    "done_in_max": lambda v: Q(paired_at__lt=F("assigned_at") + timedelta(days=v + 1)),
    "q": lambda v: _optional(_text_q(v)),
}
PERSONAL = frozenset({"subscription", "plate", "customer", "phone", "q"})


def apply(qs: JobQuerySet, scope: Scope, values: dict[str, Any]) -> JobQuerySet:
    """``qs`` narrowed by every filter given a value; ``deadline``/``deadline_days`` together."""
    personal = False
    for name, value in values.items():
        if name not in FILTERS or value is None or value == "":
            continue
        q = FILTERS[name](value)
        if q is not None:
            qs = qs.filter(q)
            personal = personal or name in PERSONAL
    deadline = deadline_q(values.get("deadline") or None, values.get("deadline_days"))
    if deadline is not None:
        qs = qs.filter(deadline)
    return qs.with_owner_data(scope) if personal else qs

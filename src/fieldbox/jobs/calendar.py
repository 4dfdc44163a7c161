"""Appointments by day and week, and the iCalendar feed each installer subscribes to.

The feed's address (a signed token naming the membership, its generation and what the feed shows, renewed by
"New address") is the mechanism of ``jobs.feeds``, shared with the technicians' and resources' feeds of the
service app. An installer's addresses are written exactly as before that module existed, so the calendars
subscribed to them go on working.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, CharField, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Event

from fieldbox.accounts.choices import INSTALLER_ROLES, Role
from fieldbox.accounts.models import Membership
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.choices import AddressKind
from fieldbox.fleet.models import CustomerAddress
from fieldbox.jobs import feeds, queries, selectors
from fieldbox.jobs.choices import JobStatus
from fieldbox.jobs.models import Job
from fieldbox.jobs.queries import Row

SALT, RENEW = feeds.SALT, feeds.RENEW  # the feed mechanism is ``jobs.feeds``, shared with the service's feeds
FEED_PAST_DAYS = 30


# -- Appointments page -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A day, or a week from Monday to Sunday, in the current (organisation's) time zone."""

    view: str
    first: date
    length: int

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(self.length)]

    @property
    def previous(self) -> date:
        return self.first - timedelta(days=self.length)

    @property
    def next(self) -> date:
        return self.first + timedelta(days=self.length)

    @property
    def last(self) -> date:
        return self.first + timedelta(days=self.length - 1)

    def bounds(self) -> tuple[datetime, datetime]:
        zone = timezone.get_current_timezone()
        start = datetime.combine(self.first, time.min, tzinfo=zone)
        return start, datetime.combine(self.next, time.min, tzinfo=zone)


def period_of(view: str, day: date) -> Period:
    if view == "week":
        return Period("week", day - timedelta(days=day.weekday()), 7)
    return Period("day", day, 1)


def _with_address(qs: QuerySet[Job]) -> QuerySet[Job]:
    """The customer's address as one column (residence first), so a list costs one query."""
    first = (
        CustomerAddress.objects.filter(customer_id=OuterRef("customer_id"))
        .annotate(
            rank=Case(When(kind=AddressKind.RESIDENCE, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by("rank", "pk")
        .values(text=Concat("street", Value(", "), "postcode", Value(" "), "city", output_field=CharField()))[:1]
    )
    return qs.annotate(customer_address=Subquery(first, output_field=CharField()))


def appointments(scope: Scope, period: Period, *, mine: bool) -> QuerySet[Job]:
    """The company's (or my) appointments in the period, earliest first; cancelled jobs have none left."""
    start, end = period.bounds()
    qs = selectors.jobs_for(scope).filter(appointment_at__gte=start, appointment_at__lt=end)
    if mine:
        qs = qs.filter(installer=scope.user)
    qs = qs.exclude(status=JobStatus.CANCELLED).select_related(None)
    qs = qs.select_related("vehicle", "customer", "installer")
    return _with_address(qs).order_by("appointment_at", "pk")


@dataclass
class Day:
    day: date
    rows: list[Row]
    is_today: bool


def by_day(scope: Scope, period: Period, jobs: Iterable[Job]) -> list[Day]:
    """Each day of the period with its appointments, as lines that hide what the company no longer sees."""
    today = timezone.localdate()
    days = {d: Day(d, [], d == today) for d in period.days}
    for job in jobs:
        assert job.appointment_at is not None
        local = timezone.localtime(job.appointment_at).date()
        if local in days:
            days[local].rows.append(queries.row_of(scope, job))
    return list(days.values())


# -- Feed address (the shared mechanism of ``jobs.feeds``: signed, with a generation, renewed) --------------


def feed_token(membership: Membership, *, company: bool = False) -> str:
    return feeds.token(membership, "company" if company else "mine")


def feed_url(membership: Membership, *, company: bool = False) -> str:
    return feeds.url("jobs:calendar_feed", membership, "company" if company else "mine")


def feed_scope(token: str) -> tuple[Scope, bool] | None:
    """Who an installer's feed address belongs to and whether it is the company-wide one; None for anything not
    current, or not an installer's feed."""
    found = feeds.read(token)
    return installer_feed(found) if found is not None else None


def installer_feed(found: feeds.Feed) -> tuple[Scope, bool] | None:
    membership = found.scope.membership
    if found.subject not in feeds.LEGACY or membership.role not in INSTALLER_ROLES:
        return None
    company = found.subject == "company"
    if company and membership.role != Role.INSTALLER_ADMIN:
        return None
    return found.scope, company


def feed_renew(*, scope: Scope) -> Membership:
    """ "New address": every address of this membership handed out so far stops working."""
    scope.require_role(*INSTALLER_ROLES)
    return feeds.renew(scope=scope)


# -- Feed --------------------------------------------------------------------------------------------------


def feed_jobs(scope: Scope, *, company: bool) -> QuerySet[Job]:
    """Open jobs with an appointment from 30 days ago on: mine, or the whole company's."""
    since = timezone.now() - timedelta(days=FEED_PAST_DAYS)
    qs = selectors.open_jobs(scope).filter(appointment_at__gte=since)
    if not company:
        qs = qs.filter(installer=scope.user)
    qs = qs.select_related(None).select_related("vehicle", "customer", "installer")
    return _with_address(qs).order_by("appointment_at", "pk")


def _event(job: Any, now: datetime) -> Event:
    link = f"{settings.SITE_URL}{reverse('jobs:detail', kwargs={'pk': job.pk})}"
    customer = job.customer
    lines = [
        _("Customer: %(name)s") % {"name": customer.display_name},
        _("Phone: %(phone)s") % {"phone": customer.phone or "—"},
    ]
    if job.installer:
        lines.append(_("Installer: %(name)s") % {"name": str(job.installer)})
    return feeds.event(
        uid=f"job-{job.pk}",
        start=job.appointment_at,
        end=job.appointment_at + timedelta(minutes=settings.APPOINTMENT_MINUTES),
        summary=f"{job.number} · {job.get_kind_display()} · {job.vehicle.plate}",
        lines=lines,
        changed=job.changed_at,
        location=job.customer_address or "",
        link=link,
        now=now,
    )


def feed_ics(scope: Scope, *, company: bool) -> bytes:
    """The calendar, in the installer's language; times in UTC, which every calendar converts."""
    user, org = scope.user, scope.organisation
    now = timezone.now()
    with translation.override(user.language):
        name = org.name if company else f"{user} · {org.name}"
        cal = feeds.calendar(_("Appointments: %(name)s") % {"name": name}, str(ZoneInfo(org.time_zone)), "Appointments")
        for job in feed_jobs(scope, company=company):
            cal.add_component(_event(job, now))
    return bytes(cal.to_ical())


def feed_answer(found: feeds.Feed) -> bytes | None:
    """An installer's feed (``feeds.respond``'s builder), None for any other feed."""
    installer = installer_feed(found)
    return feed_ics(installer[0], company=installer[1]) if installer else None

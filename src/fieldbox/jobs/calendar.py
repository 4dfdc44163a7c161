"""Appointments by day and week, and the iCalendar feed each installer subscribes to.

The feed address carries a signed token (``django.core.signing``, its own salt) that names the membership and
its *generation* (``Membership.feed_generation``, 0 before the first renewal). "New address" counts it up (and
records when, ``feed_renewed_at``), so every address signed before no longer matches; a generation only grows, so
an old address can never come back. Removing the membership deletes its row, so its addresses name nothing.
Values a person changes for other reasons (password hash, last login) are not used: signing in or changing a
password must not cut the calendar off, and the two actions must stay independent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Case, CharField, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from icalendar import Calendar, Event

from fieldbox.accounts.choices import INSTALLER_ROLES, Role
from fieldbox.accounts.models import Membership
from fieldbox.core import audit
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.choices import AddressKind
from fieldbox.fleet.models import CustomerAddress
from fieldbox.jobs import queries, selectors
from fieldbox.jobs.choices import JobStatus
from fieldbox.jobs.models import Job
from fieldbox.jobs.queries import Row

SALT = "fieldbox.jobs.calendar-feed"
RENEW = "calendar.feed_renew"
FEED_PAST_DAYS = 30

audit.label_actions({RENEW: gettext_lazy("New calendar feed address")})


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


# -- Feed address ------------------------------------------------------------------------------------------


def feed_token(membership: Membership, *, company: bool = False) -> str:
    return signing.dumps([membership.pk, membership.feed_generation, int(company)], salt=SALT)


def feed_url(membership: Membership, *, company: bool = False) -> str:
    path = reverse("jobs:calendar_feed", kwargs={"token": feed_token(membership, company=company)})
    return f"{settings.SITE_URL}{path}"


def feed_scope(token: str) -> tuple[Scope, bool] | None:
    """Who a feed address belongs to and whether it is the company-wide one; None for anything not current."""
    try:
        membership_id, generation, company = signing.loads(token, salt=SALT)
        membership_id, generation, company = int(membership_id), int(generation), bool(company)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    membership = (
        Membership.objects.select_related("user", "organisation")
        .filter(
            pk=membership_id,
            role__in=INSTALLER_ROLES,
            user__is_active=True,
            organisation__is_active=True,
            organisation__deleted_at__isnull=True,
        )
        .first()
    )
    if membership is None or generation != membership.feed_generation:
        return None
    if company and membership.role != Role.INSTALLER_ADMIN:
        return None
    return Scope(user=membership.user, membership=membership), company


def feed_renew(*, scope: Scope) -> Membership:
    """ "New address": every address of this membership handed out so far stops working."""
    scope.require_role(*INSTALLER_ROLES)
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=scope.membership.pk)
        membership.feed_generation += 1
        membership.feed_renewed_at = timezone.now()
        membership.save(update_fields=["feed_generation", "feed_renewed_at"])
        audit.record(actor=scope.user, organisation=scope.organisation, obj=membership, action=RENEW)
    # The addresses this request gives next are the new ones.
    scope.membership.feed_generation, scope.membership.feed_renewed_at = (
        membership.feed_generation,
        membership.feed_renewed_at,
    )
    return membership


# -- Feed --------------------------------------------------------------------------------------------------


def feed_jobs(scope: Scope, *, company: bool) -> QuerySet[Job]:
    """Open jobs with an appointment from 30 days ago on: mine, or the whole company's."""
    since = timezone.now() - timedelta(days=FEED_PAST_DAYS)
    qs = selectors.open_jobs(scope).filter(appointment_at__gte=since)
    if not company:
        qs = qs.filter(installer=scope.user)
    qs = qs.select_related(None).select_related("vehicle", "customer", "installer")
    return _with_address(qs).order_by("appointment_at", "pk")


def _event(job: Any, host: str, now: datetime) -> Event:
    minutes = settings.APPOINTMENT_MINUTES
    link = f"{settings.SITE_URL}{reverse('jobs:detail', kwargs={'pk': job.pk})}"
    customer = job.customer
    lines = [
        _("Customer: %(name)s") % {"name": customer.display_name},
        _("Phone: %(phone)s") % {"phone": customer.phone or "—"},
    ]
    if job.installer:
        lines.append(_("Installer: %(name)s") % {"name": str(job.installer)})
    lines.append(link)
    event = Event()
    event.add("uid", f"job-{job.pk}@{host}")
    event.add("dtstamp", now)
    event.add("last-modified", job.changed_at)
    event.add("dtstart", job.appointment_at)
    event.add("dtend", job.appointment_at + timedelta(minutes=minutes))
    event.add("summary", f"{job.number} · {job.get_kind_display()} · {job.vehicle.plate}")
    if job.customer_address:
        event.add("location", job.customer_address)
    event.add("description", "\n".join(lines))
    event.add("url", link)
    return event


def feed_ics(scope: Scope, *, company: bool) -> bytes:
    """The calendar, in the installer's language; times in UTC, which every calendar converts."""
    user, org = scope.user, scope.organisation
    host = urlsplit(settings.SITE_URL).hostname or "fieldbox"
    now = timezone.now()
    with translation.override(user.language):
        cal = Calendar()
        cal.add("prodid", "-//Fieldbox//Appointments//EN")
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        name = org.name if company else f"{user} · {org.name}"
        cal.add("x-wr-calname", _("Appointments: %(name)s") % {"name": name})
        cal.add("x-wr-timezone", str(ZoneInfo(org.time_zone)))
        for job in feed_jobs(scope, company=company):
            cal.add_component(_event(job, host, now))
    return bytes(cal.to_ical())

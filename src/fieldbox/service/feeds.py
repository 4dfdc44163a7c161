"""The calendar feeds of the work in the field: a technician's work orders and activities, a resource's bookings,
for Google Calendar, Apple Calendar, Outlook and phones (Appsistance "collegamento con Google Calendar").

The addresses are those of the one feed mechanism (``jobs.feeds``): signed, naming the membership that took the
address, its generation and the subject ("person:<user id>" or "resource:<id>"); "New address" cuts off every
address that membership handed out (the installer's own feeds included). A technician takes the address of their
own calendar; a planner may take any technician's, and a resource's. Whether the taker still may see the subject
is checked at every fetch: a person who left, a resource of another organisation, a role that lost the right,
answer 404.

A feed lists the subject's busy bookings (the time a work order or an activity holds) from 30 days ago on, each
event with the work order's number, the customer, the site's address, and its times in UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fieldbox.accounts.choices import WORK_DOERS, WORK_PLANNERS
from fieldbox.accounts.models import Membership, User
from fieldbox.core.tenancy import Scope
from fieldbox.jobs import feeds
from fieldbox.service import selectors_calls as people
from fieldbox.service.models import Booking, Resource

FEED_PAST_DAYS = 30
VIEW = "service:calendar_feed"
# Who takes feed addresses here: whoever does or plans the work.
FEED_TAKERS = WORK_DOERS | WORK_PLANNERS


def person_subject(user: User | int) -> str:
    return f"person:{user if isinstance(user, int) else user.pk}"


def resource_subject(resource: Resource | int) -> str:
    return f"resource:{resource if isinstance(resource, int) else resource.pk}"


def feed_url(membership: Membership, subject: str) -> str:
    return feeds.url(VIEW, membership, subject)


def may_follow_person(scope: Scope, user_id: int) -> bool:
    """A technician follows their own calendar; a planner anyone's who works in the field."""
    if scope.role not in FEED_TAKERS:
        return False
    if user_id != scope.user.pk and scope.role not in WORK_PLANNERS:
        return False
    return people.field_people(scope).filter(pk=user_id).exists()


def person_feeds(scope: Scope) -> list[tuple[User, str]]:
    """The people whose calendar the reader may subscribe to, with the addresses (my own first)."""
    if scope.role not in FEED_TAKERS:
        return []
    found = people.field_people(scope)
    if scope.role not in WORK_PLANNERS:
        found = found.filter(pk=scope.user.pk)
    rows = sorted(found, key=lambda u: u.pk != scope.user.pk)
    return [(u, feed_url(scope.membership, person_subject(u))) for u in rows]


def resource_feeds(scope: Scope) -> list[tuple[Resource, str]]:
    if scope.role not in FEED_TAKERS:
        return []
    rows = Resource.objects.visible_to(scope).filter(active=True).order_by("name")
    return [(r, feed_url(scope.membership, resource_subject(r))) for r in rows]


def _bookings(scope: Scope, **subject: Any) -> QuerySet[Booking]:
    """The busy bookings of one person or resource from 30 days ago on, with what each event shows."""
    since = timezone.now() - timedelta(days=FEED_PAST_DAYS)
    return (
        Booking.objects.visible_to(scope)
        .filter(busy=True, ends_at__gte=since, **subject)
        .select_related("work_order__customer", "work_order__site", "work_order__work_type", "activity")
        .order_by("starts_at", "pk")
    )


def _link(order_id: int) -> str:
    try:
        return f"{settings.SITE_URL}{reverse('service:field_order', kwargs={'pk': order_id})}"
    except NoReverseMatch:
        return ""


def _event(booking: Booking, now: datetime) -> Any:
    order, activity = booking.work_order, booking.activity
    assert booking.starts_at is not None
    assert booking.ends_at is not None
    if order is None:
        assert activity is not None
        return feeds.event(
            uid=f"activity-{activity.pk}",
            start=booking.starts_at,
            end=booking.ends_at,
            summary=f"{activity.get_kind_display()} · {activity}" if activity.title else str(activity),
            lines=[activity.notes] if activity.notes else [],
            changed=activity.created_at,
            now=now,
        )
    customer = order.customer.display_name if order.customer else "—"
    site = str(order.site) if order.site else ""
    lines = [
        _("Work order: %(number)s") % {"number": order.number},
        _("Customer: %(name)s") % {"name": customer},
        _("Site: %(address)s") % {"address": site or "—"},
        _("Phone: %(phone)s") % {"phone": (order.customer.phone if order.customer else "") or "—"},
        order.description,
    ]
    kind = f" · {order.work_type}" if order.work_type else ""
    return feeds.event(
        uid=f"work-order-{order.pk}",
        start=booking.starts_at,
        end=booking.ends_at,
        summary=f"{order.number} · {customer}{kind}",
        lines=lines,
        changed=order.changed_at,
        location=site,
        link=_link(order.pk),
        now=now,
    )


def _ics(scope: Scope, title: str, bookings: QuerySet[Booking]) -> bytes:
    org = scope.organisation
    now = timezone.now()
    with translation.override(scope.user.language):
        cal = feeds.calendar(_("Work: %(name)s") % {"name": f"{title} · {org.name}"}, org.time_zone, "Work")
        for booking in bookings:
            cal.add_component(_event(booking, now))
    return bytes(cal.to_ical())


def person_ics(scope: Scope, user_id: int) -> bytes | None:
    """One person's calendar as ``scope`` (who took the address) may see it; None when it may not."""
    if not may_follow_person(scope, user_id):
        return None
    person = User.objects.get(pk=user_id)
    return _ics(scope, str(person), _bookings(scope, user_id=user_id))


def resource_ics(scope: Scope, resource_id: int) -> bytes | None:
    if scope.role not in FEED_TAKERS:
        return None
    resource = Resource.objects.visible_to(scope).filter(pk=resource_id).first()
    if resource is None:
        return None
    return _ics(scope, str(resource), _bookings(scope, resource_id=resource.pk))


def feed_answer(found: feeds.Feed) -> bytes | None:
    """The work feeds (``jobs.feeds.respond``'s builder): a person's or a resource's; None for any other."""
    person, resource = found.subject_id("person"), found.subject_id("resource")
    if person is not None:
        return person_ics(found.scope, person)
    if resource is not None:
        return resource_ics(found.scope, resource)
    return None


def feed_renew(*, scope: Scope) -> Membership:
    """ "New address": every feed address this membership handed out stops working."""
    scope.require_role(*FEED_TAKERS)
    return feeds.renew(scope=scope)

"""Calendar feeds: the one mechanism behind every iCalendar address a calendar application subscribes to (an
installer's appointments, a company's, a technician's work orders and activities, a resource's bookings).

An address carries a signed token (``django.core.signing``, its own salt) that names a membership, its
*generation* (``Membership.feed_generation``, 0 before the first renewal) and a *subject*: what the feed shows
("mine", "company", "person:12", "resource:3"). "New address" counts the generation up (and records when,
``feed_renewed_at``), so every address that membership handed out before stops matching, whatever its subject; a
generation only grows, so an old address can never come back. Removing the membership deletes its row, so its
addresses name nothing. Values a person changes for other reasons (password hash, last login) are not used:
signing in or changing a password must not cut a calendar off.

Each app builds its own feeds from a ``Feed`` (who, and what) and answers through ``respond``: a wrong address
answers 404 like a missing page, and an address that tries too many wrong ones is refused for a while (429).
Times are written in UTC, which every calendar converts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_ratelimit.core import get_usage
from icalendar import Calendar, Event

from fieldbox.accounts.models import Membership
from fieldbox.core import audit
from fieldbox.core.tenancy import Scope

SALT = "fieldbox.jobs.calendar-feed"
RENEW = "calendar.feed_renew"
# The installer feeds' subjects are written as they always were (0 and 1), so their addresses stay the same.
LEGACY = {"mine": 0, "company": 1}
FROM_LEGACY = {number: subject for subject, number in LEGACY.items()}

audit.label_actions({RENEW: gettext_lazy("New calendar feed address")})


@dataclass(frozen=True)
class Feed:
    """Whose address it is (their scope, as they are now) and what it shows."""

    scope: Scope
    subject: str

    def subject_id(self, kind: str) -> int | None:
        """The id in a subject "kind:id", None for another kind."""
        name, _sep, number = self.subject.partition(":")
        return int(number) if name == kind and number.isdigit() else None


def token(membership: Membership, subject: str) -> str:
    return signing.dumps([membership.pk, membership.feed_generation, LEGACY.get(subject, subject)], salt=SALT)


def url(viewname: str, membership: Membership, subject: str) -> str:
    """The full address of a feed, served by the view ``viewname`` (which takes ``token``)."""
    return f"{settings.SITE_URL}{reverse(viewname, kwargs={'token': token(membership, subject)})}"


def read(value: str) -> Feed | None:
    """The feed an address names, as its membership is now; None for anything not current."""
    try:
        membership_id, generation, subject = signing.loads(value, salt=SALT)
        membership_id, generation = int(membership_id), int(generation)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    subject = FROM_LEGACY.get(subject, subject) if isinstance(subject, int) else subject
    if not isinstance(subject, str):
        return None
    membership = (
        Membership.objects.select_related("user", "organisation")
        .filter(
            pk=membership_id,
            user__is_active=True,
            organisation__is_active=True,
            organisation__deleted_at__isnull=True,
        )
        .first()
    )
    if membership is None or generation != membership.feed_generation:
        return None
    return Feed(Scope(user=membership.user, membership=membership), subject)


def renew(*, scope: Scope) -> Membership:
    """ "New address": every feed address of this membership handed out so far stops working (the caller checks
    that the person has feeds)."""
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


# -- Building a calendar -----------------------------------------------------------------------------------


def host() -> str:
    """The host part of every event's UID."""
    return urlsplit(settings.SITE_URL).hostname or "fieldbox"


def calendar(name: str, time_zone: str, product: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", f"-//Fieldbox//{product}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", time_zone)
    return cal


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def event(
    *,
    uid: str,
    start: datetime,
    end: datetime,
    summary: str,
    lines: list[str],
    changed: datetime | None = None,
    location: str = "",
    link: str = "",
    now: datetime | None = None,
) -> Event:
    """One event, its times in UTC."""
    item = Event()
    item.add("uid", f"{uid}@{host()}")
    item.add("dtstamp", utc(now or timezone.now()))
    if changed:
        item.add("last-modified", utc(changed))
    item.add("dtstart", utc(start))
    item.add("dtend", utc(end))
    item.add("summary", summary)
    if location:
        item.add("location", location)
    item.add("description", "\n".join([*lines, link] if link else lines))
    if link:
        item.add("url", link)
    return item


# -- Answering ---------------------------------------------------------------------------------------------


def respond(request: HttpRequest, value: str, build: Callable[[Feed], bytes | None]) -> HttpResponse:
    """The .ics a calendar application fetches, without a session: ``build`` makes it from the feed the address
    names, or answers None for a subject it does not serve (404, counted like a wrong address)."""
    limit: dict[str, Any] = {"group": "calendar-feed", "key": "ip", "rate": settings.CALENDAR_FEED_REFUSED_RATE}
    usage = get_usage(request, increment=False, **limit)
    if usage is not None and usage["count"] >= usage["limit"]:
        return HttpResponse(_("Too many wrong calendar addresses. Try again later."), status=429)
    found = read(value)
    body = build(found) if found is not None else None
    if body is None:
        get_usage(request, increment=True, **limit)  # only wrong addresses count
        raise Http404
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="fieldbox.ics"'
    response["Cache-Control"] = "private, no-store"
    return response

"""The calendar feeds of the work in the field: the addresses a technician or a planner subscribes to (a person's
work orders and activities, a resource's bookings), a new address that cuts off the old ones, and the feed itself
(a public, signed address: ``jobs.feeds``, the mechanism the installers' feeds use too)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from fieldbox.core.http import AuthedRequest
from fieldbox.core.web import run_service, scope_required
from fieldbox.jobs import feeds as shared
from fieldbox.service import feeds


@scope_required(*feeds.FEED_TAKERS)
@require_safe
def calendar_feeds(request: AuthedRequest) -> HttpResponse:
    """My calendar's address (and, for a planner, every technician's and resource's), to paste into a calendar."""
    scope = request.scope
    context = {"people": feeds.person_feeds(scope), "resources": feeds.resource_feeds(scope)}
    return render(request, "service/calendar_feeds.html", context)


@scope_required(*feeds.FEED_TAKERS)
@require_POST
def calendar_feeds_renew(request: AuthedRequest) -> HttpResponse:
    """ "New address": the addresses given out so far stop working; calendars must subscribe again."""
    if run_service(request, None, lambda: feeds.feed_renew(scope=request.scope)) is not None:
        messages.success(
            request, _("Your calendars have new addresses. Subscribe to them again: the old ones no longer work.")
        )
    return redirect("service:calendar_feeds")


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The .ics a calendar application fetches, without a session; a wrong or renewed address answers 404."""
    return shared.respond(request, token, feeds.feed_answer)

"""The installer company's appointments by day and week, and the iCalendar feed (a public, signed address)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from fieldbox.accounts.choices import INSTALLER_ROLES, Role
from fieldbox.core.http import AuthedRequest
from fieldbox.core.web import run_service, scope_required
from fieldbox.jobs import calendar, feeds

WHO = ("mine", "company")


def _day(value: str) -> date:
    try:
        return parse_date(value) or timezone.localdate()
    except ValueError:  # well formed but no such day (2026-02-30)
        return timezone.localdate()


def _feeds(request: AuthedRequest) -> dict[str, str]:
    membership = request.scope.membership
    feeds = {"mine": calendar.feed_url(membership)}
    if membership.role == Role.INSTALLER_ADMIN:
        feeds["company"] = calendar.feed_url(membership, company=True)
    return feeds


@scope_required(*INSTALLER_ROLES)
def appointments(request: AuthedRequest) -> HttpResponse:
    """By day (default today) or by week (Monday to Sunday), mine or the whole company's."""
    scope = request.scope
    view = "week" if request.GET.get("view") == "week" else "day"
    default = "company" if scope.role == Role.INSTALLER_ADMIN else "mine"
    who = request.GET.get("who", default)
    who = who if who in WHO else default
    period = calendar.period_of(view, _day(request.GET.get("day", "")))
    jobs = calendar.appointments(scope, period, mine=who == "mine")
    days = calendar.by_day(scope, period, jobs)
    context: dict[str, Any] = {
        "period": period,
        "days": days,
        "total": sum(len(d.rows) for d in days),
        "who": who,
        "today": timezone.localdate(),
        "feeds": _feeds(request),
    }
    return render(request, "jobs/calendar.html", context)


@scope_required(*INSTALLER_ROLES)
@require_POST
def renew(request: AuthedRequest) -> HttpResponse:
    """ "New address": the addresses given out so far stop working; calendars must subscribe again."""
    if run_service(request, None, lambda: calendar.feed_renew(scope=request.scope)) is not None:
        messages.success(
            request, _("Your calendar has a new address. Subscribe to it again: the old one no longer works.")
        )
    return redirect("jobs:appointments")


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The .ics a calendar application fetches, without a session. A wrong address answers 404, like a
    missing page, and an address that tries too many wrong ones is refused for a while (429)."""
    return feeds.respond(request, token, calendar.feed_answer)

"""The bell: a person's notifications, and which events also come by e-mail."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fieldbox.core.http import AuthedRequest
from fieldbox.core.pagination import keyset_page
from fieldbox.core.web import scope_required
from fieldbox.messaging import selectors, services
from fieldbox.messaging.forms import PreferencesForm

PAGE_SIZE = 30


@scope_required()
def notification_list(request: AuthedRequest) -> HttpResponse:
    before = request.GET.get("before", "")
    items, older = keyset_page(
        selectors.notifications_for(request.scope), int(before) if before.isdigit() else None, PAGE_SIZE
    )
    return render(request, "messaging/notifications.html", {"items": items, "older": older, "is_first": not before})


@scope_required()
@require_POST
def notifications_read(request: AuthedRequest) -> HttpResponse:
    count = services.notifications_read(scope=request.scope)
    messages.success(request, _("%(n)s notifications marked as read.") % {"n": count})
    return redirect("messaging:notifications")


@scope_required()
@require_POST
def notification_open(request: AuthedRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(selectors.notifications_for(request.scope), pk=pk)
    services.notifications_read(scope=request.scope, ids=[note.pk])
    if note.url and url_has_allowed_host_and_scheme(note.url, allowed_hosts=None):
        return redirect(note.url)
    return redirect("messaging:notifications")


@scope_required()
@require_http_methods(["GET", "POST"])
def preferences(request: AuthedRequest) -> HttpResponse:
    scope = request.scope
    posted = request.POST if request.method == "POST" else None  # an empty POST is still an answer
    form = PreferencesForm(posted, current=selectors.email_choices(scope), role=scope.role)
    if request.method == "POST" and form.is_valid():
        services.preferences_save(scope=scope, by_email=form.by_email())
        messages.success(request, _("Preferences saved."))
        return redirect("messaging:preferences")
    return render(request, "messaging/preferences.html", {"form": form})

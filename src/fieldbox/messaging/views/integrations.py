"""Integrations: an organisation's webhook endpoints with their delivery log; a provider's device event feeds and
events."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fieldbox.accounts.choices import ADMIN_ROLES, PROVIDER_ADMINS, PROVIDER_STAFF
from fieldbox.core.http import AuthedRequest
from fieldbox.core.pagination import keyset_page
from fieldbox.core.web import run_service, scope_required
from fieldbox.messaging import selectors, services
from fieldbox.messaging.forms import FeedForm, WebhookForm

PAGE_SIZE = 50


@scope_required(*ADMIN_ROLES)
@require_http_methods(["GET", "POST"])
def webhook_list(request: AuthedRequest) -> HttpResponse:
    form = WebhookForm(request.POST or None, organisation_kind=request.scope.organisation.kind)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = run_service(
            request,
            form,
            lambda: services.webhook_create(
                scope=request.scope, url=data["url"], event_types=data["event_types"], description=data["description"]
            ),
        )
        if created is not None:
            messages.success(request, _("Endpoint added. Copy its signing secret below."))
            return redirect("messaging:webhook_detail", pk=created.pk)
    endpoints = selectors.webhooks_for(request.scope)
    return render(request, "messaging/webhooks.html", {"form": form, "endpoints": endpoints})


@scope_required(*ADMIN_ROLES)
@require_http_methods(["GET", "POST"])
def webhook_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    endpoint = selectors.webhook_for(request.scope, pk)
    initial = {f: getattr(endpoint, f) for f in ("url", "description", "event_types", "is_active")}
    form = WebhookForm(request.POST or None, initial=initial, organisation_kind=request.scope.organisation.kind)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = run_service(
            request,
            form,
            lambda: services.webhook_update(scope=request.scope, endpoint_id=endpoint.pk, **data),
        )
        if saved is not None:
            messages.success(request, _("Endpoint saved."))
            return redirect("messaging:webhook_detail", pk=endpoint.pk)
    before = request.GET.get("before", "")
    deliveries, older = keyset_page(
        selectors.deliveries_of(endpoint), int(before) if before.isdigit() else None, PAGE_SIZE
    )
    context = {"endpoint": endpoint, "form": form, "deliveries": deliveries, "older": older, "is_first": not before}
    return render(request, "messaging/webhook_detail.html", context)


@scope_required(*ADMIN_ROLES)
@require_POST
def webhook_ping(request: AuthedRequest, pk: int) -> HttpResponse:
    endpoint = selectors.webhook_for(request.scope, pk)
    services.webhook_ping(scope=request.scope, endpoint_id=endpoint.pk)
    messages.success(request, _("Test event queued: it appears in the delivery log."))
    return redirect("messaging:webhook_detail", pk=endpoint.pk)


@scope_required(*ADMIN_ROLES)
@require_POST
def webhook_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    endpoint = selectors.webhook_for(request.scope, pk)
    services.webhook_delete(scope=request.scope, endpoint_id=endpoint.pk)
    messages.success(request, _("Endpoint removed."))
    return redirect("messaging:webhooks")


@scope_required(*PROVIDER_ADMINS)
@require_http_methods(["GET", "POST"])
def feed_list(request: AuthedRequest) -> HttpResponse:
    form = FeedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.feed_create(scope=request.scope, format=form.cleaned_data["format"])
        messages.success(request, _("Key created. Configure your telematics backend with it."))
        return redirect("messaging:feeds")
    context = {
        "form": form,
        "feeds": selectors.feeds_for(request.scope),
        "unknown": selectors.unknown_devices_for(request.scope)[:20],
        "events": selectors.device_events_for(request.scope)[:20],
    }
    return render(request, "messaging/feeds.html", context)


@scope_required(*PROVIDER_ADMINS)
@require_POST
def feed_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    feed = selectors.feed_for(request.scope, pk)
    run_service(request, None, lambda: services.feed_revoke(scope=request.scope, feed_id=feed.pk))
    messages.success(request, _("Key revoked: events signed with it are refused."))
    return redirect("messaging:feeds")


@scope_required(*PROVIDER_STAFF)
def device_event_list(request: AuthedRequest) -> HttpResponse:
    device = request.GET.get("device", "").strip()[:64]
    before = request.GET.get("before", "")
    rows, older = keyset_page(
        selectors.device_events_for(request.scope, device), int(before) if before.isdigit() else None, PAGE_SIZE
    )
    query = request.GET.copy()
    query.pop("before", None)
    context = {"rows": rows, "older": older, "is_first": not before, "device": device, "query": query.urlencode()}
    return render(request, "messaging/device_events.html", context)

"""The organisation's outgoing messages: what went out, what waits, what failed (and sending it again)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldbox.accounts.choices import ADMIN_ROLES
from fieldbox.core.http import AuthedRequest
from fieldbox.core.pagination import keyset_page
from fieldbox.core.web import run_service, scope_required
from fieldbox.messaging import selectors, services
from fieldbox.messaging.choices import Channel, MessageStatus
from fieldbox.messaging.forms import TestSmsForm

PAGE_SIZE = 50


@scope_required(*ADMIN_ROLES)
def message_list(request: AuthedRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    channel = request.GET.get("channel", "")
    status = status if status in MessageStatus.values else ""
    channel = channel if channel in Channel.values else ""
    before = request.GET.get("before", "")
    rows, older = keyset_page(
        selectors.messages_for(request.scope, status or None, channel or None),
        int(before) if before.isdigit() else None,
        PAGE_SIZE,
    )
    query = request.GET.copy()
    query.pop("before", None)
    context = {
        "rows": rows,
        "older": older,
        "is_first": not before,
        "query": query.urlencode(),
        "status": status,
        "channel": channel,
        "statuses": MessageStatus.choices,
        "channels": Channel.choices,
        "sms_form": TestSmsForm(),
    }
    return render(request, "messaging/messages.html", context)


@scope_required(*ADMIN_ROLES)
def message_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    row = selectors.message_for(request.scope, pk)
    return render(request, "messaging/message_detail.html", {"row": row})


@scope_required(*ADMIN_ROLES)
@require_POST
def message_retry(request: AuthedRequest, pk: int) -> HttpResponse:
    row = selectors.message_for(request.scope, pk)
    if services.messages_retry(scope=request.scope, ids=[row.pk]):
        messages.success(request, _("The message will be sent again."))
    else:
        messages.error(request, _("Only a failed message can be sent again."))
    return redirect("messaging:message_detail", pk=row.pk)


@scope_required(*ADMIN_ROLES)
@require_POST
def messages_retry_failed(request: AuthedRequest) -> HttpResponse:
    count = services.messages_retry(scope=request.scope)
    messages.success(request, _("%(n)s failed messages will be sent again.") % {"n": count})
    return redirect("messaging:messages")


@scope_required(*ADMIN_ROLES)
@require_POST
def test_sms(request: AuthedRequest) -> HttpResponse:
    form = TestSmsForm(request.POST)
    if form.is_valid():
        phone = form.cleaned_data["phone"]
        run_service(request, form, lambda: services.test_sms_send(scope=request.scope, phone=phone))
    if form.errors:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    else:
        messages.success(request, _("Test SMS queued: it appears below with its status."))
    return redirect("messaging:messages")

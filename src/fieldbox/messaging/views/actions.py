"""The page behind an action link: GET shows what it would do, POST (signed in, CSRF) does it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from fieldbox.accounts.forms import ReasonForm
from fieldbox.core.web import run_service
from fieldbox.messaging import links


@login_required
@require_http_methods(["GET", "POST"])
def action(request: HttpRequest, token: str) -> HttpResponse:
    try:
        spec, object_id = links.read(token)
    except signing.SignatureExpired:
        return render(request, "messaging/action_invalid.html", {"expired": True}, status=410)
    except signing.BadSignature:
        return render(request, "messaging/action_invalid.html", {"expired": False}, status=410)
    scope = getattr(request, "scope", None)
    if scope is None:
        raise Http404
    description = spec.describe(scope, object_id)
    if description is None:
        raise Http404
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data.get("reason", "")
        done = run_service(request, form, lambda: spec.perform(scope, object_id, reason))
        if done is not None:
            message, url = done
            messages.success(request, message)
            return redirect(url)
    context = {"action": spec, "description": description, "form": form if spec.needs_reason else None}
    return render(request, "messaging/action.html", context)

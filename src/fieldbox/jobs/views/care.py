"""Customer care's screens: the one search box, moving a deadline, correcting a pairing, the installation
certificate; and the vehicle owner's page behind the link of the SMS (no sign-in)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from fieldbox.accounts.choices import CARE, PROVIDER_ROLES
from fieldbox.core.errors import Conflict
from fieldbox.core.http import AuthedRequest
from fieldbox.core.web import run_service, scope_required
from fieldbox.jobs import care, certificate, queries, selectors, services
from fieldbox.jobs.forms import CareSearchForm, CorrectPairingForm, ExtendDeadlineForm, OwnerChangeForm
from fieldbox.jobs.models import masked_plate
from fieldbox.jobs.views.common import FormFactory, form_key, keep_form, kept_form, see_other

SEARCH_LIMIT = 50
# The owner's page after the request went: its address carries the flag (the owner has no account to remember it).
SENT = "sent"


@scope_required(*PROVIDER_ROLES)
def search(request: AuthedRequest) -> HttpResponse:
    form = CareSearchForm(request.GET or None)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    found = list(selectors.search(request.scope, text)[: SEARCH_LIMIT + 1]) if text else []
    rows = [queries.row_of(request.scope, job) for job in found[:SEARCH_LIMIT]]
    context = {"form": form, "q": text, "rows": rows, "more": len(found) > SEARCH_LIMIT}
    return render(request, "jobs/care_search.html", {**context, "limit": SEARCH_LIMIT})


def _care_page(
    request: AuthedRequest, pk: int, template: str, form_class: FormFactory, call: Any, done: str
) -> HttpResponse:
    """GET: the form (or the one a refused POST left, with its errors); POST: run the service, then back to the job
    when it worked, otherwise to this page with the form kept (303 either way: a reload never posts again)."""
    job = selectors.job_for(request.scope, pk)
    key = form_key(job, template)
    if request.method != "POST":
        name, kept, _extra = kept_form(request, key, {"form": form_class})
        return render(request, template, {"job": job, "form": kept if name else form_class(None)})
    form = form_class(request.POST)
    if form.is_valid() and run_service(request, form, lambda: (call(job, form.cleaned_data), True)[1]):
        messages.success(request, done)
        return see_other(reverse("jobs:detail", args=[job.pk]))
    keep_form(request, key, "form", form)
    return see_other(request.path)


@scope_required(*CARE)
@require_http_methods(["GET", "POST"])
def extend_deadline(request: AuthedRequest, pk: int) -> HttpResponse:
    return _care_page(
        request,
        pk,
        "jobs/care_extend_deadline.html",
        ExtendDeadlineForm,
        lambda job, d: services.job_extend_deadline(
            scope=request.scope, job_id=job.pk, until=d["until"], reason=d["reason"]
        ),
        _("Deadline extended: the installer company sees the new date."),
    )


@scope_required(*CARE)
@require_http_methods(["GET", "POST"])
def correct_pairing(request: AuthedRequest, pk: int) -> HttpResponse:
    return _care_page(
        request,
        pk,
        "jobs/care_correct_pairing.html",
        CorrectPairingForm,
        lambda job, d: services.job_correct_pairing(
            scope=request.scope, job_id=job.pk, serial=d["serial"], imei_last4=d["imei_last4"], reason=d["reason"]
        ),
        _("Pairing corrected: the job waits for the new device's activation."),
    )


@scope_required(*PROVIDER_ROLES)
def certificate_download(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        job = certificate.certificate_job(request.scope, pk)
    except Conflict as refused:
        messages.error(request, refused.message)
        return redirect("jobs:detail", pk=pk)
    response = HttpResponse(certificate.certificate_pdf(job), content_type=certificate.PDF)
    response["Content-Disposition"] = f'attachment; filename="{certificate.filename(job)}"'
    return response


@scope_required(*CARE)
@require_http_methods(["GET", "POST"])
def certificate_send(request: AuthedRequest, pk: int) -> HttpResponse:
    """GET: confirm, showing where it goes; POST: send it through the outbox."""
    try:
        job = certificate.certificate_job(request.scope, pk)
    except Conflict as refused:
        messages.error(request, refused.message)
        return redirect("jobs:detail", pk=pk)
    if request.method == "POST":
        sent_to = run_service(request, None, lambda: certificate.certificate_send(scope=request.scope, job_id=job.pk))
        if sent_to is not None:
            messages.success(request, _("The certificate is on its way to %(email)s.") % {"email": sent_to})
        return see_other(reverse("jobs:detail", args=[job.pk]))
    return render(request, "jobs/care_certificate_send.html", {"job": job})


def _limited(request: HttpRequest) -> bool:
    group = f"owner-link-{request.method}"
    return bool(is_ratelimited(request, group=group, key="ip", rate=settings.OWNER_LINK_RATE, increment=True))


def _owner_render(
    request: HttpRequest, page: care.OwnerPage, form: OwnerChangeForm, *, status: int = 200, just_asked: bool = False
) -> HttpResponse:
    plate = masked_plate(page.job.vehicle.plate)
    context = {"page": page, "form": form, "plate": plate, "just_asked": just_asked}
    return render(request, "jobs/care_owner.html", context, status=status)


@require_http_methods(["GET", "POST"])
def owner_link(request: HttpRequest, token: str) -> HttpResponse:
    """The owner's page, in the owner's language: the workshop, and "Ask for another workshop" while it may."""
    if _limited(request):
        return render(request, "jobs/care_owner_invalid.html", {"limited": True}, status=429)
    try:
        page = care.owner_page(token)
    except signing.SignatureExpired:
        return render(request, "jobs/care_owner_invalid.html", {"expired": True}, status=410)
    except signing.BadSignature:
        return render(request, "jobs/care_owner_invalid.html", {"expired": False}, status=410)
    with translation.override(page.job.customer.language):
        form = OwnerChangeForm(request.POST or None)
        if request.method != "POST":
            return _owner_render(request, page, form, just_asked=page.asked and SENT in request.GET)
        if not form.is_valid():
            return _owner_render(request, page, form)
        try:
            page = care.owner_change_request(token=token, message=form.cleaned_data["message"])
        except Conflict as refused:
            form.add_error(None, refused.message)
            return _owner_render(request, care.owner_page(token), form, status=409)
        # Back to the page (303): a reload shows that the request went, and never sends it again.
        return see_other(f"{request.path}?{SENT}=1")

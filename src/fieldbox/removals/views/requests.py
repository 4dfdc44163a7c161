"""The requester's way in: upload a file, read the summary (or watch a large file's progress), confirm or discard.

The upload checks every row; the summary lists the lines that will be saved ("New") and the rows in error by row
and column. Nothing goes to the removers until the requester confirms; with rows in error only when they tick
"Keep only the valid rows".
"""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_http_methods, require_POST
from openpyxl import Workbook

from fieldbox.accounts.choices import PLANNERS
from fieldbox.core.http import AuthedRequest
from fieldbox.core.web import run_service, scope_required
from fieldbox.removals import imports, selectors
from fieldbox.removals.choices import RequestState
from fieldbox.removals.models import RemovalRequest
from fieldbox.removals.services import requests as services

LINES_PER_PAGE = 100
ERRORS_PER_PAGE = 50
ACCEPT = ".xlsx,.xls,.ods,.csv"


class RemovalUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("Excel (.xlsx, .xls), OpenDocument (.ods) or CSV, with the template's columns."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    follow_up_email = forms.EmailField(
        label=gettext_lazy("Follow-up e-mail"),
        help_text=gettext_lazy("Receives an e-mail at each step of each removal."),
    )
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200, required=False)


def _draft(request: AuthedRequest, pk: int) -> RemovalRequest:
    try:
        return services.draft_for(request.scope, pk)
    except RemovalRequest.DoesNotExist:
        raise Http404 from None


@scope_required(*PLANNERS)
@require_http_methods(["GET", "POST"])
def request_new(request: AuthedRequest) -> HttpResponse:
    """Upload the file: refused with its errors (nothing kept), or checked into a draft and its summary."""
    initial = {"follow_up_email": request.scope.user.email}
    form = RemovalUploadForm(request.POST or None, request.FILES or None, initial=initial)
    context: dict[str, Any] = {"form": form, "header": imports.HEADER}
    if request.method != "POST" or not form.is_valid():
        return render(request, "removals/upload.html", context)
    upload, data = form.cleaned_data["file"], form.cleaned_data
    try:
        draft = run_service(
            request,
            form,
            lambda: services.request_upload(
                scope=request.scope,
                stream=upload,
                file_name=upload.name or "",
                size=upload.size,
                follow_up_email=data["follow_up_email"],
                description=data["description"],
            ),
        )
    except imports.ImportRefused as refused:
        context["errors"] = refused.errors
        return render(request, "removals/upload.html", context, status=422)
    if draft is None:
        return render(request, "removals/upload.html", context, status=422)
    return redirect("removals:request_summary", pk=draft.pk)


@scope_required(*PLANNERS)
def request_template(request: AuthedRequest) -> HttpResponse:
    """The file to fill in: the exact header and the manual's two example rows (dates as date cells)."""
    header, rows = imports.template_rows()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = pgettext("sheet name", "Removals")
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
        sheet.cell(sheet.max_row, 5).number_format = "DD/MM/YYYY"
    for column, width in zip("ABCDEF", (22, 16, 18, 22, 24, 30), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="removal-request.xlsx"'
    return response


def _list_url() -> str:
    try:
        return reverse("removals:requests")
    except NoReverseMatch:
        return ""


@scope_required(*PLANNERS)
def request_summary(request: AuthedRequest, pk: int) -> HttpResponse:
    """The draft: its lines as they will be sent, its rows in error, Confirm and Discard; or the progress."""
    draft = _draft(request, pk)
    if draft.state == RequestState.SAVED:
        return redirect("removals:request_saved", pk=draft.pk)
    if draft.state in (RequestState.CHECKING, RequestState.SAVING):
        return render(request, "removals/summary.html", {"draft": draft, "working": True})
    paginator = Paginator(services.draft_lines(draft), LINES_PER_PAGE)
    paginator.count = draft.line_count  # known since the check: no COUNT of a large draft
    lines = paginator.get_page(request.GET.get("page"))
    errors = Paginator(draft.errors, ERRORS_PER_PAGE).get_page(request.GET.get("errors"))
    context = {
        "draft": draft,
        "lines": lines,
        "errors": errors,
        "line_count": lines.paginator.count,
        "more_errors": max(draft.error_count - len(draft.errors), 0),
    }
    return render(request, "removals/summary.html", context)


@scope_required(*PLANNERS)
def request_progress(request: AuthedRequest, pk: int) -> HttpResponse:
    """The progress bar of a large file (polled by HTMX); once done, the page reloads into the summary."""
    draft = _draft(request, pk)
    if draft.state not in (RequestState.CHECKING, RequestState.SAVING):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("removals:request_summary", args=[draft.pk])
        return response
    return render(request, "removals/_progress.html", {"draft": draft})


@scope_required(*PLANNERS)
@require_POST
def request_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    """Save the draft: the removers are told; a large draft is saved in the background."""
    draft = _draft(request, pk)
    keep = request.POST.get("keep_valid_only") in ("1", "on", "true")
    background = draft.line_count > settings.REMOVAL_IMPORT_BACKGROUND_ROWS
    confirm = services.request_confirm_later if background else services.request_confirm
    saved = run_service(request, None, lambda: confirm(scope=request.scope, request_id=draft.pk, keep_valid_only=keep))
    if saved is None:
        return redirect("removals:request_summary", pk=draft.pk)
    if saved.state == RequestState.SAVED:
        return redirect("removals:request_saved", pk=draft.pk)
    return redirect("removals:request_summary", pk=draft.pk)


@scope_required(*PLANNERS)
@require_POST
def request_discard(request: AuthedRequest, pk: int) -> HttpResponse:
    draft = _draft(request, pk)

    def call() -> bool:
        services.request_discard(scope=request.scope, request_id=draft.pk)
        return True

    if run_service(request, None, call):
        messages.success(request, _("The draft request was discarded: nothing was sent."))
        return redirect("removals:request_new")
    return redirect("removals:request_summary", pk=draft.pk)


@scope_required(*PLANNERS)
def request_saved(request: AuthedRequest, pk: int) -> HttpResponse:
    """ "Request saved", with its number (Traqueur "Demande enregistrée")."""
    draft = _draft(request, pk)
    if draft.state != RequestState.SAVED:
        return redirect("removals:request_summary", pk=draft.pk)
    line_count = selectors.summaries([draft.pk])[draft.pk].total
    context = {"draft": draft, "line_count": line_count, "list_url": _list_url()}
    return render(request, "removals/saved.html", context)

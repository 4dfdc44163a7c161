"""Checklists on work orders, on screen: the technician answers on the phone (the shared answering partial
``jobs/_check_line.html``, its forms marked ``data-offline`` for a bad signal), the office reads the answers on the
work order's page, and the planner chooses each type of work's checklists on the setup page.

Every change goes through ``service.services.checklists`` (the same the API calls); a photo is served only through
its work order's organisation."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldbox.accounts.choices import WORK_DOERS, WORK_PLANNERS
from fieldbox.core.errors import Conflict
from fieldbox.core.http import AuthedRequest
from fieldbox.core.web import run_service, scope_required
from fieldbox.service import selectors_checklists as checklist_reads
from fieldbox.service import selectors_work_orders as reads
from fieldbox.service.services import checklists
from fieldbox.service.views import field  # the phone's page, shown again with a refusal

FIELD = tuple(sorted(WORK_DOERS))
PLANNERS = tuple(sorted(WORK_PLANNERS))


# ---- The phone ------------------------------------------------------------------------------------------------------


def _back(pk: int, run: int, key: str) -> HttpResponse:
    """The phone's page again, at the line just answered. A query, not a fragment: the phone's offline layer follows
    the address given, and a fragment alone would not load the page again."""
    return redirect(reverse("service:field_order", args=[pk]) + "?" + urlencode({"line": f"{run}:{key}"}))


def _again(request: AuthedRequest, pk: int, run: int, key: str, error: str) -> HttpResponse:
    """The work order's page again with the refusal on its line (422: the phone's queue knows it was refused)."""
    request.refusal = [error]  # type: ignore[attr-defined]
    request.checklist_errors = {f"{run}:{key}": error}  # type: ignore[attr-defined]
    messages.error(request, error)
    response = field.order_page(request, pk)
    response.status_code = 422
    return response


def _refusal(call: Any) -> str:
    """Run ``call``; the words of its refusal, or "" when it went through."""
    try:
        call()
    except ValidationError as exc:
        return " ".join(exc.messages)
    except Conflict as exc:
        return exc.message
    return ""


@require_POST
@scope_required(*FIELD)
def answer(request: AuthedRequest, pk: int, run: int) -> HttpResponse:
    """One answer (a tap for a yes/no, a select for a choice, a number or a text with its Save button)."""
    reads.work_order_for(request.scope, pk)  # 404 before anything else
    key = request.POST.get("item", "")[:32]
    value: str | list[str] = (
        request.POST.getlist("value") if request.POST.get("multi") else request.POST.get("value", "")
    )
    error = _refusal(
        lambda: checklists.checklist_answer(scope=request.scope, work_order_id=pk, run_id=run, key=key, value=value)
    )
    if error:
        return _again(request, pk, run, key, error)
    return _back(pk, run, key)


@require_POST
@scope_required(*FIELD)
def photo_upload(request: AuthedRequest, pk: int, run: int) -> HttpResponse:
    reads.work_order_for(request.scope, pk)
    key = request.POST.get("item", "")[:32]
    upload = request.FILES.get("photo")
    if upload is None:
        return _again(request, pk, run, key, _("Choose a photo."))
    error = _refusal(
        lambda: checklists.checklist_photo_add(
            scope=request.scope, work_order_id=pk, run_id=run, key=key, upload=upload
        )
    )
    if error:
        return _again(request, pk, run, key, error)
    messages.success(request, _("Photo saved."))
    return _back(pk, run, key)


@scope_required()
def photo(request: AuthedRequest, pk: int) -> HttpResponse:
    """The photo itself, only through its work order's organisation: never a public media address."""
    found = checklist_reads.photo_for(request.scope, pk)
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    extension = str(found.file.name).rsplit(".", 1)[-1]
    number = checklist_reads.work_order_of(found).number
    response["Content-Disposition"] = f'inline; filename="{number}-{found.pk}.{extension}"'
    return cast(HttpResponse, response)


@require_POST
@scope_required(*FIELD)
def photo_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    found = checklist_reads.photo_for(request.scope, pk)
    order = checklist_reads.work_order_of(found)

    def call() -> bool:
        checklists.checklist_photo_delete(scope=request.scope, work_order_id=order.pk, photo_id=found.pk)
        return True

    if run_service(request, None, call):
        messages.success(request, _("Photo deleted."))
    return _back(order.pk, found.run_id, found.key)


# ---- The setup page -------------------------------------------------------------------------------------------------


@require_POST
@scope_required(*PLANNERS)
def work_type_checklists(request: AuthedRequest, pk: int) -> HttpResponse:
    """The checklists a type of work uses (a multiple select on the setup page)."""
    work_type = reads.work_type_for(request.scope, pk)
    ids = [int(v) for v in request.POST.getlist("checklists") if v.isdigit() and len(v) < 12]
    done = run_service(
        request,
        None,
        lambda: checklists.work_type_checklists_set(scope=request.scope, work_type_id=work_type.pk, checklist_ids=ids),
    )
    if done is not None:
        messages.success(request, _("Saved."))
    return redirect(reverse("service:work_order_setup") + "#type-checklists")

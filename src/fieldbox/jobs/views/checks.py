"""Checklists: the one set of pages that edits every checklist (a provider's for its kinds of job, an organisation's
for its work orders), and the installer's answers and photos on the job page."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fieldbox.accounts.choices import ADMIN_ROLES, INSTALLER_ROLES, PROVIDER_ADMINS
from fieldbox.core.errors import Conflict
from fieldbox.core.http import AuthedRequest
from fieldbox.core.web import run_service, scope_required
from fieldbox.jobs import selectors, steps
from fieldbox.jobs.checks import photos
from fieldbox.jobs.checks import selectors as checks_selectors
from fieldbox.jobs.checks import services as checks
from fieldbox.jobs.choices import ChecklistKind
from fieldbox.jobs.forms import ChecklistItemForm, PhotoForm
from fieldbox.jobs.models import Checklist, Job, Question

BOUNDS = ("min_value", "max_value")


EDITORS = ADMIN_ROLES  # the provider's admins for its jobs' checklists, an organisation's admins for work orders'


def _products(request: AuthedRequest) -> list[tuple[int, str]]:
    return [(p.pk, p.name) for p in checks_selectors.products_for(request.scope)]


def _title(checklist: Checklist) -> str:
    if checklist.kind == ChecklistKind.WORK_ORDER:
        return f"{checklist.get_kind_display()} · {checklist.name}"
    product = checklist.product.name if checklist.product else _("every product")
    return f"{checklist.get_kind_display()} · {product}"


def _adding(checklist: Checklist) -> str:
    """The address of the form that adds a question to this checklist."""
    query = {"kind": checklist.kind}
    if checklist.kind == ChecklistKind.WORK_ORDER:
        query["checklist"] = checklist.name
    elif checklist.product_id:
        query["product"] = str(checklist.product_id)
    return reverse("jobs:checklist_new") + "?" + urlencode(query)


@scope_required(*EDITORS)
def checklists(request: AuthedRequest) -> HttpResponse:
    """Every checklist with its questions in the order they are asked: the jobs' per kind and product, then the
    work orders' by name."""
    order = {kind: i for i, kind in enumerate(ChecklistKind.values)}
    groups: dict[int, dict[str, Any]] = {}
    items = checks_selectors.items_for(request.scope).order_by("position", "pk")
    for item in items:
        checklist = item.checklist
        group = groups.setdefault(
            checklist.pk,
            {
                "title": _title(checklist),
                "kind": checklist.get_kind_display(),
                "adding": _adding(checklist),
                "sort": (order[checklist.kind], checklist.product.name if checklist.product else "", checklist.name),
                "items": [],
            },
        )
        group["items"].append(item)
    listed = sorted(groups.values(), key=lambda g: g["sort"])
    context = {"groups": listed, "is_provider": request.scope.organisation.is_provider}
    return render(request, "jobs/checklists.html", context)


def _item_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "label": data["label"],
        "type": data["type"],
        "options": data["options"].splitlines(),
        "unit": data["unit"],
        "min_value": data["min_value"],
        "max_value": data["max_value"],
        "required": data["required"],
        "kind": data["kind"],
        "product_id": data.get("product"),
        "checklist": data["checklist"],
    }


def _initial(item: Question | None, query: Any) -> dict[str, Any]:
    if item is None:
        return {k: query[k] for k in ("kind", "product", "checklist") if query.get(k)}
    bounds = {k: "" if getattr(item, k) is None else format(getattr(item, k).normalize(), "f") for k in BOUNDS}
    return {
        "label": item.label,
        "type": item.type,
        "options": "\n".join(item.options),
        "unit": item.unit,
        **bounds,
        "required": item.required,
        "kind": item.checklist.kind,
        "product": item.checklist.product_id,
        "checklist": item.checklist.name,
    }


def _item_form(request: AuthedRequest, item: Question | None) -> HttpResponse:
    scope = request.scope
    names = list(checks_selectors.checklists_for(scope, ChecklistKind.WORK_ORDER).values_list("name", flat=True))
    form = ChecklistItemForm(
        request.POST or None,
        initial=_initial(item, request.GET),
        products=_products(request) if scope.organisation.is_provider else [],
        for_jobs=scope.organisation.is_provider,
        names=names,
    )
    if request.method == "POST" and form.is_valid():
        fields = _item_fields(form.cleaned_data)
        saved = run_service(
            request,
            form,
            lambda: checks.question_save(scope=scope, question_id=item.pk if item else None, **fields),
        )
        if saved is not None:
            messages.success(request, _("Checklist item saved."))
            return redirect("jobs:checklists")
    return render(request, "jobs/checklist_item_form.html", {"form": form, "item": item, "names": names})


@scope_required(*EDITORS)
@require_http_methods(["GET", "POST"])
def checklist_new(request: AuthedRequest) -> HttpResponse:
    return _item_form(request, None)


@scope_required(*EDITORS)
@require_http_methods(["GET", "POST"])
def checklist_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    return _item_form(request, checks_selectors.item_for(request.scope, pk))


@scope_required(*EDITORS)
@require_POST
def checklist_move(request: AuthedRequest, pk: int) -> HttpResponse:
    item = checks_selectors.item_for(request.scope, pk)
    up = request.POST.get("direction") != "down"
    run_service(request, None, lambda: checks.item_move(scope=request.scope, item_id=item.pk, up=up))
    return redirect("jobs:checklists")


@scope_required(*EDITORS)
@require_POST
def checklist_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    item = checks_selectors.item_for(request.scope, pk)
    run_service(request, None, lambda: checks.item_remove(scope=request.scope, item_id=item.pk))
    messages.success(request, _("Checklist item deleted."))
    return redirect("jobs:checklists")


@scope_required(*PROVIDER_ADMINS)
@require_POST
def checklist_defaults(request: AuthedRequest) -> HttpResponse:
    created = checks.checklist_defaults(request.scope.organisation)
    if created:
        messages.success(request, _("The suggested items were added."))
    else:
        messages.info(request, _("Your checklist already has items."))
    return redirect("jobs:checklists")


def answering_urls(job: Job) -> dict[str, str]:
    """Where the answering partial of a job's checklist sends its answers and photos."""
    return {
        "answer_url": reverse("jobs:check_answer", args=[job.pk]),
        "photo_upload_url": reverse("jobs:photo_upload", args=[job.pk]),
        "photo_view": "jobs:photo",
        "photo_delete_view": "jobs:photo_delete",
    }


def _line(request: AuthedRequest, job_pk: int, item_id: int, error: str = "") -> HttpResponse:
    job = selectors.job_for(request.scope, job_pk)
    line = next((x for x in checks_selectors.checklist_of(job) if x.item.pk == item_id), None)
    if line is None:
        return redirect("jobs:detail", pk=job.pk)
    context = {"job": job, "line": line, "can_fill": True, "sees_photos": True, "error": error, **answering_urls(job)}
    return render(request, "jobs/_check_line.html", context)


@scope_required(*INSTALLER_ROLES)
@require_POST
def check_answer(request: AuthedRequest, pk: int) -> HttpResponse:
    """One tap per check, a select for a choice: HTMX swaps the line; without script the page comes back."""
    job = selectors.job_for(request.scope, pk)
    item_id = int(request.POST["item"]) if request.POST.get("item", "").isdigit() else 0
    error = ""
    try:
        checks.check_answer(scope=request.scope, job_id=job.pk, item_id=item_id, value=_given(request))
    except ValidationError as exc:
        error = " ".join(exc.messages)
    except Conflict as exc:
        error = exc.message
    if not request.htmx:  # type: ignore[attr-defined]
        if error:
            messages.error(request, error)
        return redirect(_at_checklist(job.pk))
    after = selectors.job_for(request.scope, pk)
    if after.status != job.status:  # the last required item closed the job: show the whole page again
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("jobs:detail", args=[job.pk])
        return response
    return _line(request, job.pk, item_id, error)


@scope_required(*INSTALLER_ROLES)
@require_POST
def photo_upload(request: AuthedRequest, pk: int) -> HttpResponse:
    job = selectors.job_for(request.scope, pk)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("photo") or [_("Choose a photo.")]:
            messages.error(request, str(error))
    else:
        data = form.cleaned_data
        saved = run_service(
            request,
            None,
            lambda: photos.photo_add(scope=request.scope, job_id=job.pk, item_id=data["item"], upload=data["photo"]),
        )
        if saved is not None:
            messages.success(request, _("Photo saved."))
    return redirect(_at_checklist(job.pk))


@scope_required()
def photo(request: AuthedRequest, pk: int) -> HttpResponse:
    """The photo itself, only through this scoped view: never a public media address."""
    found = checks_selectors.photo_for(request.scope, pk)
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    extension = str(found.file.name).rsplit(".", 1)[-1]
    number = found.job.number if found.job else "photo"
    response["Content-Disposition"] = f'inline; filename="{number}-{found.pk}.{extension}"'
    return cast(HttpResponse, response)  # streamed, answered like any other page


@scope_required(*INSTALLER_ROLES)
@require_POST
def photo_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    found = checks_selectors.photo_for(request.scope, pk)

    def call() -> bool:
        photos.photo_delete(scope=request.scope, photo_id=found.pk)
        return True

    if run_service(request, None, call):
        messages.success(request, _("Photo deleted."))
    return redirect(_at_checklist(int(found.job_id or 0)))


@scope_required(*INSTALLER_ROLES)
@require_POST
def complete(request: AuthedRequest, pk: int) -> HttpResponse:
    job = selectors.job_for(request.scope, pk)
    if run_service(request, None, lambda: checks.job_complete(scope=request.scope, job_id=job.pk)):
        messages.success(request, _("The job is complete."))
        return redirect("jobs:detail", pk=job.pk)
    return redirect(reverse("jobs:detail", args=[job.pk]) + f"?step={steps.COMPLETE}")


def _given(request: AuthedRequest) -> str | list[str]:
    """The answer sent: the boxes ticked of a multiple choice (``multi=1``), or one value."""
    if request.POST.get("multi"):
        return request.POST.getlist("value")
    return request.POST.get("value", "")


def _at_checklist(job_pk: int) -> str:
    """The job page opened at its checklist, where the installer was."""
    return reverse("jobs:detail", args=[job_pk]) + f"?step={steps.CHECKLIST}#checklist"

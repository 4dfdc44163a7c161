"""Imports of the catalogue (items, prices of a list, opening stock): upload, every row checked, a preview with the
count, then "Load N rows" loads the same file checked again, all rows or none.

The uploaded file waits in the storage under a random name remembered in the session (``core.uploads``), so the
confirmation loads exactly the file that was checked."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from fieldbox.commerce import imports
from fieldbox.commerce import selectors_catalogue as reads
from fieldbox.commerce.forms_catalogue import ImportForm
from fieldbox.core import uploads
from fieldbox.core.http import AuthedRequest
from fieldbox.core.spreadsheets import table_response
from fieldbox.core.web import id_of, scope_required

IMPORTERS = tuple(sorted(reads.CATALOGUE_WRITERS))
PREVIEW_HEADERS = {
    "items": ("row", "code", "description", ""),
    "prices": ("row", "item_code", "price", "valid_from", "valid_to"),
    "opening-stock": ("row", "item_code", "location", "quantity", "serial"),
}
AFTER = {"items": "commerce:items", "prices": "commerce:price_lists", "opening-stock": "commerce:items"}


def _kind(request: AuthedRequest, key: str) -> imports.Kind:
    kind = imports.KINDS.get(key)
    if kind is None:
        raise Http404
    if request.scope.role not in kind.roles:
        raise PermissionDenied
    return kind


def _purpose(kind: imports.Kind) -> str:
    return f"commerce-{kind.key}"


def _form(request: AuthedRequest, kind: imports.Kind) -> ImportForm:
    lists = None
    if kind.needs_list:
        lists = [(p.pk, p.name) for p in reads.price_lists_for(request.scope).order_by("name")]
    initial = {"price_list_id": id_of(request.GET.get("list"))}
    return ImportForm(request.POST or None, request.FILES or None, lists=lists, initial=initial)


@scope_required(*IMPORTERS)
@require_http_methods(["GET", "POST"])
def import_page(request: AuthedRequest, kind: str) -> HttpResponse:
    """Upload a file: its errors (nothing loaded), or a preview of what it would load."""
    found = _kind(request, kind)
    form = _form(request, found)
    context: dict[str, Any] = {"form": form, "kind": found, "headers": PREVIEW_HEADERS[found.key]}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        list_id = form.cleaned_data.get("price_list_id")
        close = bool(form.cleaned_data.get("close_current"))
        try:
            rows = imports.read_file(upload, name=upload.name or "", size=upload.size)
            checked = imports.check(request.scope, found.key, rows, price_list_id=list_id, close_current=close)
        except ValidationError as exc:
            form.add_error(
                "file", exc.message_dict.get("file", exc.messages) if hasattr(exc, "error_dict") else exc.messages
            )
            checked = None
        if checked is not None and checked.errors:
            context.update(errors=checked.errors[: imports.MAX_SHOWN_ERRORS], error_count=len(checked.errors))
        elif checked is not None:
            kept = uploads.upload_keep(request, upload, purpose=_purpose(found))
            context.update(
                preview=imports.preview(found.key, checked.lines),
                count=len(checked.lines),
                filename=upload.name,
                kept=kept,
                price_list_id=list_id,
                close_current=close,
            )
    return render(request, "commerce/catalogue/import.html", context)


@scope_required(*IMPORTERS)
@require_POST
def import_load(request: AuthedRequest, kind: str) -> HttpResponse:
    """ "Load N rows": check the remembered file again and load it, all rows or none."""
    found = _kind(request, kind)
    kept = uploads.upload_kept(request, purpose=_purpose(found), path=request.POST.get("file"))
    if kept is None:
        messages.error(request, _("Upload the file again: the checked file is no longer here."))
        return redirect("commerce:import", kind=found.key)
    try:
        with kept.open() as stream:
            rows = imports.read_file(stream, name=kept.name, size=kept.size)
        count = imports.load(
            request.scope,
            found.key,
            rows,
            price_list_id=id_of(request.POST.get("price_list_id")),
            filename=kept.name,
            close_current=request.POST.get("close_current") == "1",
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("commerce:import", kind=found.key)
    finally:
        uploads.upload_discard(request, kept, purpose=_purpose(found))
    messages.success(request, ngettext("%(n)s row loaded.", "%(n)s rows loaded.", count) % {"n": count})
    return redirect(AFTER[found.key])


@scope_required(*IMPORTERS)
def import_template(request: AuthedRequest, kind: str) -> HttpResponse:
    """An empty file with the columns of that import, as CSV or XLSX."""
    found = _kind(request, kind)
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    return table_response(f"{found.key}-template", fmt, list(found.columns), [])


urlpatterns: list[URLPattern] = [
    path("commerce/imports/<slug:kind>/", import_page, name="import"),
    path("commerce/imports/<slug:kind>/load/", import_load, name="import_load"),
    path("commerce/imports/<slug:kind>/template/", import_template, name="import_template"),
]

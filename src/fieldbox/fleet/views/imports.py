"""Bulk load of devices: upload, every row checked, a preview with the count, then "Load N devices".

The uploaded file waits in the storage under a random name remembered in the session (only a name of this
person's session is accepted), so that the confirmation loads exactly the file that was checked — checked once
more.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from fieldbox.accounts.choices import LOGISTICS
from fieldbox.core import uploads
from fieldbox.core.http import AuthedRequest
from fieldbox.core.spreadsheets import table_response
from fieldbox.core.web import scope_required
from fieldbox.fleet import imports, selectors
from fieldbox.fleet.forms import DeviceImportForm

PURPOSE = "device-imports"


def _check(request: AuthedRequest, form: DeviceImportForm, upload: UploadedFile[Any]) -> imports.Checked | None:
    try:
        return imports.check(request.scope, imports.read_file(upload, name=upload.name or "", size=upload.size))
    except ValidationError as exc:
        form.add_error("file", exc.message_dict.get("file", exc.messages))
        return None


@scope_required(*LOGISTICS)
@require_http_methods(["GET", "POST"])
def device_import(request: AuthedRequest) -> HttpResponse:
    """Upload a file: its row errors, or a preview of the devices it would load."""
    form = DeviceImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "products": selectors.products_for(request.scope).order_by("name")}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        checked = _check(request, form, upload)
        if checked is not None and checked.errors:
            context.update(errors=checked.errors[: imports.MAX_SHOWN_ERRORS], error_count=len(checked.errors))
        elif checked is not None:
            kept = uploads.upload_keep(request, upload, purpose=PURPOSE)
            context.update(preview=checked.lines[:20], count=len(checked.lines), filename=upload.name, kept=kept)
    return render(request, "fleet/device_import.html", context)


@scope_required(*LOGISTICS)
@require_POST
def device_import_load(request: AuthedRequest) -> HttpResponse:
    """ "Load N devices": check the remembered file again and save it, all rows or none."""
    kept = uploads.upload_kept(request, purpose=PURPOSE, path=request.POST.get("file"))
    if kept is None:
        messages.error(request, _("Upload the file again: the checked file is no longer here."))
        return redirect("fleet:device_import")
    try:
        with kept.open() as stream:
            rows = imports.read_file(stream, name=kept.name, size=kept.size)
        count = imports.devices_load(
            scope=request.scope, checked=imports.check(request.scope, rows), filename=kept.name
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("fleet:device_import")
    finally:
        uploads.upload_discard(request, kept, purpose=PURPOSE)
    messages.success(
        request,
        ngettext("%(n)s device loaded into your warehouse.", "%(n)s devices loaded into your warehouse.", count)
        % {"n": count},
    )
    return redirect("fleet:devices")


@scope_required(*LOGISTICS)
def device_import_template(request: AuthedRequest) -> HttpResponse:
    """An empty file with the expected columns, as CSV or XLSX."""
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    return table_response("devices-template", fmt, list(imports.COLUMNS), [])

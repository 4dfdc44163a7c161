"""Bulk load of devices: upload, every row checked, a preview with the count, then "Load N devices".

The uploaded file waits in the storage under a random name remembered in the session (never taken from
the form), so that the confirmation loads exactly the file that was checked — checked once more.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from fieldbox.accounts.decorators import scope_required
from fieldbox.core.http import AuthedRequest
from fieldbox.core.spreadsheets import table_response
from fieldbox.fleet import imports, selectors, services
from fieldbox.fleet.forms import DeviceImportForm

SESSION_KEY = "fleet.device_import"


def _pending(request: AuthedRequest) -> dict[str, Any] | None:
    pending = request.session.get(SESSION_KEY)
    if not pending or pending.get("org") != request.scope.organisation.pk:
        return None
    return dict(pending)


def _forget(request: AuthedRequest) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    if pending and default_storage.exists(pending["path"]):
        default_storage.delete(pending["path"])


def _check(request: AuthedRequest, form: DeviceImportForm, name: str, content: bytes) -> imports.Checked | None:
    try:
        return imports.check(request.scope, imports.read_rows(name, content))
    except ValidationError as exc:
        form.add_error("file", exc.message_dict.get("file", exc.messages))
        return None


@scope_required(*services.STOCK_KEEPERS)
@require_http_methods(["GET", "POST"])
def device_import(request: AuthedRequest) -> HttpResponse:
    """Upload a file: its row errors, or a preview of the devices it would load."""
    form = DeviceImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "products": selectors.products_for(request.scope).order_by("name")}
    if request.method == "POST" and form.is_valid():
        _forget(request)
        upload = form.cleaned_data["file"]
        content = upload.read(settings.DEVICE_IMPORT_MAX_BYTES + 1)  # enough to know it is too big
        checked = _check(request, form, upload.name, content)
        if checked is not None and checked.errors:
            context.update(errors=checked.errors[: imports.MAX_SHOWN_ERRORS], error_count=len(checked.errors))
        elif checked is not None:
            path = default_storage.save(f"imports/{secrets.token_hex(16)}.upload", ContentFile(content))
            request.session[SESSION_KEY] = {"path": path, "name": upload.name, "org": request.scope.organisation.pk}
            context.update(preview=checked.lines[:20], count=len(checked.lines), filename=upload.name)
    return render(request, "fleet/device_import.html", context)


@scope_required(*services.STOCK_KEEPERS)
@require_POST
def device_import_load(request: AuthedRequest) -> HttpResponse:
    """ "Load N devices": check the remembered file again and save it, all rows or none."""
    pending = _pending(request)
    if pending is None or not default_storage.exists(pending["path"]):
        messages.error(request, _("Upload the file again: the checked file is no longer here."))
        return redirect("fleet:device_import")
    with default_storage.open(pending["path"], "rb") as handle:
        content = handle.read()
    try:
        checked = imports.check(request.scope, imports.read_rows(pending["name"], content))
        count = imports.devices_load(scope=request.scope, checked=checked, filename=pending["name"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("fleet:device_import")
    finally:
        _forget(request)
    messages.success(
        request,
        ngettext("%(n)s device loaded into your warehouse.", "%(n)s devices loaded into your warehouse.", count)
        % {"n": count},
    )
    return redirect("fleet:devices")


@scope_required(*services.STOCK_KEEPERS)
def device_import_template(request: AuthedRequest) -> HttpResponse:
    """An empty file with the expected columns, as CSV or XLSX."""
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    return table_response("devices-template", fmt, list(imports.COLUMNS), [])

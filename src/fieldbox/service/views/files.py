"""Files and photos of work orders, calls, work reports and equipment: the box a page includes
(``{% include "service/_files.html" with owner=... %}``), its upload (a photo from the phone's camera or files),
removal, and the download — only through these scoped views, always as an attachment the browser does not sniff.

With HTMX the box answers itself (errors inside it); without, the page it came from again, with a message.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from fieldbox.core.http import AuthedRequest
from fieldbox.core.web import scope_required
from fieldbox.service import selectors_files as reads
from fieldbox.service.services import files as services

TEMPLATE = "service/_files.html"


def _back(request: AuthedRequest, kind: str, pk: int) -> HttpResponse:
    """The page the box was on (a path of ours only), at the box; or the box alone."""
    target = str(request.POST.get("next") or "")
    anchor = f"#files-{kind}-{pk}"
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target.split("#", 1)[0] + anchor)
    return redirect(reverse("service:files", args=[kind, pk]))


def _box(request: AuthedRequest, owner: Any, errors: list[str] | None = None) -> HttpResponse:
    # The page the box sits on stays the one its forms go back to (without JavaScript).
    back = request.POST.get("next") or ""
    return render(request, TEMPLATE, {"owner": owner, "file_errors": errors or [], "file_next": back})


@scope_required(*reads.FILE_KEEPERS)
@require_http_methods(["GET", "POST"])
def files(request: AuthedRequest, kind: str, pk: int) -> HttpResponse:
    """GET: the box of one record's files (a page of its own, or the box alone for HTMX). POST: add the photo
    taken and the files chosen (all or none)."""
    owner = reads.owner_for(request.scope, kind, pk)  # 404 for what is not the reader's
    if request.method == "GET" and not request.htmx:  # type: ignore[attr-defined]
        label = owner._meta.verbose_name.capitalize()
        return render(request, "service/files_page.html", {"owner": owner, "owner_label": label})
    if request.method == "GET":
        return _box(request, owner)
    uploads = request.FILES.getlist("photo") + request.FILES.getlist("file")
    try:
        saved = services.files_add(scope=request.scope, owner=kind, owner_id=owner.pk, uploads=uploads)
    except ValidationError as refused:
        if request.htmx:  # type: ignore[attr-defined]
            return _box(request, owner, refused.messages)  # htmx swaps only a 2xx answer
        for message in refused.messages:
            messages.error(request, message)
        return _back(request, kind, owner.pk)
    if request.htmx:  # type: ignore[attr-defined]
        return _box(request, owner)
    count = len(saved)
    messages.success(request, ngettext("%(count)s file added.", "%(count)s files added.", count) % {"count": count})
    return _back(request, kind, owner.pk)


@scope_required(*reads.FILE_KEEPERS)
def download(request: AuthedRequest, pk: int) -> HttpResponse:
    """A file, only through this scoped view, always as a download that the browser does not sniff."""
    found = reads.file_for(request.scope, pk)
    response = FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)
    response["Content-Type"] = found.content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=300"
    return cast(HttpResponse, response)


@scope_required(*reads.FILE_KEEPERS)
@require_POST
def remove(request: AuthedRequest, pk: int) -> HttpResponse:
    found = reads.file_for(request.scope, pk)
    owner: Any = found.work_order or found.ticket or found.report or found.equipment
    kind = reads.owner_kind(owner)
    try:
        services.file_remove(scope=request.scope, file_id=found.pk)
    except ValidationError as refused:
        if request.htmx:  # type: ignore[attr-defined]
            return _box(request, owner, refused.messages)  # htmx swaps only a 2xx answer
        for message in refused.messages:
            messages.error(request, message)
        return _back(request, kind, owner.pk)
    if request.htmx:  # type: ignore[attr-defined]
        return _box(request, owner)
    messages.success(request, _("File %(name)s removed.") % {"name": found.name})
    return _back(request, kind, owner.pk)

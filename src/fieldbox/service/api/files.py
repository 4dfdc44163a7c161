"""/api/v1: files and photos of work orders, calls, work reports and equipment.

The same services and reads as the pages: a record one may not see has no files (404), a signed work report
takes none (422 on ``file``), every file passes the same checks (``service.services.files``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from fieldbox.core.http import scope_of
from fieldbox.core.problems import errors_of
from fieldbox.service import selectors_files as reads
from fieldbox.service.models import WorkFile
from fieldbox.service.services import files as services

router = Router(tags=["files"])


Owner = Literal["work_order", "ticket", "report", "equipment"]


class WorkFileOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    uploaded_at: datetime
    uploaded_by_id: int | None
    url: str = Field(description="Where to download it (with the same token)")


def _out(found: WorkFile) -> dict[str, Any]:
    out = {f: getattr(found, f) for f in ("id", "name", "content_type", "size", "uploaded_at", "uploaded_by_id")}
    out["url"] = f"/api/v1/work-files/{found.pk}"
    return out


# Each owner's files under the owner's own address: /work-orders/{id}/files, /tickets/{id}/files, …
PATHS = {"work_order": "work-orders", "ticket": "tickets", "report": "work-reports", "equipment": "equipment"}
NAMES = {"work_order": "a work order", "ticket": "a call", "report": "a work report", "equipment": "equipment"}
UPLOAD_RULES = (
    "PDF, PNG, JPEG, WebP, TXT, CSV, ZIP, DOC(X), XLS(X), ODT, ODS or EML, by the name's extension, confirmed by the "
    "content; at most `SERVICE_ATTACHMENT_MAX_BYTES` (10 MB) each and 10 at a time. A picture must be a real JPEG, "
    "PNG or WebP image within `JOB_PHOTO_MAX_PIXELS`; it is kept upright and without its EXIF (no GPS). A signed "
    "work report takes no file. Otherwise 422 on `file`, and nothing is kept."
)


def _routes(owner: Owner) -> None:
    path = f"/{PATHS[owner]}/{{owner_id}}/files"

    @router.get(
        path,
        response={200: list[WorkFileOut], **errors_of(403, 404)},
        summary=f"The files of {NAMES[owner]}, newest first",
        operation_id=f"{owner}_files",
    )
    def listed(request: HttpRequest, owner_id: int) -> Any:
        scope = scope_of(request)
        scope.require_role(*reads.FILE_KEEPERS)
        return [_out(f) for f in reads.files_of(reads.owner_for(scope, owner, owner_id))[:500]]

    @router.post(
        path,
        response={201: list[WorkFileOut], **errors_of(403, 404, 422)},
        summary=f"Add files to {NAMES[owner]} (multipart field `file`, once per file; all of them or none)",
        description=UPLOAD_RULES,
        operation_id=f"{owner}_files_add",
    )
    def added(request: HttpRequest, owner_id: int, file: File[list[UploadedFile] | None] = None) -> Any:
        scope = scope_of(request)
        scope.require_role(*reads.FILE_KEEPERS)
        found = reads.owner_for(scope, owner, owner_id)  # 404 before anything is read
        if not file:
            raise ValidationError({"file": _("Choose a file.")})
        return Status(
            201, [_out(f) for f in services.files_add(scope=scope, owner=owner, owner_id=found.pk, uploads=file)]
        )


for _owner in get_args(Owner):
    _routes(_owner)


@router.get(
    "/work-files/{file_id}",
    response={200: None, **errors_of(403, 404)},
    summary="Download a file",
)
def work_file_get(request: HttpRequest, file_id: int) -> Any:
    scope = scope_of(request)
    scope.require_role(*reads.FILE_KEEPERS)
    found = reads.file_for(scope, file_id)
    response = FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)
    response["Content-Type"] = found.content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return response


@router.delete(
    "/work-files/{file_id}",
    response={204: None, **errors_of(403, 404, 422)},
    summary="Remove a file (who added it, or the office); a signed work report's files stay",
)
def work_file_remove(request: HttpRequest, file_id: int) -> Any:
    scope = scope_of(request)
    scope.require_role(*reads.FILE_KEEPERS)
    found = reads.file_for(scope, file_id)
    services.file_remove(scope=scope, file_id=found.pk)
    return Status(204, None)

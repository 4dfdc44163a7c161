"""Files and photos on work orders, calls, work reports and equipment (Appsistance "allegati").

Every file passes the one check of files people hand us (``core.files``: a type we keep, by its name, confirmed
by its first bytes; at most ``SERVICE_ATTACHMENT_MAX_BYTES``); a picture also passes the photos' check
(``core.images``: a real JPEG, PNG or WebP image, within ``JOB_PHOTO_MAX_PIXELS``, no decompression bomb, written
again upright and without its EXIF). It is stored in the storage backend under a random name and served only
through scoped views. A work report takes files only while it is a draft: a signed report never changes. A refused
file refuses the whole request, and nothing is stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from fieldbox.core import audit, files, images
from fieldbox.core.tenancy import Scope
from fieldbox.service import selectors_files as reads
from fieldbox.service.models import WorkFile

MAX_FILES = 10  # in one request
ADD, REMOVE = "work_file.add", "work_file.remove"

audit.label_actions({ADD: gettext_lazy("File added"), REMOVE: gettext_lazy("File removed")})


def max_bytes() -> int:
    return settings.SERVICE_ATTACHMENT_MAX_BYTES


@dataclass
class Checked:
    name: str
    content_type: str
    extension: str
    data: bytes


def checked(upload: UploadedFile[bytes], field: str = "file") -> Checked:
    """One file as it will be kept, or a ValidationError on ``field`` naming the file."""
    try:
        name, kind, data = files.read_upload(upload, max_bytes(), field=field)
        extension = PurePosixPath(name).suffix.lower().lstrip(".")
        if kind.startswith("image/"):  # every picture is decoded (a GIF is not one we keep)
            image = images.clean_image(data, max_pixels=settings.JOB_PHOTO_MAX_PIXELS, field=field)
            kind, extension, data = image.content_type, image.extension, image.data
    except ValidationError as refused:
        shown = files.clean_name(upload.name or "")
        words = " ".join(refused.messages)
        raise ValidationError({field: _("%(name)s: %(reason)s") % {"name": shown, "reason": words}}) from None
    return Checked(name, kind, extension or "bin", data)


def _locked_owner(scope: Scope, kind: str, owner_id: int) -> Model:
    owner: Model = reads.owners_visible(scope, kind).select_for_update().get(pk=owner_id)
    if reads.frozen(owner):
        raise ValidationError({"file": _("This work report is signed: its files no longer change.")})
    return owner


def files_add(
    *, scope: Scope, owner: str, owner_id: int, uploads: Sequence[UploadedFile[bytes]], field: str = "file"
) -> list[WorkFile]:
    """Keep files on a work order, a call, a draft work report or a piece of equipment: all of them, or none."""
    scope.require_role(*reads.FILE_KEEPERS)
    if owner not in reads.OWNERS:
        raise ValidationError({"owner": _("Files are kept on work orders, calls, work reports and equipment.")})
    if not uploads:
        raise ValidationError({field: _("Choose a file.")})
    if len(uploads) > MAX_FILES:
        message = ngettext("At most %(count)s file at a time.", "At most %(count)s files at a time.", MAX_FILES)
        raise ValidationError({field: message % {"count": MAX_FILES}})
    kept = [checked(u, field) for u in uploads]  # before any lock: decoding a large picture takes a moment
    stored: list[str] = []
    try:
        with transaction.atomic():
            record = _locked_owner(scope, owner, owner_id)
            saved = []
            for one in kept:
                path = f"work-files/{scope.organisation.pk}/{uuid.uuid4().hex}.{one.extension}"
                stored.append(default_storage.save(path, ContentFile(one.data)))
                saved.append(
                    WorkFile(
                        organisation=scope.organisation,
                        file=stored[-1],
                        name=one.name,
                        content_type=one.content_type,
                        size=len(one.data),
                        uploaded_by=scope.user,
                        uploaded_at=timezone.now(),
                        **{owner: record},
                    )
                )
            WorkFile.objects.bulk_create(saved)
            audit.record(
                actor=scope.user,
                organisation=scope.organisation,
                obj=record,
                action=ADD,
                data={"files": [f.name for f in saved], "size": sum(f.size for f in saved)},
            )
    except BaseException:
        for path in stored:
            default_storage.delete(path)  # nothing saved, no file left behind
        raise
    return saved


def file_add(*, scope: Scope, owner: str, owner_id: int, upload: UploadedFile[bytes]) -> WorkFile:
    """Keep one file (``files_add`` with one)."""
    return files_add(scope=scope, owner=owner, owner_id=owner_id, uploads=[upload])[0]


def file_remove(*, scope: Scope, file_id: int) -> WorkFile:
    """Remove a file (its adder, or the office); the stored bytes go once the change is committed. A signed
    report's files stay."""
    scope.require_role(*reads.FILE_KEEPERS)
    with transaction.atomic():
        found = reads.files_visible(scope).select_for_update().get(pk=file_id)
        owner: Any = found.work_order or found.ticket or found.report or found.equipment
        if found.report_id is not None:
            _locked_owner(scope, "report", found.report_id)
        if not reads.may_remove(scope, found):
            raise PermissionDenied
        path = str(found.file.name)
        found.delete()
        audit.record(
            actor=scope.user, organisation=scope.organisation, obj=owner, action=REMOVE, data={"file": found.name}
        )
        transaction.on_commit(lambda: default_storage.delete(path))
    return found

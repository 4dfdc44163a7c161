"""Photos of an item: a real JPEG, PNG or WebP image (``core.images``, as job photos), upright and without EXIF,
stored under a random name and served only through the catalogue's scoped page; removable by the office."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from fieldbox.commerce import selectors_catalogue as reads
from fieldbox.commerce.models import ItemPhoto
from fieldbox.core import audit, images
from fieldbox.core.tenancy import Scope


def _photo_bytes(upload: UploadedFile[bytes]) -> bytes:
    limit = settings.JOB_PHOTO_MAX_BYTES
    too_big = ValidationError({"photo": _("The photo is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}})
    if upload.size is not None and upload.size > limit:
        raise too_big
    raw = upload.read(limit + 1)
    if len(raw) > limit:
        raise too_big
    if not raw:
        raise ValidationError({"photo": _("The file is empty.")})
    return raw


def item_photo_add(*, scope: Scope, item_id: int, upload: UploadedFile[bytes]) -> ItemPhoto:
    """A photo of an item: a real JPEG, PNG or WebP image (``core.images``, as job photos), upright and without
    EXIF, stored under a random name and served only through the catalogue's scoped page."""
    scope.require_role(*reads.CATALOGUE_WRITERS)
    item = reads.items_for(scope).get(pk=item_id)
    image = images.clean_image(_photo_bytes(upload), max_pixels=settings.JOB_PHOTO_MAX_PIXELS, field="photo")
    path = default_storage.save(
        f"item-photos/{scope.organisation.pk}/{uuid.uuid4().hex}.{image.extension}", ContentFile(image.data)
    )
    try:
        with transaction.atomic():
            name = (upload.name or "photo").replace("\\", "/").rsplit("/", 1)[-1][-200:] or "photo"
            photo = ItemPhoto.objects.create(
                item=item,
                file=path,
                name=name,
                content_type=image.content_type,
                size=len(image.data),
                uploaded_by=scope.user,
            )
            audit.record(
                actor=scope.user,
                organisation=scope.organisation,
                obj=item,
                action="item.photo_add",
                data={"name": name},
            )
    except BaseException:
        default_storage.delete(path)  # nothing saved, no file left behind
        raise
    return photo


def item_photo_remove(*, scope: Scope, photo_id: int) -> None:
    scope.require_role(*reads.CATALOGUE_WRITERS)
    with transaction.atomic():
        photo = reads.item_photo_for(scope, photo_id)
        path = str(photo.file.name)
        photo.delete()
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=photo.item,
            action="item.photo_remove",
            data={"name": photo.name},
        )
        transaction.on_commit(lambda: default_storage.delete(path))

"""Photos taken on site: checked with Pillow, turned upright, stripped of their EXIF, stored under a random name."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from fieldbox.accounts.models import Organisation
from fieldbox.core import images, transitions
from fieldbox.core.tenancy import Scope
from fieldbox.jobs import runs, services
from fieldbox.jobs.checks.services import locked_for_filling, run_of_line, succeed_if_ready
from fieldbox.jobs.choices import JOB_TABLE, CheckType
from fieldbox.jobs.models import RunPhoto

# The decoding, the pixel limit and the stripping are ``core.images``' (shared with the work orders' attachments).
CleanPhoto = images.CleanImage


def clean_photo(upload: UploadedFile[bytes]) -> CleanPhoto:
    """A real JPEG, PNG or WebP image within the size and pixel limits, upright and without EXIF (no GPS)."""
    too_big = ValidationError(
        {"photo": _("The photo is larger than %(mb)s MB.") % {"mb": settings.JOB_PHOTO_MAX_BYTES // (1024 * 1024)}}
    )
    if upload.size is None or upload.size > settings.JOB_PHOTO_MAX_BYTES:
        raise too_big
    raw = upload.read(settings.JOB_PHOTO_MAX_BYTES + 1)
    if len(raw) > settings.JOB_PHOTO_MAX_BYTES:
        raise too_big
    return images.clean_image(raw, max_pixels=settings.JOB_PHOTO_MAX_PIXELS, field="photo")


def photo_add(*, scope: Scope, job_id: int, item_id: int, upload: UploadedFile[bytes]) -> RunPhoto:
    """Attach a photo to a photo item of the job; the file gets a random name and is served only through us."""
    photo = clean_photo(upload)  # before any lock: decoding a large image takes a moment
    with transitions.atomic():
        job, line = locked_for_filling(scope, job_id, item_id, "photo_add")
        if line.item.type != CheckType.PHOTO:
            raise ValidationError({"item": _("This item takes no photo.")})
        provider = Organisation.objects.only("time_zone").get(pk=job.provider_id)
        run = run_of_line(job, line, scope)
        saved = runs.run_photo_add(
            run,
            key=line.item.key,
            data=photo.data,
            extension=photo.extension,
            folder=f"job-photos/{job.provider_id}",
            actor=scope.user,
            content_type=photo.content_type,
            width=photo.width,
            height=photo.height,
            taken_at=photo.taken.replace(tzinfo=ZoneInfo(provider.time_zone)) if photo.taken else None,
        )
        try:
            JOB_TABLE.apply(job, "photo_add", scope=scope, data={"item": line.item.label, "photo": saved.pk})
            succeed_if_ready(job, scope)
        except BaseException:
            default_storage.delete(str(saved.file.name))  # nothing saved, no file left behind
            raise
    return saved


def _label(photo: RunPhoto) -> str:
    return next((str(q.get("label", "")) for q in photo.run.questions if str(q.get("key")) == photo.key), "")


def photo_delete(*, scope: Scope, photo_id: int) -> None:
    """An installer removes a photo before the job ends; the file goes once the change is saved."""
    JOB_TABLE.require("photo_delete", scope)
    with transitions.atomic():
        photo = RunPhoto.objects.filter(pk=photo_id, job__isnull=False).only("job_id").first()
        if photo is None or photo.job_id is None:
            raise RunPhoto.DoesNotExist
        job = services.locked(scope, photo.job_id)
        JOB_TABLE.check(job, "photo_delete", scope)
        photo = RunPhoto.objects.select_for_update().select_related("run").get(pk=photo_id)
        JOB_TABLE.apply(job, "photo_delete", scope=scope, data={"item": _label(photo), "photo": photo.pk})
        runs.run_photo_delete(photo)

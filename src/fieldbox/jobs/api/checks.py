"""/api/v1: a job's checklist, its answers and photos, completing a job, and the provider's checklist items."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from fieldbox.core.http import scope_of
from fieldbox.core.problems import NOT_BLANK, Amount, Count, errors_of
from fieldbox.core.tenancy import Scope
from fieldbox.jobs import selectors
from fieldbox.jobs.api.core import job_by_id
from fieldbox.jobs.checks import photos
from fieldbox.jobs.checks import selectors as checks_selectors
from fieldbox.jobs.checks import services as checks
from fieldbox.jobs.models import Question, RunPhoto
from fieldbox.jobs.runs import missing_of
from fieldbox.jobs.schemas import JobOut

router = Router(tags=["checklists"])


class PhotoOut(Schema):
    id: int
    item_id: int
    key: str
    content_type: str
    size: int
    width: int
    height: int
    taken_at: datetime | None
    uploaded_at: datetime
    url: str


class ChecklistLineOut(Schema):
    item_id: int
    label: str
    type: str
    options: list[str]
    required: bool
    done: bool
    value: str | list[str] | None
    answered_at: datetime | None
    photos: list[PhotoOut]
    key: str
    unit: str
    min: str | None = Field(description="The lowest number accepted (a number question), as text.")
    max: str | None = Field(description="The highest number accepted (a number question), as text.")


class ChecklistOut(Schema):
    job_id: int
    complete: bool
    missing: list[str]
    activated_at: datetime | None
    items: list[ChecklistLineOut]


class AnswerIn(Schema):
    value: str | list[Annotated[str, Field(max_length=100)]] = Field(
        max_length=1000,
        description=(
            '"yes" or "no" for a check; a text; a number as text ("2.5"), within the bounds; one of the options for '
            "a single choice; a list of options for a multiple choice. An empty value clears the answer."
        ),
    )


class ItemIn(Schema):
    label: str = Field(min_length=1, max_length=200, json_schema_extra=NOT_BLANK)
    type: Literal["check", "text", "number", "choice", "multi", "photo"] = "check"
    options: list[str] = Field(default_factory=list, max_length=20)
    required: bool = Field(True, strict=True)
    kind: Literal["installation", "removal", "maintenance", "work_order"] = "installation"
    product_id: Count | None = None
    checklist: str = Field("", max_length=120, description='The name of a work-order checklist (kind "work_order").')
    unit: str = Field("", max_length=20)
    min_value: Amount | None = Field(None, description="For a number: the lowest value accepted.")
    max_value: Amount | None = Field(None, description="For a number: the highest value accepted.")


class ItemOut(Schema):
    id: int
    label: str
    type: str
    options: list[str]
    required: bool
    kind: str
    product_id: int | None
    position: int
    checklist_id: int
    checklist: str
    unit: str
    min_value: str | None = Field(description="For a number: the lowest value accepted, as text (exact).")
    max_value: str | None = Field(description="For a number: the highest value accepted, as text (exact).")


def _photo(photo: RunPhoto) -> dict[str, Any]:
    return {
        **{f: getattr(photo, f) for f in ("id", "key", "content_type", "size", "width", "height")},
        "item_id": int(photo.key),
        "taken_at": photo.taken_at,
        "uploaded_at": photo.uploaded_at,
        "url": f"/api/v1/job-photos/{photo.pk}",
    }


def _checklist(scope: Scope, job_id: int) -> dict[str, Any]:
    job = selectors.job_for(scope, job_id)
    lines = checks_selectors.checklist_of(job)
    sees_photos = not job.masked  # a company stops seeing the photos with the owner's data
    return {
        "job_id": job.pk,
        "complete": not missing_of(lines),
        "missing": missing_of(lines),
        "activated_at": job.activated_at,
        "items": [
            {
                "item_id": line.item.id,
                "key": line.item.key,
                "label": line.item.label,
                "type": line.item.type,
                "options": line.item.options,
                "unit": line.item.unit,
                "min": line.item.min,
                "max": line.item.max,
                "required": line.item.required,
                "done": line.done,
                "value": line.value,
                "answered_at": line.answer.answered_at if line.answer else None,
                "photos": [_photo(p) for p in line.photos] if sees_photos else [],
            }
            for line in lines
        ],
    }


@router.get(
    "/jobs/{job_id}/checklist",
    response={200: ChecklistOut, **errors_of(404)},
    summary="The job's checklist with its answers and photos",
)
def checklist_get(request: HttpRequest, job_id: int) -> Any:
    return _checklist(scope_of(request), job_id)


@router.put(
    "/jobs/{job_id}/checklist/{item_id}",
    response={200: ChecklistOut, **errors_of(403, 404, 409, 422)},
    summary="Answer one item (installers, while the job is in progress or waiting for activation)",
    description="An empty value clears a choice. Answering the last required item of an activated job closes it.",
)
def checklist_answer(request: HttpRequest, job_id: int, item_id: int, payload: AnswerIn) -> Any:
    scope = scope_of(request)
    checks.check_answer(scope=scope, job_id=job_id, item_id=item_id, value=payload.value)
    return _checklist(scope, job_id)


@router.post(
    "/jobs/{job_id}/checklist/{item_id}/photos",
    response={201: PhotoOut, **errors_of(403, 404, 409, 422)},
    summary="Upload a photo for a photo item (installers; multipart field `photo`)",
    description="JPEG, PNG or WebP, at most `JOB_PHOTO_MAX_BYTES` (8 MB); turned upright, EXIF (GPS) removed.",
)
def photo_upload(request: HttpRequest, job_id: int, item_id: int, photo: File[UploadedFile | None] = None) -> Any:
    scope = scope_of(request)
    job = selectors.job_for(scope, job_id)
    if photo is None:
        raise ValidationError({"photo": _("Choose a photo.")})
    return Status(201, _photo(photos.photo_add(scope=scope, job_id=job.pk, item_id=item_id, upload=photo)))


@router.get(
    "/job-photos/{photo_id}",
    response={200: None, **errors_of(404)},
    summary="Download a photo (the company loses access once the job ended)",
)
def photo_download(request: HttpRequest, photo_id: int) -> Any:
    found = checks_selectors.photo_for(scope_of(request), photo_id)
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["Cache-Control"] = "private, max-age=300"
    return response


@router.delete(
    "/job-photos/{photo_id}",
    response={204: None, **errors_of(403, 404, 409)},
    summary="Delete a photo before the job ends (installers)",
)
def photo_delete(request: HttpRequest, photo_id: int) -> Any:
    scope = scope_of(request)
    found = checks_selectors.photo_for(scope, photo_id)
    photos.photo_delete(scope=scope, photo_id=found.pk)
    return Status(204, None)


@router.post(
    "/jobs/{job_id}/complete",
    response={200: JobOut, **errors_of(403, 404, 409, 422)},
    summary="Complete the job (installers)",
    description=(
        "Removal and maintenance jobs once their required items are complete; a paired installation after its "
        "activation, or without it when the provider allows manual completion. Missing items answer 422."
    ),
)
def job_complete(request: HttpRequest, job_id: int) -> Any:
    scope = scope_of(request)
    checks.job_complete(scope=scope, job_id=job_id)
    return job_by_id(scope, job_id)


def _item(item: Question) -> dict[str, Any]:
    own = {"id", "label", "type", "options", "required", "position", "checklist_id", "unit"}
    checklist, entry = item.checklist, item.entry()
    return {
        **{f: getattr(item, f) for f in own},
        "min_value": entry["min"],
        "max_value": entry["max"],
        "kind": checklist.kind,
        "product_id": checklist.product_id,
        "checklist": checklist.name,
    }


@router.get(
    "/checklist-items", response={200: list[ItemOut], **errors_of(403)}, summary="The provider's checklist items"
)
def item_list(request: HttpRequest) -> Any:
    qs = checks_selectors.items_for(scope_of(request)).order_by(
        "checklist__kind", "checklist__product_id", "checklist__name", "position", "pk"
    )
    return [_item(i) for i in qs[:1000]]


@router.post(
    "/checklist-items",
    response={201: ItemOut, **errors_of(403, 422)},
    summary="Add a checklist item (provider admins)",
)
def item_create(request: HttpRequest, payload: ItemIn) -> Any:
    item = checks.item_save(scope=scope_of(request), **payload.model_dump())
    return Status(201, _item(item))


@router.put(
    "/checklist-items/{item_id}",
    response={200: ItemOut, **errors_of(403, 404, 422)},
    summary="Change a checklist item (provider admins)",
)
def item_update(request: HttpRequest, item_id: int, payload: ItemIn) -> Any:
    scope = scope_of(request)
    found = checks_selectors.item_for(scope, item_id)
    return _item(checks.item_save(scope=scope, item_id=found.pk, **payload.model_dump()))


@router.post(
    "/checklist-items/{item_id}/move",
    response={200: ItemOut, **errors_of(403, 404)},
    summary="Move a checklist item up (up=true) or down in its list (provider admins)",
)
def item_move(request: HttpRequest, item_id: int, up: bool = True) -> Any:
    scope = scope_of(request)
    found = checks_selectors.item_for(scope, item_id)
    checks.item_move(scope=scope, item_id=found.pk, up=up)
    return _item(checks_selectors.item_for(scope, item_id))


@router.delete(
    "/checklist-items/{item_id}",
    response={204: None, **errors_of(403, 404)},
    summary="Delete a checklist item (provider admins); answers already given keep it",
)
def item_delete(request: HttpRequest, item_id: int) -> Any:
    scope = scope_of(request)
    found = checks_selectors.item_for(scope, item_id)
    checks.item_remove(scope=scope, item_id=found.pk)
    return HttpResponse(status=204)

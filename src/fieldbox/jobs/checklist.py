"""A job's on-site checklist as the installer fills it: its items, answers and photos, and what is still missing.

Read by the job services (an activation waits for the required items) and by the checklist screens alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from fieldbox.jobs.choices import CheckType
from fieldbox.jobs.models import CheckAnswer, ChecklistItem, Job, JobPhoto

YES = "yes"
NO = "no"


@dataclass
class Line:
    """One item of a job's checklist with what the installer gave for it."""

    item: ChecklistItem
    answer: CheckAnswer | None = None
    photos: list[JobPhoto] = field(default_factory=list)

    @property
    def done(self) -> bool:
        if self.item.type == CheckType.PHOTO:
            return bool(self.photos)
        if self.item.type == CheckType.CHECK:
            return self.answer is not None and self.answer.value == YES
        return self.answer is not None and bool(self.answer.value)


def items_of_job(job: Job) -> QuerySet[ChecklistItem]:
    """The items that apply to a job: its provider's, for its kind, for its product or for any product."""
    return (
        ChecklistItem.objects.filter(provider_id=job.provider_id, kind=job.kind, removed_at__isnull=True)
        .filter(Q(product_id=job.product_id) | Q(product__isnull=True))
        .order_by("product_id", "position", "pk")  # items for any product first (NULLs sort last in PostgreSQL)
    )


def checklist_of(job: Job) -> list[Line]:
    """The job's checklist in order, with answers and photos: three queries whatever its length."""
    items = sorted(items_of_job(job), key=lambda i: (i.product_id is not None, i.position, i.pk))
    answers = {a.item_id: a for a in CheckAnswer.objects.filter(job=job).select_related("answered_by")}
    photos: dict[int, list[JobPhoto]] = {}
    for photo in JobPhoto.objects.filter(job=job).select_related("uploaded_by").order_by("uploaded_at", "pk"):
        photos.setdefault(photo.item_id, []).append(photo)
    return [Line(item, answers.get(item.pk), photos.get(item.pk, [])) for item in items]


def missing_required(job: Job) -> list[str]:
    """Labels of the required items not complete yet, in checklist order."""
    return [line.item.label for line in checklist_of(job) if line.item.required and not line.done]

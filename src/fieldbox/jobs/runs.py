"""Runs of checklists: the one place a checklist is started, answered and found complete, for jobs and work orders.

A run keeps a copy of its checklist's questions from the moment it starts (``Run.questions``), so an edit of the
checklist never changes a run, nor a report signed on it. Answers and photos hang on the run by question key.

The owner of a run (a job here, a work order in the service app) locks itself and checks who may act before it
calls these functions; they validate, write and say what is missing, nothing else.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldbox.accounts.models import User
from fieldbox.jobs.choices import CheckType
from fieldbox.jobs.models import Answer, Checklist, Job, Run, RunPhoto

YES = "yes"
NO = "no"
TEXT_MAX = 1000


@dataclass(frozen=True)
class Asked:
    """One question as a run keeps it (or, before a run starts, as its checklist has it now)."""

    key: str
    id: int
    label: str
    type: str
    options: list[str]
    unit: str
    min: str | None
    max: str | None
    required: bool

    @property
    def pk(self) -> int:
        return self.id

    def get_type_display(self) -> str:
        return str(CheckType(self.type).label) if self.type in CheckType.values else self.type

    @classmethod
    def of(cls, entry: dict[str, Any]) -> Asked:
        return cls(
            key=str(entry["key"]),
            id=int(entry.get("id") or 0),
            label=str(entry.get("label", "")),
            type=str(entry.get("type", CheckType.CHECK)),
            options=[str(o) for o in entry.get("options") or []],
            unit=str(entry.get("unit") or ""),
            min=entry.get("min"),
            max=entry.get("max"),
            required=bool(entry.get("required")),
        )


@dataclass
class Line:
    """One question of a checklist with what was given for it. ``item`` is the question (its former name)."""

    item: Asked
    answer: Answer | None = None
    photos: list[RunPhoto] = field(default_factory=list)
    run: Run | None = None
    checklist_id: int | None = None

    @property
    def question(self) -> Asked:
        return self.item

    @property
    def value(self) -> Any:
        return self.answer.value if self.answer else None

    @property
    def chosen(self) -> list[str]:
        """The options given, for a multiple choice (an empty list otherwise)."""
        value = self.value
        return [str(v) for v in value] if isinstance(value, list) else []

    @property
    def shown(self) -> str:
        """The answer as one reads it: "2.5 bar", "a, b", the text."""
        value = self.value
        if value is None or value == "" or value == []:
            return ""
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        if self.item.type == CheckType.CHECK:
            return _("yes") if value == YES else _("no")
        if self.item.type == CheckType.NUMBER and self.item.unit:
            return f"{value} {self.item.unit}"
        return str(value)

    @property
    def done(self) -> bool:
        kind, value = self.item.type, self.value
        if kind == CheckType.PHOTO:
            return bool(self.photos)
        if kind == CheckType.CHECK:
            return value == YES
        return value not in (None, "", [])


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", ".").replace(" ", ""))


def _clean_number(question: Asked, raw: str) -> str:
    try:
        number = _number(raw)
        if not number.is_finite() or abs(number) >= 10**15 or int(number.as_tuple().exponent) < -10:
            raise InvalidOperation  # no infinities, nor a million digits to keep
    except (InvalidOperation, ValueError):
        raise ValidationError({"value": _("Enter a number, such as 12.5.")}) from None
    low = _number(question.min) if question.min is not None else None
    high = _number(question.max) if question.max is not None else None
    if (low is not None and number < low) or (high is not None and number > high):
        unit = f" {question.unit}" if question.unit else ""
        bounds = {"min": f"{question.min}{unit}", "max": f"{question.max}{unit}"}
        if low is not None and high is not None:
            message = _("Enter a number from %(min)s to %(max)s.") % {**bounds, "min": question.min}
        elif low is not None:
            message = _("Enter a number of at least %(min)s.") % bounds
        else:
            message = _("Enter a number of at most %(max)s.") % bounds
        raise ValidationError({"value": message})
    return format(number.normalize(), "f")  # "2.50" and "2,5" keep as "2.5", "1E1" as "10"


def clean_value(question: Asked, raw: str | Sequence[str] | None) -> Any:
    """The answer to keep for ``raw`` (a text, or a list for a multiple choice); None clears it.
    Bad input raises a ValidationError on "value" that says what to give."""
    kind = question.type
    if kind == CheckType.PHOTO:
        raise ValidationError({"value": _("Upload a photo for this item.")})
    if kind == CheckType.MULTI:
        given = [raw] if isinstance(raw, str) else list(raw or [])
        chosen = [str(v).strip() for v in given if str(v).strip()]
        unknown = [v for v in chosen if v not in question.options]
        if unknown:
            raise ValidationError({"value": _("Choose among: %(options)s.") % {"options": ", ".join(question.options)}})
        return [o for o in question.options if o in chosen] or None
    if not isinstance(raw, str | type(None)):
        raise ValidationError({"value": _("Give one answer.")})
    text = (raw or "").strip()
    if kind == CheckType.CHECK:
        if text not in (YES, NO):
            raise ValidationError({"value": _("Answer yes or no.")})
        return text
    if not text:
        return None
    if kind == CheckType.CHOICE and text not in question.options:
        raise ValidationError({"value": _("Choose one of: %(options)s.") % {"options": ", ".join(question.options)}})
    if kind == CheckType.NUMBER:
        return _clean_number(question, text)
    if len(text) > TEXT_MAX:
        raise ValidationError({"value": _("Keep the answer under %(max)s characters.") % {"max": TEXT_MAX}})
    return text


def run_start(checklist: Checklist, *, job: Job | None = None, actor: User | None = None) -> Run:
    """Start a run of ``checklist`` (for a job, or with no owner for the service app to link to its work order):
    it keeps a copy of the checklist's live questions from now on. A job's run starts once: the existing one
    comes back. The caller holds the lock on the owner."""
    if job is not None:
        found = Run.objects.filter(job=job, checklist=checklist).first()
        if found is not None:
            return found
    return Run.objects.create(
        checklist=checklist,
        job=job,
        questions=checklist.snapshot(),
        started_by=actor,
    )


def question_of(run: Run, key: str) -> Asked:
    """The question of the run with this key, as the run keeps it; a ValidationError on "item" otherwise."""
    for entry in run.questions:
        if str(entry.get("key")) == str(key):
            return Asked.of(entry)
    raise ValidationError({"item": _("This item is not on the checklist of this job.")})


def run_answer(run: Run, *, key: str, value: str | Sequence[str] | None, actor: User | None = None) -> Answer | None:
    """Keep the answer to one question of the run (an empty one clears it). Bad input changes nothing."""
    question = question_of(run, key)
    clean = clean_value(question, value)
    if clean is None:
        Answer.objects.filter(run=run, key=question.key).delete()
        return None
    answer, _created = Answer.objects.update_or_create(
        run=run,
        key=question.key,
        defaults={
            "value": clean,
            "answered_by": actor,
            "answered_at": timezone.now(),
        },
    )
    return answer


def run_photo_add(
    run: Run,
    *,
    key: str,
    data: bytes,
    extension: str,
    folder: str,
    actor: User | None = None,
    **facts: Any,
) -> RunPhoto:
    """Keep a checked photo (``jobs.checks.photos.clean_photo``) for a photo question of the run, under a random
    name in ``folder``; ``facts`` are content_type, width, height, taken_at. The file goes if the row fails (a
    caller whose later steps may fail deletes ``photo.file.name`` itself)."""
    question = question_of(run, key)
    if question.type != CheckType.PHOTO:
        raise ValidationError({"item": _("This item takes no photo.")})
    name = default_storage.save(f"{folder}/{uuid.uuid4().hex}.{extension}", ContentFile(data))
    try:
        return RunPhoto.objects.create(
            run=run,
            key=question.key,
            job_id=run.job_id,
            file=name,
            size=len(data),
            uploaded_at=timezone.now(),
            uploaded_by=actor,
            **facts,
        )
    except BaseException:
        default_storage.delete(name)
        raise


def run_photo_delete(photo: RunPhoto) -> None:
    """Remove a photo of a run; its file goes once the change is saved."""
    name = str(photo.file.name)
    photo.delete()
    transaction.on_commit(lambda: default_storage.delete(name))


def lines_of_runs(runs: Iterable[Run]) -> list[Line]:
    """The lines of several runs in order, with answers and photos: two queries whatever their length."""
    runs = list(runs)
    ids = [r.pk for r in runs]
    answers = {(a.run_id, a.key): a for a in Answer.objects.filter(run_id__in=ids).select_related("answered_by")}
    photos: dict[tuple[int, str], list[RunPhoto]] = {}
    for photo in RunPhoto.objects.filter(run_id__in=ids).select_related("uploaded_by").order_by("uploaded_at", "pk"):
        photos.setdefault((photo.run_id, photo.key), []).append(photo)
    lines = []
    for run in runs:
        for entry in run.questions:
            asked = Asked.of(entry)
            at = (run.pk, asked.key)
            lines.append(Line(asked, answers.get(at), photos.get(at, []), run, run.checklist_id))
    return lines


def run_lines(run: Run) -> list[Line]:
    """The run's questions in order with their answers and photos (the one list every screen renders)."""
    return lines_of_runs([run])


def missing_of(lines: Iterable[Line]) -> list[str]:
    return [line.item.label for line in lines if line.item.required and not line.done]


def run_missing_required(run: Run) -> list[str]:
    """Labels of the run's required questions not complete yet, in order."""
    return missing_of(run_lines(run))


def run_content(run: Run) -> list[dict[str, Any]]:
    """The run as a signed report keeps it: each question as the run has it, the answer as given and as read, who
    answered when, and the photos' ids and sizes (JSON, stable order: ready to hash)."""
    return [
        {
            "key": line.item.key,
            "label": line.item.label,
            "type": line.item.type,
            "unit": line.item.unit,
            "required": line.item.required,
            "value": line.value,
            "shown": line.shown,
            "done": line.done,
            "answered_at": line.answer.answered_at.isoformat() if line.answer else None,
            "photos": [{"id": p.pk, "content_type": p.content_type, "size": p.size} for p in line.photos],
        }
        for line in run_lines(run)
    ]

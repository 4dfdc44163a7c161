"""Reads of checklists, scoped: the questions an organisation manages, a job's checklist with its answers, photos
one may see."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from fieldbox.core.tenancy import Scope
from fieldbox.fleet.models import Product
from fieldbox.jobs.checklist import NO, YES, Line, checklist_of, items_of_job, missing_required
from fieldbox.jobs.choices import ChecklistKind
from fieldbox.jobs.models import Checklist, Question, RunPhoto
from fieldbox.jobs.runs import lines_of_runs, run_lines, run_missing_required

__all__ = [
    "NO",
    "YES",
    "Line",
    "checklist_of",
    "items_of_job",
    "lines_of_runs",
    "missing_required",
    "run_lines",
    "run_missing_required",
]


def items_for(scope: Scope) -> QuerySet[Question]:
    """The live questions of the checklists an organisation manages."""
    return Question.objects.visible_to(scope).select_related("checklist", "checklist__product")


def item_for(scope: Scope, pk: int) -> Question:
    found = items_for(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def checklists_for(scope: Scope, kind: str | None = None) -> QuerySet[Checklist]:
    """The checklists an organisation manages (``kind="work_order"``: those its work-order types may use)."""
    found = Checklist.objects.visible_to(scope).select_related("product")
    return found.filter(kind=kind) if kind else found


def checklist_for(scope: Scope, pk: int, kind: str | None = ChecklistKind.WORK_ORDER) -> Checklist:
    found = checklists_for(scope, kind).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def products_for(scope: Scope) -> QuerySet[Product]:
    return Product.objects.visible_to(scope).order_by("name", "pk")


def photos_for(scope: Scope) -> QuerySet[RunPhoto]:
    """Photos of the jobs one sees; a company loses them once the job ended, like the owner's data."""
    return RunPhoto.objects.visible_to(scope).select_related("run", "job")


def photo_for(scope: Scope, pk: int) -> RunPhoto:
    found = photos_for(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found

"""A job's on-site checklist as the installer fills it: its questions, answers and photos, and what is still missing.

A job uses its provider's checklists for its kind: the one for any product, then the one for its product. Each
starts its run (a copy of its questions) with the first answer or photo given; until then the job shows the
checklist's live questions. Read by the job services (an activation waits for the required items) and by the
checklist screens alike.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from fieldbox.jobs.models import Checklist, Job, Question, Run
from fieldbox.jobs.runs import NO, YES, Asked, Line, lines_of_runs, missing_of

__all__ = ["NO", "YES", "Line", "checklist_of", "checklists_of_job", "items_of_job", "missing_required"]


def checklists_of_job(job: Job) -> QuerySet[Checklist]:
    """The provider's checklists that apply to the job: for its kind, for any product or for its product."""
    return Checklist.objects.filter(organisation_id=job.provider_id, kind=job.kind).filter(
        Q(product_id=job.product_id) | Q(product__isnull=True)
    )


def items_of_job(job: Job) -> QuerySet[Question]:
    """The live questions that apply to a job now (a started run keeps its own copy)."""
    return (
        Question.objects.filter(checklist__in=checklists_of_job(job), removed_at__isnull=True)
        .select_related("checklist")
        .order_by("checklist__product_id", "position", "pk")
    )


def _any_product_first(checklist: Checklist) -> tuple[bool, int]:
    return (checklist.product_id is not None, checklist.pk)


def checklist_of(job: Job) -> list[Line]:
    """The job's checklist in order, with answers and photos: a few queries whatever its length."""
    runs = {run.checklist_id: run for run in Run.objects.filter(job=job).select_related("checklist")}
    waiting = [c for c in checklists_of_job(job) if c.pk not in runs]
    ordered: list[Checklist | Run] = sorted(
        [*runs.values(), *waiting],
        key=lambda x: _any_product_first(x.checklist if isinstance(x, Run) else x),
    )
    by_run: dict[int, list[Line]] = {}
    for line in lines_of_runs(runs.values()):
        by_run.setdefault(line.checklist_id or 0, []).append(line)
    live: dict[int, list[Line]] = {}
    if waiting:
        questions = Question.objects.filter(checklist__in=waiting, removed_at__isnull=True).order_by("position", "pk")
        for question in questions:
            live.setdefault(question.checklist_id, []).append(
                Line(Asked.of(question.entry()), checklist_id=question.checklist_id)
            )
    lines: list[Line] = []
    for part in ordered:
        lines += by_run.get(part.checklist_id, []) if isinstance(part, Run) else live.get(part.pk, [])
    return lines


def missing_required(job: Job) -> list[str]:
    """Labels of the required items not complete yet, in checklist order."""
    return missing_of(checklist_of(job))

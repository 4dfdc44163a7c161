"""Checklists on work orders (Appsistance "check list azioni"), through the one checklist mechanism (``jobs.runs``).

- ``work_type_checklists_set``: which of the organisation's work-order checklists a type of work uses;
- ``checklist_runs_start``: when a work order starts, each checklist of its type of work starts a run that keeps a
  copy of its questions (hooked to the "start" move below), so a later edit never changes it nor a signed report;
- ``checklist_answer``, ``checklist_photo_add``, ``checklist_photo_delete``: a person on the work order (or the
  office) answers while the work order is accepted or in progress (the move "record");
- ``selectors_checklists.missing_errors`` / ``refuse_missing``: the one rule that a work order is not finished, nor
  its report signed, while a required question is unanswered (``work_orders.work_order_move`` and
  ``reports.report_sign`` ask it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.accounts.choices import WORK_PLANNERS
from fieldbox.accounts.models import Organisation, User
from fieldbox.core import audit, transitions
from fieldbox.core.tenancy import Scope
from fieldbox.core.transitions import Step
from fieldbox.jobs import runs
from fieldbox.jobs.checks.photos import clean_photo
from fieldbox.jobs.checks.selectors import checklists_for
from fieldbox.jobs.choices import ChecklistKind
from fieldbox.jobs.models import Checklist, Run, RunPhoto
from fieldbox.service.choices import WORK_ORDER_TABLE
from fieldbox.service.models import WorkOrder, WorkOrderRun, WorkType
from fieldbox.service.selectors_checklists import (
    lines_of,
    missing_errors,
    missing_required,
    photo_for,
    refuse_missing,
    runs_of,
)
from fieldbox.service.services.work_orders import refuse_outsider

# The reads and the rule of completeness are the selectors' (``work_orders`` and ``reports`` ask them there).
__all__ = [
    "checklist_answer",
    "checklist_photo_add",
    "checklist_photo_delete",
    "checklist_runs_start",
    "lines_of",
    "missing_errors",
    "missing_required",
    "photo_for",
    "refuse_missing",
    "runs_of",
    "work_type_checklists_set",
]

audit.label_actions(
    {
        "work_type.checklists": gettext_lazy("Checklists of the type of work changed"),
        "work_order.checklist_answer": gettext_lazy("Checklist answered"),
        "work_order.checklist_photo_add": gettext_lazy("Checklist photo added"),
        "work_order.checklist_photo_delete": gettext_lazy("Checklist photo deleted"),
    }
)


# ---- Types of work -----------------------------------------------------------------------------------------------


def work_type_checklists_set(*, scope: Scope, work_type_id: int, checklist_ids: Iterable[int]) -> WorkType:
    """The type of work uses exactly these checklists (the organisation's work-order checklists); work orders
    already started keep their runs."""
    scope.require_role(*WORK_PLANNERS)
    wanted = list(dict.fromkeys(int(i) for i in checklist_ids))
    with transaction.atomic():
        work_type = WorkType.objects.visible_to(scope).select_for_update().get(pk=work_type_id)
        found = list(checklists_for(scope, kind=ChecklistKind.WORK_ORDER).filter(pk__in=wanted))
        if len(found) != len(wanted):
            raise ValidationError({"checklist_ids": _("Choose among your work-order checklists.")})
        work_type.checklists.set(found)
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=work_type,
            action="work_type.checklists",
            data={"checklists": sorted(c.pk for c in found), "names": sorted(c.name for c in found)},
        )
    return work_type


# ---- Starting ----------------------------------------------------------------------------------------------------


def checklist_runs_start(order: WorkOrder, actor: User | None = None) -> list[Run]:
    """Start a run of each checklist of the work order's type of work it has none of yet (a copy of its questions
    now); the caller holds the lock on the work order. The work order's runs, in order."""
    if order.work_type_id:
        have = set(WorkOrderRun.objects.filter(work_order=order).values_list("run__checklist_id", flat=True))
        chosen = Checklist.objects.filter(
            pk__in=WorkType.checklists.through.objects.filter(worktype_id=order.work_type_id).values("checklist_id"),
            kind=ChecklistKind.WORK_ORDER,
        ).order_by("name", "pk")
        for checklist in chosen:
            if checklist.pk in have or not checklist.snapshot():
                continue
            run = runs.run_start(checklist, actor=actor)
            WorkOrderRun.objects.create(work_order=order, run=run)
    return runs_of(order)


@WORK_ORDER_TABLE.on_move
def _start_runs(step: Step) -> None:
    """The work starts: its checklists start too (the one place this is decided)."""
    if step.action == "start":
        checklist_runs_start(step.record, actor=step.scope.user if step.scope else None)


# ---- Answering -----------------------------------------------------------------------------------------------------


def _locked_run(scope: Scope, work_order_id: int, run_id: int) -> tuple[WorkOrder, Run]:
    """The work order, locked, while its checklist may be filled in by this person; one of its runs."""
    order = WORK_ORDER_TABLE.lock(WorkOrder.objects.visible_to(scope), work_order_id)
    run = Run.objects.filter(pk=run_id, work_order_link__work_order=order).first()
    if run is None:
        raise Http404
    WORK_ORDER_TABLE.check(order, "record", scope)
    refuse_outsider(order, scope)
    return order, run


def _audit(scope: Scope, order: WorkOrder, action: str, data: dict[str, Any]) -> None:
    audit.record(actor=scope.user, organisation=order.organisation_id, obj=order, action=action, data=data)


def checklist_answer(
    *, scope: Scope, work_order_id: int, run_id: int, key: str, value: str | Sequence[str] | None
) -> runs.Line:
    """Keep the answer to one question (an empty one clears it); audited. Bad input changes nothing. The line as
    it is now."""
    with transitions.atomic():
        order, run = _locked_run(scope, work_order_id, run_id)
        answer = runs.run_answer(run, key=str(key), value=value, actor=scope.user)
        line = next(x for x in runs.run_lines(run) if x.item.key == str(key))
        _audit(
            scope,
            order,
            "work_order.checklist_answer",
            {"run": run.pk, "question": line.item.label, "value": answer.value if answer else None},
        )
    return line


def checklist_photo_add(
    *, scope: Scope, work_order_id: int, run_id: int, key: str, upload: UploadedFile[bytes]
) -> RunPhoto:
    """A checked photo (upright, without EXIF) for a photo question, stored under a random name, served only through
    scoped views."""
    photo = clean_photo(upload)  # before the lock: decoding a large image takes a moment
    with transitions.atomic():
        order, run = _locked_run(scope, work_order_id, run_id)
        tz = ZoneInfo(Organisation.objects.only("time_zone").get(pk=order.organisation_id).time_zone)
        saved = runs.run_photo_add(
            run,
            key=str(key),
            data=photo.data,
            extension=photo.extension,
            folder=f"work-order-photos/{order.organisation_id}",
            actor=scope.user,
            content_type=photo.content_type,
            width=photo.width,
            height=photo.height,
            taken_at=photo.taken.replace(tzinfo=tz) if photo.taken else None,
        )
        try:
            _audit(scope, order, "work_order.checklist_photo_add", {"run": run.pk, "key": saved.key, "photo": saved.pk})
        except BaseException:
            default_storage.delete(str(saved.file.name))
            raise
    return saved


def checklist_photo_delete(*, scope: Scope, work_order_id: int, photo_id: int) -> None:
    """Remove a photo of the work order's checklist while it is carried out; the file goes once saved."""
    with transitions.atomic():
        order = WORK_ORDER_TABLE.lock(WorkOrder.objects.visible_to(scope), work_order_id)
        photo = RunPhoto.objects.select_for_update().filter(pk=photo_id, run__work_order_link__work_order=order).first()
        if photo is None:
            raise Http404
        WORK_ORDER_TABLE.check(order, "record", scope)
        refuse_outsider(order, scope)
        _audit(scope, order, "work_order.checklist_photo_delete", {"run": photo.run_id, "photo": photo.pk})
        runs.run_photo_delete(photo)

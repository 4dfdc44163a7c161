"""Reads of a work order's checklists (its runs of ``jobs.runs``, the one checklist mechanism) for the services, the
pages and the API, scoped through the work order (``WorkOrder.objects.visible_to``), and the one rule that a work
order is not finished, nor its report signed, while a required question is missing."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from fieldbox.accounts.choices import ADMIN_ROLES, WORK_PLANNERS
from fieldbox.core.tenancy import Scope
from fieldbox.jobs import runs
from fieldbox.jobs.checks.selectors import checklists_for
from fieldbox.jobs.choices import ChecklistKind
from fieldbox.jobs.models import Run, RunPhoto
from fieldbox.service.choices import WORK_ORDER_TABLE
from fieldbox.service.models import WorkOrder, WorkOrderRun, WorkType
from fieldbox.service.selectors_work_orders import work_types_for

PHOTO_VIEWS = {"photo_view": "service:checklist_photo", "photo_delete_view": "service:checklist_photo_delete"}


# ---- Runs and photos -------------------------------------------------------------------------------------------


def runs_of(order: WorkOrder) -> list[Run]:
    """The work order's checklist runs, in the order they started."""
    links = WorkOrderRun.objects.filter(work_order=order).select_related("run", "run__checklist").order_by("pk")
    return [link.run for link in links]


def lines_of(order: WorkOrder) -> list[runs.Line]:
    """Every question of the work order's runs with its answer and photos (the screens' one list)."""
    return runs.lines_of_runs(runs_of(order))


def photos_for(scope: Scope) -> QuerySet[RunPhoto]:
    """Photos of the checklists of the work orders one sees."""
    orders = WorkOrder.objects.visible_to(scope).values("pk")
    return RunPhoto.objects.filter(run__work_order_link__work_order__in=orders).select_related(
        "run__work_order_link__work_order"
    )


def photo_for(scope: Scope, pk: int) -> RunPhoto:
    found = photos_for(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def work_order_of(photo: RunPhoto) -> WorkOrder:
    return photo.run.work_order_link.work_order


# ---- The rule of completeness ------------------------------------------------------------------------------------


def missing_required(order: WorkOrder) -> list[str]:
    """Labels of the required questions of the work order's runs not complete yet, in order."""
    return runs.missing_of(lines_of(order))


def missing_errors(order: WorkOrder) -> dict[str, str]:
    """``{"checklist": why}`` while a required question is missing, else nothing: finishing and signing ask it."""
    missing = missing_required(order)
    if not missing:
        return {}
    return {
        "checklist": _("Complete the required checklist questions first: %(items)s.") % {"items": "; ".join(missing)}
    }


def refuse_missing(order: WorkOrder) -> None:
    errors = missing_errors(order)
    if errors:
        raise ValidationError(errors)


# ---- What the pages show ---------------------------------------------------------------------------------------


def field_block(scope: Scope, order: WorkOrder, *, on_it: bool, errors: dict[str, str] | None = None) -> dict[str, Any]:
    """The phone's checklist: each line with the refusal of its last answer (``errors`` by "run:key"), whether the
    person may fill it in now (``on_it``: they are on the work order)."""
    may_record = bool(WORK_ORDER_TABLE.allowed(order, scope, ("record",)))
    lines = lines_of(order)
    rows: list[dict[str, Any]] = [{"line": x, "at": f"{x.run.pk if x.run else 0}:{x.item.key}"} for x in lines]
    for row in rows:
        row["error"] = (errors or {}).get(row["at"], "")
    return {
        "checklist_rows": rows,
        "checklist_can_fill": may_record and (on_it or scope.role in WORK_PLANNERS),
        "checklist_missing": runs.missing_of(lines),
        **PHOTO_VIEWS,
    }


def office_block(order: WorkOrder) -> dict[str, Any]:
    """The office's read-only block of answers."""
    lines = lines_of(order)
    return {"checklist_lines": lines, "checklist_missing": runs.missing_of(lines), **PHOTO_VIEWS}


def setup_block(scope: Scope) -> dict[str, Any]:
    """Each type of work with the organisation's work-order checklists, those it uses chosen."""
    offered = list(checklists_for(scope, kind=ChecklistKind.WORK_ORDER).order_by("name", "pk"))
    types = list(work_types_for(scope))
    through = WorkType.checklists.through.objects.filter(worktype_id__in=[t.pk for t in types])
    chosen: dict[int, set[int]] = {}
    for type_id, checklist_id in through.values_list("worktype_id", "checklist_id"):
        chosen.setdefault(type_id, set()).add(checklist_id)
    rows = [(t, [(c, c.pk in chosen.get(t.pk, set())) for c in offered]) for t in types]
    return {
        "type_checklists": rows,
        "checklists_offered": offered,
        "checklists_size": max(2, min(len(offered), 6)),  # a list to pick from, also on a phone
        "edits_checklists": scope.role in ADMIN_ROLES,
    }

"""/api/v1: a work order's checklists (the runs started with the work, each question as its run kept it, with the
answer given), answering one question, and which checklists a type of work uses.

The same services and scope as the pages (``service.services.checklists``): another organisation's work order or
type of work answers 404; a question answered outside "accepted" or "in progress" 409; bad input 422 on `value`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema

from fieldbox.core.http import scope_of
from fieldbox.core.problems import errors_of
from fieldbox.core.tenancy import Scope
from fieldbox.jobs.runs import Line, missing_of
from fieldbox.service import selectors_checklists as checklist_reads
from fieldbox.service import selectors_work_orders as reads
from fieldbox.service.services import checklists

router = Router(tags=["work orders"])


class WorkOrderChecklistPhotoOut(Schema):
    id: int
    content_type: str
    size: int
    width: int
    height: int
    taken_at: datetime | None
    uploaded_at: datetime
    url: str = Field(description="The photo, through a scoped page of the work order's organisation")


class WorkOrderChecklistLineOut(Schema):
    run_id: int = Field(description="The run (one checklist filled in on this work order) the question is on")
    checklist: str = Field(description="The checklist's name")
    key: str = Field(description="The question's key in its run: answer it at …/checklist/{run_id}/{key}")
    label: str
    type: str = Field(description="check (yes/no), text, number, choice, multi, photo")
    options: list[str]
    unit: str
    min: str | None = Field(description="The lowest number accepted, as text")
    max: str | None = Field(description="The highest number accepted, as text")
    required: bool
    done: bool
    value: str | list[str] | None
    shown: str = Field(description="The answer as one reads it (“2.5 bar”)")
    answered_at: datetime | None
    photos: list[WorkOrderChecklistPhotoOut]


class WorkOrderChecklistOut(Schema):
    work_order_id: int
    complete: bool = Field(description="No required question is missing: the work order may be finished and signed")
    missing: list[str] = Field(description="The labels of the required questions still missing")
    items: list[WorkOrderChecklistLineOut]


class WorkOrderChecklistAnswerIn(Schema):
    value: str | list[Annotated[str, Field(max_length=100)]] | None = Field(
        max_length=1000,
        description='"yes" or "no" for a check; a text; a number as text ("2.5"), within the bounds; one of the '
        "options for a single choice; a list of options for a multiple choice. Empty or null clears the answer.",
    )


class WorkTypeChecklistsIn(Schema):
    checklist_ids: list[Annotated[int, Field(ge=1)]] = Field(
        max_length=100, description='The organisation\'s checklists of kind "work_order" the type of work uses'
    )


class WorkTypeChecklistsOut(Schema):
    id: int
    name: str
    checklist_ids: list[int]


def _line(line: Line) -> dict[str, Any]:
    q = line.item
    return {
        "run_id": line.run.pk if line.run else 0,
        "checklist": line.run.checklist.name if line.run else "",
        **{f: getattr(q, f) for f in ("key", "label", "type", "options", "unit", "min", "max", "required")},
        "done": line.done,
        "value": line.value,
        "shown": line.shown,
        "answered_at": line.answer.answered_at if line.answer else None,
        "photos": [
            {
                **{f: getattr(p, f) for f in ("id", "content_type", "size", "width", "height", "taken_at")},
                "uploaded_at": p.uploaded_at,
                "url": reverse("service:checklist_photo", args=[p.pk]),
            }
            for p in line.photos
        ],
    }


def _checklist(scope: Scope, work_order_id: int) -> dict[str, Any]:
    scope.require_role(*reads.WORK_READERS)
    order = reads.work_order_for(scope, work_order_id)
    lines = checklist_reads.lines_of(order)
    missing = missing_of(lines)
    return {"work_order_id": order.pk, "complete": not missing, "missing": missing, "items": [_line(x) for x in lines]}


@router.get(
    "/work-orders/{work_order_id}/checklist",
    response={200: WorkOrderChecklistOut, **errors_of(403, 404)},
    summary="A work order's checklists: each question as its run kept it, with the answer given",
    description="The runs start when the work starts, one per checklist of its type of work.",
)
def work_order_checklist(request: HttpRequest, work_order_id: int) -> Any:
    return _checklist(scope_of(request), work_order_id)


@router.post(
    "/work-orders/{work_order_id}/checklist/{run_id}/{key}",
    response={200: WorkOrderChecklistOut, **errors_of(403, 404, 409, 422)},
    summary="Answer one question of a work order's checklist",
    description="A person on the work order (or the office), while it is accepted or in progress. A number out of "
    "its bounds, an option not offered or a yes/no that is neither answers 422 on `value`, and nothing changes. "
    "The answer is the whole checklist as it is now.",
)
def work_order_checklist_answer(
    request: HttpRequest, work_order_id: int, run_id: int, key: str, payload: WorkOrderChecklistAnswerIn
) -> Any:
    scope = scope_of(request)
    checklists.checklist_answer(scope=scope, work_order_id=work_order_id, run_id=run_id, key=key, value=payload.value)
    return _checklist(scope, work_order_id)


@router.put(
    "/work-types/{work_type_id}/checklists",
    response={200: WorkTypeChecklistsOut, **errors_of(403, 404, 422)},
    summary="Choose the checklists a type of work uses (planners)",
    description="Work orders already started keep their runs; the next ones to start use these checklists.",
)
def work_type_checklists(request: HttpRequest, work_type_id: int, payload: WorkTypeChecklistsIn) -> Any:
    scope = scope_of(request)
    work_type = checklists.work_type_checklists_set(
        scope=scope, work_type_id=work_type_id, checklist_ids=payload.checklist_ids
    )
    ids = sorted(work_type.checklists.values_list("pk", flat=True))
    return {"id": work_type.pk, "name": work_type.name, "checklist_ids": ids}

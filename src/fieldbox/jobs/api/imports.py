"""/api/v1/jobs/import: jobs from a spreadsheet, all-or-nothing, with a dry run that only checks."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from fieldbox.accounts.choices import PLANNERS
from fieldbox.core.http import AuthedRequest
from fieldbox.core.problems import errors_of
from fieldbox.core.uploads import row_problem
from fieldbox.jobs import imports

router = Router(tags=["jobs"])


class ImportedJob(Schema):
    id: int
    number: str
    row: int
    company_id: int | None


class ImportOut(Schema):
    dry_run: bool
    count: int
    jobs: list[ImportedJob]


@router.post(
    "/jobs/import",
    response={200: ImportOut, 201: ImportOut, **errors_of(403, 422)},
    summary="Create jobs from a spreadsheet, one row per vehicle (provider planners)",
    description=(
        "Multipart field `file`: .xlsx, .xls, .ods or .csv with the columns subscription, kind, vehicle_model, "
        "central_lock_type, notes, installer_code. Every row is checked first; any error answers 422 with each "
        "problem's `row` and `column` and nothing is saved. `dry_run=true` only checks (200). Rows with an "
        "installer code are assigned to that partner at once (deadline, owner SMS, webhook)."
    ),
)
def job_import(request: HttpRequest, file: File[UploadedFile], dry_run: bool = False) -> Any:
    scope = cast(AuthedRequest, request).scope
    scope.require_role(*PLANNERS)
    try:
        table = imports.read_table(file, file.name or "", file.size or 0)
        if dry_run:
            planned = imports.plan(scope, table)
            return Status(200, {"dry_run": True, "count": len(planned), "jobs": []})
        jobs = imports.job_import(scope=scope, table=table)
    except imports.ImportRefused as refused:
        return row_problem(_("The file has errors: nothing was saved."), refused.errors)
    rows = [{"id": j.pk, "number": j.number, "row": n, "company_id": j.company_id} for n, j in jobs]
    return Status(201, {"dry_run": False, "count": len(jobs), "jobs": rows})

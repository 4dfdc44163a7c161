"""/api/v1/removal-requests: upload a file (checked like the web page), follow a large one, confirm or delete it."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from fieldbox.accounts.choices import PLANNERS
from fieldbox.core.http import AuthedRequest
from fieldbox.core.problems import errors_of, problem
from fieldbox.core.uploads import RowError
from fieldbox.removals import imports, selectors
from fieldbox.removals.choices import LineStatus, RequestState
from fieldbox.removals.models import RemovalDraftLine, RemovalRequest
from fieldbox.removals.services import requests as services

router = Router(tags=["removals"])
LINES_SHOWN = 1000


class RowErrorOut(Schema):
    row: int
    column: str
    message: str


class DraftLineOut(Schema):
    row: int
    vin: str
    subscription: str
    installer_code: str
    remover: str
    place: str
    wished_on: str
    status: str


class DraftOut(Schema):
    id: int | None
    number: str
    state: str
    dry_run: bool
    rows_total: int
    rows_done: int
    count: int = Field(description="Every line of the request, exact; `lines` lists the first of them")
    rows_in_error: int
    errors: list[RowErrorOut]
    lines: list[DraftLineOut]
    status_url: str


def _refused(errors: list[RowError]) -> HttpResponse:
    rows = [{"field": e.column or "file", **e.as_dict()} for e in errors[: services.ERRORS_KEPT]]
    return problem(422, _("The file has errors: nothing was saved."), errors=cast(Any, rows))


def _status_url(request: RemovalRequest) -> str:
    return reverse("api:removal_request_status", kwargs={"request_id": request.pk})


def _draft_line(n: RemovalDraftLine) -> dict[str, Any]:
    """A checked row as the draft shows it (``services.draft_lines``): status "new" until the request is confirmed."""
    assert n.wished_on is not None  # a draft line is a valid row
    return {
        "row": n.row,
        "vin": n.vin,
        "subscription": n.number,
        "installer_code": n.code,
        "remover": getattr(n, "company_name", None) or "",
        "place": n.place,
        "wished_on": n.wished_on.isoformat(),
        "status": LineStatus.NEW.value,
    }


def _lines(request: RemovalRequest) -> list[dict[str, Any]]:
    """The draft's lines (status "new") or, once saved, the request's lines."""
    if request.state != RequestState.SAVED:
        return [_draft_line(n) for n in services.draft_lines(request)[:LINES_SHOWN]]
    return [
        {
            "row": n.row,
            "vin": n.vehicle.vin,
            "subscription": n.subscription.number,
            "installer_code": n.company.installer_code or "",
            "remover": n.company.name,
            "place": n.place,
            "wished_on": n.wished_on.isoformat(),
            "status": n.status,
        }
        for n in services.saved_lines(request)[:LINES_SHOWN]
    ]


def _count(request: RemovalRequest) -> int:
    """Every line of the request, exact: the draft's as its check kept them, a saved one's from its counters."""
    if request.state != RequestState.SAVED:
        return request.line_count
    return selectors.summaries([request.pk])[request.pk].total


def _out(request: RemovalRequest) -> dict[str, Any]:
    lines = _lines(request)
    return {
        "id": request.pk,
        "number": request.number,
        "state": request.state,
        "dry_run": False,
        "rows_total": request.rows_total,
        "rows_done": request.rows_done,
        "count": _count(request),
        "rows_in_error": request.error_count,
        "errors": request.errors,
        "lines": lines,
        "status_url": _status_url(request),
    }


def _dry_run(request: AuthedRequest, file: UploadedFile) -> Any:
    checked, shown = services.request_dry_run(
        scope=request.scope, stream=file, file_name=file.name or "", size=file.size, shown=LINES_SHOWN
    )
    body = {
        "id": None,
        "number": "",
        "state": "checked",
        "dry_run": True,
        "rows_total": checked.rows_total,
        "rows_done": checked.rows_total,
        "count": checked.lines,
        "rows_in_error": checked.rows_in_error,
        "errors": [e.as_dict() for e in checked.errors[: services.ERRORS_KEPT]],
        "lines": [_draft_line(n) for n in shown],
        "status_url": "",
    }
    return Status(422, body) if not checked.lines else Status(200, body)


@router.post(
    "/removal-requests",
    response={200: DraftOut, 201: DraftOut, 202: DraftOut, **errors_of(403, 422)},
    summary="Upload a removal request: a spreadsheet of vehicles to remove (provider requesters)",
    description=(
        "Multipart field `file`: .xlsx, .xls, .ods or .csv whose first sheet has exactly the columns `Vin`, "
        "`N° Abonnement`, `Code Distributeur`, `Lieu de dépose`, `Date de dépose souhaitée`, `Commentaires`. "
        "Every row is checked; any error answers 422 with each problem's `row` and `column` and nothing is kept, "
        "unless `keep_valid_only` is true (then the valid rows make the draft). 201: a draft waiting for "
        "`POST /removal-requests/{id}/confirm`. A file with more rows than the background limit answers 202 with "
        "`status_url` to follow its check. `dry_run=true` only checks (200, nothing kept)."
    ),
)
def request_upload(
    request: HttpRequest,
    file: File[UploadedFile],
    follow_up_email: Form[str] = "",
    description: Form[str] = "",
    keep_valid_only: Form[bool] = False,
    dry_run: bool = False,
) -> Any:
    authed = cast(AuthedRequest, request)
    authed.scope.require_role(*PLANNERS)
    try:
        if dry_run:
            return _dry_run(authed, file)
        draft = services.request_upload(
            scope=authed.scope,
            stream=file,
            file_name=file.name or "",
            size=file.size,
            follow_up_email=follow_up_email,
            description=description,
            keep_valid_only=keep_valid_only,
            refuse_errors=True,
        )
    except imports.ImportRefused as refused:
        return _refused(refused.errors)
    return Status(202 if draft.state == RequestState.CHECKING else 201, _out(draft))


@router.get(
    "/removal-requests/{request_id}/status",
    response={200: DraftOut, **errors_of(403, 404)},
    url_name="removal_request_status",
    summary="Where an uploaded removal request is: its check's progress, its rows in error, its lines",
)
def request_status(request: HttpRequest, request_id: int) -> Any:
    authed = cast(AuthedRequest, request)
    authed.scope.require_role(*PLANNERS)
    return _out(services.draft_for(authed.scope, request_id))


@router.post(
    "/removal-requests/{request_id}/confirm",
    response={200: DraftOut, 202: DraftOut, **errors_of(403, 404, 409, 422)},
    summary="Confirm a draft: its removers are told, one removal job per line",
    description="A draft with rows in error is confirmed only with `keep_valid_only=true`. Large drafts answer 202.",
)
def request_confirm(request: HttpRequest, request_id: int, keep_valid_only: bool = False) -> Any:
    authed = cast(AuthedRequest, request)
    scope = authed.scope
    scope.require_role(*PLANNERS)
    draft = services.draft_for(scope, request_id)
    if draft.line_count > settings.REMOVAL_IMPORT_BACKGROUND_ROWS:
        draft = services.request_confirm_later(scope=scope, request_id=draft.pk, keep_valid_only=keep_valid_only)
        return Status(202, _out(draft))
    return Status(
        200, _out(services.request_confirm(scope=scope, request_id=draft.pk, keep_valid_only=keep_valid_only))
    )


@router.delete(
    "/removal-requests/{request_id}",
    response={204: None, **errors_of(403, 404, 409)},
    summary="Delete a draft removal request (not yet confirmed)",
)
def request_discard(request: HttpRequest, request_id: int) -> Any:
    authed = cast(AuthedRequest, request)
    authed.scope.require_role(*PLANNERS)
    services.request_discard(scope=authed.scope, request_id=request_id)
    return Status(204, None)

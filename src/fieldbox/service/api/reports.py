"""/api/v1: work reports — a work order's report (opened as a draft), its changes, both signatures, corrections,
the PDF and sending it to the customer again. The same services as the technician's phone; another organisation's
report answers 404."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status
from pydantic import EmailStr

from fieldbox.accounts.choices import DESK, WORK_DOERS
from fieldbox.core.http import scope_of
from fieldbox.core.problems import NOT_BLANK, NUMBER, Amount, WrittenAwareDateTime, errors_of
from fieldbox.service.choices import ExpenseKind, ReportStatus
from fieldbox.service.models import WorkReport
from fieldbox.service.services import reports

router = Router(tags=["work reports"])
READERS = DESK | WORK_DOERS  # who reads a report and downloads its PDF; writing is the services' to check


class ReportMaterialIn(Schema):
    description: str = Field(max_length=255, json_schema_extra=NOT_BLANK)
    quantity: Amount = Field(description="Above zero, two decimals")
    unit: str = Field("pc", max_length=10)
    code: str = Field("", max_length=40)
    use: str = Field("used", description="`used` or `left` (left with the customer)", pattern="^(used|left)$")


class ReportExpenseIn(Schema):
    kind: ExpenseKind
    amount: Amount = Field(description="Euro, zero or more, rounded to the cent half up")
    description: str = Field("", max_length=255)


class ReportMaterialOut(Schema):
    id: int
    use: str
    code: str
    description: str
    quantity: str = Field(description="As text, two decimals")
    unit: str


class ReportExpenseOut(Schema):
    id: int
    kind: ExpenseKind
    description: str
    amount: str = Field(description="Euro as text, rounded to the cent")


class WorkReportOut(Schema):
    id: int
    work_order_id: int
    version: int
    replaces_id: int | None = Field(description="The signed version this one corrects")
    status: ReportStatus
    arrived_at: datetime | None
    left_at: datetime | None
    work_done: str
    observations: str
    travel_minutes: int
    travel_km: str = Field(description="As text, one decimal")
    materials: list[ReportMaterialOut] = Field(description="The work order's materials used or left with the customer")
    expenses: list[ReportExpenseOut]
    technician_name: str
    customer_name: str
    signed_at: datetime | None
    content: dict[str, Any] = Field(description="What was signed, as signed (empty on a draft)")
    content_hash: str = Field(description="SHA-256 of the signed content (empty on a draft)")
    has_pdf: bool


class WorkReportIn(Schema):
    """What changes (a field left out stays; a list given replaces the report's lines)."""

    arrived_at: WrittenAwareDateTime | None = None
    left_at: WrittenAwareDateTime | None = None
    work_done: str | None = Field(None, max_length=20_000)
    observations: str | None = Field(None, max_length=20_000)
    travel_minutes: Annotated[int, Field(ge=0, le=1440), NUMBER] | None = None
    travel_km: Amount | None = None
    materials: list[ReportMaterialIn] | None = Field(None, max_length=100)
    expenses: list[ReportExpenseIn] | None = Field(None, max_length=100)


class WorkReportSignIn(Schema):
    technician_name: str = Field(max_length=200, json_schema_extra=NOT_BLANK)
    technician_signature: str = Field(
        max_length=800_000, description="A PNG data URL (`data:image/png;base64,…`), as signature_pad gives it"
    )
    customer_name: str = Field(max_length=200, json_schema_extra=NOT_BLANK)
    customer_signature: str = Field(max_length=800_000, description="A PNG data URL")


class WorkReportSignedOut(WorkReportOut):
    sent_to: str = Field(description="Where the PDF was e-mailed (empty: the customer has no e-mail address)")


class WorkReportSendIn(Schema):
    to: EmailStr | None = Field(None, description="None: the customer's default contact, else the customer")


class WorkReportSentOut(Schema):
    to: str


def _out(report: WorkReport) -> dict[str, Any]:
    fields: tuple[str, ...] = ("arrived_at", "left_at", "work_done", "observations", "travel_minutes")
    fields += ("technician_name", "customer_name", "signed_at", "content", "content_hash", "version", "status")
    order = report.work_order
    return {
        "id": report.pk,
        "travel_km": str(report.travel_km),
        "work_order_id": report.work_order_id,
        "replaces_id": report.replaces_id,
        **{f: getattr(report, f) for f in fields},
        "materials": [
            {
                "id": m.pk,
                "use": m.use,
                "code": m.code,
                "description": m.description,
                "quantity": str(m.quantity),
                "unit": m.unit,
            }
            for m in reports.report_materials(order)
        ],
        "expenses": [
            {"id": e.pk, "kind": e.kind, "description": e.description, "amount": str(e.amount)}
            for e in report.expenses.order_by("pk")
        ],
        "has_pdf": bool(report.pdf),
    }


def _fresh(request: HttpRequest, report_id: int) -> dict[str, Any]:
    return _out(reports.report_for(scope_of(request), report_id))


@router.post(
    "/work-orders/{work_order_id}/report",
    response={200: WorkReportOut, **errors_of(403, 404, 409, 422)},
    summary="Open the work order's report: its draft, made now if it has none",
    description="Only on an accepted or started work order, by a person on it or the office. 409 once the report is "
    "signed: write a correction instead.",
)
def report_open(request: HttpRequest, work_order_id: int) -> Any:
    report = reports.report_draft(scope=scope_of(request), work_order_id=work_order_id)
    return _fresh(request, report.pk)


@router.get(
    "/work-reports/{report_id}",
    response={200: WorkReportOut, **errors_of(403, 404)},
    summary="A work report (a draft, signed, or replaced by a correction)",
)
def report_get(request: HttpRequest, report_id: int) -> Any:
    scope_of(request).require_role(*READERS)
    return _fresh(request, report_id)


@router.patch(
    "/work-reports/{report_id}",
    response={200: WorkReportOut, **errors_of(403, 404, 409, 422)},
    summary="Change a draft report",
    description="409 on a signed report: it never changes.",
)
def report_patch(request: HttpRequest, report_id: int, payload: WorkReportIn) -> Any:
    given = payload.model_dump(exclude_unset=True)
    values: dict[str, Any] = {k: given[k] for k in ("arrived_at", "left_at") if k in given}
    for name in ("work_done", "observations", "travel_minutes", "travel_km"):
        if given.get(name) is not None:
            values[name] = given[name]
    if payload.materials is not None:
        values["materials"] = [reports.MaterialLine(**m.model_dump()) for m in payload.materials]
    if payload.expenses is not None:
        values["expenses"] = [reports.ExpenseLine(**e.model_dump()) for e in payload.expenses]
    reports.report_update(scope=scope_of(request), report_id=report_id, **values)
    return _fresh(request, report_id)


@router.post(
    "/work-reports/{report_id}/sign",
    response={200: WorkReportSignedOut, **errors_of(403, 404, 409, 422)},
    summary="Sign a draft report (technician and customer)",
    description="Freezes the report (its content and SHA-256), writes its hours, finishes the work order and "
    "e-mails the PDF to the customer. 409 when it is already signed; 422 naming the field for a missing name, a "
    "signature that is not a PNG, too large, or blank.",
)
def report_sign(request: HttpRequest, report_id: int, payload: WorkReportSignIn) -> Any:
    signed = reports.report_sign(scope=scope_of(request), report_id=report_id, **payload.model_dump())
    return {**_fresh(request, signed.report.pk), "sent_to": signed.sent_to}


@router.post(
    "/work-reports/{report_id}/correct",
    response={201: WorkReportOut, **errors_of(403, 404, 409)},
    summary="Start a correction of a signed report: a new draft version pointing to it",
)
def report_correct(request: HttpRequest, report_id: int) -> Any:
    new = reports.report_correct(scope=scope_of(request), report_id=report_id)
    return Status(201, _fresh(request, new.pk))


@router.post(
    "/work-reports/{report_id}/send",
    response={202: WorkReportSentOut, **errors_of(403, 404, 409, 422)},
    summary="E-mail the signed PDF to the customer again",
    description="Queued in the outbox with the PDF attached. 409 when the report is not the signed one in force or "
    "there is no address.",
)
def report_send(request: HttpRequest, report_id: int, payload: WorkReportSendIn) -> Any:
    sent_to = reports.report_send(scope=scope_of(request), report_id=report_id, to=str(payload.to or ""))
    return Status(202, {"to": sent_to})


@router.get(
    "/work-reports/{report_id}/pdf",
    response={200: None, **errors_of(403, 404, 409)},
    summary="The signed report's PDF",
    openapi_extra={
        "responses": {200: {"description": "The PDF", "content": {reports.PDF: {"schema": {"type": "string"}}}}}
    },
)
def report_pdf(request: HttpRequest, report_id: int) -> Any:
    scope = scope_of(request)
    scope.require_role(*READERS)
    report = reports.report_for(scope, report_id)
    response = HttpResponse(reports.pdf_of(report), content_type=reports.PDF)
    response["Content-Disposition"] = f'attachment; filename="{reports.filename(report)}"'
    return response

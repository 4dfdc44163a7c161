"""/api/v1 of invoicing: invoice runs (create, read, issue, discard), invoices and credit notes (list, read, edit or
remove a draft's lines, discard a draft, issue, credit, payments, send, the PDF and the FatturaPA XML), the aged
list of what is unpaid.

The office and the admins use them. Another organisation's invoice answers 404; an issued invoice refuses every
change with 409; bad input answers 422 naming the field (an invoice the e-invoice would refuse names the field of
the e-invoice, e.g. ``buyer.vat_number``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from fieldbox.commerce import invoicing_pdf
from fieldbox.commerce import selectors_invoicing as reads
from fieldbox.commerce.choices import (
    INVOICE_RUN_TABLE,
    INVOICE_TABLE,
    DocumentType,
    InvoiceKind,
    InvoiceRunStatus,
    InvoiceStatus,
    PaymentType,
    VatTreatment,
)
from fieldbox.commerce.models.invoicing import Invoice
from fieldbox.commerce.services import invoicing as services
from fieldbox.commerce.services import invoicing_documents, invoicing_mail, invoicing_settings
from fieldbox.core.http import scope_of
from fieldbox.core.pagination import PageFilters, keyset_page
from fieldbox.core.problems import Amount, Count, errors_of
from fieldbox.core.tenancy import Scope

router = Router(tags=["invoicing"])
PDF = "application/pdf"
XML = "application/xml"


class RunIn(Schema):
    period_end: date | None = Field(None, description="Bill what is due up to this day (default: today)")
    customer_ids: list[Count] | None = Field(None, description="Only these customers; omit for all of them")


class RunRow(Schema):
    id: int
    status: InvoiceRunStatus
    period_end: date
    customer_ids: list[int]
    created_at: datetime


class RunInvoice(Schema):
    invoice_id: int
    customer_id: int
    customer: str
    number: str
    status: InvoiceStatus
    taxable: str


class RunOut(RunRow):
    invoices: list[RunInvoice]
    refused: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="After issuing: the invoices left as drafts, by id, and why (field: words)"
    )
    progress: int = Field(
        description="While the workers collect or issue a large run (status `collecting` or `issuing`): percent done"
    )
    actions: list[str]


class RunPage(Schema):
    items: list[RunRow]
    next_cursor: int | None


class InvoiceLineOut(Schema):
    id: int
    position: int
    description: str
    quantity: str
    unit: str
    unit_price: str
    discount: str
    vat: VatTreatment
    amount: str
    source_kind: str
    source_id: int | None
    reference: str
    work_order_id: int | None
    ticket_id: int | None


class DueOut(Schema):
    due_on: date
    amount: str


class PaymentOut(Schema):
    id: int
    amount: str
    paid_on: date
    method: PaymentType
    reference: str


class InvoiceRow(Schema):
    id: int
    number: str = Field(description="Empty until issued")
    kind: InvoiceKind
    document_type: DocumentType
    status: InvoiceStatus
    customer_id: int
    run_id: int | None
    corrects_id: int | None
    issued_on: date | None
    taxable: str
    vat: str
    total: str


class InvoiceOut(InvoiceRow):
    series: str
    language: str
    payment_terms: str
    payment_method: str
    notes: str
    parties: dict[str, Any] = Field(description="Seller and buyer as issued (empty for a draft)")
    vat_summary: list[dict[str, str]]
    xml_name: str
    still_due: str
    lines: list[InvoiceLineOut]
    dues: list[DueOut]
    payments: list[PaymentOut]
    credit_notes: list[int]
    actions: list[str] = Field(description="The moves the caller may make now (INVOICE_TABLE)")


class InvoicePage(Schema):
    items: list[InvoiceRow]
    next_cursor: int | None


class InvoiceFilters(PageFilters):
    status: InvoiceStatus | None = None
    customer_id: int | None = None
    year: int | None = Field(None, ge=2000, le=2999)
    kind: InvoiceKind | None = None
    run_id: int | None = None


class LineEditIn(Schema):
    description: str | None = Field(None, max_length=255)
    quantity: Amount | None = None
    unit_price: Amount | None = None
    discount: Amount | None = None
    vat: VatTreatment | None = None


class CreditIn(Schema):
    line_ids: list[Count] | None = Field(None, description="Credit only these lines; omit for the whole invoice")
    reason: str = Field("", max_length=200)


class PaymentIn(Schema):
    amount: Amount = Field(description="At most what is still due")
    paid_on: date | None = Field(None, description="Default: today; never in the future")
    method: PaymentType = PaymentType.BANK_TRANSFER
    reference: str = Field("", max_length=120)


class InvoiceSendIn(Schema):
    to: str = Field("", max_length=254, description="Empty: the customer's default contact, else the customer")


class SentOut(Schema):
    to: str


class AgedOut(Schema):
    customer_id: int
    customer: str
    current: str
    d30: str
    d60: str
    d90: str
    older: str
    total: str


def _money(value: Any) -> str:
    return f"{value:.2f}"


def _run(scope: Scope, pk: int) -> dict[str, Any]:
    run = reads.run_for(scope, pk)
    return {
        "id": run.pk,
        "status": run.status,
        "period_end": run.period_end,
        "customer_ids": run.customer_ids,
        "created_at": run.created_at,
        "invoices": [
            {
                "invoice_id": row["invoice"].pk,
                "customer_id": row["invoice"].customer_id,
                "customer": row["customer"],
                "number": row["invoice"].number,
                "status": row["invoice"].status,
                "taxable": _money(row["taxable"]),
            }
            for row in ([] if run.working else reads.run_totals(scope, run))
        ],
        "refused": {str(row["invoice"].pk): row["why"] for row in reads.run_refusals(run)},
        "progress": run.progress,
        "actions": sorted(INVOICE_RUN_TABLE.allowed(run, scope)),
    }


def _row(invoice: Invoice) -> dict[str, Any]:
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "kind": invoice.kind,
        "document_type": invoice.document_type,
        "status": invoice.status,
        "customer_id": invoice.customer_id,
        "run_id": invoice.run_id,
        "corrects_id": invoice.corrects_id,
        "issued_on": invoice.issued_on,
        "taxable": _money(invoice.taxable),
        "vat": _money(invoice.vat),
        "total": _money(invoice.total),
    }


def _detail(scope: Scope, pk: int) -> dict[str, Any]:
    invoice = reads.invoice_for(scope, pk)
    fields = ("series", "language", "payment_terms", "payment_method", "notes", "parties", "vat_summary", "xml_name")
    return {
        **_row(invoice),
        **{f: getattr(invoice, f) for f in fields},
        "still_due": _money(services.still_due(invoice)) if invoice.number else _money(0),
        "lines": [
            {
                "id": li.pk,
                "position": li.position,
                "description": li.description,
                "quantity": f"{li.quantity.normalize():f}",
                "unit": li.unit,
                "unit_price": f"{li.unit_price.normalize():f}",
                "discount": f"{li.discount.normalize():f}",
                "vat": li.vat,
                "amount": _money(li.amount),
                "source_kind": li.source_kind,
                "source_id": li.source_id,
                "reference": li.reference,
                "work_order_id": li.work_order_id,
                "ticket_id": li.ticket_id,
            }
            for li in invoice.lines.all()
        ],
        "dues": [{"due_on": d.due_on, "amount": _money(d.amount)} for d in invoice.dues.all()],
        "payments": [
            {"id": p.pk, "amount": _money(p.amount), "paid_on": p.paid_on, "method": p.method, "reference": p.reference}
            for p in invoice.payments.all()
        ],
        "credit_notes": list(invoice.credit_notes.values_list("pk", flat=True)),
        "actions": sorted(INVOICE_TABLE.allowed(invoice, scope)),
    }


# ---- Runs --------------------------------------------------------------------------------------------------------


@router.get("/invoice-runs", response={200: RunPage, **errors_of(403, 422)}, summary="Invoice runs, newest first")
def run_list(request: HttpRequest, filters: Query[PageFilters]) -> Any:
    items, cursor = keyset_page(reads.runs_for(scope_of(request)), filters.cursor, filters.limit)
    rows = [
        {
            "id": r.pk,
            "status": r.status,
            "period_end": r.period_end,
            "customer_ids": r.customer_ids,
            "created_at": r.created_at,
        }
        for r in items
    ]
    return {"items": rows, "next_cursor": cursor}


@router.post(
    "/invoice-runs",
    response={201: RunOut, **errors_of(403, 409, 422)},
    summary="Collect what is to be billed into one draft invoice per customer",
    description="Contract fees due, verified work not covered, materials left with the customer, delivery notes "
    "not invoiced and prepaid packages sold, up to `period_end`; what another invoice already holds is left out. "
    "A run of more than 100 customers is collected by the workers: it answers at once with the status "
    "`collecting`; read the run until it is `draft` (`progress` says how far it is).",
)
def run_create(request: HttpRequest, payload: RunIn) -> Any:
    scope = scope_of(request)
    run = services.invoice_run_create(scope=scope, period_end=payload.period_end, customer_ids=payload.customer_ids)
    return Status(201, _run(scope, run.pk))


@router.get(
    "/invoice-runs/{int:run_id}",
    response={200: RunOut, **errors_of(403, 404)},
    summary="One run with its invoices and totals per customer",
)
def run_get(request: HttpRequest, run_id: int) -> Any:
    return _run(scope_of(request), run_id)


@router.post(
    "/invoice-runs/{int:run_id}/issue",
    response={200: RunOut, **errors_of(403, 404, 409)},
    summary="Issue every draft of the run; those refused stay drafts, listed with why in `refused`",
    description="A run of more than 100 drafts is issued by the workers: it answers at once with the status "
    "`issuing`; read the run until it is `issued`, or `draft` again with the refused ones in `refused`.",
)
def run_issue(request: HttpRequest, run_id: int) -> Any:
    scope = scope_of(request)
    services.invoice_run_issue(scope=scope, run_id=run_id)
    return _run(scope, run_id)


@router.post(
    "/invoice-runs/{int:run_id}/discard",
    response={200: RunOut, **errors_of(403, 404, 409)},
    summary="Discard a draft run: its drafts go and what they billed is free again",
)
def run_discard(request: HttpRequest, run_id: int) -> Any:
    scope = scope_of(request)
    services.invoice_run_discard(scope=scope, run_id=run_id)
    return _run(scope, run_id)


# ---- Invoices --------------------------------------------------------------------------------------------------------


@router.get(
    "/invoices",
    response={200: InvoicePage, **errors_of(403, 422)},
    summary="Invoices and credit notes, newest first",
)
def invoice_list(request: HttpRequest, filters: Query[InvoiceFilters]) -> Any:
    rows = reads.invoices_filtered(
        scope_of(request),
        status=filters.status,
        customer_id=filters.customer_id,
        year=filters.year,
        kind=filters.kind,
        run_id=filters.run_id,
    )
    items, cursor = keyset_page(rows, filters.cursor, filters.limit)
    return {"items": [_row(i) for i in items], "next_cursor": cursor}


@router.get(
    "/invoices/aged",
    response={200: list[AgedOut], **errors_of(403, 422)},
    summary="What customers still owe, by days overdue (not yet due, 1-30, 31-60, 61-90, over 90)",
)
def invoice_aged(request: HttpRequest, customer_id: int | None = None) -> Any:
    return [
        {
            "customer_id": row.customer_id,
            "customer": row.customer,
            **{k: _money(v) for k, v in row.amounts.items()},
            "total": _money(row.total),
        }
        for row in reads.aged(scope_of(request), customer_id=customer_id)
    ]


@router.get(
    "/invoices/{int:invoice_id}",
    response={200: InvoiceOut, **errors_of(403, 404)},
    summary="One invoice with its lines, dues, payments and credit notes",
)
def invoice_get(request: HttpRequest, invoice_id: int) -> Any:
    return _detail(scope_of(request), invoice_id)


@router.patch(
    "/invoices/{int:invoice_id}/lines/{int:line_id}",
    response={200: InvoiceOut, **errors_of(403, 404, 409, 422)},
    summary="Change a draft's line (what is given); 409 once issued",
)
def invoice_line_edit(request: HttpRequest, invoice_id: int, line_id: int, payload: LineEditIn) -> Any:
    scope = scope_of(request)
    services.invoice_line_edit(scope=scope, invoice_id=invoice_id, line_id=line_id, **payload.dict())
    return _detail(scope, invoice_id)


@router.delete(
    "/invoices/{int:invoice_id}/lines/{int:line_id}",
    response={200: InvoiceOut, **errors_of(403, 404, 409, 422)},
    summary="Take a line off a draft (what it billed is free again); 409 once issued",
)
def invoice_line_remove(request: HttpRequest, invoice_id: int, line_id: int) -> Any:
    scope = scope_of(request)
    services.invoice_line_remove(scope=scope, invoice_id=invoice_id, line_id=line_id)
    return _detail(scope, invoice_id)


@router.delete(
    "/invoices/{int:invoice_id}",
    response={204: None, **errors_of(403, 404, 409)},
    summary="Discard a draft invoice (what it billed is free again); 409 once issued",
)
def invoice_discard(request: HttpRequest, invoice_id: int) -> Any:
    services.invoice_discard(scope=scope_of(request), invoice_id=invoice_id)
    return Status(204, None)


@router.post(
    "/invoices/{int:invoice_id}/issue",
    response={200: InvoiceOut, **errors_of(403, 404, 409, 422)},
    summary="Issue a draft: number (per year and series, no gaps), date, due dates, the XML; never changes after",
    description="An invoice the e-invoice would refuse answers 422 naming the field (e.g. `buyer.vat_number`); "
    "nothing is written and no number is used.",
)
def invoice_issue(request: HttpRequest, invoice_id: int) -> Any:
    scope = scope_of(request)
    services.invoice_issue(scope=scope, invoice_id=invoice_id)
    return _detail(scope, invoice_id)


@router.post(
    "/invoices/{int:invoice_id}/credit-notes",
    response={201: InvoiceOut, **errors_of(403, 404, 409, 422)},
    summary="A credit note (TD04) of the whole issued invoice or of chosen lines, issued at once",
)
def invoice_credit(request: HttpRequest, invoice_id: int, payload: CreditIn) -> Any:
    scope = scope_of(request)
    note = services.invoice_credit(scope=scope, invoice_id=invoice_id, line_ids=payload.line_ids, reason=payload.reason)
    return Status(201, _detail(scope, note.pk))


@router.post(
    "/invoices/{int:invoice_id}/payments",
    response={201: InvoiceOut, **errors_of(403, 404, 409, 422)},
    summary="Record a payment (at most what is still due); paid in full, the invoice is paid",
)
def invoice_pay(request: HttpRequest, invoice_id: int, payload: PaymentIn) -> Any:
    scope = scope_of(request)
    services.payment_record(scope=scope, invoice_id=invoice_id, **payload.dict())
    return Status(201, _detail(scope, invoice_id))


@router.post(
    "/invoices/{int:invoice_id}/send",
    response={202: SentOut, **errors_of(403, 404, 409, 422)},
    summary="E-mail an issued invoice's PDF (and XML) to the customer (through the outbox)",
)
def invoice_send(request: HttpRequest, invoice_id: int, payload: InvoiceSendIn) -> Any:
    sent = invoicing_mail.invoice_send(scope=scope_of(request), invoice_id=invoice_id, to=payload.to)
    return Status(202, {"to": sent})


@router.get(
    "/invoices/{int:invoice_id}/pdf",
    response={200: None, **errors_of(403, 404)},
    summary="The invoice's PDF in the customer's language (a draft's is marked as such)",
    openapi_extra={"responses": {200: {"description": "The PDF", "content": {PDF: {"schema": {"type": "string"}}}}}},
)
def invoice_pdf(request: HttpRequest, invoice_id: int) -> Any:
    invoice = reads.invoice_for(scope_of(request), invoice_id)
    response = HttpResponse(invoicing_documents.pdf_of(invoice), content_type=PDF)
    response["Content-Disposition"] = f'attachment; filename="{invoicing_pdf.filename(invoice)}"'
    return response


@router.get(
    "/invoices/{int:invoice_id}/xml",
    response={200: None, **errors_of(403, 404)},
    summary="The FatturaPA XML of an issued invoice (404 when it has none: a draft, or an organisation abroad)",
    openapi_extra={"responses": {200: {"description": "The XML", "content": {XML: {"schema": {"type": "string"}}}}}},
)
def invoice_xml(request: HttpRequest, invoice_id: int) -> Any:
    invoice = reads.invoice_for(scope_of(request), invoice_id)
    if not invoice.xml:
        raise Http404
    response = HttpResponse(invoice.xml.encode("utf-8"), content_type=XML)
    response["Content-Disposition"] = f'attachment; filename="{invoice.xml_name}"'
    return response


# ---- The seller's fiscal data --------------------------------------------------------------------------------------


class SellerIn(Schema):
    legal_name: str | None = Field(None, max_length=80, description="Empty: the organisation's name")
    country: str | None = Field(None, max_length=2, description="ISO 3166 alpha-2; IT issues the FatturaPA XML")
    vat_number: str | None = Field(None, max_length=30)
    fiscal_code: str | None = Field(None, max_length=16)
    tax_regime: str | None = Field(None, max_length=4, description="RF01 … RF19")
    street: str | None = Field(None, max_length=60)
    postcode: str | None = Field(None, max_length=5)
    town: str | None = Field(None, max_length=60)
    province: str | None = Field(None, max_length=2)
    iban: str | None = Field(None, max_length=40)
    bank: str | None = Field(None, max_length=80)


class SellerOut(Schema):
    legal_name: str
    country: str
    vat_number: str
    fiscal_code: str
    tax_regime: str
    street: str
    postcode: str
    town: str
    province: str
    iban: str
    bank: str


def _seller(found: Any) -> dict[str, Any]:
    return {name: getattr(found, name) for name in invoicing_settings.FIELDS}


@router.get(
    "/invoicing-settings",
    response={200: SellerOut, **errors_of(403)},
    summary="The organisation's fiscal data as the seller of its invoices",
)
def seller_get(request: HttpRequest) -> Any:
    return _seller(invoicing_settings.settings_of(scope_of(request)))


@router.put(
    "/invoicing-settings",
    response={200: SellerOut, **errors_of(403, 422)},
    summary="Write the seller's fiscal data (what is omitted keeps its value); 422 names a wrong field",
)
def seller_put(request: HttpRequest, payload: SellerIn) -> Any:
    data = {k: v for k, v in payload.dict().items() if v is not None}
    return _seller(invoicing_settings.invoicing_settings_save(scope=scope_of(request), data=data))


class ContractTermsIn(Schema):
    price_list_id: Count | None = Field(
        None, description="The list of the work the contract does not include; null: the customer's"
    )


class ContractTermsOut(Schema):
    contract_id: int
    price_list_id: int | None


@router.put(
    "/contracts/{int:contract_id}/billing-terms",
    response={200: ContractTermsOut, **errors_of(403, 404, 422)},
    summary="The price list invoicing uses for a contract's work outside what it includes",
)
def contract_terms_put(request: HttpRequest, contract_id: int, payload: ContractTermsIn) -> Any:
    terms = invoicing_settings.contract_terms_save(
        scope=scope_of(request), contract_id=contract_id, price_list_id=payload.price_list_id
    )
    return {"contract_id": terms.contract_id, "price_list_id": terms.price_list_id}

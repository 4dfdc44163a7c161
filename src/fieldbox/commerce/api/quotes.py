"""/api/v1 of quotes: the list, one quote with its lines and totals, the technician's request, the office's quote,
its terms and lines, the price list applied, sending (and sending again), the customer's answer recorded, the
conversion into work, a spare-parts offer from it, cancelling, its PDF. The customer's link is a page only.

The same services and scope as the pages: another organisation's quote answers 404; a state that does not allow a
move 409 (from ``QUOTE_TABLE``); a role that may not make it 403; bad input 422 naming the field (prices: not
negative, at most four decimals; quantities: more than zero, at most three)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from fieldbox.commerce import selectors_quotes as reads
from fieldbox.commerce.choices import QUOTE_ASKERS, QUOTE_TABLE, SELLERS, LineKind, QuoteStatus, VatTreatment
from fieldbox.commerce.models import QuoteLine
from fieldbox.commerce.services import quotes as services
from fieldbox.commerce.services import quotes_convert as converting
from fieldbox.commerce.services import quotes_sending as sending
from fieldbox.core.http import scope_of
from fieldbox.core.pagination import PageFilters, keyset_page
from fieldbox.core.problems import NOT_BLANK, Amount, Count, WrittenDate, errors_of
from fieldbox.core.tenancy import Scope

router = Router(tags=["quotes"])


# ---- Schemas ------------------------------------------------------------------------------------------------


class QuoteLineIn(Schema):
    item_id: Count | None = Field(None, description="One of the organisation's active items")
    item_code: str = Field("", max_length=40, description="Or the item's code (when `item_id` is not given)")
    description: str = Field("", max_length=255, description="Empty: the item's description (required without one)")
    quantity: Amount = Field(Decimal(1), description="More than zero, at most three decimals")
    kind: LineKind | None = Field(None, description="part, labour or other; empty: from the item (labour or part)")
    unit: str = Field("", max_length=6, description="Without an item: pc, h, … (empty: h for labour, else pc)")
    unit_price: Amount | None = Field(None, description="Not negative, at most four decimals; empty: not priced yet")
    discount: Amount = Field(Decimal(0), description="A percentage, 0 to 100, two decimals")


class QuoteLineOut(Schema):
    id: int
    position: int
    kind: LineKind
    item_id: int | None
    item_code: str
    description: str
    quantity: str = Field(description="A decimal, as text")
    unit: str
    unit_price: str | None = Field(description="A decimal, as text; null: not priced yet")
    discount: str
    amount: str | None = Field(description="Net amount of the line, rounded to the cent; null without a price")


class QuoteRow(Schema):
    id: int
    number: str
    status: QuoteStatus
    customer_id: int
    site_id: int | None
    contact_id: int | None
    work_order_id: int | None
    ticket_id: int | None
    finding: str
    requested_by_id: int | None
    price_list_id: int | None
    vat: VatTreatment
    notes: str
    valid_until: date | None
    sent_at: datetime | None
    answered_at: datetime | None
    answer_note: str
    converted_to_id: int | None = Field(description="The work order it became")
    created_at: datetime
    changed_at: datetime


class QuoteTotals(Schema):
    net: str
    vat: str
    total: str
    priced: bool = Field(description="Every line has a price")


class QuoteOut(QuoteRow):
    lines: list[QuoteLineOut]
    totals: QuoteTotals
    actions: list[str] = Field(description="The moves the caller may make now (QUOTE_TABLE)")


class QuotePage(Schema):
    items: list[QuoteRow]
    next_cursor: int | None


class QuoteFilters(PageFilters):
    status: QuoteStatus | None = Field(None, description="Only the quotes in this status")
    customer_id: int | None = Field(None, description="Only this customer's")


class QuoteRequestIn(Schema):
    work_order_id: Count | None = Field(None, description="The work order of the finding (or `ticket_id`)")
    ticket_id: Count | None = Field(None, description="The call of the finding, without a work order")
    finding: str = Field(max_length=20_000, json_schema_extra=NOT_BLANK, description="What the technician found")
    lines: list[QuoteLineIn] = Field([], max_length=200, description="The parts and work needed")


class QuoteIn(Schema):
    customer_id: Count | None = Field(None, description="Required unless a work order or call gives it")
    site_id: Count | None = None
    contact_id: Count | None = Field(None, description="Empty: the customer's default contact")
    work_order_id: Count | None = None
    ticket_id: Count | None = None
    finding: str = Field("", max_length=20_000)
    lines: list[QuoteLineIn] = Field([], max_length=200)


class QuotePatch(Schema):
    """The terms to change (while a draft); the others stay. ``null`` empties an optional one."""

    price_list_id: Count | None = None
    vat: VatTreatment | None = None
    valid_until: WrittenDate | None = Field(None, description="From today on")
    notes: str | None = Field(None, max_length=20_000)
    finding: str | None = Field(None, max_length=20_000)
    site_id: Count | None = None
    contact_id: Count | None = None


class QuoteLinePatch(Schema):
    description: str | None = Field(None, max_length=255, json_schema_extra=NOT_BLANK)
    quantity: Amount | None = None
    unit_price: Amount | None = Field(None, description="null: not priced yet")
    discount: Amount | None = None
    kind: LineKind | None = None


class QuotePriceListIn(Schema):
    price_list_id: Count | None = Field(None, description="Empty: the quote's list, else the customer's")


class QuoteSendIn(Schema):
    to: str = Field("", max_length=254, description="Empty: the contact's e-mail, else the customer's")


class QuoteAnswerIn(Schema):
    accept: bool = Field(strict=True, description="true: accepted; false: refused")
    note: str = Field("", max_length=2000)


class QuoteConvertIn(Schema):
    into: Literal["work_order", "new"] = Field(description="Its work order's materials, or a new work order")
    description: str = Field("", max_length=20_000, description="A new work order's work to do (empty: the finding)")


class QuoteCancelIn(Schema):
    reason: str = Field("", max_length=500)


class QuoteConverted(Schema):
    work_order_id: int
    work_order_number: str
    quote: QuoteOut


class QuoteOfferMade(Schema):
    offer_id: int
    offer_number: str


# ---- Answers ------------------------------------------------------------------------------------------------


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def _detail(scope: Scope, pk: int) -> dict[str, Any]:
    quote = reads.quote_for(scope, pk)
    totals = reads.totals(quote)
    lines = [
        {
            "id": p.line.pk,
            "position": p.line.position,
            "kind": p.line.kind,
            "item_id": p.line.item_id,
            "item_code": p.line.item.code if p.line.item else "",
            "description": p.line.description,
            "quantity": _text(p.line.quantity),
            "unit": p.line.unit,
            "unit_price": _text(p.line.unit_price),
            "discount": _text(p.line.discount),
            "amount": _text(p.amount),
        }
        for p in totals.lines
    ]
    return {
        **reads.row(quote),
        "lines": lines,
        "totals": {
            "net": f"{totals.net:.2f}",
            "vat": f"{totals.vat:.2f}",
            "total": f"{totals.total:.2f}",
            "priced": totals.priced,
        },
        "actions": sorted(QUOTE_TABLE.allowed(quote, scope)),
    }


def _seller(request: HttpRequest) -> Scope:
    scope = scope_of(request)
    scope.require_role(*SELLERS)
    return scope


def _asker(request: HttpRequest) -> Scope:
    scope = scope_of(request)
    scope.require_role(*QUOTE_ASKERS)
    return scope


def _lines(payload: list[QuoteLineIn]) -> list[dict[str, Any]]:
    return [line.dict() for line in payload]


# ---- Operations ---------------------------------------------------------------------------------------------


@router.get(
    "/quotes",
    response={200: QuotePage, **errors_of(403, 422)},
    summary="The organisation's quotes, newest first",
    description="Narrowed to a status and a customer; keyset pages (`next_cursor`). The office's.",
)
def quote_list(request: HttpRequest, filters: Query[QuoteFilters]) -> Any:
    scope = _seller(request)
    qs = reads.quotes_filtered(scope, status=filters.status, customer_id=filters.customer_id)
    rows, cursor = keyset_page(qs, filters.cursor, filters.limit)
    return {"items": [reads.row(q) for q in rows], "next_cursor": cursor}


@router.get(
    "/quotes/{quote_id}",
    response={200: QuoteOut, **errors_of(403, 404)},
    summary="One quote, with its lines, totals and the moves the caller may make",
)
def quote_get(request: HttpRequest, quote_id: int) -> Any:
    return _detail(_asker(request), quote_id)


@router.post(
    "/quote-requests",
    response={201: QuoteOut, **errors_of(403, 404, 422)},
    summary="The technician asks for a quote: the finding and the parts and work needed",
    description="On a work order the caller is on (or a call): a draft quote for its customer, site and contact; "
    "the office is told in the app. Another organisation's work order answers 404.",
)
def quote_request(request: HttpRequest, payload: QuoteRequestIn) -> Any:
    scope = scope_of(request)
    made = services.quote_request(
        scope=scope,
        finding=payload.finding,
        lines=_lines(payload.lines),
        work_order_id=payload.work_order_id,
        ticket_id=payload.ticket_id,
    )
    return Status(201, _detail(scope, made.pk))


@router.post(
    "/quotes",
    response={201: QuoteOut, **errors_of(403, 404, 422)},
    summary="The office writes a quote for a customer (or one of its work orders or calls)",
)
def quote_create(request: HttpRequest, payload: QuoteIn) -> Any:
    scope = scope_of(request)
    made = services.quote_create(scope=scope, **{**payload.dict(), "lines": _lines(payload.lines)})
    return Status(201, _detail(scope, made.pk))


@router.patch(
    "/quotes/{quote_id}",
    response={200: QuoteOut, **errors_of(403, 404, 409, 422)},
    summary="Change a draft's terms: price list, VAT, validity, notes, finding, site, contact",
)
def quote_edit(request: HttpRequest, quote_id: int, payload: QuotePatch) -> Any:
    scope = _seller(request)
    quote = reads.quote_for(scope, quote_id)
    current = {
        "price_list_id": quote.price_list_id,
        "vat": quote.vat,
        "valid_until": quote.valid_until,
        "notes": quote.notes,
        "finding": quote.finding,
        "site_id": quote.site_id,
        "contact_id": quote.contact_id,
    }
    changes = payload.dict(exclude_unset=True)
    services.quote_edit(scope=scope, quote_id=quote_id, **{**current, **changes})
    return _detail(scope, quote_id)


@router.post(
    "/quotes/{quote_id}/lines",
    response={201: QuoteOut, **errors_of(403, 404, 409, 422)},
    summary="Add a line to a draft",
)
def quote_line_add(request: HttpRequest, quote_id: int, payload: QuoteLineIn) -> Any:
    scope = _seller(request)
    services.quote_line_add(scope=scope, quote_id=quote_id, **payload.dict())
    return Status(201, _detail(scope, quote_id))


@router.patch(
    "/quotes/{quote_id}/lines/{line_id}",
    response={200: QuoteOut, **errors_of(403, 404, 409, 422)},
    summary="Change a line of a draft: description, quantity, unit price, discount, kind",
)
def quote_line_edit(request: HttpRequest, quote_id: int, line_id: int, payload: QuoteLinePatch) -> Any:
    scope = _seller(request)
    quote = reads.quote_for(scope, quote_id)
    line = next((x for x in reads.lines_of(quote) if x.pk == line_id), None)
    if line is None:
        raise QuoteLine.DoesNotExist
    current = {
        "description": line.description,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "discount": line.discount,
        "kind": line.kind,
    }
    services.quote_line_edit(scope=scope, line_id=line_id, **{**current, **payload.dict(exclude_unset=True)})
    return _detail(scope, quote_id)


@router.delete(
    "/quotes/{quote_id}/lines/{line_id}",
    response={200: QuoteOut, **errors_of(403, 404, 409)},
    summary="Remove a line of a draft",
)
def quote_line_remove(request: HttpRequest, quote_id: int, line_id: int) -> Any:
    scope = _seller(request)
    quote = reads.quote_for(scope, quote_id)
    if not any(x.pk == line_id for x in reads.lines_of(quote)):
        raise QuoteLine.DoesNotExist
    services.quote_line_remove(scope=scope, line_id=line_id)
    return _detail(scope, quote_id)


@router.post(
    "/quotes/{quote_id}/apply-price-list",
    response={200: QuoteOut, **errors_of(403, 404, 409, 422)},
    summary="Price a draft from a price list",
    description="Each item at its price on the list today; labour at the list's hourly rate for the work order's "
    "type of work. Lines the list does not price keep theirs (`totals.priced` says whether all have one).",
)
def quote_apply_price_list(request: HttpRequest, quote_id: int, payload: QuotePriceListIn) -> Any:
    scope = _seller(request)
    services.quote_apply_price_list(scope=scope, quote_id=quote_id, price_list_id=payload.price_list_id)
    return _detail(scope, quote_id)


@router.post(
    "/quotes/{quote_id}/send",
    response={200: QuoteOut, **errors_of(403, 404, 409, 422)},
    summary="Send a priced draft to the customer (or a sent one again, with a new link)",
    description="The PDF, in the customer's language, by e-mail through the outbox, with the link where the "
    "customer accepts or refuses. Sending again makes a new link: the old one stops working.",
)
def quote_send(request: HttpRequest, quote_id: int, payload: QuoteSendIn) -> Any:
    scope = _seller(request)
    quote = reads.quote_for(scope, quote_id)
    act = sending.quote_resend if quote.status == QuoteStatus.SENT else sending.quote_send
    act(scope=scope, quote_id=quote_id, to=payload.to)
    return _detail(scope, quote_id)


@router.post(
    "/quotes/{quote_id}/answer",
    response={200: QuoteOut, **errors_of(403, 404, 409, 422)},
    summary="Record the customer's answer (accepted or refused)",
    description="A quote past its date cannot be accepted (409).",
)
def quote_answer(request: HttpRequest, quote_id: int, payload: QuoteAnswerIn) -> Any:
    scope = _seller(request)
    sending.quote_answer(scope=scope, quote_id=quote_id, accept=payload.accept, note=payload.note)
    return _detail(scope, quote_id)


@router.post(
    "/quotes/{quote_id}/convert",
    response={201: QuoteConverted, **errors_of(403, 404, 409, 422)},
    summary="Turn an accepted quote into work",
    description="`work_order`: its parts become materials to bring of the work order it was asked on; `new`: a new "
    "work order for the same customer, site and call, with the parts as materials to bring.",
)
def quote_convert(request: HttpRequest, quote_id: int, payload: QuoteConvertIn) -> Any:
    scope = _seller(request)
    order = converting.quote_convert(scope=scope, quote_id=quote_id, into=payload.into, description=payload.description)
    body = {"work_order_id": order.pk, "work_order_number": order.number, "quote": _detail(scope, quote_id)}
    return Status(201, body)


@router.post(
    "/quotes/{quote_id}/offer",
    response={201: QuoteOfferMade, **errors_of(403, 404, 422)},
    summary="A draft spare-parts offer with the quote's parts",
)
def quote_offer(request: HttpRequest, quote_id: int) -> Any:
    scope = _seller(request)
    offer = converting.offer_from_quote(scope=scope, quote_id=quote_id)
    return Status(201, {"offer_id": offer.pk, "offer_number": offer.number})


@router.post(
    "/quotes/{quote_id}/cancel",
    response={200: QuoteOut, **errors_of(403, 404, 409, 422)},
    summary="Cancel a draft or a sent quote (its link stops working)",
)
def quote_cancel(request: HttpRequest, quote_id: int, payload: QuoteCancelIn) -> Any:
    scope = _seller(request)
    sending.quote_cancel(scope=scope, quote_id=quote_id, reason=payload.reason)
    return _detail(scope, quote_id)


@router.get(
    "/quotes/{quote_id}/pdf",
    response={200: None, **errors_of(403, 404)},
    summary="The quote's PDF, as it stands, in the customer's language",
    openapi_extra={
        "responses": {200: {"description": "The PDF", "content": {sending.PDF: {"schema": {"type": "string"}}}}}
    },
)
def quote_pdf(request: HttpRequest, quote_id: int) -> Any:
    quote = reads.quote_for(_seller(request), quote_id)
    response = HttpResponse(sending.pdf_of(quote), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{sending.filename(quote)}"'
    return response

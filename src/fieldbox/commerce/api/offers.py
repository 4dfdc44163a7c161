"""/api/v1 of sales and stock: spare-parts offers and the orders they become — the list, one offer with its cart and
totals, creating it, changing its data and its cart while it is a draft, sending it (the PDF by e-mail with the
customer's link), recording the customer's answer (accepted: an order, same number), delivering, cancelling, the
PDF.

The same services and scope as the office's pages: the office and the admins (``SELLERS``); another
organisation's offer answers 404. A state that does not allow a move answers 409, bad input 422 naming the field
(a negative quantity, a price with more than four decimals, another customer's serial…)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from fieldbox.commerce import selectors_offers as reads
from fieldbox.commerce.choices import OFFER_TABLE, DeliveryTerms, OfferStatus, PaymentType, Transport, VatTreatment
from fieldbox.commerce.services import offers as services
from fieldbox.commerce.services import offers_answers as answers
from fieldbox.commerce.services import offers_document as document
from fieldbox.core.http import scope_of
from fieldbox.core.pagination import PageFilters, keyset_page
from fieldbox.core.problems import Amount, Count, QueryDay, WrittenDate, errors_of
from fieldbox.core.tenancy import Scope

router = Router(tags=["offers"])


# ---- Schemas ------------------------------------------------------------------------------------------------


class OfferLineOut(Schema):
    id: int
    position: int
    item_id: int | None
    code: str = Field(description="The item's code, empty for a line in words")
    description: str
    quantity: str = Field(description="A decimal, as text")
    unit: str
    unit_price: str = Field(description="Euro, a decimal as text (up to four decimals)")
    discount: str = Field(description="Percent, a decimal as text")
    amount: str = Field(description="Quantity times price less the discount, rounded once to the cent")


class OfferRow(Schema):
    id: int
    number: str = Field(description="The offer's number, which the order keeps")
    status: OfferStatus
    customer_id: int
    customer: str
    billing_customer_id: int
    created_at: datetime
    valid_until: date | None
    sent_at: datetime | None
    ordered_at: datetime | None


class OfferOut(OfferRow):
    site_id: int | None
    contact_id: int | None
    equipment_id: int | None
    ticket_id: int | None
    billing_site_id: int | None
    billing_contact_id: int | None
    price_list_id: int | None
    delivery_days: int
    expected_delivery: date | None = Field(description="The order's day plus the delivery days")
    payment: PaymentType
    vat: VatTreatment
    delivery_terms: DeliveryTerms
    transport: Transport
    packing_included: bool
    show_prices: bool
    notes: str
    customer_reference: str
    answered_at: datetime | None
    answer_note: str
    lines: list[OfferLineOut]
    net: str
    vat_amount: str
    total: str
    link: str = Field(description="The customer's link, once sent (each sending makes a new one)")
    actions: list[str] = Field(description="The moves the caller may make now (OFFER_TABLE)")


class OfferPage(Schema):
    items: list[OfferRow]
    next_cursor: int | None


class OfferFilters(PageFilters):
    status: str | None = Field(
        None, description="A status, or `offer` (not ordered: draft, sent, refused, expired, cancelled) or `order`"
    )
    customer_id: int | None = Field(None, description="Only this customer's (as customer or billed)")
    since: QueryDay | None = Field(None, description="Created on or after this day")
    until: QueryDay | None = Field(None, description="Created on or before this day")
    number: str = Field("", max_length=24, description="Part of the number")
    ticket_id: int | None = Field(None, description="Only the offers of this call")


class OfferDataPatch(Schema):
    """The offer's data; fields left out keep their value, ``null`` empties an optional one."""

    site_id: Count | None = None
    contact_id: Count | None = None
    equipment_id: Count | None = Field(None, description="One of the customer's serials (another's: 422)")
    billing_customer_id: Count | None = Field(None, description="Billed to; empty: the customer")
    billing_site_id: Count | None = None
    billing_contact_id: Count | None = None
    price_list_id: Count | None = None
    delivery_days: Count | None = Field(None, description="0 to 365 days from the order")
    payment: PaymentType | None = None
    vat: VatTreatment | None = None
    delivery_terms: DeliveryTerms | None = None
    transport: Transport | None = None
    packing_included: bool | None = Field(None, strict=True)
    show_prices: bool | None = Field(None, strict=True, description="false: the PDF lists items and quantities only")
    notes: str | None = Field(None, max_length=5000)
    valid_until: WrittenDate | None = Field(None, description="From today on; empty: the organisation's validity")


class OfferPatch(OfferDataPatch):
    reprice: bool = Field(False, strict=True, description="Give the cart's items the prices of the chosen list")


class OfferIn(OfferDataPatch):
    customer_id: Count | None = Field(None, description="Required unless `ticket_id` names a call with a customer")
    ticket_id: Count | None = Field(None, description="The call it comes from (gives customer, site, contact, serial)")


class OfferLineIn(Schema):
    item_id: Count | None = Field(None, description="One of the organisation's items (its price: the offer's list)")
    description: str = Field("", max_length=255, description="Empty: the item's description")
    quantity: Amount = Field(default=Decimal(1), description="Above zero, at most three decimals")
    unit_price: Amount | None = Field(None, description="Empty: the item's price on the offer's list")
    discount: Amount = Field(default=Decimal(0), description="Percent, 0 to 100")


class OfferLinePatch(Schema):
    description: str | None = Field(None, max_length=255)
    quantity: Amount | None = None
    unit_price: Amount | None = None
    discount: Amount | None = None


class OfferAnswerIn(Schema):
    accept: bool = Field(strict=True, description="true: an order (not once expired); false: refused")
    customer_reference: str = Field("", max_length=60, description="The customer's own order number")
    note: str = Field("", max_length=5000)


class OfferCancelIn(Schema):
    reason: str = Field("", max_length=500)


class OfferSentOut(Schema):
    offer: OfferOut
    sent_to: str


# ---- Answers ------------------------------------------------------------------------------------------------


def _seller(request: HttpRequest) -> Scope:
    scope = scope_of(request)
    scope.require_role(*reads.OFFER_READERS)
    return scope


def _line(line: reads.Line) -> dict[str, Any]:
    row = line.line
    return {
        "id": row.pk,
        "position": row.position,
        "item_id": row.item_id,
        "code": row.item.code if row.item else "",
        "description": row.description,
        "quantity": f"{row.quantity:f}",
        "unit": row.unit,
        "unit_price": f"{row.unit_price:f}",
        "discount": f"{row.discount:f}",
        "amount": f"{line.amount:.2f}",
    }


DETAIL_FIELDS = (
    "site_id",
    "contact_id",
    "equipment_id",
    "ticket_id",
    "billing_site_id",
    "billing_contact_id",
    "price_list_id",
    "delivery_days",
    "payment",
    "vat",
    "delivery_terms",
    "transport",
    "packing_included",
    "show_prices",
    "notes",
    "customer_reference",
    "answered_at",
    "answer_note",
)


def _detail(scope: Scope, pk: int) -> dict[str, Any]:
    offer = reads.offer_for(scope, pk)
    lines = reads.lines_of(offer)
    totals = reads.totals_of(offer, lines)
    return {
        **reads.row_values(offer),
        **{f: getattr(offer, f) for f in DETAIL_FIELDS},
        "expected_delivery": reads.expected_delivery(offer),
        "lines": [_line(line) for line in lines],
        "net": f"{totals.net:.2f}",
        "vat_amount": f"{totals.vat:.2f}",
        "total": f"{totals.total:.2f}",
        "link": answers.link_of(offer),
        "actions": sorted(OFFER_TABLE.allowed(offer, scope)),
    }


# ---- Offers -------------------------------------------------------------------------------------------------


@router.get(
    "/offers",
    response={200: OfferPage, **errors_of(403, 422)},
    summary="The organisation's offers and orders, newest first",
    description="Narrowed to a status (or `offer` / `order`), a customer, the days created and part of the number; "
    "keyset pages (`next_cursor`).",
)
def offer_list(request: HttpRequest, filters: Query[OfferFilters]) -> Any:
    scope = _seller(request)
    wanted = reads.Filters(
        status=filters.status,
        customer_id=filters.customer_id,
        since=filters.since,
        until=filters.until,
        number=filters.number,
        ticket_id=filters.ticket_id,
    )
    rows, cursor = keyset_page(reads.offers_filtered(scope, wanted), filters.cursor, filters.limit)
    return {"items": [reads.row_values(o) for o in rows], "next_cursor": cursor}


@router.get(
    "/offers/{offer_id}",
    response={200: OfferOut, **errors_of(403, 404)},
    summary="One offer (or order) with its cart, totals, link and the moves the caller may make",
)
def offer_get(request: HttpRequest, offer_id: int) -> Any:
    return _detail(_seller(request), offer_id)


@router.post(
    "/offers",
    response={201: OfferOut, **errors_of(403, 404, 422)},
    summary="Create a draft offer for a customer (numbered now)",
    description="Its site, contact and one of its serials (`equipment_id`: another customer's answers 422, another "
    "organisation's 404); from a call with `ticket_id`. Then fill its cart: `POST /offers/{id}/lines`.",
)
def offer_create(request: HttpRequest, payload: OfferIn) -> Any:
    scope = _seller(request)
    made = services.offer_create(scope=scope, **payload.dict(exclude_unset=True))
    return Status(201, _detail(scope, made.pk))


@router.patch(
    "/offers/{offer_id}",
    response={200: OfferOut, **errors_of(403, 404, 409, 422)},
    summary="Change the offer's data while it is a draft",
)
def offer_edit(request: HttpRequest, offer_id: int, payload: OfferPatch) -> Any:
    scope = _seller(request)
    reads.offer_for(scope, offer_id)  # another organisation's: 404 before the fields are judged
    given = payload.dict(exclude_unset=True)
    reprice = bool(given.pop("reprice", False))
    services.offer_edit(scope=scope, offer_id=offer_id, reprice=reprice, **given)
    return _detail(scope, offer_id)


@router.post(
    "/offers/{offer_id}/lines",
    response={201: OfferOut, **errors_of(403, 404, 409, 422)},
    summary="Put an item (or a line in words) in the cart of a draft",
)
def offer_line_add(request: HttpRequest, offer_id: int, payload: OfferLineIn) -> Any:
    scope = _seller(request)
    services.offer_line_add(scope=scope, offer_id=offer_id, **payload.dict())
    return Status(201, _detail(scope, offer_id))


@router.patch(
    "/offer-lines/{line_id}",
    response={200: OfferOut, **errors_of(403, 404, 409, 422)},
    summary="Change a line of a draft's cart: quantity, price, discount, words",
)
def offer_line_change(request: HttpRequest, line_id: int, payload: OfferLinePatch) -> Any:
    scope = _seller(request)
    line = services.offer_line_change(scope=scope, line_id=line_id, **payload.dict(exclude_unset=True))
    return _detail(scope, line.offer_id)


@router.delete(
    "/offer-lines/{line_id}",
    response={200: OfferOut, **errors_of(403, 404, 409)},
    summary="Take a line out of a draft's cart",
)
def offer_line_remove(request: HttpRequest, line_id: int) -> Any:
    scope = _seller(request)
    offer = services.offer_line_remove(scope=scope, line_id=line_id)
    return _detail(scope, offer.pk)


@router.post(
    "/offers/{offer_id}/send",
    response={200: OfferSentOut, **errors_of(403, 404, 409, 422)},
    summary="Send the offer: its PDF by e-mail with the customer's link",
    description="To the contact (or the customer's address). An empty cart, nobody to send to or a validity over "
    "answer 422. Once sent, the cart cannot change.",
)
def offer_send(request: HttpRequest, offer_id: int) -> Any:
    scope = _seller(request)
    address = answers.offer_send(scope=scope, offer_id=offer_id)
    return {"offer": _detail(scope, offer_id), "sent_to": address}


@router.post(
    "/offers/{offer_id}/resend",
    response={200: OfferSentOut, **errors_of(403, 404, 409, 422)},
    summary="Send a sent offer again (a new link; the old one stops working)",
)
def offer_resend(request: HttpRequest, offer_id: int) -> Any:
    scope = _seller(request)
    address = answers.offer_send(scope=scope, offer_id=offer_id, again=True)
    return {"offer": _detail(scope, offer_id), "sent_to": address}


@router.post(
    "/offers/{offer_id}/answer",
    response={200: OfferOut, **errors_of(403, 404, 409, 422)},
    summary="Record the customer's answer: accepted (an order, same number) or refused",
    description="An offer past its `valid_until` cannot be accepted (409).",
)
def offer_answer(request: HttpRequest, offer_id: int, payload: OfferAnswerIn) -> Any:
    scope = _seller(request)
    answers.offer_answer(
        scope=scope,
        offer_id=offer_id,
        accept=payload.accept,
        reference=payload.customer_reference,
        note=payload.note,
    )
    return _detail(scope, offer_id)


@router.post(
    "/offers/{offer_id}/deliver",
    response={200: OfferOut, **errors_of(403, 404, 409)},
    summary="Mark an order delivered",
)
def offer_deliver(request: HttpRequest, offer_id: int) -> Any:
    scope = _seller(request)
    answers.offer_deliver(scope=scope, offer_id=offer_id)
    return _detail(scope, offer_id)


@router.post(
    "/offers/{offer_id}/cancel",
    response={200: OfferOut, **errors_of(403, 404, 409, 422)},
    summary="Cancel a draft, an unanswered offer or an order not delivered",
)
def offer_cancel(request: HttpRequest, offer_id: int, payload: OfferCancelIn) -> Any:
    scope = _seller(request)
    answers.offer_cancel(scope=scope, offer_id=offer_id, reason=payload.reason)
    return _detail(scope, offer_id)


@router.get(
    "/offers/{offer_id}/pdf",
    response={200: None, **errors_of(403, 404)},
    summary="The offer's PDF (in the customer's language; without prices when they are hidden)",
    openapi_extra={
        "responses": {200: {"description": "The PDF", "content": {answers.PDF: {"schema": {"type": "string"}}}}}
    },
)
def offer_pdf(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = reads.offer_for(_seller(request), offer_id)
    response = HttpResponse(document.render(offer), content_type=answers.PDF)
    response["Content-Disposition"] = f'attachment; filename="{document.filename(offer)}"'
    return response

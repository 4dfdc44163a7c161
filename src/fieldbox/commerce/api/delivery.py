"""/api/v1 of sales and stock: delivery notes (DDT) — list, read, create (by hand, from a signed work order's
materials, from an order), change a draft's header and lines, issue (the number is given then), cancel, the PDF.

The office and the technicians use them; cancelling is the office's. Another organisation's note answers 404; an
issued note refuses every change with 409; bad input answers 422 naming the field."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from fieldbox.commerce import delivery_pdf
from fieldbox.commerce import selectors_delivery as reads
from fieldbox.commerce.choices import DELIVERY_NOTE_TABLE, DeliveryNoteStatus, Transport, TransportReason
from fieldbox.commerce.models import DeliveryNote
from fieldbox.commerce.services import delivery as services
from fieldbox.commerce.services import delivery_mail
from fieldbox.commerce.services.buying import shown
from fieldbox.core.http import scope_of
from fieldbox.core.pagination import PageFilters, keyset_page
from fieldbox.core.problems import Amount, Count, errors_of
from fieldbox.core.tenancy import Scope

router = Router(tags=["delivery"])
PDF = "application/pdf"


class NoteLineIn(Schema):
    item_id: Count | None = Field(None, description="One of the organisation's items (optional)")
    description: str = Field("", max_length=255, description="Empty: the item's")
    quantity: Amount = Field(description="Above zero, at most three decimals")
    unit: str = Field("", max_length=6, description="Empty: the item's (or pc)")
    serial: str = Field("", max_length=64)


class NoteHeaderIn(Schema):
    destination_id: Count | None = Field(None, description="One of the customer's sites")
    source_id: Count | None = Field(
        None, description="The warehouse or van the goods leave from (moved at issue); empty: no stock moves"
    )
    reason: TransportReason = TransportReason.SALE
    transport: Transport = Transport.SENDER
    carrier: str = Field("", max_length=120)
    packages: Count = 1
    weight_kg: Amount | None = None
    appearance: str = Field("", max_length=60, description="e.g. boxes, pallet, loose")
    notes: str = Field("", max_length=5000)


class NoteIn(NoteHeaderIn):
    customer_id: Count
    lines: list[NoteLineIn]


class NoteEditIn(NoteHeaderIn):
    lines: list[NoteLineIn] = Field(description="Replace the note's lines")


class NoteLinesIn(Schema):
    lines: list[NoteLineIn]


class FromWorkOrderIn(Schema):
    work_order_id: Count


class FromOfferIn(Schema):
    offer_id: Count
    source_id: Count = Field(description="The warehouse the goods leave from")


class SendIn(Schema):
    to: str = Field("", max_length=254, description="Empty: the customer's default contact, else the customer")


class SentOut(Schema):
    to: str


class NoteCancelIn(Schema):
    reason: str = Field("", max_length=500, description="Required for an issued note")


class NoteLineOut(Schema):
    id: int
    position: int
    item_id: int | None
    description: str
    quantity: str
    unit: str
    serial: str


class NoteRow(Schema):
    id: int
    number: str = Field(description="Empty until issued")
    status: DeliveryNoteStatus
    customer_id: int
    destination_id: int | None
    source_id: int | None
    work_order_id: int | None
    offer_id: int | None
    issued_on: date | None
    created_at: datetime


class NoteOut(NoteRow):
    reason: TransportReason
    transport: Transport
    carrier: str
    packages: int
    weight_kg: str | None
    appearance: str
    notes: str
    cancel_reason: str
    parties: dict[str, Any] = Field(description="Sender, recipient and destination as issued (empty for a draft)")
    lines: list[NoteLineOut]
    actions: list[str] = Field(description="The moves the caller may make now (DELIVERY_NOTE_TABLE)")


class NotePage(Schema):
    items: list[NoteRow]
    next_cursor: int | None


class NoteFilters(PageFilters):
    status: DeliveryNoteStatus | None = None
    customer_id: int | None = None


ROW = ("number", "status", "customer_id", "destination_id", "source_id", "work_order_id", "offer_id", "issued_on")


def _row(note: DeliveryNote) -> dict[str, Any]:
    return {"id": note.pk, **{f: getattr(note, f) for f in ROW}, "created_at": note.created_at}


def _detail(scope: Scope, pk: int) -> dict[str, Any]:
    note = reads.note_for(scope, pk)
    fields = ("reason", "transport", "carrier", "packages", "appearance", "notes", "cancel_reason", "parties")
    return {
        **_row(note),
        **{f: getattr(note, f) for f in fields},
        "weight_kg": shown(note.weight_kg) if note.weight_kg is not None else None,
        "lines": [
            {
                "id": line.pk,
                "position": line.position,
                "item_id": line.item_id,
                "description": line.description,
                "quantity": shown(line.quantity),
                "unit": line.unit,
                "serial": line.serial,
            }
            for line in reads.lines_of(note)
        ],
        "actions": sorted(DELIVERY_NOTE_TABLE.allowed(note, scope)),
    }


def _header(payload: NoteHeaderIn) -> services.Header:
    return services.Header(
        **payload.dict(
            include={
                "destination_id",
                "source_id",
                "reason",
                "transport",
                "carrier",
                "packages",
                "weight_kg",
                "appearance",
                "notes",
            }
        )
    )


def _lines(lines: list[NoteLineIn]) -> list[services.NoteLine]:
    return [services.NoteLine(line.description, line.quantity, line.item_id, line.unit, line.serial) for line in lines]


@router.get(
    "/delivery-notes",
    response={200: NotePage, **errors_of(403, 422)},
    summary="The organisation's delivery notes, newest first",
)
def note_list(request: HttpRequest, filters: Query[NoteFilters]) -> Any:
    rows = reads.notes_filtered(scope_of(request), status=filters.status, customer_id=filters.customer_id)
    items, cursor = keyset_page(rows, filters.cursor, filters.limit)
    return {"items": [_row(n) for n in items], "next_cursor": cursor}


@router.get(
    "/delivery-notes/{int:note_id}",
    response={200: NoteOut, **errors_of(403, 404)},
    summary="One delivery note with its lines and the moves the caller may make",
)
def note_get(request: HttpRequest, note_id: int) -> Any:
    return _detail(scope_of(request), note_id)


@router.post(
    "/delivery-notes",
    response={201: NoteOut, **errors_of(403, 422)},
    summary="Write a draft delivery note by hand (numbered when issued)",
)
def note_create(request: HttpRequest, payload: NoteIn) -> Any:
    scope = scope_of(request)
    note = services.delivery_create(
        scope=scope, customer_id=payload.customer_id, header=_header(payload), lines=_lines(payload.lines)
    )
    return Status(201, _detail(scope, note.pk))


@router.post(
    "/delivery-notes/from-work-order",
    response={201: NoteOut, **errors_of(403, 404, 422)},
    summary="A draft listing a signed work order's materials (they already left the van: it moves no stock)",
)
def note_from_work_order(request: HttpRequest, payload: FromWorkOrderIn) -> Any:
    scope = scope_of(request)
    note = services.delivery_from_work_order(scope=scope, work_order_id=payload.work_order_id)
    return Status(201, _detail(scope, note.pk))


@router.post(
    "/delivery-notes/from-order",
    response={201: NoteOut, **errors_of(403, 404, 422)},
    summary="A draft of an order's cart, shipped from a warehouse (moved at issue; the order is then delivered)",
)
def note_from_offer(request: HttpRequest, payload: FromOfferIn) -> Any:
    scope = scope_of(request)
    note = services.delivery_from_offer(scope=scope, offer_id=payload.offer_id, source_id=payload.source_id)
    return Status(201, _detail(scope, note.pk))


@router.put(
    "/delivery-notes/{int:note_id}",
    response={200: NoteOut, **errors_of(403, 404, 409, 422)},
    summary="Change a draft's header and lines (replaced); 409 once issued",
)
def note_edit(request: HttpRequest, note_id: int, payload: NoteEditIn) -> Any:
    scope = scope_of(request)
    services.delivery_edit(scope=scope, note_id=note_id, header=_header(payload), lines=_lines(payload.lines))
    return _detail(scope, note_id)


@router.put(
    "/delivery-notes/{int:note_id}/lines",
    response={200: NoteOut, **errors_of(403, 404, 409, 422)},
    summary="Replace a draft's lines (the header stays); 409 once issued",
)
def note_lines(request: HttpRequest, note_id: int, payload: NoteLinesIn) -> Any:
    scope = scope_of(request)
    services.delivery_lines(scope=scope, note_id=note_id, lines=_lines(payload.lines))
    return _detail(scope, note_id)


@router.post(
    "/delivery-notes/{int:note_id}/issue",
    response={200: NoteOut, **errors_of(403, 404, 409, 422)},
    summary="Issue the note: its number (progressive per year, no gaps) and date; it never changes afterwards",
    description="A note shipped from a location moves its lines to the customer (422 when the location does not "
    "hold them where stock may not go below zero; nothing is written and no number is used).",
)
def note_issue(request: HttpRequest, note_id: int) -> Any:
    scope = scope_of(request)
    services.delivery_issue(scope=scope, note_id=note_id)
    return _detail(scope, note_id)


@router.post(
    "/delivery-notes/{int:note_id}/cancel",
    response={200: NoteOut, **errors_of(403, 404, 409, 422)},
    summary="Cancel a note (an issued one keeps its number, shown as cancelled; its stock moves are reversed)",
)
def note_cancel(request: HttpRequest, note_id: int, payload: NoteCancelIn) -> Any:
    scope = scope_of(request)
    services.delivery_cancel(scope=scope, note_id=note_id, reason=payload.reason)
    return _detail(scope, note_id)


@router.post(
    "/delivery-notes/{int:note_id}/send",
    response={202: SentOut, **errors_of(403, 404, 409, 422)},
    summary="E-mail an issued note's PDF to the customer (through the outbox)",
)
def note_send(request: HttpRequest, note_id: int, payload: SendIn) -> Any:
    sent = delivery_mail.delivery_send(scope=scope_of(request), note_id=note_id, to=payload.to)
    return Status(202, {"to": sent})


@router.get(
    "/delivery-notes/{int:note_id}/pdf",
    response={200: None, **errors_of(403, 404)},
    summary="The delivery note's PDF (a draft's is marked as such)",
    openapi_extra={"responses": {200: {"description": "The PDF", "content": {PDF: {"schema": {"type": "string"}}}}}},
)
def note_pdf(request: HttpRequest, note_id: int) -> Any:
    note = reads.note_for(scope_of(request), note_id)
    response = HttpResponse(delivery_pdf.render(note), content_type=PDF)
    response["Content-Disposition"] = f'attachment; filename="{delivery_pdf.filename(note)}"'
    return response

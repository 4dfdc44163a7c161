"""Delivery notes (DDT, "documento di trasporto") to a customer.

- ``delivery_create`` / ``delivery_edit``: a draft written by hand; ``delivery_from_work_order``: a draft listing a
  signed work order's materials used or left with the customer (they already left the van with the report: the
  note moves nothing); ``delivery_from_offer``: a draft of an order's cart, shipped from a warehouse;
- ``delivery_issue``: the note gets its number (``DDT-2026/00001``, per organisation, year and series, with no gap:
  taken in the issuing transaction), its date, and the sender, recipient and destination as they are now; a note
  shipped from a location moves its lines to the customer (``MoveKind.DELIVERY``); the order it delivers is
  delivered. An issued note never changes;
- ``delivery_cancel``: a mistake is a cancelled note (its number stays used, shown as cancelled) and a new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldbox.accounts.models import Organisation
from fieldbox.commerce import numbering, pricing
from fieldbox.commerce.choices import (
    COUNTED_LOCATIONS,
    DELIVERY_NOTE_TABLE,
    OFFER_TABLE,
    DeliveryNoteStatus,
    DocumentKind,
    MoveKind,
    OfferStatus,
    Transport,
    TransportReason,
)
from fieldbox.commerce.delivery_pdf import parties_of
from fieldbox.commerce.models import (
    CommerceSettings,
    DeliveryNote,
    DeliveryNoteLine,
    Item,
    Offer,
    StockLocation,
)
from fieldbox.commerce.services import ledger, stock
from fieldbox.core import clock, transitions
from fieldbox.core.tenancy import Scope
from fieldbox.core.validators import typed_text
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.service.choices import MaterialUse, ReportStatus
from fieldbox.service.models import Material, WorkOrder, WorkReport

MAX_LINES = 200
DOCUMENT = "ddt"
MAX_WEIGHT = Decimal("9999999.999")


@dataclass(frozen=True)
class NoteLine:
    """A line as written: an item (optional), a description (the item's when empty), a quantity, a unit (the
    item's when empty), a serial number."""

    description: str = ""
    quantity: Any = Decimal(1)
    item_id: int | None = None
    unit: str = ""
    serial: str = ""


@dataclass(frozen=True)
class Header:
    """What a note says besides its lines."""

    destination_id: int | None = None
    source_id: int | None = None
    reason: str = TransportReason.SALE
    transport: str = Transport.SENDER
    carrier: str = ""
    packages: Any = 1
    weight_kg: Any = None
    appearance: str = ""
    notes: str = ""


def _text(value: str | None, field: str, limit: int) -> str:
    return typed_text(value, field, limit, lines=limit > 255)


def _customer(scope: Scope, customer_id: int | None) -> Customer:
    found = Customer.objects.visible_to(scope).filter(pk=customer_id or 0).first()
    if found is None:
        raise ValidationError({"customer_id": _("Choose one of your customers.")})
    return found


def _header(scope: Scope, customer: Customer, header: Header) -> dict[str, Any]:
    """The note's fields, checked; every error at once, by field."""
    errors: dict[str, Any] = {}
    fields: dict[str, Any] = {}
    fields["destination"] = None
    if header.destination_id:
        fields["destination"] = CustomerAddress.objects.filter(pk=header.destination_id, customer=customer).first()
        if fields["destination"] is None:
            errors["destination_id"] = _("Choose a site of this customer.")
    fields["source"] = None
    if header.source_id:
        fields["source"] = (
            StockLocation.objects.visible_to(scope)
            .filter(pk=header.source_id, kind__in=COUNTED_LOCATIONS, active=True)
            .first()
        )
        if fields["source"] is None:
            errors["source_id"] = _("Choose one of your warehouses or vans.")
    if header.reason not in TransportReason.values:
        errors["reason"] = _("Choose one of the reasons for transport.")
    if header.transport not in Transport.values:
        errors["transport"] = _("Choose who transports the goods.")
    fields |= {"reason": header.reason, "transport": header.transport}
    for field, limit in (("carrier", 120), ("appearance", 60), ("notes", 5000)):
        try:
            fields[field] = _text(getattr(header, field), field, limit)
        except ValidationError as error:
            errors.update(error.message_dict)
    try:
        packages = int(str(header.packages if header.packages not in (None, "") else 1))
        if not 1 <= packages <= 9999:
            raise ValueError
        fields["packages"] = packages
    except ValueError:
        errors["packages"] = _("Write a number of packages from 1 to 9999.")
    fields["weight_kg"] = None
    if header.weight_kg not in (None, ""):
        try:
            weight = pricing.quantity(header.weight_kg, "weight_kg")
            if weight > MAX_WEIGHT:
                raise ValidationError({"weight_kg": _("At most %(largest)s.") % {"largest": MAX_WEIGHT}})
            fields["weight_kg"] = weight
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return fields


def _lines(scope: Scope, lines: Sequence[NoteLine]) -> list[DeliveryNoteLine]:
    if not lines:
        raise ValidationError({"lines": _("Add at least one line.")})
    if len(lines) > MAX_LINES:
        raise ValidationError({"lines": _("At most %(n)s lines.") % {"n": MAX_LINES}})
    ids = {line.item_id for line in lines if line.item_id}
    items = {item.pk: item for item in Item.objects.visible_to(scope).filter(pk__in=ids)}
    made = []
    for n, line in enumerate(lines, start=1):
        try:
            item = items.get(line.item_id or 0)
            if line.item_id and item is None:
                raise ValidationError(_("choose one of your items."))
            description = _text(line.description, "description", 255) or (item.description if item else "")
            if not description:
                raise ValidationError(_("write a description."))
            quantity = pricing.quantity(line.quantity)
            unit = _text(line.unit, "unit", 6) or (item.unit if item else "pc")
            serial = _text(line.serial, "serial", 64)
        except ValidationError as error:
            words = " ".join(error.messages)
            raise ValidationError({"lines": _("Line %(n)s: %(error)s") % {"n": n, "error": words}}) from None
        made.append(
            DeliveryNoteLine(
                position=n, item=item, description=description, quantity=quantity, unit=unit, serial=serial
            )
        )
    return made


def _save_lines(note: DeliveryNote, lines: list[DeliveryNoteLine]) -> None:
    for line in lines:
        line.note = note
    DeliveryNoteLine.objects.bulk_create(lines)


def delivery_create(
    *, scope: Scope, customer_id: int | None, header: Header, lines: Sequence[NoteLine]
) -> DeliveryNote:
    """A draft delivery note written by hand (numbered when issued)."""
    DELIVERY_NOTE_TABLE.require("create", scope)
    customer = _customer(scope, customer_id)
    fields = _header(scope, customer, header)
    made = _lines(scope, lines)
    with transitions.atomic():
        note = DeliveryNote(organisation_id=scope.organisation.pk, customer=customer, created_by=scope.user, **fields)
        DELIVERY_NOTE_TABLE.create(note, "create", scope=scope, data={"lines": len(made)})
        _save_lines(note, made)
    return note


def delivery_edit(*, scope: Scope, note_id: int, header: Header, lines: Sequence[NoteLine]) -> DeliveryNote:
    """Change a draft (its lines are replaced); an issued note is refused with the table's words."""
    DELIVERY_NOTE_TABLE.require("edit", scope)
    with transitions.atomic():
        note = DELIVERY_NOTE_TABLE.lock(DeliveryNote.objects.visible_to(scope), note_id)
        DELIVERY_NOTE_TABLE.check(note, "edit", scope)
        fields = _header(scope, note.customer, header)
        if note.work_order_id is not None and fields["source"] is not None:
            raise ValidationError(
                {"source_id": _("The materials of a signed report already left the van: choose no location.")}
            )
        made = _lines(scope, lines)
        note.lines.all().delete()
        _save_lines(note, made)
        DELIVERY_NOTE_TABLE.apply(note, "edit", scope=scope, changes=fields, data={"lines": len(made)})
    return note


def delivery_lines(*, scope: Scope, note_id: int, lines: Sequence[NoteLine]) -> DeliveryNote:
    """Replace a draft's lines (its header stays)."""
    DELIVERY_NOTE_TABLE.require("edit", scope)
    with transitions.atomic():
        note = DELIVERY_NOTE_TABLE.lock(DeliveryNote.objects.visible_to(scope), note_id)
        DELIVERY_NOTE_TABLE.check(note, "edit", scope)
        made = _lines(scope, lines)
        note.lines.all().delete()
        _save_lines(note, made)
        DELIVERY_NOTE_TABLE.apply(note, "edit", scope=scope, data={"lines": len(made)})
    return note


def delivery_from_work_order(*, scope: Scope, work_order_id: int, header: Header | None = None) -> DeliveryNote:
    """A draft listing what a signed work order's report used or left with the customer, to its site. It moves no
    stock (the report did)."""
    DELIVERY_NOTE_TABLE.require("create", scope)
    order = WorkOrder.objects.visible_to(scope).select_related("customer").get(pk=work_order_id)
    if order.customer is None or not WorkReport.objects.filter(work_order=order, status=ReportStatus.SIGNED).exists():
        raise ValidationError(
            {"work_order_id": _("A delivery note of materials needs the work order's signed report.")}
        )
    materials = list(
        Material.objects.filter(work_order=order, use__in=(MaterialUse.USED, MaterialUse.LEFT)).order_by("pk")
    )
    if not materials:
        raise ValidationError({"work_order_id": _("The signed report lists no materials.")})
    codes = {m.code for m in materials if m.code}
    items = dict(Item.objects.visible_to(scope).filter(code__in=codes).values_list("code", "pk"))
    base = header or Header(reason=TransportReason.WORK, destination_id=order.site_id)
    fields = _header(scope, order.customer, base)
    fields["source"] = None
    made = _lines(
        scope,
        [NoteLine(m.description, m.quantity, items.get(m.code), m.unit[:6]) for m in materials[:MAX_LINES]],
    )
    with transitions.atomic():
        note = DeliveryNote(
            organisation_id=order.organisation_id,
            customer=order.customer,
            work_order=order,
            created_by=scope.user,
            **fields,
        )
        DELIVERY_NOTE_TABLE.create(note, "create", scope=scope, data={"work_order": order.number})
        _save_lines(note, made)
    return note


def delivery_from_offer(*, scope: Scope, offer_id: int, source_id: int | None) -> DeliveryNote:
    """A draft of an order's cart, to the order's site, shipped from ``source_id`` (its lines move at issue)."""
    DELIVERY_NOTE_TABLE.require("create", scope)
    offer = Offer.objects.visible_to(scope).select_related("customer").get(pk=offer_id)
    if offer.status != OfferStatus.ORDERED:
        raise ValidationError({"offer_id": _("Only an order (an accepted offer) is delivered.")})
    header = Header(destination_id=offer.site_id, source_id=source_id, reason=TransportReason.SALE)
    fields = _header(scope, offer.customer, header)
    made = _lines(
        scope,
        [
            NoteLine(line.description, line.quantity, line.item_id, line.unit)
            for line in offer.lines.order_by("position", "pk")
        ],
    )
    with transitions.atomic():
        note = DeliveryNote(
            organisation_id=offer.organisation_id,
            customer=offer.customer,
            offer=offer,
            created_by=scope.user,
            **fields,
        )
        DELIVERY_NOTE_TABLE.create(note, "create", scope=scope, data={"offer": offer.number})
        _save_lines(note, made)
    return note


# ---- Issue, cancel -----------------------------------------------------------------------------------------------


def delivery_issue(*, scope: Scope, note_id: int) -> DeliveryNote:
    """Number and date the note, keep its parties, move its lines from its location to the customer, deliver the
    order it comes from. From now on it never changes."""
    with transitions.atomic():
        note = DELIVERY_NOTE_TABLE.lock(DeliveryNote.objects.visible_to(scope).select_related("customer"), note_id)
        DELIVERY_NOTE_TABLE.check(note, "issue", scope)
        lines = list(note.lines.select_related("item"))
        if not lines:
            raise ValidationError({"lines": _("Add at least one line.")})
        organisation = Organisation.objects.get(pk=note.organisation_id)
        today = clock.today(scope.organisation.time_zone)
        settings = CommerceSettings.objects.filter(organisation_id=note.organisation_id)
        series = settings.values_list("series", flat=True).first() or ""
        changes = {
            "number": numbering.take(note.organisation_id, DocumentKind.DELIVERY_NOTE, today, series),
            "issued_on": today,
            "issued_at": timezone.now(),
            "parties": parties_of(note, organisation),
        }
        DELIVERY_NOTE_TABLE.apply(note, "issue", scope=scope, changes=changes, data={"number": changes["number"]})
        if note.source_id is not None:
            _ship(scope, note, lines)
        if note.offer_id is not None:
            _deliver_offer(scope, note.offer_id, note.number)
    return note


def _ship(scope: Scope, note: DeliveryNote, lines: list[DeliveryNoteLine]) -> None:
    """The lines of items kept in stock go from the note's location to the customer's."""
    assert note.source_id is not None
    target = stock.location_for_customer(note.organisation_id, note.customer_id)
    ledger.post(
        organisation_id=note.organisation_id,
        kind=MoveKind.DELIVERY,
        lines=[
            ledger.Line(
                item_id=line.item_id,
                quantity=line.quantity,
                source_id=note.source_id,
                target_id=target.pk,
                serial=line.serial if line.item.serialised else "",
                note=note.number,
            )
            for line in lines
            if line.item is not None and line.item.tracked and line.item_id is not None
        ],
        user_id=scope.user.pk,
        document=DOCUMENT,
        document_id=note.pk,
    )


def _deliver_offer(scope: Scope, offer_id: int, number: str) -> None:
    """The order this note delivers is delivered (``offer_deliver`` of the offers' services, which records the
    note's number in the order's history); an order an earlier note delivered is left as it is."""
    offer = Offer.objects.visible_to(scope).get(pk=offer_id)
    if offer.status != OfferStatus.ORDERED:
        return
    try:
        from fieldbox.commerce.services.offers_answers import offer_deliver
    except ImportError:  # the offers' services moved: make the table's move here
        locked = OFFER_TABLE.lock(Offer.objects.visible_to(scope), offer_id)
        OFFER_TABLE.check(locked, "deliver", scope)
        OFFER_TABLE.apply(locked, "deliver", scope=scope, data={"delivery_note": number})
        return
    offer_deliver(scope=scope, offer_id=offer_id, delivery_note=number)


def delivery_cancel(*, scope: Scope, note_id: int, reason: str = "") -> DeliveryNote:
    """Cancel a note: an issued one keeps its number, shown as cancelled, and the stock moves it made are reversed
    (the note was a mistake: a new one is written for what really left)."""
    words = _text(reason, "reason", 500)
    with transitions.atomic():
        note = DELIVERY_NOTE_TABLE.lock(DeliveryNote.objects.visible_to(scope), note_id)
        DELIVERY_NOTE_TABLE.check(note, "cancel", scope)
        if note.status != DeliveryNoteStatus.DRAFT and not words:
            raise ValidationError({"reason": _("Say why the issued delivery note is cancelled.")})
        DELIVERY_NOTE_TABLE.apply(note, "cancel", scope=scope, reason=words, changes={"cancel_reason": words})
        _unship(scope, note)
    return note


def _unship(scope: Scope, note: DeliveryNote) -> None:
    ledger.reverse_document(
        organisation_id=note.organisation_id,
        document=DOCUMENT,
        document_id=note.pk,
        user_id=scope.user.pk,
        note=_("Delivery note %(number)s cancelled") % {"number": note.number},
    )

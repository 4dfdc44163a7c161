"""Buying (GESTIONE MAGAZZINO): supplier orders, the goods received against them with the supplier's delivery note,
and the month-end check of their cost against the supplier's invoice.

- ``purchase_create`` / ``purchase_edit``: a draft order to a supplier, delivered to a warehouse (or a van), its lines
  costed from what the supplier last charged for the item (``ItemSupplier.last_cost``) or the item's last cost;
- ``purchase_send`` / ``purchase_cancel``: the order goes to the supplier; an order nothing arrived for may be
  cancelled;
- ``receipt_create``: one delivery, with the supplier's DDT number and date; per line the quantity received at a
  provisional cost; receiving more than ordered is refused (the order row is locked while receiving); each line
  of an item kept in stock is a stock move (``ledger.post``) from the supplier to the order's location;
- ``cost_check_create``: the invoiced cost of received lines; the difference from the provisional cost is
  recorded beside the receipt (which, like its stock move, is never edited) and becomes the item's last cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.commerce import numbering, pricing
from fieldbox.commerce.choices import BUYERS, COUNTED_LOCATIONS, PURCHASE_TABLE, DocumentKind, MoveKind
from fieldbox.commerce.models import (
    CostCheck,
    CostCheckLine,
    Item,
    ItemSupplier,
    PurchaseLine,
    PurchaseOrder,
    Receipt,
    ReceiptLine,
    StockLocation,
    Supplier,
)
from fieldbox.commerce.services import ledger, stock
from fieldbox.core import audit, clock, money, transitions
from fieldbox.core.tenancy import Scope
from fieldbox.core.validators import typed_text

MAX_LINES = 200

audit.label_actions({"cost_check.create": gettext_lazy("Supplier's invoice checked against the goods received")})
TEXT_LIMIT = 5000


@dataclass(frozen=True)
class OrderLine:
    """A line of a supplier order as written: empty ``unit_cost`` takes the item's cost from this supplier."""

    item_id: int
    quantity: Any
    unit_cost: Any = None


@dataclass(frozen=True)
class ReceivedLine:
    """What arrived of an order line; empty ``unit_cost`` keeps the order line's cost (provisional)."""

    order_line_id: int
    quantity: Any
    unit_cost: Any = None
    serials: tuple[str, ...] = ()  # one per unit, for an item tracked by serial number


@dataclass(frozen=True)
class CheckedLine:
    """The cost a received line was invoiced at."""

    receipt_line_id: int
    final_cost: Any


def shown(quantity: Decimal) -> str:
    """A quantity as people write it: 10, 2.5 (no trailing zeros, no exponent)."""
    return f"{quantity.normalize():f}"


def _clean_text(value: str | None, field: str, limit: int, *, required: bool = False) -> str:
    return typed_text(value, field, limit, required=required)


def _supplier(scope: Scope, supplier_id: int | None) -> Supplier:
    found = Supplier.objects.visible_to(scope).filter(pk=supplier_id or 0, active=True).first()
    if found is None:
        raise ValidationError({"supplier_id": _("Choose one of your suppliers.")})
    return found


def _location(scope: Scope, location_id: int | None) -> StockLocation:
    found = (
        StockLocation.objects.visible_to(scope)
        .filter(pk=location_id or 0, kind__in=COUNTED_LOCATIONS, active=True)
        .first()
    )
    if found is None:
        raise ValidationError({"location_id": _("Choose one of your warehouses.")})
    return found


def unit_costs(organisation_id: int, supplier_id: int, item_ids: Sequence[int]) -> dict[int, Decimal]:
    """What each item is expected to cost from this supplier: its last cost there, else the item's last cost."""
    costs = dict(
        Item.objects.filter(organisation_id=organisation_id, pk__in=item_ids, last_cost__isnull=False).values_list(
            "pk", "last_cost"
        )
    )
    costs.update(
        ItemSupplier.objects.filter(item_id__in=item_ids, supplier_id=supplier_id, last_cost__isnull=False).values_list(
            "item_id", "last_cost"
        )
    )
    return costs


def _lines(scope: Scope, supplier_id: int, lines: Sequence[OrderLine]) -> list[PurchaseLine]:
    """The order lines, checked (the organisation's items, quantities above zero, costs not negative)."""
    if not lines:
        raise ValidationError({"lines": _("Add at least one line.")})
    if len(lines) > MAX_LINES:
        raise ValidationError({"lines": _("At most %(n)s lines.") % {"n": MAX_LINES}})
    ids = [line.item_id for line in lines]
    items = dict(Item.objects.visible_to(scope).filter(pk__in=ids, active=True).values_list("pk", "code"))
    costs = unit_costs(scope.organisation.pk, supplier_id, ids)
    made = []
    for n, line in enumerate(lines, start=1):
        try:
            if line.item_id not in items:
                raise ValidationError({"item_id": _("Choose one of your items.")})
            quantity = pricing.quantity(line.quantity)
            blank = line.unit_cost is None or str(line.unit_cost).strip() == ""
            cost = costs.get(line.item_id, Decimal(0)) if blank else pricing.price(line.unit_cost, "unit_cost")
        except ValidationError as error:
            words = " ".join(error.messages)
            raise ValidationError({"lines": _("Line %(n)s: %(error)s") % {"n": n, "error": words}}) from None
        made.append(PurchaseLine(item_id=line.item_id, quantity=quantity, unit_cost=cost))
    return made


def purchase_create(
    *,
    scope: Scope,
    supplier_id: int | None,
    location_id: int | None,
    lines: Sequence[OrderLine],
    expected_on: date | None = None,
    notes: str = "",
) -> PurchaseOrder:
    """A draft order to a supplier, numbered now (``OA-2026/00001``)."""
    PURCHASE_TABLE.require("create", scope)
    supplier = _supplier(scope, supplier_id)
    location = _location(scope, location_id)
    made = _lines(scope, supplier.pk, lines)
    words = _clean_text(notes, "notes", TEXT_LIMIT)
    with transitions.atomic():
        today = clock.today(scope.organisation.time_zone)
        order = PurchaseOrder(
            organisation_id=scope.organisation.pk,
            number=numbering.take(scope.organisation.pk, DocumentKind.PURCHASE, today),
            supplier=supplier,
            location=location,
            expected_on=expected_on,
            notes=words,
            created_by=scope.user,
        )
        PURCHASE_TABLE.create(order, "create", scope=scope, data={"number": order.number, "lines": len(made)})
        for line in made:
            line.order = order
        PurchaseLine.objects.bulk_create(made)
    return order


def purchase_edit(
    *,
    scope: Scope,
    order_id: int,
    location_id: int | None,
    lines: Sequence[OrderLine],
    expected_on: date | None = None,
    notes: str = "",
) -> PurchaseOrder:
    """Change a draft order (its lines are replaced); a sent one is refused with the table's words."""
    PURCHASE_TABLE.require("edit", scope)
    with transitions.atomic():
        order = PURCHASE_TABLE.lock(PurchaseOrder.objects.visible_to(scope), order_id)
        PURCHASE_TABLE.check(order, "edit", scope)
        location = _location(scope, location_id)
        made = _lines(scope, order.supplier_id, lines)
        changes = {"location": location, "expected_on": expected_on, "notes": _clean_text(notes, "notes", TEXT_LIMIT)}
        order.lines.all().delete()
        for line in made:
            line.order = order
        PurchaseLine.objects.bulk_create(made)
        PURCHASE_TABLE.apply(order, "edit", scope=scope, changes=changes, data={"lines": len(made)})
    return order


def purchase_send(*, scope: Scope, order_id: int, email: bool = True) -> PurchaseOrder:
    """The order goes to the supplier: it cannot change any more. With ``email``, its PDF is e-mailed to the
    supplier (through the outbox) when the supplier has an address."""
    from fieldbox.commerce.services import buying_mail

    with transitions.atomic():
        order = PURCHASE_TABLE.lock(PurchaseOrder.objects.visible_to(scope).select_related("supplier"), order_id)
        PURCHASE_TABLE.check(order, "send", scope)
        step = PURCHASE_TABLE.apply(order, "send", scope=scope, changes={"sent_at": timezone.now()})
        if email and step.event is not None:
            buying_mail.email_supplier(order, key=f"supplier_order:{order.pk}:sent")
    return order


def purchase_cancel(*, scope: Scope, order_id: int, reason: str = "") -> PurchaseOrder:
    """Cancel an order nothing arrived for (a partly received order is closed by receiving, never cancelled)."""
    words = _clean_text(reason, "reason", 500)
    with transitions.atomic():
        order = PURCHASE_TABLE.lock(PurchaseOrder.objects.visible_to(scope), order_id)
        PURCHASE_TABLE.check(order, "cancel", scope)
        PURCHASE_TABLE.apply(order, "cancel", scope=scope, reason=words)
    return order


# ---- Goods received ----------------------------------------------------------------------------------------------


Received = tuple[PurchaseLine, Decimal, Decimal, tuple[str, ...]]


def _received(order: PurchaseOrder, lines: Sequence[ReceivedLine]) -> list[Received]:
    """Each received line with its order line, quantity and provisional cost; more than ordered is refused, naming
    the line."""
    if not lines:
        raise ValidationError({"lines": _("Write the quantity received of at least one line.")})
    ordered = {line.pk: line for line in order.lines.select_related("item")}
    seen: set[int] = set()
    out: list[Received] = []
    for n, line in enumerate(lines, start=1):
        found = ordered.get(line.order_line_id)
        if found is None or line.order_line_id in seen:
            raise ValidationError({"lines": _("Line %(n)s is not a line of this order.") % {"n": n}})
        seen.add(found.pk)
        try:
            quantity = pricing.quantity(line.quantity)
            blank = line.unit_cost is None or str(line.unit_cost).strip() == ""
            cost = found.unit_cost if blank else pricing.price(line.unit_cost, "unit_cost")
        except ValidationError as error:
            words = " ".join(error.messages)
            raise ValidationError({"lines": f"{found.item.code}: {words}"}) from None
        left = found.quantity - found.received
        if quantity > left:
            raise ValidationError(
                {
                    "lines": _(
                        "%(item)s: %(ordered)s ordered, %(received)s already received: at most %(left)s more can "
                        "be received, not %(quantity)s."
                    )
                    % {
                        "item": found.item.code,
                        "ordered": shown(found.quantity),
                        "received": shown(found.received),
                        "left": shown(left),
                        "quantity": shown(quantity),
                    }
                }
            )
        serials = tuple(" ".join(s.split()) for s in line.serials if s.strip())
        if found.item.serialised and (len(serials) != quantity or len(set(serials)) != len(serials)):
            raise ValidationError(
                {
                    "lines": _("%(item)s is tracked by serial number: write one serial for each of the %(n)s units.")
                    % {"item": found.item.code, "n": shown(quantity)}
                }
            )
        out.append((found, quantity, cost, serials if found.item.serialised else ()))
    return out


def receipt_create(
    *,
    scope: Scope,
    order_id: int,
    supplier_ddt: str,
    supplier_ddt_date: date | None,
    lines: Sequence[ReceivedLine],
) -> Receipt:
    """Goods received against a sent order, with the supplier's delivery note: stock moves in, the order is partly
    or fully received, the items' last cost follows. Nothing is written when a line is refused."""
    PURCHASE_TABLE.require("receive_part", scope)
    with transitions.atomic():
        order = PURCHASE_TABLE.lock(PurchaseOrder.objects.visible_to(scope), order_id)
        PURCHASE_TABLE.check(order, "receive_part", scope)
        errors: dict[str, Any] = {}
        try:
            ddt = _clean_text(supplier_ddt, "supplier_ddt", 40, required=True)
        except ValidationError as error:
            errors.update(error.message_dict)
        if supplier_ddt_date is None:
            errors["supplier_ddt_date"] = _("Write the date of the supplier's delivery note.")
        elif supplier_ddt_date > clock.today(scope.organisation.time_zone):
            errors["supplier_ddt_date"] = _("The delivery note's date cannot be in the future.")
        if errors or supplier_ddt_date is None:
            raise ValidationError(errors)
        received = _received(order, lines)
        receipt = Receipt.objects.create(
            organisation_id=order.organisation_id,
            order=order,
            supplier_ddt=ddt,
            supplier_ddt_date=supplier_ddt_date,
            received_by=scope.user,
        )
        _move_in(scope, order, receipt, received)
        full = not any(
            line.received < line.quantity for line in PurchaseLine.objects.filter(order=order).only("quantity")
        )
        action = "receive_all" if full else "receive_part"
        PURCHASE_TABLE.apply(order, action, scope=scope, data={"receipt": receipt.pk, "ddt": ddt})
        _follow_costs(order.supplier_id, [(line.item_id, cost) for line, _q, cost, _s in received])
    return receipt


def _move_in(scope: Scope, order: PurchaseOrder, receipt: Receipt, received: list[Received]) -> None:
    """The receipt's lines (one per serial number for items tracked by serial), a stock move each for the items
    kept in stock, and the order lines' received counts."""
    source = stock.location_for_supplier(order.organisation_id, order.supplier_id)
    rows: list[tuple[PurchaseLine, Decimal, Decimal, str]] = []
    for line, quantity, cost, serials in received:
        rows += [(line, Decimal(1), cost, s) for s in serials] if serials else [(line, quantity, cost, "")]
    tracked = [row for row in rows if row[0].item.tracked]
    moves = ledger.post(
        organisation_id=order.organisation_id,
        kind=MoveKind.RECEIPT,
        lines=[
            ledger.Line(
                item_id=line.item_id,
                quantity=quantity,
                source_id=source.pk,
                target_id=order.location_id,
                unit_cost=cost,
                serial=serial,
                note=f"{order.number} / {receipt.supplier_ddt}"[:255],
            )
            for line, quantity, cost, serial in tracked
        ],
        user_id=scope.user.pk,
        document="receipt",
        document_id=receipt.pk,
    )
    move_of = {id(row): move.pk for row, move in zip(tracked, moves, strict=True)}
    ReceiptLine.objects.bulk_create(
        [
            ReceiptLine(
                receipt=receipt, order_line=row[0], quantity=row[1], unit_cost=row[2], move_id=move_of.get(id(row))
            )
            for row in rows
        ]
    )
    for line, quantity, _cost, _serials in received:
        line.received += quantity
    PurchaseLine.objects.bulk_update([line for line, _q, _c, _s in received], ["received"])


def _follow_costs(supplier_id: int, costs: list[tuple[int, Decimal]]) -> None:
    """The items' last cost, overall and from this supplier."""
    for item_id, cost in costs:
        Item.objects.filter(pk=item_id).update(last_cost=cost)
        ItemSupplier.objects.update_or_create(item_id=item_id, supplier_id=supplier_id, defaults={"last_cost": cost})


# ---- Month-end cost check ------------------------------------------------------------------------------------


def cost_check_create(
    *,
    scope: Scope,
    supplier_id: int | None,
    invoice_number: str,
    invoice_date: date | None,
    lines: Sequence[CheckedLine],
) -> CostCheck:
    """Check received lines of a supplier against its invoice: each line's final cost and its difference from the
    provisional one ((final - provisional) x quantity, rounded once) are recorded; the item's last cost becomes the
    final one. A line is checked once; the receipt and its stock move stay as they were."""
    scope.require_role(*BUYERS)
    supplier = _supplier(scope, supplier_id)
    number = _invoice(invoice_number, invoice_date, lines)
    assert invoice_date is not None
    with transitions.atomic():
        checked = _checked(scope, supplier, lines)
        if CostCheck.objects.filter(organisation=scope.organisation, supplier=supplier, invoice_number=number).exists():
            raise ValidationError({"invoice_number": _("This invoice of the supplier was already checked.")})
        run = CostCheck.objects.create(
            organisation_id=scope.organisation.pk,
            supplier=supplier,
            invoice_number=number,
            invoice_date=invoice_date,
            checked_by=scope.user,
        )
        rows = [
            CostCheckLine(
                check_run=run,
                receipt_line=line,
                provisional_cost=line.unit_cost,
                final_cost=final,
                difference=money.line_total(line.quantity, final - line.unit_cost),
            )
            for line, final in checked
        ]
        CostCheckLine.objects.bulk_create(rows)
        _follow_costs(supplier.pk, [(line.order_line.item_id, final) for line, final in checked])
        total = sum((row.difference for row in rows), Decimal(0))
        audit.record(
            actor=scope.user,
            organisation=scope.organisation.pk,
            obj=run,
            action="cost_check.create",
            data={"invoice": number, "lines": len(rows), "difference": str(total)},
        )
    return run


def _invoice(invoice_number: str, invoice_date: date | None, lines: Sequence[CheckedLine]) -> str:
    """The invoice's number, checked with its date and lines (every error at once)."""
    errors: dict[str, Any] = {}
    number = ""
    try:
        number = _clean_text(invoice_number, "invoice_number", 40, required=True)
    except ValidationError as error:
        errors.update(error.message_dict)
    if invoice_date is None:
        errors["invoice_date"] = _("Write the invoice's date.")
    if not lines:
        errors["lines"] = _("Write the invoiced cost of at least one line.")
    if errors:
        raise ValidationError(errors)
    return number


def _checked(scope: Scope, supplier: Supplier, lines: Sequence[CheckedLine]) -> list[tuple[ReceiptLine, Decimal]]:
    ids = [line.receipt_line_id for line in lines]
    found = {
        line.pk: line
        for line in ReceiptLine.objects.select_for_update(of=("self",))
        .select_related("order_line", "order_line__item")
        .filter(
            Q(receipt__organisation=scope.organisation) & Q(receipt__order__supplier=supplier),
            pk__in=ids,
        )
    }
    done = set(CostCheckLine.objects.filter(receipt_line_id__in=ids).values_list("receipt_line_id", flat=True))
    out, seen = [], set()
    for n, line in enumerate(lines, start=1):
        row = found.get(line.receipt_line_id)
        if row is None or row.pk in seen:
            raise ValidationError({"lines": _("Line %(n)s is not goods received from this supplier.") % {"n": n}})
        seen.add(row.pk)
        if row.pk in done:
            raise ValidationError(
                {"lines": _("%(item)s: this delivery was already checked.") % {"item": row.order_line.item.code}}
            )
        try:
            final = pricing.price(line.final_cost, "final_cost")
        except ValidationError as error:
            raise ValidationError({"lines": f"{row.order_line.item.code}: {' '.join(error.messages)}"}) from None
        out.append((row, final))
    return out

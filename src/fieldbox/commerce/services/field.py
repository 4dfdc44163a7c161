"""Stock used in the field (Appsistance "rendiconto materiali", GESTIONE MAGAZZINO): when a work report is signed,
the materials it lists as used or left with the customer whose code is an item kept in stock leave the
technician's van for the customer's location (``MoveKind.CONSUMPTION`` / ``MoveKind.LEFT``), in the signing's
transaction; what was left with the customer (and is billable) waits to be billed (``Billable``).

Which van: the signer's, when the signer is a technician; the work order's lead's when the office signs for them.

A van short of stock never stops a signing at the customer's site (the work is done, the customer has signed):
where stock may not go below zero, the van gives what it has and the rest is posted from the organisation's
inventory adjustments location, with the note "shortfall" — the office sees these moves (``shortfalls``) and
counts the van. Where stock may go below zero, the van gives it all.

A correction of a signed report, when signed, reverses the moves of the version it replaces and posts its own;
the replaced version's materials not billed yet stop waiting to be billed (its billed ones are kept, and the same
quantity of the same code is not billed twice).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from fieldbox.accounts.choices import WORK_PLANNERS
from fieldbox.commerce.choices import LocationKind, MoveKind
from fieldbox.commerce.models import Billable, Item, StockBalance, StockLocation, StockMove
from fieldbox.commerce.services import ledger, stock
from fieldbox.core.transitions import Step
from fieldbox.service.choices import MaterialUse
from fieldbox.service.models import Material, WorkOrder, WorkReport

DOCUMENT = "report"
SHORTFALL = "shortfall"
KIND_OF_USE = {MaterialUse.USED: MoveKind.CONSUMPTION, MaterialUse.LEFT: MoveKind.LEFT}


def on_report_move(step: Step) -> None:
    """REPORT_TABLE hook: a signed report takes its materials out of the van."""
    if step.move.action != "sign":
        return
    report: WorkReport = step.record
    order = WorkOrder.objects.get(pk=report.work_order_id)
    user_id = step.scope.user.pk if step.scope is not None else None
    signer_is_office = step.scope is not None and step.scope.role in WORK_PLANNERS
    keeper = order.technician_id if signer_is_office or user_id is None else user_id
    report_signed(report=report, order=order, keeper_id=keeper, user_id=user_id)


def report_signed(*, report: WorkReport, order: WorkOrder, keeper_id: int | None, user_id: int | None) -> None:
    """Post the report's materials (in the caller's transaction) and list what is left to bill."""
    if report.replaces_id is not None:
        _undo(report.replaces_id, order, user_id)
    materials = list(
        Material.objects.filter(work_order=order, use__in=KIND_OF_USE).order_by("pk")
    )  # what the signed content lists (``build_content`` reads the same rows)
    if not materials or order.customer_id is None:
        return
    codes = {m.code for m in materials if m.code}
    items = {i.code: i for i in Item.objects.filter(organisation_id=order.organisation_id, code__in=codes)}
    # A unit tracked by serial number moves with its serial, which a material line does not carry: those are moved
    # by hand (a transfer naming the serial) and only billed here.
    moved = [m for m in materials if m.code in items and items[m.code].tracked and not items[m.code].serialised]
    move_of: dict[int, StockMove] = {}
    if moved:
        move_of = _post(order, report, moved, items, keeper_id, user_id)
    _bill(order, report, [m for m in materials if m.use == MaterialUse.LEFT and m.billable], items, move_of)


def _post(
    order: WorkOrder,
    report: WorkReport,
    materials: list[Material],
    items: dict[str, Item],
    keeper_id: int | None,
    user_id: int | None,
) -> dict[int, StockMove]:
    """The moves of the materials kept in stock, by kind; answers the move of each material from the van."""
    org = order.organisation_id
    target = stock.location_for_customer(org, order.customer_id)  # type: ignore[arg-type]
    van = stock.van_of(org, keeper_id) if keeper_id is not None else None
    available = _available(org, van, {items[m.code].pk for m in materials})
    move_of: dict[int, StockMove] = {}
    for use, kind in KIND_OF_USE.items():
        chosen = [m for m in materials if m.use == use]
        lines: list[tuple[int, ledger.Line]] = []
        for material in chosen:
            item = items[material.code]
            lines += [(material.pk, line) for line in _lines(org, material, item, van, target, available)]
        moves = ledger.post(
            organisation_id=org,
            kind=kind,
            lines=[line for _pk, line in lines],
            user_id=user_id,
            document=DOCUMENT,
            document_id=report.pk,
        )
        for (pk, line), move in zip(lines, moves, strict=True):
            if van is not None and line.source_id == van.pk:
                move_of[pk] = move
            move_of.setdefault(pk, move)
    return move_of


def _available(org: int, van: StockLocation | None, item_ids: set[int]) -> dict[int, Decimal] | None:
    """What the van holds of each item (its balance rows locked), or None when stock may go below zero."""
    if van is None or ledger.negative_allowed(org):
        return None
    rows = StockBalance.objects.select_for_update().filter(location=van, item_id__in=item_ids)
    held = {row.item_id: row.quantity for row in rows}
    return {item_id: max(held.get(item_id, Decimal(0)), Decimal(0)) for item_id in item_ids}


def _lines(
    org: int,
    material: Material,
    item: Item,
    van: StockLocation | None,
    target: StockLocation,
    available: dict[int, Decimal] | None,
) -> list[ledger.Line]:
    """The van gives what it has; the rest (a shortfall) comes from the inventory adjustments location."""
    quantity = Decimal(material.quantity)
    note = material.description[:200]
    if van is not None and available is None:
        return [ledger.Line(item_id=item.pk, quantity=quantity, source_id=van.pk, target_id=target.pk, note=note)]
    given = min(quantity, available.get(item.pk, Decimal(0))) if van is not None and available else Decimal(0)
    lines = []
    if van is not None and given > 0:
        assert available is not None
        available[item.pk] -= given
        lines.append(ledger.Line(item_id=item.pk, quantity=given, source_id=van.pk, target_id=target.pk, note=note))
    if quantity - given > 0:
        lines.append(
            ledger.Line(
                item_id=item.pk,
                quantity=quantity - given,
                source_id=stock.inventory_location(org).pk,
                target_id=target.pk,
                note=f"{SHORTFALL}: {van.name if van else ''}"[:255],
            )
        )
    return lines


def _bill(
    order: WorkOrder,
    report: WorkReport,
    materials: list[Material],
    items: dict[str, Item],
    move_of: dict[int, StockMove],
) -> None:
    """The billable materials left with the customer, less what earlier versions of the report already billed."""
    billed: dict[str, Decimal] = defaultdict(Decimal)
    rows = Billable.objects.filter(work_order=order, billed_at__isnull=False).values("code", "description")
    for row in rows.annotate(total=Sum("quantity")):
        billed[row["code"] or row["description"]] += row["total"]
    linked = set(Billable.objects.filter(material__in=materials).values_list("material_id", flat=True))
    made = []
    for material in materials:
        key = material.code or material.description
        quantity = Decimal(material.quantity)
        already = min(billed[key], quantity)
        billed[key] -= already
        if quantity - already <= 0:
            continue
        item = items.get(material.code)
        move = move_of.get(material.pk)
        made.append(
            Billable(
                organisation_id=order.organisation_id,
                customer_id=order.customer_id,  # type: ignore[misc]
                work_order=order,
                material=None if material.pk in linked else material,
                report=report,
                item=item,
                code=material.code,
                description=material.description,
                quantity=quantity - already,
                unit=(item.unit if item else material.unit)[:6],
                move=move,
            )
        )
    Billable.objects.bulk_create(made)


def _undo(replaced_id: int, order: WorkOrder, user_id: int | None) -> None:
    """A correction replaces the signed version: its moves are reversed and its materials not billed yet are no
    longer to bill."""
    ledger.reverse_document(
        organisation_id=order.organisation_id,
        document=DOCUMENT,
        document_id=replaced_id,
        user_id=user_id,
        note=_("Report corrected"),
    )
    Billable.objects.filter(work_order=order, report_id=replaced_id, billed_at__isnull=True).delete()


def shortfalls(organisation_id: int) -> Any:
    """The moves a signed report posted from the inventory adjustments location: what a van did not hold."""
    return StockMove.objects.filter(
        organisation_id=organisation_id,
        document=DOCUMENT,
        source__kind=LocationKind.INVENTORY,
        kind__in=list(KIND_OF_USE.values()),
    )

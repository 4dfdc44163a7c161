"""The moves people make by hand (the pages, the phone and the API), each through the ledger (``ledger.post``):
a transfer (a technician takes stock from a warehouse into their van, or returns it; the office moves anything
between warehouses and vans), scrap, an inventory count (the difference goes to or comes from the inventory
location) and a correction (``ledger.reverse``, with its reason).

Who: the office (and admins) anywhere; a technician (or an installer) only from or to their own van. The
ledger checks the rest (items and locations of the organisation, items kept in stock, serial numbers, stock
below zero where forbidden), so the moves the other services post obey the same rules."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fieldbox.commerce import pricing
from fieldbox.commerce.choices import COUNTED_LOCATIONS, STOCK_KEEPERS, LocationKind, MoveKind
from fieldbox.commerce.models import Item, SerialNumber, StockBalance, StockLocation, StockMove
from fieldbox.commerce.services import ledger
from fieldbox.commerce.services.stock import STOCK_MOVERS, inventory_location, scrap_location
from fieldbox.core.tenancy import Scope

NOTE_LIMIT = 255


def _mover(scope: Scope) -> bool:
    """Whether the scope moves stock as the office (True) or as a technician (False); refused otherwise."""
    if scope.role not in STOCK_MOVERS:
        raise PermissionDenied
    return scope.role in STOCK_KEEPERS


def _location(scope: Scope, location_id: int | None, field: str) -> StockLocation:
    found = StockLocation.objects.visible_to(scope).filter(pk=location_id).first() if location_id else None
    if found is None:
        raise ValidationError({field: _("Choose one of your stock locations.")})
    if found.kind not in COUNTED_LOCATIONS:
        raise ValidationError({field: _("Choose a warehouse or a van.")})
    if not found.active:
        raise ValidationError({field: _("%(location)s is closed: it takes no more moves.") % {"location": found}})
    return found


def _own_van(scope: Scope, *places: StockLocation) -> None:
    """A technician moves stock only from or to their own van."""
    if not any(p.kind == LocationKind.VAN and p.keeper_id == scope.user.pk for p in places):
        raise PermissionDenied(_("You move stock only from or to your own van."))


def _item(scope: Scope, item_id: int | None) -> Item:
    found = Item.objects.visible_to(scope).filter(pk=item_id).first() if item_id else None
    if found is None:
        raise ValidationError({"item": _("Choose one of your items.")})
    return found


def transfer(
    *,
    scope: Scope,
    item_id: int | None,
    quantity: object,
    source_id: int | None,
    target_id: int | None,
    serial: str = "",
    note: str = "",
) -> StockMove:
    """Move stock between warehouses and vans (a van's refill, a return to the warehouse)."""
    office = _mover(scope)
    item = _item(scope, item_id)
    source, target = _location(scope, source_id, "source"), _location(scope, target_id, "target")
    if not office:
        _own_van(scope, source, target)
    amount = pricing.quantity(quantity)
    kind = MoveKind.RETURN if source.kind == LocationKind.VAN and target.kind == LocationKind.WAREHOUSE else None
    line = ledger.Line(
        item_id=item.pk,
        quantity=amount,
        source_id=source.pk,
        target_id=target.pk,
        unit_cost=item.last_cost,
        serial=serial.strip(),
        note=note.strip()[:NOTE_LIMIT],
    )
    (move,) = ledger.post(
        organisation_id=scope.organisation.pk, kind=kind or MoveKind.TRANSFER, lines=[line], user_id=scope.user.pk
    )
    return move


def scrap(
    *, scope: Scope, item_id: int | None, quantity: object, source_id: int | None, serial: str = "", note: str = ""
) -> StockMove:
    """Throw stock away (broken, expired): from a warehouse or a van to the scrap."""
    office = _mover(scope)
    item = _item(scope, item_id)
    source = _location(scope, source_id, "source")
    if not office:
        _own_van(scope, source)
    amount = pricing.quantity(quantity)
    line = ledger.Line(
        item_id=item.pk,
        quantity=amount,
        source_id=source.pk,
        target_id=scrap_location(scope.organisation.pk).pk,
        unit_cost=item.last_cost,
        serial=serial.strip(),
        note=note.strip()[:NOTE_LIMIT],
    )
    (move,) = ledger.post(
        organisation_id=scope.organisation.pk, kind=MoveKind.SCRAP, lines=[line], user_id=scope.user.pk
    )
    return move


def counted_quantity(value: object) -> Decimal:
    """What a count found: zero or more, at most three decimals."""
    try:
        if Decimal(str(value).strip().replace(",", ".")) == 0:
            return Decimal(0)
    except ArithmeticError:
        pass  # not a number: said by pricing.quantity
    return pricing.quantity(value, field="counted")


def adjust(
    *, scope: Scope, location_id: int | None, item_id: int | None, counted: object, serial: str = "", note: str = ""
) -> StockMove | None:
    """An inventory count of an item at a warehouse or a van: the difference from the balance moves to or from the
    inventory location (None when the count agrees). A unit tracked by serial number is counted by its serial
    (1: it is here, 0: it is not). The office's."""
    if scope.role not in STOCK_KEEPERS:
        raise PermissionDenied
    item = _item(scope, item_id)
    place = _location(scope, location_id, "location")
    found = counted_quantity(counted)
    serial = serial.strip()
    inventory = inventory_location(scope.organisation.pk).pk
    with transaction.atomic():
        if item.serialised:
            if not serial or found not in (0, 1):
                raise ValidationError({"serial": _("Count a unit tracked by serial number by its serial: 1 or 0.")})
            here = SerialNumber.objects.filter(item=item, serial=serial, location=place).exists()
            difference = found - (1 if here else 0)
        else:
            kept = (
                StockBalance.objects.select_for_update()
                .filter(location=place, item=item)
                .values_list("quantity", flat=True)
                .first()
            )
            difference = found - (kept or Decimal(0))
        if difference == 0:
            return None
        source, target = (inventory, place.pk) if difference > 0 else (place.pk, inventory)
        line = ledger.Line(
            item_id=item.pk,
            quantity=abs(difference),
            source_id=source,
            target_id=target,
            unit_cost=item.last_cost,
            serial=serial,
            note=(note.strip() or _("Counted: %(n)s") % {"n": format(found.normalize(), "f")})[:NOTE_LIMIT],
        )
        (move,) = ledger.post(
            organisation_id=scope.organisation.pk, kind=MoveKind.ADJUSTMENT, lines=[line], user_id=scope.user.pk
        )
    return move


def correct(*, scope: Scope, move_id: int, note: str) -> StockMove:
    """The correction of a move (the office's): a reverse move with its reason."""
    move = StockMove.objects.visible_to(scope).get(pk=move_id)
    if scope.role not in STOCK_KEEPERS:
        raise PermissionDenied
    return ledger.reverse(organisation_id=scope.organisation.pk, move_id=move.pk, user_id=scope.user.pk, note=note)

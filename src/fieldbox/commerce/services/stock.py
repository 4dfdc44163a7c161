"""Stock locations (GESTIONE MAGAZZINO): warehouses, each technician's van, and the customer, supplier, scrap and
inventory locations that stock comes from and goes to, made the first time they are needed.

The locations made on demand are found or made by one helper each (``location_for_customer``,
``location_for_supplier``, ``scrap_location``, ``van_of``; ``inventory_location`` is the catalogue's, for opening
stock): safe when two transactions ask at once, since the table's unique constraints refuse a second row and the
helper then reads the one that won. The moves themselves are in ``stock_moves``; the pages' writes of locations
(create and edit a warehouse or a van) are here too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.accounts.choices import FIELD_WORKERS
from fieldbox.commerce.choices import STOCK_KEEPERS, LocationKind
from fieldbox.commerce.models import StockLocation, Supplier
from fieldbox.commerce.services.catalogue import inventory_location
from fieldbox.core import audit
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.models import Customer
from fieldbox.service.choices import ResourceKind
from fieldbox.service.models import Resource
from fieldbox.service.selectors_calls import field_people

# Who moves stock: the office (and admins) anywhere; a technician (or an installer) from and to their own van.
VAN_KEEPERS = frozenset(FIELD_WORKERS - STOCK_KEEPERS)
STOCK_MOVERS = frozenset(STOCK_KEEPERS | FIELD_WORKERS)
# The locations the office creates and edits (the others are made on demand).
KEPT_KINDS = (LocationKind.WAREHOUSE, LocationKind.VAN)
__all__ = [
    "KEPT_KINDS",
    "STOCK_MOVERS",
    "VAN_KEEPERS",
    "inventory_location",
    "location_create",
    "location_edit",
    "location_for_customer",
    "location_for_supplier",
    "scrap_location",
    "van_of",
]

audit.label_actions(
    {
        "stock_location.create": gettext_lazy("Stock location created"),
        "stock_location.edit": gettext_lazy("Stock location changed"),
    }
)


def _found_or_made(
    organisation_id: int, lookup: dict[str, Any], names: Callable[[], list[str]], **made: Any
) -> StockLocation:
    """The location of ``organisation_id`` matching ``lookup``, made (with the first free name of ``names``) when
    there is none. A row another transaction made at the same time wins: the unique constraint refuses ours, in a
    savepoint, and the winner is read."""
    rows = StockLocation.objects.filter(organisation_id=organisation_id, **lookup)
    found = rows.first()
    if found is not None:
        return found
    for name in names():
        try:
            with transaction.atomic():
                return StockLocation.objects.create(organisation_id=organisation_id, name=name[:100], **lookup, **made)
        except IntegrityError:
            found = rows.first()
            if found is not None:
                return found
            # The name is taken by another location of the same kind: try the next one.
    raise IntegrityError(f"no free name for a stock location {lookup}")


def _names(base: str, mark: object) -> Callable[[], list[str]]:
    return lambda: [base, f"{base} ({mark})"]


def location_for_customer(organisation_id: int, customer_id: int) -> StockLocation:
    """Where the stock left with or delivered to a customer goes."""
    customer = Customer.objects.get(organisation_id=organisation_id, pk=customer_id)
    return _found_or_made(
        organisation_id,
        {"kind": LocationKind.CUSTOMER, "customer_id": customer_id},
        _names(customer.display_name or _("Customer"), customer_id),
    )


def location_for_supplier(organisation_id: int, supplier_id: int) -> StockLocation:
    """Where the goods received from a supplier come from (and returns to it go)."""
    supplier = Supplier.objects.get(organisation_id=organisation_id, pk=supplier_id)
    return _found_or_made(
        organisation_id,
        {"kind": LocationKind.SUPPLIER, "supplier_id": supplier_id},
        _names(supplier.name, supplier_id),
    )


def scrap_location(organisation_id: int) -> StockLocation:
    """Where scrapped stock goes: one per organisation."""
    return _found_or_made(organisation_id, {"kind": LocationKind.SCRAP}, _names(str(LocationKind.SCRAP.label), "1"))


def van_of(organisation_id: int, user_id: int) -> StockLocation:
    """A technician's van: the one they keep, made (named after them) the first time it is needed."""
    from fieldbox.accounts.models import User

    user = User.objects.get(pk=user_id)
    base = _("Van of %(name)s") % {"name": user.get_full_name() or user.email}
    return _found_or_made(
        organisation_id, {"kind": LocationKind.VAN, "keeper_id": user_id}, _names(base, user.email), active=True
    )


# ---- Warehouses and vans (the office's pages and the API) ------------------------------------------------------


def _fields(scope: Scope, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The checked fields of a warehouse or a van (bad input names its field, nothing is written)."""
    name = str(data.get("name") or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the location a name.")})
    fields: dict[str, Any] = {
        "name": name[:100],
        "code": str(data.get("code") or "").strip()[:20],
        "address": str(data.get("address") or "").strip()[:255],
        "active": bool(data.get("active", True)),
        "keeper_id": None,
        "resource_id": None,
    }
    if kind == LocationKind.VAN:
        keeper, resource = data.get("keeper_id"), data.get("resource_id")
        if keeper and not field_people(scope).filter(pk=keeper).exists():
            raise ValidationError({"keeper_id": _("Choose one of your technicians.")})
        if resource and not Resource.objects.visible_to(scope).filter(pk=resource, kind=ResourceKind.VAN).exists():
            raise ValidationError({"resource_id": _("Choose one of your vans.")})
        fields.update(keeper_id=keeper or None, resource_id=resource or None)
    return fields


def _saved(location: StockLocation) -> StockLocation:
    """Save, telling a name or a technician already taken by another location."""
    try:
        with transaction.atomic():
            location.save()
    except IntegrityError:
        rows = StockLocation.objects.filter(organisation_id=location.organisation_id).exclude(pk=location.pk)
        if location.keeper_id and rows.filter(kind=LocationKind.VAN, keeper_id=location.keeper_id).exists():
            raise ValidationError({"keeper_id": _("This technician already has a van.")}) from None
        raise ValidationError({"name": _("Another location of this kind has this name.")}) from None
    return location


def location_create(*, scope: Scope, kind: str, data: dict[str, Any]) -> StockLocation:
    """A new warehouse or van (``data``: name, code, address, active; a van's keeper_id and resource_id)."""
    if scope.role not in STOCK_KEEPERS:
        raise PermissionDenied
    if kind not in KEPT_KINDS:
        raise ValidationError({"kind": _("Create a warehouse or a van: the other locations are made when needed.")})
    location = StockLocation(organisation=scope.organisation, kind=kind, **_fields(scope, kind, data))
    with transaction.atomic():
        _saved(location)
        audit.record(actor=scope.user, organisation=scope.organisation, obj=location, action="stock_location.create")
    return location


def location_edit(*, scope: Scope, location_id: int, data: dict[str, Any]) -> StockLocation:
    """Change a warehouse or a van; the fields not in ``data`` stay."""
    location = StockLocation.objects.visible_to(scope).get(pk=location_id)
    if scope.role not in STOCK_KEEPERS:
        raise PermissionDenied
    if location.kind not in KEPT_KINDS:
        raise ValidationError(
            {"kind": _("Only warehouses and vans are edited: the other locations follow their owner.")}
        )
    current = {
        "name": location.name,
        "code": location.code,
        "address": location.address,
        "active": location.active,
        "keeper_id": location.keeper_id,
        "resource_id": location.resource_id,
    }
    fields = _fields(scope, location.kind, {**current, **data})
    for name, value in fields.items():
        setattr(location, name, value)
    with transaction.atomic():
        _saved(location)
        audit.record(actor=scope.user, organisation=scope.organisation, obj=location, action="stock_location.edit")
    return location

"""The catalogue's writes (Appsistance "anagrafica prodotti"): items with their physical, supply and stock data and
barcode, the suppliers of an item, its photos, the registry's telematics products turned into items (linked, never
copied), suppliers, and the organisation's inventory-adjustments location that opening stock comes from.

Kept by the office (``CATALOGUE_WRITERS``); every change audited; bad input is a ``ValidationError`` naming the
field, nothing written. An item used anywhere (prices, stock, documents) is deactivated, never deleted."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum import ean
from stdnum.exceptions import ValidationError as Invalid

from fieldbox.commerce import pricing
from fieldbox.commerce import selectors_catalogue as reads
from fieldbox.commerce.choices import QUANTITY_PLACES, BarcodeKind, ItemKind, LocationKind, Unit
from fieldbox.commerce.models import Item, ItemPhoto, ItemSupplier, Price, StockBalance, StockLocation, Supplier
from fieldbox.core import audit
from fieldbox.core.tenancy import Scope
from fieldbox.core.validators import no_control_characters, typed_text
from fieldbox.fleet.validators import normalise_vat

audit.label_actions(
    {
        "item.create": gettext_lazy("Item added"),
        "item.edit": gettext_lazy("Item changed"),
        "item.deactivate": gettext_lazy("Item no longer in use"),
        "item.activate": gettext_lazy("Item back in use"),
        "item.delete": gettext_lazy("Item deleted"),
        "item.link_products": gettext_lazy("Telematics products added as items"),
        "item.supplier": gettext_lazy("Supplier of an item saved"),
        "item.supplier_remove": gettext_lazy("Supplier of an item removed"),
        "item.photo_add": gettext_lazy("Photo of an item added"),
        "item.photo_remove": gettext_lazy("Photo of an item removed"),
        "supplier.create": gettext_lazy("Supplier added"),
        "supplier.edit": gettext_lazy("Supplier changed"),
    }
)

# What an item's form and the API write (the product link is ``items_from_products``').
ITEM_FIELDS = (
    "code",
    "description",
    "kind",
    "unit",
    "weight_kg",
    "length_cm",
    "width_cm",
    "height_cm",
    "lead_days",
    "last_cost",
    "tracked",
    "serialised",
    "reorder_level",
    "barcode",
    "barcode_kind",
    "notes",
    "active",
)
SUPPLIER_FIELDS = ("name", "vat_number", "email", "phone", "address", "lead_days", "active")
MAX_LEAD_DAYS = 3650
CODE128_PRINTABLE = frozenset(chr(c) for c in range(32, 127))


# ---- Small checks -----------------------------------------------------------------------------------------------


def words(field: str, value: object, limit: int, *, required: bool = False, lines: bool = False) -> str:
    """Text as typed: trimmed, at most ``limit`` characters; one line unless ``lines``."""
    if not lines:
        no_control_characters(str(value or "").strip(), field=field)
    return typed_text(value, field, limit, required=required)


def measure(field: str, value: object, *, places: int, largest: Decimal) -> Decimal | None:
    """An optional measure (a weight, a size, a reorder level): empty, or a number from 0 with ``places`` decimals."""
    if value is None or str(value).strip() == "":
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", "."))
    except ArithmeticError:
        raise ValidationError({field: _("Write a number, such as 12.50.")}) from None
    if not number.is_finite():
        raise ValidationError({field: _("Write a number, such as 12.50.")})
    if number < 0:
        raise ValidationError({field: _("It cannot be negative.")})
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise ValidationError({field: _("At most %(places)s decimals.") % {"places": places}})
    if number > largest:
        raise ValidationError({field: _("At most %(largest)s.") % {"largest": largest}})
    return number


def days(field: str, value: object) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if not text.isdigit() or int(text) > MAX_LEAD_DAYS:
        raise ValidationError({field: _("A number of days from 0 to %(n)s.") % {"n": MAX_LEAD_DAYS}})
    return int(text)


def barcode(value: object, kind: object) -> tuple[str, str]:
    """A barcode and its type: EAN-13 and EAN-8 are digits with their check digit (python-stdnum), Code 128 any
    printable ASCII. Without a type, 13 or 8 digits are an EAN, anything else Code 128."""
    code = str(value or "").strip()
    chosen = str(kind or "")
    if not code:
        return "", ""
    if chosen and chosen not in BarcodeKind.values:
        raise ValidationError({"barcode_kind": _("Choose EAN-13, EAN-8 or Code 128.")})
    if not chosen:
        chosen = {13: BarcodeKind.EAN13, 8: BarcodeKind.EAN8}.get(len(code), BarcodeKind.CODE128)
        if chosen != BarcodeKind.CODE128 and not code.isdigit():
            chosen = BarcodeKind.CODE128
    if chosen == BarcodeKind.CODE128:
        if len(code) > 48 or not set(code) <= CODE128_PRINTABLE:
            raise ValidationError({"barcode": _("A Code 128 barcode has at most 48 printable ASCII characters.")})
        return code, chosen
    length = 13 if chosen == BarcodeKind.EAN13 else 8
    if len(code) != length or not code.isdigit():
        raise ValidationError(
            {"barcode": _("An %(kind)s barcode has %(n)s digits.") % {"kind": _label(chosen), "n": length}}
        )
    try:
        ean.validate(code)
    except Invalid:
        raise ValidationError(
            {"barcode": _("This %(kind)s barcode's check digit does not match.") % {"kind": _label(chosen)}}
        ) from None
    return code, chosen


def _label(kind: str) -> str:
    return str(BarcodeKind(kind).label)


def _choice(field: str, value: object, choices: Any, message: str) -> str:
    text = str(value or "")
    if text not in choices.values:
        raise ValidationError({field: message})
    return text


# ---- Items ------------------------------------------------------------------------------------------------------


def clean_item(data: dict[str, Any]) -> dict[str, Any]:
    """An item's fields as the office wrote them, checked one by one (the first wrong field is named)."""
    code, kind = barcode(data.get("barcode"), data.get("barcode_kind"))
    clean: dict[str, Any] = {
        "code": words("code", data.get("code"), 40, required=True),
        "description": words("description", data.get("description"), 255, required=True),
        "kind": _choice("kind", data.get("kind") or ItemKind.PART, ItemKind, _("Choose one of the kinds.")),
        "unit": _choice("unit", data.get("unit") or Unit.PIECE, Unit, _("Choose one of the units.")),
        "weight_kg": measure("weight_kg", data.get("weight_kg"), places=3, largest=Decimal("9999999.999")),
        "length_cm": measure("length_cm", data.get("length_cm"), places=1, largest=Decimal("9999999.9")),
        "width_cm": measure("width_cm", data.get("width_cm"), places=1, largest=Decimal("9999999.9")),
        "height_cm": measure("height_cm", data.get("height_cm"), places=1, largest=Decimal("9999999.9")),
        "lead_days": days("lead_days", data.get("lead_days")),
        "last_cost": _optional_price("last_cost", data.get("last_cost")),
        "tracked": bool(data.get("tracked", True)),
        "serialised": bool(data.get("serialised", False)),
        "reorder_level": measure(
            "reorder_level", data.get("reorder_level"), places=QUANTITY_PLACES, largest=Decimal("999999999.999")
        ),
        "barcode": code,
        "barcode_kind": kind,
        "notes": words("notes", data.get("notes"), 5000, lines=True),
        "active": bool(data.get("active", True)),
    }
    if clean["serialised"] and not clean["tracked"]:
        raise ValidationError({"serialised": _("Only an item kept in stock can be tracked by serial number.")})
    return clean


def _optional_price(field: str, value: object) -> Decimal | None:
    if value is None or str(value).strip() == "":
        return None
    return pricing.price(value, field)


def _refuse_taken_code(scope: Scope, code: str, item_id: int | None) -> None:
    if reads.items_for(scope).filter(code__iexact=code).exclude(pk=item_id or 0).exists():
        raise ValidationError({"code": _("Another item has the code %(code)s.") % {"code": code}})


def item_save(*, scope: Scope, data: dict[str, Any], item_id: int | None = None) -> Item:
    """Add an item, or change one (its code is the organisation's only one)."""
    scope.require_role(*reads.CATALOGUE_WRITERS)
    own = reads.items_for(scope)
    if item_id is not None:
        own.get(pk=item_id)  # another organisation's item: 404 before any check of the input
    clean = clean_item(data)
    try:
        with transaction.atomic():
            _refuse_taken_code(scope, clean["code"], item_id)
            if item_id is not None:
                item = own.select_for_update().get(pk=item_id)
                changed = [f for f, v in clean.items() if getattr(item, f) != v]
                for name, value in clean.items():
                    setattr(item, name, value)
                item.save(update_fields=list(clean))
            else:
                changed = list(clean)
                item = Item.objects.create(organisation=scope.organisation, **clean)
            action = "item.edit" if item_id is not None else "item.create"
            audit.record(
                actor=scope.user, organisation=scope.organisation, obj=item, action=action, data={"fields": changed}
            )
    except IntegrityError:  # the same code saved meanwhile by someone else
        raise ValidationError({"code": _("Another item has the code %(code)s.") % {"code": clean["code"]}}) from None
    return item


def item_activate(*, scope: Scope, item_id: int, active: bool) -> Item:
    """Take an item out of use (no longer offered on quotes, offers and orders) or bring it back."""
    scope.require_role(*reads.CATALOGUE_WRITERS)
    with transaction.atomic():
        item = reads.items_for(scope).select_for_update().get(pk=item_id)
        if item.active != active:
            item.active = active
            item.save(update_fields=["active"])
            action = "item.activate" if active else "item.deactivate"
            audit.record(actor=scope.user, organisation=scope.organisation, obj=item, action=action)
    return item


def item_delete(*, scope: Scope, item_id: int) -> None:
    """Delete an item never used: one with prices, stock or on any document is deactivated instead."""
    scope.require_role(*reads.CATALOGUE_WRITERS)
    used = ValidationError(
        {"item": _("This item is used (prices, stock or documents): it cannot be deleted. Deactivate it instead.")}
    )
    with transaction.atomic():
        item = reads.items_for(scope).select_for_update().get(pk=item_id)
        if Price.objects.filter(item=item).exists() or StockBalance.objects.filter(item=item).exists():
            raise used
        photos = [str(p.file.name) for p in ItemPhoto.objects.filter(item=item)]
        audit.record(
            actor=scope.user, organisation=scope.organisation, obj=item, action="item.delete", data={"code": item.code}
        )
        try:
            with transaction.atomic():
                item.delete()
        except (ProtectedError, RestrictedError):
            raise used from None
        transaction.on_commit(lambda: delete_files(photos))


def delete_files(paths: list[str]) -> None:
    for path in paths:
        default_storage.delete(path)


def items_from_products(*, scope: Scope, product_ids: list[int]) -> list[Item]:
    """Make an item of each registry product named (one the organisation sees and has not linked yet): its code and
    description come from the product, the product's own data stays in the registry."""
    scope.require_role(*reads.CATALOGUE_WRITERS)
    wanted = sorted(set(product_ids))
    if not wanted:
        raise ValidationError({"product_ids": _("Choose at least one product.")})
    with transaction.atomic():
        found = list(reads.products_to_link(scope).filter(pk__in=wanted))
        if len(found) != len(wanted):
            raise ValidationError({"product_ids": _("Choose products of the registry not yet among your items.")})
        codes = reads.items_for(scope).filter(code__in=[p.code for p in found]).values_list("code", flat=True)
        taken = {c.lower() for c in codes}
        clashes = [p.code for p in found if p.code.lower() in taken]
        if clashes:
            raise ValidationError(
                {"product_ids": _("Another item already has the code %(codes)s.") % {"codes": ", ".join(clashes)}}
            )
        try:
            with transaction.atomic():
                items = Item.objects.bulk_create(
                    [
                        Item(
                            organisation=scope.organisation,
                            product=p,
                            code=p.code[:40],
                            description=p.name[:255],
                            kind=ItemKind.PART,
                            tracked=True,
                            serialised=True,
                        )
                        for p in found
                    ]
                )
        except IntegrityError:
            raise ValidationError(
                {"product_ids": _("Some of these products were added meanwhile: look again.")}
            ) from None
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=scope.organisation,
            action="item.link_products",
            data={"products": [p.code for p in found]},
        )
    return items


# ---- Suppliers of an item ---------------------------------------------------------------------------------------


def item_supplier_save(
    *,
    scope: Scope,
    item_id: int,
    supplier_id: int | None,
    supplier_code: str = "",
    lead_days: object = None,
    last_cost: object = None,
    preferred: bool = False,
) -> ItemSupplier:
    """Name a supplier of an item (or change what it says of it): its code for the item, its lead time, the last
    cost it charged, whether it is the preferred one (only one is)."""
    scope.require_role(*reads.CATALOGUE_WRITERS)
    item = reads.items_for(scope).get(pk=item_id)
    supplier = reads.suppliers_for(scope).filter(pk=supplier_id or 0).first()
    if supplier is None:
        raise ValidationError({"supplier_id": _("Choose one of your suppliers.")})
    fields = {
        "supplier_code": words("supplier_code", supplier_code, 40),
        "lead_days": days("lead_days", lead_days),
        "last_cost": _optional_price("last_cost", last_cost),
        "preferred": bool(preferred),
    }
    with transaction.atomic():
        Item.objects.select_for_update().filter(pk=item.pk).first()  # one change of the item's suppliers at a time
        if fields["preferred"]:
            ItemSupplier.objects.filter(item=item, preferred=True).exclude(supplier=supplier).update(preferred=False)
        link, _made = ItemSupplier.objects.update_or_create(item=item, supplier=supplier, defaults=fields)
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=item,
            action="item.supplier",
            data={"supplier": supplier.name, "preferred": fields["preferred"]},
        )
    return link


def item_supplier_remove(*, scope: Scope, link_id: int) -> None:
    scope.require_role(*reads.CATALOGUE_WRITERS)
    with transaction.atomic():
        link = reads.item_supplier_for(scope, link_id)
        link.delete()
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=link.item,
            action="item.supplier_remove",
            data={"supplier": link.supplier.name},
        )


# ---- Suppliers --------------------------------------------------------------------------------------------------


def clean_supplier(data: dict[str, Any]) -> dict[str, Any]:
    vat = words("vat_number", data.get("vat_number"), 20)
    if vat:
        try:
            vat = normalise_vat(vat)  # the customers' check: python-stdnum, the country's checksum
        except ValidationError as refused:
            raise ValidationError({"vat_number": refused.messages}) from None
    email = words("email", data.get("email"), 254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None
    lead = days("lead_days", data.get("lead_days"))
    return {
        "name": words("name", data.get("name"), 200, required=True),
        "vat_number": vat,
        "email": email,
        "phone": words("phone", data.get("phone"), 30),
        "address": words("address", data.get("address"), 255),
        "lead_days": 7 if lead is None else lead,
        "active": bool(data.get("active", True)),
    }


def supplier_save(*, scope: Scope, data: dict[str, Any], supplier_id: int | None = None) -> Supplier:
    """Add a supplier, or change one (its name is the organisation's only one by that name)."""
    scope.require_role(*reads.CATALOGUE_WRITERS)
    own = reads.suppliers_for(scope)
    if supplier_id is not None:
        own.get(pk=supplier_id)
    clean = clean_supplier(data)
    with transaction.atomic():
        if own.filter(name__iexact=clean["name"]).exclude(pk=supplier_id or 0).exists():
            raise ValidationError({"name": _("Another supplier has this name.")})
        if supplier_id is not None:
            supplier = own.select_for_update().get(pk=supplier_id)
            for name, value in clean.items():
                setattr(supplier, name, value)
            supplier.save(update_fields=list(clean))
        else:
            supplier = Supplier.objects.create(organisation=scope.organisation, **clean)
        action = "supplier.edit" if supplier_id is not None else "supplier.create"
        audit.record(
            actor=scope.user, organisation=scope.organisation, obj=supplier, action=action, data={"name": supplier.name}
        )
    return supplier


# ---- Where opening stock comes from -----------------------------------------------------------------------------


def inventory_location(org_id: int) -> StockLocation:
    """The organisation's inventory-adjustments location (opening stock and counts come from or go to it): made the
    first time it is needed, one per organisation (a database constraint)."""
    found = StockLocation.objects.filter(organisation_id=org_id, kind=LocationKind.INVENTORY).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return StockLocation.objects.create(
                organisation_id=org_id, kind=LocationKind.INVENTORY, name=_("Inventory adjustments")
            )
    except IntegrityError:  # made meanwhile by another request
        return StockLocation.objects.get(organisation_id=org_id, kind=LocationKind.INVENTORY)

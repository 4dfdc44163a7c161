"""/api/v1 of the catalogue: items (with their suppliers and photos, and the registry's telematics products turned
into items) and suppliers; the price lists, prices, labour rates, customers' terms, settings and imports are
``catalogue_prices``', added to this router.

The same services and scope as the office's pages: an organisation reads and changes its own only (another's item
answers 404); the back office reads, the office writes (a technician reading is fine, writing answers 403); bad
input answers 422 naming the field."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from fieldbox.commerce import selectors_catalogue as reads
from fieldbox.commerce.api import catalogue_prices
from fieldbox.commerce.choices import BarcodeKind, ItemKind, Unit
from fieldbox.commerce.models import Item, ItemPhoto, ItemSupplier, Supplier
from fieldbox.commerce.services import catalogue as services
from fieldbox.commerce.services import catalogue_photos as photos
from fieldbox.core.http import scope_of
from fieldbox.core.pagination import PageFilters, keyset_page
from fieldbox.core.problems import NOT_BLANK, Amount, Count, Ids, errors_of
from fieldbox.core.tenancy import Scope

router = Router(tags=["catalogue"])
router.add_router("", catalogue_prices.router)


def decimal_text(value: Decimal | None) -> str | None:
    """A stored decimal as text without its trailing zeros ("8.5", not "8.5000")."""
    return None if value is None else format(value.normalize(), "f")


def reader(request: HttpRequest) -> Scope:
    scope = scope_of(request)
    scope.require_role(*reads.READERS)
    return scope


# ---- Schemas ----------------------------------------------------------------------------------------------------


class CatalogueItemIn(Schema):
    code: str = Field(max_length=40, json_schema_extra=NOT_BLANK, description="The organisation's only item with it")
    description: str = Field(max_length=255, json_schema_extra=NOT_BLANK)
    kind: ItemKind = ItemKind.PART
    unit: Unit = Unit.PIECE
    weight_kg: Amount | None = Field(None, description="From 0, three decimals")
    length_cm: Amount | None = Field(None, description="From 0, one decimal")
    width_cm: Amount | None = None
    height_cm: Amount | None = None
    lead_days: Count | None = Field(None, description="0 to 3650")
    last_cost: Amount | None = Field(None, description="Euro, from 0, at most four decimals")
    tracked: bool = Field(True, strict=True, description="Kept in stock")
    serialised: bool = Field(False, strict=True, description="Tracked by serial number (only if kept in stock)")
    reorder_level: Amount | None = Field(None, description="From 0, three decimals")
    barcode: str = Field("", max_length=48, description="EAN-13/EAN-8 with their check digit, or Code 128")
    barcode_kind: BarcodeKind | None = Field(None, description="Empty: found from the barcode (13 or 8 digits: EAN)")
    notes: str = Field("", max_length=5000)
    active: bool = Field(True, strict=True, description="In use (offered on quotes, offers and orders)")


class CatalogueItemPatch(Schema):
    """The fields to change; the others stay."""

    code: str | None = Field(None, max_length=40, json_schema_extra=NOT_BLANK)
    description: str | None = Field(None, max_length=255, json_schema_extra=NOT_BLANK)
    kind: ItemKind | None = None
    unit: Unit | None = None
    weight_kg: Amount | None = None
    length_cm: Amount | None = None
    width_cm: Amount | None = None
    height_cm: Amount | None = None
    lead_days: Count | None = None
    last_cost: Amount | None = None
    tracked: bool | None = Field(None, strict=True)
    serialised: bool | None = Field(None, strict=True)
    reorder_level: Amount | None = None
    barcode: str | None = Field(None, max_length=48)
    barcode_kind: BarcodeKind | None = None
    notes: str | None = Field(None, max_length=5000)
    active: bool | None = Field(None, strict=True)


class CatalogueItemOut(Schema):
    id: int
    code: str
    description: str
    kind: ItemKind
    unit: Unit
    product_id: int | None = Field(description="The telematics product of the registry this item is")
    weight_kg: str | None = Field(description="Decimals as text")
    length_cm: str | None
    width_cm: str | None
    height_cm: str | None
    lead_days: int | None
    last_cost: str | None
    tracked: bool
    serialised: bool
    reorder_level: str | None
    barcode: str
    barcode_kind: str
    notes: str
    active: bool
    created_at: datetime


class CatalogueItemPage(Schema):
    items: list[CatalogueItemOut]
    next_cursor: int | None


class ItemFilters(PageFilters):
    q: str = Field("", max_length=100, description="Part of the code or the description, or the whole barcode")
    kind: ItemKind | None = None
    active: bool | None = Field(None, description="Only the items in use (true) or out of use (false)")


class ProductsIn(Schema):
    product_ids: Ids = Field(description="Products of the registry the organisation sees, not yet items")


class LinkableProduct(Schema):
    id: int
    code: str
    name: str


class LinkableProductPage(Schema):
    items: list[LinkableProduct]


class CatalogueItemList(Schema):
    items: list[CatalogueItemOut]


class ItemSupplierIn(Schema):
    supplier_code: str = Field("", max_length=40, description="The supplier's own code for the item")
    lead_days: Count | None = None
    last_cost: Amount | None = None
    preferred: bool = Field(False, strict=True, description="The preferred supplier (only one is)")


class ItemSupplierOut(Schema):
    id: int
    supplier_id: int
    supplier_name: str
    supplier_code: str
    lead_days: int | None
    last_cost: str | None
    preferred: bool


class ItemSuppliers(Schema):
    items: list[ItemSupplierOut]


class ItemPhotoOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str = Field(description="The photo, served only to the organisation's signed-in people")
    created_at: datetime


class ItemPhotos(Schema):
    items: list[ItemPhotoOut]


class SupplierIn(Schema):
    name: str = Field(max_length=200, json_schema_extra=NOT_BLANK)
    vat_number: str = Field("", max_length=20, description="Checked like the customers' (python-stdnum)")
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=30)
    address: str = Field("", max_length=255)
    lead_days: Count | None = Field(None, description="Usual delivery in days (7 when empty)")
    active: bool = Field(True, strict=True)


class SupplierPatch(Schema):
    name: str | None = Field(None, max_length=200, json_schema_extra=NOT_BLANK)
    vat_number: str | None = Field(None, max_length=20)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=30)
    address: str | None = Field(None, max_length=255)
    lead_days: Count | None = None
    active: bool | None = Field(None, strict=True)


class SupplierOut(Schema):
    id: int
    name: str
    vat_number: str
    email: str
    phone: str
    address: str
    lead_days: int
    active: bool


class SupplierPage(Schema):
    items: list[SupplierOut]
    next_cursor: int | None


class SupplierFilters(PageFilters):
    q: str = Field("", max_length=100, description="Part of the name, the VAT number or the e-mail")
    active: bool | None = None


# ---- Answers ----------------------------------------------------------------------------------------------------

DECIMALS = ("weight_kg", "length_cm", "width_cm", "height_cm", "last_cost", "reorder_level")


def item_out(item: Item) -> dict[str, Any]:
    plain = {f: getattr(item, f) for f in services.ITEM_FIELDS if f not in DECIMALS}
    shown = {f: decimal_text(getattr(item, f)) for f in DECIMALS}
    return {"id": item.pk, "product_id": item.product_id, "created_at": item.created_at, **plain, **shown}


def _link_out(link: ItemSupplier) -> dict[str, Any]:
    return {
        "id": link.pk,
        "supplier_id": link.supplier_id,
        "supplier_name": link.supplier.name,
        "supplier_code": link.supplier_code,
        "lead_days": link.lead_days,
        "last_cost": decimal_text(link.last_cost),
        "preferred": link.preferred,
    }


def _photo_out(photo: ItemPhoto) -> dict[str, Any]:
    return {
        "id": photo.pk,
        "name": photo.name,
        "content_type": photo.content_type,
        "size": photo.size,
        "url": reverse("commerce:item_photo", args=[photo.pk]),
        "created_at": photo.created_at,
    }


def _supplier_out(s: Supplier) -> dict[str, Any]:
    return {"id": s.pk, **{f: getattr(s, f) for f in services.SUPPLIER_FIELDS}}


def _current_item(item: Item) -> dict[str, Any]:
    return {f: getattr(item, f) for f in services.ITEM_FIELDS}


# ---- Items ------------------------------------------------------------------------------------------------------


@router.get(
    "/items",
    response={200: CatalogueItemPage, **errors_of(403, 422)},
    summary="The organisation's items, newest first",
    description="Found by part of the code or description, or the whole barcode; by kind; in use or not. Keyset "
    "pages (`next_cursor`).",
)
def item_list(request: HttpRequest, filters: Query[ItemFilters]) -> Any:
    scope = reader(request)
    wanted = reads.ItemFilters(text=filters.q, kind=filters.kind, active=filters.active)
    rows, cursor = keyset_page(reads.items_filtered(scope, wanted), filters.cursor, filters.limit)
    return {"items": [item_out(i) for i in rows], "next_cursor": cursor}


@router.get(
    "/items/products-to-link",
    response={200: LinkableProductPage, **errors_of(403)},
    summary="The registry's telematics products the organisation sees that are not items yet",
    description="A provider's own products; for an installer company, those of the providers it works for.",
)
def products_to_link(request: HttpRequest) -> Any:
    scope = reader(request)
    rows = reads.products_to_link(scope).values("id", "code", "name")[:500]
    return {"items": list(rows)}


@router.post(
    "/items/from-products",
    response={201: CatalogueItemList, **errors_of(403, 422)},
    summary="Turn telematics products of the registry into items (office)",
    description="Each product becomes an item linked to it (`product_id`), with its code and name; the product's own "
    "data stays in the registry. A product already linked, or not seen by the organisation, answers 422.",
)
def item_from_products(request: HttpRequest, payload: ProductsIn) -> Any:
    made = services.items_from_products(scope=scope_of(request), product_ids=payload.product_ids)
    return Status(201, {"items": [item_out(i) for i in made]})


@router.get("/items/{item_id}", response={200: CatalogueItemOut, **errors_of(403, 404)}, summary="One item")
def item_get(request: HttpRequest, item_id: int) -> Any:
    return item_out(reads.item_for(reader(request), item_id))


@router.post(
    "/items",
    response={201: CatalogueItemOut, **errors_of(403, 422)},
    summary="Add an item (office)",
    description="Prices and costs: at most four decimals, never negative. A barcode of 13 or 8 digits is an EAN and "
    "must have its check digit; Code 128 takes printable ASCII.",
)
def item_create(request: HttpRequest, payload: CatalogueItemIn) -> Any:
    made = services.item_save(scope=scope_of(request), data=payload.dict())
    return Status(201, item_out(made))


@router.patch(
    "/items/{item_id}",
    response={200: CatalogueItemOut, **errors_of(403, 404, 422)},
    summary="Change an item (office); the fields left out stay",
)
def item_edit(request: HttpRequest, item_id: int, payload: CatalogueItemPatch) -> Any:
    scope = scope_of(request)
    current = _current_item(reads.item_for(scope, item_id))
    saved = services.item_save(scope=scope, data={**current, **payload.dict(exclude_unset=True)}, item_id=item_id)
    return item_out(saved)


@router.delete(
    "/items/{item_id}",
    response={204: None, **errors_of(403, 404, 422)},
    summary="Delete an item never used (office)",
    description="An item with prices, stock or on any document answers 422 on `item`: deactivate it instead "
    "(`PATCH` with `active: false`).",
)
def item_delete(request: HttpRequest, item_id: int) -> Any:
    scope = scope_of(request)
    reads.item_for(scope, item_id)
    services.item_delete(scope=scope, item_id=item_id)
    return Status(204, None)


@router.get(
    "/items/{item_id}/suppliers",
    response={200: ItemSuppliers, **errors_of(403, 404)},
    summary="The suppliers of an item, the preferred first",
)
def item_supplier_list(request: HttpRequest, item_id: int) -> Any:
    item = reads.item_for(reader(request), item_id)
    return {"items": [_link_out(link) for link in reads.item_suppliers(item)]}


@router.put(
    "/items/{item_id}/suppliers/{supplier_id}",
    response={200: ItemSupplierOut, **errors_of(403, 404, 422)},
    summary="Name a supplier of an item, with its code, lead time and last cost (office)",
)
def item_supplier_put(request: HttpRequest, item_id: int, supplier_id: int, payload: ItemSupplierIn) -> Any:
    scope = scope_of(request)
    reads.item_for(scope, item_id)
    reads.supplier_for(scope, supplier_id)
    link = services.item_supplier_save(scope=scope, item_id=item_id, supplier_id=supplier_id, **payload.dict())
    return _link_out(link)


@router.delete(
    "/items/{item_id}/suppliers/{supplier_id}",
    response={204: None, **errors_of(403, 404)},
    summary="Remove a supplier from an item (office)",
)
def item_supplier_delete(request: HttpRequest, item_id: int, supplier_id: int) -> Any:
    scope = scope_of(request)
    item = reads.item_for(scope, item_id)
    link = reads.item_suppliers(item).filter(supplier_id=supplier_id).first()
    if link is None:
        raise ItemSupplier.DoesNotExist
    services.item_supplier_remove(scope=scope, link_id=link.pk)
    return Status(204, None)


@router.get(
    "/items/{item_id}/photos", response={200: ItemPhotos, **errors_of(403, 404)}, summary="The photos of an item"
)
def item_photo_list(request: HttpRequest, item_id: int) -> Any:
    item = reads.item_for(reader(request), item_id)
    return {"items": [_photo_out(p) for p in reads.item_photos(item)]}


@router.post(
    "/items/{item_id}/photos",
    response={201: ItemPhotoOut, **errors_of(403, 404, 422)},
    summary="Add a photo to an item (office)",
    description="Multipart field `photo`: a JPEG, PNG or WebP image, checked and stripped of its EXIF like job photos.",
)
def item_photo_add(request: HttpRequest, item_id: int, photo: File[UploadedFile | None] = None) -> Any:
    scope = scope_of(request)
    reads.item_for(scope, item_id)  # another organisation's item: 404 before the upload is looked at
    if photo is None:
        raise ValidationError({"photo": _("Choose a photo.")})
    return Status(201, _photo_out(photos.item_photo_add(scope=scope, item_id=item_id, upload=photo)))


@router.delete(
    "/item-photos/{photo_id}", response={204: None, **errors_of(403, 404)}, summary="Remove a photo of an item (office)"
)
def item_photo_delete(request: HttpRequest, photo_id: int) -> Any:
    scope = scope_of(request)
    reads.item_photo_for(scope, photo_id)
    photos.item_photo_remove(scope=scope, photo_id=photo_id)
    return Status(204, None)


# ---- Suppliers --------------------------------------------------------------------------------------------------


@router.get("/suppliers", response={200: SupplierPage, **errors_of(403, 422)}, summary="The organisation's suppliers")
def supplier_list(request: HttpRequest, filters: Query[SupplierFilters]) -> Any:
    scope = reader(request)
    rows, cursor = keyset_page(
        reads.suppliers_filtered(scope, filters.q, filters.active), filters.cursor, filters.limit
    )
    return {"items": [_supplier_out(s) for s in rows], "next_cursor": cursor}


@router.get("/suppliers/{supplier_id}", response={200: SupplierOut, **errors_of(403, 404)}, summary="One supplier")
def supplier_get(request: HttpRequest, supplier_id: int) -> Any:
    return _supplier_out(reads.supplier_for(reader(request), supplier_id))


@router.post("/suppliers", response={201: SupplierOut, **errors_of(403, 422)}, summary="Add a supplier (office)")
def supplier_create(request: HttpRequest, payload: SupplierIn) -> Any:
    return Status(201, _supplier_out(services.supplier_save(scope=scope_of(request), data=payload.dict())))


@router.patch(
    "/suppliers/{supplier_id}",
    response={200: SupplierOut, **errors_of(403, 404, 422)},
    summary="Change a supplier (office); the fields left out stay",
)
def supplier_edit(request: HttpRequest, supplier_id: int, payload: SupplierPatch) -> Any:
    scope = scope_of(request)
    current = _supplier_out(reads.supplier_for(scope, supplier_id))
    data = {**current, **payload.dict(exclude_unset=True)}
    return _supplier_out(services.supplier_save(scope=scope, data=data, supplier_id=supplier_id))

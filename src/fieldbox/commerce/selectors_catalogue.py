"""Reads of the catalogue: items, suppliers, price lists with their prices and labour rates, customers' terms and
the sales and stock settings, each scoped to the reader's organisation (another organisation's answers 404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from fieldbox.accounts.choices import OFFICE
from fieldbox.accounts.selectors import partner_provider_ids
from fieldbox.commerce.choices import CATALOGUE_READERS, SELLERS, STOCK_KEEPERS
from fieldbox.commerce.models import (
    CommerceSettings,
    CustomerTerms,
    Item,
    ItemPhoto,
    ItemSupplier,
    LabourRate,
    Price,
    PriceList,
    Supplier,
)
from fieldbox.commerce.pricing import valid_on
from fieldbox.core.tenancy import Scope
from fieldbox.fleet import selectors as fleet
from fieldbox.fleet.models import Customer, Product
from fieldbox.service.models import WorkType

# Who keeps the catalogue (items, suppliers, price lists, imports), who reads it (the whole back office, the
# technicians included, read-only), who changes the sales and stock settings.
CATALOGUE_WRITERS = frozenset(SELLERS | STOCK_KEEPERS)
READERS = frozenset(CATALOGUE_READERS | CATALOGUE_WRITERS)
SETTINGS_KEEPERS = frozenset(OFFICE)
# How the items' list may be sorted (the first is the default).
ITEM_SORTS = {
    "code": ("code", "pk"),
    "-code": ("-code", "-pk"),
    "description": ("description", "pk"),
    "-description": ("-description", "-pk"),
    "kind": ("kind", "code"),
    "-created": ("-created_at", "-pk"),
}


def _one(qs: QuerySet[Any], pk: int) -> Any:
    found = qs.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


# ---- Items ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemFilters:
    text: str = ""
    kind: str | None = None
    active: bool | None = None
    sort: str = "code"


def items_for(scope: Scope) -> QuerySet[Item]:
    return Item.objects.visible_to(scope)


def item_for(scope: Scope, pk: int) -> Item:
    item: Item = _one(items_for(scope).select_related("product"), pk)
    return item


def items_filtered(scope: Scope, filters: ItemFilters) -> QuerySet[Item]:
    """The organisation's items found by code, description or barcode, of a kind, active or not, sorted."""
    qs = items_for(scope)
    text = filters.text.strip()
    if text:
        qs = qs.filter(
            Q(code__icontains=text) | Q(description__icontains=text) | Q(barcode__iexact=text.replace(" ", ""))
        )
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.active is not None:
        qs = qs.filter(active=filters.active)
    return qs.order_by(*ITEM_SORTS.get(filters.sort, ITEM_SORTS["code"]))


def item_suppliers(item: Item) -> QuerySet[ItemSupplier]:
    return ItemSupplier.objects.filter(item=item).select_related("supplier").order_by("-preferred", "supplier__name")


def item_supplier_for(scope: Scope, pk: int) -> ItemSupplier:
    link: ItemSupplier = _one(ItemSupplier.objects.filter(item__in=items_for(scope)).select_related("supplier"), pk)
    return link


def item_photos(item: Item) -> QuerySet[ItemPhoto]:
    return ItemPhoto.objects.filter(item=item).order_by("pk")


def item_photo_for(scope: Scope, pk: int) -> ItemPhoto:
    photo: ItemPhoto = _one(ItemPhoto.objects.filter(item__in=items_for(scope)), pk)
    return photo


def products_seen(scope: Scope) -> QuerySet[Product]:
    """The registry's products an organisation works with: a provider's own; for an installer company, those of
    the providers it works for now (accepted partnerships), the boxes it fits."""
    if scope.organisation.is_provider:
        return fleet.products_for(scope)
    return Product.objects.filter(provider_id__in=partner_provider_ids(scope))


def products_to_link(scope: Scope) -> QuerySet[Product]:
    """The products seen that are not an item of the organisation yet."""
    linked = items_for(scope).filter(product__isnull=False).values("product_id")
    return products_seen(scope).exclude(pk__in=linked).order_by("name", "pk")


# ---- Suppliers --------------------------------------------------------------------------------------------------


def suppliers_for(scope: Scope) -> QuerySet[Supplier]:
    return Supplier.objects.visible_to(scope)


def supplier_for(scope: Scope, pk: int) -> Supplier:
    supplier: Supplier = _one(suppliers_for(scope), pk)
    return supplier


def suppliers_filtered(scope: Scope, text: str = "", active: bool | None = None) -> QuerySet[Supplier]:
    qs = suppliers_for(scope)
    if text.strip():
        words = text.strip()
        qs = qs.filter(Q(name__icontains=words) | Q(vat_number__icontains=words) | Q(email__icontains=words))
    if active is not None:
        qs = qs.filter(active=active)
    return qs.order_by("name", "pk")


# ---- Price lists, prices, labour rates --------------------------------------------------------------------------


def price_lists_for(scope: Scope) -> QuerySet[PriceList]:
    return PriceList.objects.visible_to(scope)


def price_list_for(scope: Scope, pk: int) -> PriceList:
    found: PriceList = _one(price_lists_for(scope), pk)
    return found


def prices_for(scope: Scope) -> QuerySet[Price]:
    return Price.objects.filter(price_list__in=price_lists_for(scope))


def price_for(scope: Scope, pk: int) -> Price:
    found: Price = _one(prices_for(scope).select_related("item", "price_list"), pk)
    return found


def prices_of(price_list: PriceList, *, day: date | None = None, item_id: int | None = None) -> QuerySet[Price]:
    """The list's prices (those in force on ``day`` when given), by item code and start."""
    qs = Price.objects.filter(price_list=price_list).select_related("item")
    if day is not None:
        qs = qs.filter(valid_on(day))
    if item_id is not None:
        qs = qs.filter(item_id=item_id)
    return qs.order_by("item__code", "valid_from")


def item_prices_on(scope: Scope, item: Item, day: date) -> QuerySet[Price]:
    """An item's prices in force on ``day``, on each of the organisation's lists."""
    qs = prices_for(scope).filter(valid_on(day), item=item).select_related("price_list")
    return qs.order_by("price_list__name")


def prices_ahead(price_list: PriceList, day: date) -> QuerySet[Price]:
    """Prices that start after ``day`` (already written, not in force yet)."""
    return (
        Price.objects.filter(price_list=price_list, valid_from__gt=day)
        .select_related("item")
        .order_by("item__code", "valid_from")
    )


def labour_rates_for(scope: Scope) -> QuerySet[LabourRate]:
    return LabourRate.objects.filter(price_list__in=price_lists_for(scope))


def labour_rate_for(scope: Scope, pk: int) -> LabourRate:
    found: LabourRate = _one(labour_rates_for(scope).select_related("work_type", "price_list"), pk)
    return found


def labour_rates_of(price_list: PriceList, *, day: date | None = None) -> QuerySet[LabourRate]:
    qs = LabourRate.objects.filter(price_list=price_list).select_related("work_type")
    if day is not None:
        qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    return qs.order_by("work_type__name", "valid_from")


def work_types_for(scope: Scope) -> QuerySet[WorkType]:
    """The types of work in use, for a labour rate."""
    return WorkType.objects.visible_to(scope).filter(active=True).order_by("name")


# ---- Customers' terms, settings ---------------------------------------------------------------------------------


def customer_of(scope: Scope, pk: int) -> Customer:
    return fleet.customer_for(scope, pk)


def terms_of(scope: Scope, customer: Customer) -> CustomerTerms | None:
    terms: CustomerTerms | None = (
        CustomerTerms.objects.visible_to(scope).filter(customer=customer).select_related("price_list").first()
    )
    return terms


def settings_of(scope: Scope) -> CommerceSettings:
    """The organisation's settings, or the defaults (not saved) when it never changed them."""
    found: CommerceSettings | None = CommerceSettings.objects.visible_to(scope).first()
    return found if found is not None else CommerceSettings(organisation=scope.organisation)

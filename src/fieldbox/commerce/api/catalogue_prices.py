"""/api/v1 of the price lists (SYS "tariffario"): lists, prices and labour rates valid from/to (a price is closed by
setting its last day), a customer's terms, the sales and stock settings, and the catalogue's imports (items, the
prices of a list, opening stock: check with ``dry_run``, or load all rows or none)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from fieldbox.commerce import imports
from fieldbox.commerce import selectors_catalogue as reads
from fieldbox.commerce.choices import PaymentType
from fieldbox.commerce.models import CommerceSettings, CustomerTerms, LabourRate, Price, PriceList
from fieldbox.commerce.services import catalogue_prices as services
from fieldbox.core import clock
from fieldbox.core.http import scope_of
from fieldbox.core.pagination import PageFilters, keyset_page
from fieldbox.core.problems import NOT_BLANK, Amount, Count, QueryDay, WrittenDate, errors_of
from fieldbox.core.tenancy import Scope
from fieldbox.core.uploads import row_problem

router = Router(tags=["catalogue"])


def _text(value: Any) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _reader(request: HttpRequest) -> Scope:
    scope = scope_of(request)
    scope.require_role(*reads.READERS)
    return scope


# ---- Schemas ----------------------------------------------------------------------------------------------------


class PriceListIn(Schema):
    name: str = Field(max_length=100, json_schema_extra=NOT_BLANK)
    is_default: bool = Field(False, strict=True, description="Takes the place of the current default list")
    notes: str = Field("", max_length=5000)
    active: bool = Field(True, strict=True)


class PriceListPatch(Schema):
    name: str | None = Field(None, max_length=100, json_schema_extra=NOT_BLANK)
    is_default: bool | None = Field(None, strict=True)
    notes: str | None = Field(None, max_length=5000)
    active: bool | None = Field(None, strict=True)


class PriceListOut(Schema):
    id: int
    name: str
    is_default: bool
    notes: str
    active: bool


class PriceListPage(Schema):
    items: list[PriceListOut]
    next_cursor: int | None


class PriceIn(Schema):
    item_id: Count
    price: Amount = Field(description="Euro without VAT, from 0, at most four decimals")
    valid_from: WrittenDate
    valid_to: WrittenDate | None = Field(None, description="The last day; empty: until a new price")
    close_current: bool = Field(
        False, strict=True, description="End the item's price in force on `valid_from` the day before"
    )


class ValidToIn(Schema):
    valid_to: WrittenDate = Field(description="The last day (on or after the first one)")


class PriceOut(Schema):
    id: int
    price_list_id: int
    item_id: int
    item_code: str
    price: str = Field(description="A decimal, as text")
    valid_from: date
    valid_to: date | None


class PricePage(Schema):
    items: list[PriceOut]
    next_cursor: int | None


class PriceFilters(PageFilters):
    day: QueryDay | None = Field(None, description="Only the prices in force that day")
    item_id: int | None = None


class LabourRateIn(Schema):
    work_type_id: Count | None = Field(None, description="A type of work; empty: the rate of any work")
    hourly_rate: Amount
    call_out_fee: Amount = Field(default=Decimal(0))
    valid_from: WrittenDate
    valid_to: WrittenDate | None = None
    close_current: bool = Field(False, strict=True)


class LabourRateOut(Schema):
    id: int
    price_list_id: int
    work_type_id: int | None
    hourly_rate: str
    call_out_fee: str
    valid_from: date
    valid_to: date | None


class LabourRates(Schema):
    items: list[LabourRateOut]


class CustomerTermsIn(Schema):
    price_list_id: Count | None = Field(None, description="Empty: the organisation's default list")
    payment: PaymentType | None = None


class CustomerTermsOut(Schema):
    customer_id: int
    price_list_id: int | None
    default_price_list_id: int | None = Field(description="The list the customer buys at when it has none")
    payment: str


class CommerceSettingsIn(Schema):
    negative_stock: bool = Field(False, strict=True, description="Allow warehouses and vans below zero")
    quote_valid_days: Count = Field(30, description="1 to 365")
    offer_valid_days: Count = Field(30, description="1 to 365")
    series: str = Field("", max_length=8, description="Empty, or up to 8 letters and digits")


class CommerceSettingsOut(CommerceSettingsIn):
    pass


class CatalogueImportOut(Schema):
    dry_run: bool
    count: int


# ---- Answers ----------------------------------------------------------------------------------------------------


def _list_out(p: PriceList) -> dict[str, Any]:
    return {"id": p.pk, "name": p.name, "is_default": p.is_default, "notes": p.notes, "active": p.active}


def _price_out(p: Price) -> dict[str, Any]:
    return {
        "id": p.pk,
        "price_list_id": p.price_list_id,
        "item_id": p.item_id,
        "item_code": p.item.code,
        "price": _text(p.price),
        "valid_from": p.valid_from,
        "valid_to": p.valid_to,
    }


def _rate_out(r: LabourRate) -> dict[str, Any]:
    return {
        "id": r.pk,
        "price_list_id": r.price_list_id,
        "work_type_id": r.work_type_id,
        "hourly_rate": _text(r.hourly_rate),
        "call_out_fee": _text(r.call_out_fee),
        "valid_from": r.valid_from,
        "valid_to": r.valid_to,
    }


def _terms_out(scope: Scope, customer_id: int, terms: CustomerTerms | None) -> dict[str, Any]:
    default = reads.price_lists_for(scope).filter(is_default=True).values_list("pk", flat=True).first()
    return {
        "customer_id": customer_id,
        "price_list_id": terms.price_list_id if terms else None,
        "default_price_list_id": default,
        "payment": terms.payment if terms else "",
    }


def _settings_out(s: CommerceSettings) -> dict[str, Any]:
    fields = ("negative_stock", "quote_valid_days", "offer_valid_days", "series")
    return {f: getattr(s, f) for f in fields}


# ---- Price lists ------------------------------------------------------------------------------------------------


@router.get("/price-lists", response={200: PriceListPage, **errors_of(403, 422)}, summary="The price lists")
def price_list_list(request: HttpRequest, filters: Query[PageFilters]) -> Any:
    rows, cursor = keyset_page(reads.price_lists_for(_reader(request)), filters.cursor, filters.limit)
    return {"items": [_list_out(p) for p in rows], "next_cursor": cursor}


@router.get("/price-lists/{price_list_id}", response={200: PriceListOut, **errors_of(403, 404)}, summary="One list")
def price_list_get(request: HttpRequest, price_list_id: int) -> Any:
    return _list_out(reads.price_list_for(_reader(request), price_list_id))


@router.post(
    "/price-lists",
    response={201: PriceListOut, **errors_of(403, 422)},
    summary="Add a price list (office); made the default, it replaces the current default",
)
def price_list_create(request: HttpRequest, payload: PriceListIn) -> Any:
    return Status(201, _list_out(services.price_list_save(scope=scope_of(request), data=payload.dict())))


@router.patch(
    "/price-lists/{price_list_id}",
    response={200: PriceListOut, **errors_of(403, 404, 422)},
    summary="Change a price list (office)",
)
def price_list_edit(request: HttpRequest, price_list_id: int, payload: PriceListPatch) -> Any:
    scope = scope_of(request)
    data = {**_list_out(reads.price_list_for(scope, price_list_id)), **payload.dict(exclude_unset=True)}
    return _list_out(services.price_list_save(scope=scope, data=data, price_list_id=price_list_id))


@router.get(
    "/price-lists/{price_list_id}/prices",
    response={200: PricePage, **errors_of(403, 404, 422)},
    summary="The prices of a list (those in force on `day`, of one item), newest first",
)
def price_list_prices(request: HttpRequest, price_list_id: int, filters: Query[PriceFilters]) -> Any:
    found = reads.price_list_for(_reader(request), price_list_id)
    qs = reads.prices_of(found, day=filters.day, item_id=filters.item_id)
    rows, cursor = keyset_page(qs, filters.cursor, filters.limit)
    return {"items": [_price_out(p) for p in rows], "next_cursor": cursor}


@router.post(
    "/price-lists/{price_list_id}/prices",
    response={201: PriceOut, **errors_of(403, 404, 422)},
    summary="Add an item's price on a list, valid from a day (office)",
    description="A price whose days overlap another price of the item on the list answers 422 on `valid_from` naming "
    "the other's dates (`close_current: true` ends the price in force the day before). Negative prices and more than "
    "four decimals answer 422 on `price`.",
)
def price_create(request: HttpRequest, price_list_id: int, payload: PriceIn) -> Any:
    scope = scope_of(request)
    reads.price_list_for(scope, price_list_id)
    made = services.price_add(scope=scope, price_list_id=price_list_id, **payload.dict())
    return Status(201, _price_out(made))


@router.patch(
    "/prices/{price_id}",
    response={200: PriceOut, **errors_of(403, 404, 422)},
    summary="Close a price: its last day (office)",
)
def price_close(request: HttpRequest, price_id: int, payload: ValidToIn) -> Any:
    scope = scope_of(request)
    reads.price_for(scope, price_id)
    services.price_close(scope=scope, price_id=price_id, valid_to=payload.valid_to)
    return _price_out(reads.price_for(scope, price_id))


@router.get(
    "/price-lists/{price_list_id}/labour-rates",
    response={200: LabourRates, **errors_of(403, 404)},
    summary="The labour rates of a list (in force today or later)",
)
def labour_rate_list(request: HttpRequest, price_list_id: int) -> Any:
    scope = _reader(request)
    found = reads.price_list_for(scope, price_list_id)
    today = clock.today(scope.organisation.time_zone)
    return {"items": [_rate_out(r) for r in reads.labour_rates_of(found, day=today)]}


@router.post(
    "/price-lists/{price_list_id}/labour-rates",
    response={201: LabourRateOut, **errors_of(403, 404, 422)},
    summary="Add the hourly rate of a type of work (or of any work) on a list (office)",
)
def labour_rate_create(request: HttpRequest, price_list_id: int, payload: LabourRateIn) -> Any:
    scope = scope_of(request)
    reads.price_list_for(scope, price_list_id)
    return Status(201, _rate_out(services.labour_rate_add(scope=scope, price_list_id=price_list_id, **payload.dict())))


@router.patch(
    "/labour-rates/{rate_id}",
    response={200: LabourRateOut, **errors_of(403, 404, 422)},
    summary="Close a labour rate: its last day (office)",
)
def labour_rate_close(request: HttpRequest, rate_id: int, payload: ValidToIn) -> Any:
    scope = scope_of(request)
    reads.labour_rate_for(scope, rate_id)
    return _rate_out(services.labour_rate_close(scope=scope, rate_id=rate_id, valid_to=payload.valid_to))


# ---- Terms, settings --------------------------------------------------------------------------------------------


@router.get(
    "/customers/{customer_id}/terms",
    response={200: CustomerTermsOut, **errors_of(403, 404)},
    summary="A customer's price list and usual payment",
)
def terms_get(request: HttpRequest, customer_id: int) -> Any:
    scope = _reader(request)
    customer = reads.customer_of(scope, customer_id)
    return _terms_out(scope, customer.pk, reads.terms_of(scope, customer))


@router.put(
    "/customers/{customer_id}/terms",
    response={200: CustomerTermsOut, **errors_of(403, 404, 422)},
    summary="Set a customer's price list and usual payment (office)",
)
def terms_put(request: HttpRequest, customer_id: int, payload: CustomerTermsIn) -> Any:
    scope = scope_of(request)
    customer = reads.customer_of(scope, customer_id)
    saved = services.customer_terms_save(
        scope=scope, customer_id=customer.pk, price_list_id=payload.price_list_id, payment=payload.payment or ""
    )
    return _terms_out(scope, customer.pk, saved)


@router.get(
    "/commerce-settings", response={200: CommerceSettingsOut, **errors_of(403)}, summary="Sales and stock settings"
)
def settings_get(request: HttpRequest) -> Any:
    return _settings_out(reads.settings_of(_reader(request)))


@router.put(
    "/commerce-settings",
    response={200: CommerceSettingsOut, **errors_of(403, 422)},
    summary="Change the sales and stock settings (admins and the office)",
)
def settings_put(request: HttpRequest, payload: CommerceSettingsIn) -> Any:
    return _settings_out(services.settings_save(scope=scope_of(request), data=payload.dict()))


# ---- Imports ----------------------------------------------------------------------------------------------------


def _import(
    request: HttpRequest,
    key: str,
    file: UploadedFile,
    dry_run: bool,
    price_list_id: int | None,
    close_current: bool = False,
) -> Any:
    scope = scope_of(request)
    scope.require_role(*imports.KINDS[key].roles)
    if price_list_id is not None:
        reads.price_list_for(scope, price_list_id)  # another organisation's list: 404
    rows = imports.read_file(file, name=file.name or "", size=file.size)
    checked = imports.check(scope, key, rows, price_list_id=price_list_id, close_current=close_current)
    if checked.errors:
        return row_problem(_("The file has errors: nothing was loaded."), checked.errors, imports.MAX_SHOWN_ERRORS)
    if dry_run:
        return Status(200, {"dry_run": True, "count": len(checked.lines)})
    count = imports.load(
        scope, key, rows, price_list_id=price_list_id, filename=file.name or "", close_current=close_current
    )
    return Status(201, {"dry_run": False, "count": count})


IMPORT_ANSWERS = {200: CatalogueImportOut, 201: CatalogueImportOut, **errors_of(403, 422)}
CHECKED = (
    "Every row is checked first; a bad header answers 422 on `file`, bad rows 422 with each error's `row` and "
    "`column`, and nothing is written. `dry_run=true` only checks (200 with the count); otherwise every row is "
    "loaded (201)."
)


@router.post(
    "/imports/items",
    response=IMPORT_ANSWERS,
    summary="Load items from a spreadsheet (office)",
    description="Multipart field `file` (.xlsx, .xls, .ods, .csv) with the columns "
    + ", ".join(imports.KINDS["items"].columns)
    + " (code and description required). A code already an item changes it. "
    + CHECKED,
)
def import_items(request: HttpRequest, file: File[UploadedFile], dry_run: bool = False) -> Any:
    return _import(request, "items", file, dry_run, None)


@router.post(
    "/imports/prices",
    response=IMPORT_ANSWERS,
    summary="Load the prices of one price list from a spreadsheet (office)",
    description="Multipart field `file` with the columns item_code, price, valid_from, valid_to (optional); "
    "`price_list_id` names the list. A price overlapping another of the same item answers 422; with "
    "`close_current=true` the list's price in force when an item's first new price starts ends the day before. "
    + CHECKED,
)
def import_prices(
    request: HttpRequest,
    price_list_id: int,
    file: File[UploadedFile],
    dry_run: bool = False,
    close_current: bool = False,
) -> Any:
    return _import(request, "prices", file, dry_run, price_list_id, close_current)


@router.post(
    "/imports/opening-stock",
    response=IMPORT_ANSWERS,
    summary="Load opening stock from a spreadsheet (office)",
    description="Multipart field `file` with the columns item_code, location (a warehouse's or van's code or name), "
    "quantity, unit_cost and serial (optional). Posted to the ledger as opening moves from the inventory-adjustments "
    "location. " + CHECKED,
)
def import_opening(request: HttpRequest, file: File[UploadedFile], dry_run: bool = False) -> Any:
    return _import(request, "opening-stock", file, dry_run, None)

"""The catalogue's services: items with their checks (barcodes, prices, sizes), suppliers checked like customers,
telematics products turned into items (linked, not copied), price lists with prices and rates that never overlap,
a customer's terms, the settings. Every refusal names the field and writes nothing."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from fieldbox.accounts.models import Partnership
from fieldbox.accounts.tests.fixtures import make_tenant
from fieldbox.commerce import pricing
from fieldbox.commerce import selectors_catalogue as reads
from fieldbox.commerce.choices import LocationKind, MoveKind
from fieldbox.commerce.models import (
    CommerceSettings,
    CustomerTerms,
    Item,
    ItemPhoto,
    ItemSupplier,
    LabourRate,
    Price,
    PriceList,
    StockLocation,
    Supplier,
)
from fieldbox.commerce.services import catalogue, catalogue_photos, catalogue_prices, ledger
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.models import Customer, Product

pytestmark = pytest.mark.django_db


def item_data(**changes) -> dict:
    data = {"code": "VLV-20", "description": "Valvola di sfogo", "kind": "part", "unit": "pc", "last_cost": "3.5"}
    return {**data, **changes}


def refused(call, field: str) -> str:
    with pytest.raises(ValidationError) as caught:
        call()
    assert field in caught.value.message_dict, caught.value.message_dict
    return " ".join(caught.value.message_dict[field])


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), "red").save(out, "PNG")
    return out.getvalue()


# ---- Items ------------------------------------------------------------------------------------------------------


def test_the_office_adds_an_item_with_every_field(shop):
    data = item_data(
        barcode="4006381333931",
        weight_kg="0,250",
        length_cm="12.5",
        reorder_level="4",
        lead_days="10",
        serialised=True,
    )
    item = catalogue.item_save(scope=shop.scope(shop.office), data=data)
    item.refresh_from_db()
    assert (item.code, item.barcode_kind, item.weight_kg, item.last_cost) == (
        "VLV-20",
        "ean13",
        Decimal("0.250"),
        Decimal("3.5"),
    )
    assert item.serialised and item.tracked and item.lead_days == 10
    assert AuditEvent.objects.filter(action="item.create", object_id=str(item.pk)).exists()


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"barcode": "4006381333932"}, "barcode", "check digit"),
        ({"barcode": "96385075"}, "barcode", "check digit"),
        ({"barcode": "12345", "barcode_kind": "ean13"}, "barcode", "13 digits"),
        ({"barcode": "ABC\u00e9", "barcode_kind": "code128"}, "barcode", "printable ASCII"),
        ({"last_cost": "-1"}, "last_cost", "negative"),
        ({"last_cost": "1.23456"}, "last_cost", "4 decimals"),
        ({"weight_kg": "1.2345"}, "weight_kg", "3 decimals"),
        ({"code": " "}, "code", "required"),
        ({"kind": "car"}, "kind", "kinds"),
        ({"tracked": False, "serialised": True}, "serialised", "serial"),
    ],
)
def test_bad_item_input_is_refused_naming_the_field_and_nothing_is_written(shop, changes, field, words):
    before = Item.objects.count()
    message = refused(lambda: catalogue.item_save(scope=shop.scope(shop.office), data=item_data(**changes)), field)
    assert words in message
    assert Item.objects.count() == before


def test_an_ean8_and_a_code128_barcode_are_kept(shop):
    scope = shop.scope(shop.office)
    ean8 = catalogue.item_save(scope=scope, data=item_data(code="A", barcode="96385074"))
    code128 = catalogue.item_save(scope=scope, data=item_data(code="B", barcode="FLT-100/B"))
    assert (ean8.barcode_kind, code128.barcode_kind) == ("ean8", "code128")


def test_a_code_is_the_organisations_only_one(shop):
    message = refused(
        lambda: catalogue.item_save(scope=shop.scope(shop.office), data=item_data(code="flt-100")), "code"
    )
    assert "FLT-100" in message or "flt-100" in message


def test_a_technician_reads_items_but_may_not_write_them(shop):
    with pytest.raises(PermissionDenied):
        catalogue.item_save(scope=shop.scope(shop.marco), data=item_data())
    assert not Item.objects.filter(code="VLV-20").exists()


def test_another_organisations_item_is_not_found(shop, other_tenant):
    from fieldbox.accounts.tests.fixtures import scope_of

    other = Item.objects.create(organisation=other_tenant.company, code="X", description="x")
    stranger = scope_of(other_tenant.company_admin, other_tenant.company)
    with pytest.raises(Item.DoesNotExist):
        catalogue.item_save(scope=shop.scope(shop.office), data=item_data(code="  "), item_id=other.pk)
    with pytest.raises(Item.DoesNotExist):
        catalogue.item_save(scope=stranger, data=item_data(), item_id=shop.filter_.pk)


def test_an_item_used_is_deactivated_never_deleted(shop):
    scope = shop.scope(shop.office)
    message = refused(lambda: catalogue.item_delete(scope=scope, item_id=shop.filter_.pk), "item")
    assert "Deactivate" in message
    catalogue.item_activate(scope=scope, item_id=shop.filter_.pk, active=False)
    shop.filter_.refresh_from_db()
    assert not shop.filter_.active
    unused = catalogue.item_save(scope=scope, data=item_data())
    catalogue.item_delete(scope=scope, item_id=unused.pk)
    assert not Item.objects.filter(pk=unused.pk).exists()


def test_an_item_with_stock_moves_cannot_be_deleted(shop):
    scope = shop.scope(shop.office)
    item = catalogue.item_save(scope=scope, data=item_data())
    source = catalogue.inventory_location(shop.org.pk)
    line = ledger.Line(item_id=item.pk, quantity=Decimal(2), source_id=source.pk, target_id=shop.warehouse.pk)
    ledger.post(organisation_id=shop.org.pk, kind=MoveKind.OPENING, lines=[line], user_id=shop.office.pk)
    refused(lambda: catalogue.item_delete(scope=scope, item_id=item.pk), "item")
    assert Item.objects.filter(pk=item.pk).exists()


def test_suppliers_of_an_item_one_preferred(shop):
    scope = shop.scope(shop.office)
    other = catalogue.supplier_save(scope=scope, data={"name": "Termoidraulica Nord"})
    catalogue.item_supplier_save(
        scope=scope, item_id=shop.filter_.pk, supplier_id=shop.supplier.pk, supplier_code="RE-1", preferred=True
    )
    catalogue.item_supplier_save(
        scope=scope, item_id=shop.filter_.pk, supplier_id=other.pk, last_cost="7.90", lead_days="3", preferred=True
    )
    links = {link.supplier_id: link for link in ItemSupplier.objects.filter(item=shop.filter_)}
    assert not links[shop.supplier.pk].preferred and links[other.pk].preferred
    assert links[other.pk].last_cost == Decimal("7.90")
    refused(
        lambda: catalogue.item_supplier_save(
            scope=scope, item_id=shop.filter_.pk, supplier_id=other.pk, last_cost="-2"
        ),
        "last_cost",
    )


def test_a_photo_is_checked_and_kept_and_removed(shop):
    scope = shop.scope(shop.office)
    photo = catalogue_photos.item_photo_add(
        scope=scope, item_id=shop.filter_.pk, upload=SimpleUploadedFile("filtro.png", png(), "image/png")
    )
    assert photo.content_type == "image/png" and photo.file.name.startswith("item-photos/")
    refused(
        lambda: catalogue_photos.item_photo_add(
            scope=scope, item_id=shop.filter_.pk, upload=SimpleUploadedFile("x.png", b"not an image", "image/png")
        ),
        "photo",
    )
    assert ItemPhoto.objects.filter(item=shop.filter_).count() == 1
    catalogue_photos.item_photo_remove(scope=scope, photo_id=photo.pk)
    assert not ItemPhoto.objects.filter(item=shop.filter_).exists()


def test_telematics_products_become_linked_items(shop):
    provider = Partnership.objects.get(installer=shop.org).provider  # an installer company fits its providers' boxes
    product = Product.objects.create(provider=provider, name="CloudBoxx 4G", code="CBX4")
    stranger = Product.objects.create(provider=make_tenant("beta").provider, name="Other box", code="OTH")
    scope = shop.scope(shop.office)
    assert list(reads.products_to_link(scope)) == [product]
    made = catalogue.items_from_products(scope=scope, product_ids=[product.pk])
    assert [(i.code, i.description, i.product_id, i.serialised) for i in made] == [
        ("CBX4", "CloudBoxx 4G", product.pk, True)
    ]
    refused(lambda: catalogue.items_from_products(scope=scope, product_ids=[product.pk]), "product_ids")
    refused(lambda: catalogue.items_from_products(scope=scope, product_ids=[stranger.pk]), "product_ids")
    assert Item.objects.filter(product__isnull=False).count() == 1
    assert list(reads.products_to_link(scope)) == []


# ---- Suppliers --------------------------------------------------------------------------------------------------


def test_a_supplier_vat_number_is_checked_like_a_customers(shop):
    scope = shop.scope(shop.office)
    saved = catalogue.supplier_save(scope=scope, data={"name": "Idro srl", "vat_number": "00743110157"})
    assert saved.vat_number == "IT00743110157"
    message = refused(
        lambda: catalogue.supplier_save(scope=scope, data={"name": "B", "vat_number": "00743110158"}), "vat_number"
    )
    assert "check digit" in message
    refused(lambda: catalogue.supplier_save(scope=scope, data={"name": "C", "email": "nope"}), "email")
    refused(lambda: catalogue.supplier_save(scope=scope, data={"name": "ricambi emilia SRL"}), "name")
    assert not Supplier.objects.filter(name__in=["B", "C"]).exists()


# ---- Price lists ------------------------------------------------------------------------------------------------


def test_a_new_default_list_takes_the_place_of_the_old_one(shop):
    made = catalogue_prices.price_list_save(
        scope=shop.scope(shop.office), data={"name": "Rivenditori", "is_default": True}
    )
    assert list(PriceList.objects.filter(organisation=shop.org, is_default=True)) == [made]


def test_a_price_that_overlaps_another_is_refused_naming_its_dates(shop):
    scope = shop.scope(shop.office)
    before = Price.objects.count()
    message = refused(
        lambda: catalogue_prices.price_add(
            scope=scope, price_list_id=shop.public.pk, item_id=shop.filter_.pk, price="26", valid_from=date(2026, 6, 1)
        ),
        "valid_from",
    )
    assert "FLT-100" in message and "2026" in message and "no end" in message
    assert Price.objects.count() == before


def test_a_new_price_closes_the_one_in_force_the_day_before(shop):
    scope = shop.scope(shop.office)
    made = catalogue_prices.price_add(
        scope=scope,
        price_list_id=shop.public.pk,
        item_id=shop.filter_.pk,
        price="26,50",
        valid_from=date(2026, 6, 1),
        close_current=True,
    )
    old = Price.objects.get(price_list=shop.public, item=shop.filter_, valid_from=date(2026, 1, 1))
    assert old.valid_to == date(2026, 5, 31) and made.price == Decimal("26.50")
    assert pricing.item_prices(shop.public.pk, [shop.filter_.pk], date(2026, 5, 31)) == {
        shop.filter_.pk: Decimal("24.90")
    }
    assert pricing.item_prices(shop.public.pk, [shop.filter_.pk], date(2026, 6, 1)) == {
        shop.filter_.pk: Decimal("26.50")
    }


def test_closing_a_price_sets_its_last_day_and_a_new_one_starts_after(shop):
    scope = shop.scope(shop.office)
    price = Price.objects.get(price_list=shop.public, item=shop.gas)
    catalogue_prices.price_close(scope=scope, price_id=price.pk, valid_to=date(2026, 3, 31))
    catalogue_prices.price_add(
        scope=scope, price_list_id=shop.public.pk, item_id=shop.gas.pk, price="40", valid_from=date(2026, 4, 1)
    )
    refused(
        lambda: catalogue_prices.price_close(scope=scope, price_id=price.pk, valid_to=date(2026, 4, 2)), "valid_from"
    )
    refused(
        lambda: catalogue_prices.price_close(scope=scope, price_id=price.pk, valid_to=date(2025, 12, 31)), "valid_to"
    )


@pytest.mark.parametrize(("value", "words"), [("-3", "negative"), ("1.00001", "4 decimals"), ("abc", "number")])
def test_bad_prices_are_refused(shop, value, words):
    before = Price.objects.count()
    message = refused(
        lambda: catalogue_prices.price_add(
            scope=shop.scope(shop.office),
            price_list_id=shop.public.pk,
            item_id=shop.gas.pk,
            price=value,
            valid_from=date(2027, 1, 1),
        ),
        "price",
    )
    assert words in message
    assert Price.objects.count() == before


def test_labour_rates_per_type_of_work_and_for_any_work(shop):
    scope = shop.scope(shop.office)
    catalogue_prices.labour_rate_add(
        scope=scope, price_list_id=shop.public.pk, work_type_id=None, hourly_rate="40", valid_from=date(2026, 1, 1)
    )
    catalogue_prices.labour_rate_add(
        scope=scope,
        price_list_id=shop.public.pk,
        work_type_id=shop.work_type.pk,
        hourly_rate="48.5",
        call_out_fee="25",
        valid_from=date(2026, 1, 1),
    )
    rate = pricing.labour_rate(shop.public.pk, shop.work_type.pk, date(2026, 2, 1))
    assert rate is not None and rate.hourly_rate == Decimal("48.5")
    message = refused(
        lambda: catalogue_prices.labour_rate_add(
            scope=scope,
            price_list_id=shop.public.pk,
            work_type_id=shop.work_type.pk,
            hourly_rate="50",
            valid_from=date(2026, 3, 1),
        ),
        "valid_from",
    )
    assert shop.work_type.name in message
    assert LabourRate.objects.count() == 2


def test_a_customers_list_and_payment(shop):
    scope = shop.scope(shop.office)
    dealers = catalogue_prices.price_list_save(scope=scope, data={"name": "Contratto"})
    catalogue_prices.customer_terms_save(
        scope=scope, customer_id=shop.customer.pk, price_list_id=dealers.pk, payment="bank_transfer"
    )
    assert pricing.list_for(shop.org.pk, shop.customer.pk) == dealers
    refused(
        lambda: catalogue_prices.customer_terms_save(
            scope=scope, customer_id=shop.customer.pk, price_list_id=None, payment="gold"
        ),
        "payment",
    )
    assert CustomerTerms.objects.get(customer=shop.customer).payment == "bank_transfer"


def test_another_organisations_customer_is_not_found(shop, other_tenant):
    stranger = Customer.objects.create(organisation=other_tenant.company, kind="company", company_name="Altro")
    from django.http import Http404

    with pytest.raises(Http404):
        catalogue_prices.customer_terms_save(
            scope=shop.scope(shop.office), customer_id=stranger.pk, price_list_id=None, payment=""
        )


def test_settings_are_checked_and_kept(shop):
    scope = shop.scope(shop.admin)
    catalogue_prices.settings_save(
        scope=scope, data={"negative_stock": True, "quote_valid_days": 15, "offer_valid_days": 60, "series": "a"}
    )
    kept = CommerceSettings.objects.get(organisation=shop.org)
    assert (kept.negative_stock, kept.quote_valid_days, kept.series) == (True, 15, "A")
    refused(lambda: catalogue_prices.settings_save(scope=scope, data={"quote_valid_days": 0}), "quote_valid_days")
    refused(lambda: catalogue_prices.settings_save(scope=scope, data={"series": "A-1"}), "series")
    with pytest.raises(PermissionDenied):
        catalogue_prices.settings_save(scope=shop.scope(shop.marco), data={})


def test_the_inventory_location_is_made_once(shop):
    first = catalogue.inventory_location(shop.org.pk)
    assert catalogue.inventory_location(shop.org.pk) == first
    assert first.kind == LocationKind.INVENTORY
    assert StockLocation.objects.filter(organisation=shop.org, kind=LocationKind.INVENTORY).count() == 1

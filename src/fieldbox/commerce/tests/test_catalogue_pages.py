"""The catalogue's pages: what the office, a technician and another organisation see and may do."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from fieldbox.accounts.models import Partnership
from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.commerce.models import CommerceSettings, CustomerTerms, Item, ItemPhoto, Price, PriceList, Supplier
from fieldbox.core import clock
from fieldbox.fleet.models import Product

pytestmark = pytest.mark.django_db


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10), "blue").save(out, "PNG")
    return out.getvalue()


def test_the_items_list_searches_filters_sorts_and_exports(shop):
    client = signed_in(shop.office)
    page = client.get("/commerce/items/")
    assert page.status_code == 200
    assert [i.code for i in page.context["page"].object_list] == ["FLT-100", "MO", "R32"]
    found = client.get("/commerce/items/", {"q": "refriger"})
    assert [i.code for i in found.context["page"].object_list] == ["R32"]
    kind = client.get("/commerce/items/", {"kind": "labour", "sort": "-code"})
    assert [i.code for i in kind.context["page"].object_list] == ["MO"]
    backwards = client.get("/commerce/items/", {"sort": "-code"})
    assert [i.code for i in backwards.context["page"].object_list] == ["R32", "MO", "FLT-100"]
    sheet = client.get("/commerce/items/", {"q": "FLT", "format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.values)
    assert rows[0][0] == "code" and [r[0] for r in rows[1:]] == ["FLT-100"]
    csv = client.get("/commerce/items/", {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv") and b"R32" in csv.content


def test_an_item_out_of_use_is_hidden_unless_asked_for(shop):
    Item.objects.filter(pk=shop.gas.pk).update(active=False)
    client = signed_in(shop.office)
    assert "R32" not in [i.code for i in client.get("/commerce/items/").context["page"].object_list]
    assert [i.code for i in client.get("/commerce/items/", {"active": "no"}).context["page"].object_list] == ["R32"]


def test_the_office_creates_an_item_and_a_bad_barcode_is_named(shop):
    client = signed_in(shop.office)
    assert client.get("/commerce/items/new/").status_code == 200
    bad = client.post(
        "/commerce/items/new/",
        {"code": "X1", "description": "Pezzo", "kind": "part", "unit": "pc", "barcode": "4006381333932"},
    )
    assert bad.status_code == 200 and "check digit" in bad.content.decode()
    assert not Item.objects.filter(code="X1").exists()
    good = client.post(
        "/commerce/items/new/",
        {
            "code": "X1",
            "description": "Pezzo",
            "kind": "part",
            "unit": "pc",
            "barcode": "4006381333931",
            "tracked": "on",
        },
    )
    item = Item.objects.get(organisation=shop.org, code="X1")
    assert good.status_code == 302 and good["Location"] == f"/commerce/items/{item.pk}/"
    detail = client.get(f"/commerce/items/{item.pk}/").content.decode()
    assert "4006381333931" in detail and "EAN-13" in detail


def test_the_item_page_shows_suppliers_photos_prices_and_the_product_link(shop):
    provider = Partnership.objects.get(installer=shop.org).provider
    product = Product.objects.create(provider=provider, name="CloudBoxx 4G", code="CBX4")
    client = signed_in(shop.office)
    listing = client.get("/commerce/items/")
    assert b"CloudBoxx 4G" in listing.content
    client.post("/commerce/items/from-products/", {"product_ids": [product.pk]})
    item = Item.objects.get(organisation=shop.org, product=product)
    client.post(
        f"/commerce/items/{shop.filter_.pk}/suppliers/",
        {"supplier_id": shop.supplier.pk, "supplier_code": "RE-55", "last_cost": "7,5", "preferred": "on"},
    )
    client.post(f"/commerce/items/{shop.filter_.pk}/photos/", {"photo": SimpleUploadedFile("f.png", png())})
    page = client.get(f"/commerce/items/{shop.filter_.pk}/").content.decode()
    assert "RE-55" in page and "Ricambi Emilia srl" in page and "24.9" in page
    photo = ItemPhoto.objects.get(item=shop.filter_)
    assert f"/commerce/item-photos/{photo.pk}/" in page and "data-confirm" in page
    assert client.get(f"/commerce/item-photos/{photo.pk}/")["Content-Type"] == "image/png"
    linked = client.get(f"/commerce/items/{item.pk}/").content.decode()
    assert 'data-testid="product-link"' in linked and "CBX4" in linked
    client.post(f"/commerce/item-photos/{photo.pk}/remove/")
    assert not ItemPhoto.objects.filter(item=shop.filter_).exists()


def test_a_used_item_is_not_deleted_but_deactivated(shop):
    client = signed_in(shop.office)
    answer = client.post(f"/commerce/items/{shop.filter_.pk}/delete/", follow=True)
    assert "Deactivate it instead" in answer.content.decode()
    client.post(f"/commerce/items/{shop.filter_.pk}/active/", {"active": "0"})
    shop.filter_.refresh_from_db()
    assert Item.objects.filter(pk=shop.filter_.pk).exists() and not shop.filter_.active


def test_a_technician_looks_items_up_read_only(shop):
    client = signed_in(shop.marco)
    page = client.get(f"/commerce/items/{shop.filter_.pk}/")
    assert page.status_code == 200 and b'data-testid="edit-item"' not in page.content
    assert client.get("/commerce/items/").status_code == 200
    assert client.get("/commerce/items/new/").status_code == 403
    assert client.post(f"/commerce/items/{shop.filter_.pk}/edit/", {"code": "Z"}).status_code == 403
    assert client.get("/commerce/price-lists/").status_code == 200
    assert client.post(f"/commerce/price-lists/{shop.public.pk}/prices/", {}).status_code == 403
    assert client.get("/commerce/settings/").status_code == 403


def test_another_organisations_objects_answer_404(shop, other_tenant):
    client = signed_in(other_tenant.company_admin)
    for url in (
        f"/commerce/items/{shop.filter_.pk}/",
        f"/commerce/items/{shop.filter_.pk}/edit/",
        f"/commerce/price-lists/{shop.public.pk}/",
        f"/commerce/suppliers/{shop.supplier.pk}/edit/",
        f"/commerce/customers/{shop.customer.pk}/terms/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/commerce/items/{shop.filter_.pk}/delete/").status_code == 404
    assert Item.objects.filter(pk=shop.filter_.pk).exists()
    assert b"FLT-100" not in client.get("/commerce/items/", {"q": "FLT"}).content


def test_suppliers_list_and_form(shop):
    client = signed_in(shop.office)
    assert b"Ricambi Emilia srl" in client.get("/commerce/suppliers/").content
    bad = client.post("/commerce/suppliers/new/", {"name": "Idro", "vat_number": "00743110158"})
    assert bad.status_code == 200 and "check digit" in bad.content.decode()
    client.post("/commerce/suppliers/new/", {"name": "Idro", "vat_number": "IT00743110157", "lead_days": "5"})
    assert Supplier.objects.get(organisation=shop.org, name="Idro").vat_number == "IT00743110157"


def test_the_list_page_shows_prices_in_force_and_the_office_adds_and_closes_them(shop):
    client = signed_in(shop.office)
    page = client.get(f"/commerce/price-lists/{shop.public.pk}/")
    assert [p.item.code for p in page.context["page"].object_list] == ["FLT-100", "MO", "R32"]
    today = clock.today(shop.org.time_zone)
    tomorrow = today + timedelta(days=1)
    added = client.post(
        f"/commerce/price-lists/{shop.public.pk}/prices/",
        {"item_id": shop.gas.pk, "price": "39,90", "valid_from": tomorrow.isoformat(), "close_current": "on"},
        follow=True,
    )
    assert "Price of R32 saved." in added.content.decode()
    old = Price.objects.get(price_list=shop.public, item=shop.gas, valid_from=date(2026, 1, 1))
    assert old.valid_to == today
    clash = client.post(
        f"/commerce/price-lists/{shop.public.pk}/prices/",
        {"item_id": shop.gas.pk, "price": "41", "valid_from": tomorrow.isoformat()},
        follow=True,
    )
    assert "may not overlap" in clash.content.decode()
    negative = client.post(
        f"/commerce/price-lists/{shop.public.pk}/prices/",
        {"item_id": shop.labour.pk, "price": "-1", "valid_from": tomorrow.isoformat()},
        follow=True,
    )
    assert "negative" in negative.content.decode()
    ahead = client.get(f"/commerce/price-lists/{shop.public.pk}/", {"show": "ahead"})
    assert [str(p.price) for p in ahead.context["page"].object_list] == ["39.9000"]
    price = Price.objects.get(price_list=shop.public, item=shop.filter_)
    client.post(f"/commerce/prices/{price.pk}/close/", {"valid_to": "2026-12-31"})
    price.refresh_from_db()
    assert price.valid_to == date(2026, 12, 31)


def test_a_new_list_and_labour_rates(shop):
    client = signed_in(shop.office)
    client.post("/commerce/price-lists/new/", {"name": "Contratto", "active": "on"})
    contract = PriceList.objects.get(organisation=shop.org, name="Contratto")
    client.post(
        f"/commerce/price-lists/{contract.pk}/labour-rates/",
        {"work_type_id": shop.work_type.pk, "hourly_rate": "50", "call_out_fee": "20", "valid_from": "2026-01-01"},
    )
    page = client.get(f"/commerce/price-lists/{contract.pk}/").content.decode()
    assert "Manutenzione ordinaria" in page and "50" in page


def test_a_customers_terms_page_and_panel(shop):
    contract = PriceList.objects.create(organisation=shop.org, name="Contratto")
    client = signed_in(shop.office)
    customer_page = client.get(reverse("fleet:customer_detail", args=[shop.customer.pk]))
    assert b'data-testid="terms-panel"' in customer_page.content and b"Listino pubblico" in customer_page.content
    page = client.get(f"/commerce/customers/{shop.customer.pk}/terms/")
    assert page.status_code == 200
    client.post(f"/commerce/customers/{shop.customer.pk}/terms/", {"price_list_id": contract.pk, "payment": "riba"})
    terms = CustomerTerms.objects.get(customer=shop.customer)
    assert terms.price_list == contract and terms.payment == "riba"
    assert signed_in(shop.marco).post(f"/commerce/customers/{shop.customer.pk}/terms/", {}).status_code == 403


def test_the_settings_page(shop):
    client = signed_in(shop.admin)
    assert client.get("/commerce/settings/").status_code == 200
    bad = client.post("/commerce/settings/", {"quote_valid_days": "30", "offer_valid_days": "30", "series": "A/1"})
    assert bad.status_code == 200 and not CommerceSettings.objects.filter(organisation=shop.org).exists()
    client.post(
        "/commerce/settings/",
        {"negative_stock": "on", "quote_valid_days": "20", "offer_valid_days": "45", "series": "B"},
    )
    kept = CommerceSettings.objects.get(organisation=shop.org)
    assert (kept.negative_stock, kept.quote_valid_days, kept.offer_valid_days, kept.series) == (True, 20, 45, "B")


def test_the_lists_take_as_many_queries_for_many_rows_as_for_few(shop):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(shop.office)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as seen:
            assert client.get(url).status_code == 200
        return len(seen)

    urls = ("/commerce/items/", f"/commerce/price-lists/{shop.public.pk}/", "/commerce/suppliers/")
    few = [queries(url) for url in urls]
    for i in range(30):
        item = Item.objects.create(organisation=shop.org, code=f"P-{i:02d}", description=f"Pezzo {i}")
        Price.objects.create(price_list=shop.public, item=item, price=i, valid_from=date(2026, 1, 1))
        Supplier.objects.create(organisation=shop.org, name=f"Fornitore {i}")
    assert [queries(url) for url in urls] == few

"""The catalogue's API: the same services and scope as the pages; 422 naming the field, 404 for another
organisation's objects, 403 for a technician who writes."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from fieldbox.accounts import services as accounts
from fieldbox.accounts.tests.fixtures import scope_of
from fieldbox.commerce.models import CustomerTerms, Item, ItemSupplier, Price, PriceList, Supplier

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


class Api:
    def __init__(self, user, organisation) -> None:
        _token, raw = accounts.token_create(scope=scope_of(user, organisation), name="catalogue", days=1)
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        self.client = Client()

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1{path}", params, **self.auth)

    def send(self, method: str, path: str, body: dict | None = None):
        return getattr(self.client, method)(f"/api/v1{path}", body or {}, content_type="application/json", **self.auth)


def fields(response) -> set[str]:
    assert response["Content-Type"] == PROBLEM, response.content
    return {e["field"] for e in response.json().get("errors", [])}


def test_items_are_listed_read_created_and_changed(shop):
    office = Api(shop.office, shop.org)
    listed = office.get("/items", q="filtro")
    assert listed.status_code == 200 and [i["code"] for i in listed.json()["items"]] == ["FLT-100"]
    assert listed.json()["items"][0]["last_cost"] == "8.5"
    made = office.send(
        "post",
        "/items",
        {"code": "VLV-20", "description": "Valvola", "last_cost": "3.25", "barcode": "96385074", "weight_kg": 0.5},
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["barcode_kind"], body["last_cost"], body["weight_kg"]) == ("ean8", "3.25", "0.5")
    changed = office.send("patch", f"/items/{body['id']}", {"description": "Valvola 1/2", "active": False})
    assert changed.status_code == 200 and changed.json()["description"] == "Valvola 1/2"
    assert changed.json()["barcode"] == "96385074" and changed.json()["active"] is False
    assert office.get(f"/items/{body['id']}").json()["code"] == "VLV-20"
    assert [i["code"] for i in office.get("/items", active="false").json()["items"]] == ["VLV-20"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"last_cost": -1}, "last_cost"),
        ({"last_cost": "1.123456"}, "last_cost"),
        ({"barcode": "4006381333932"}, "barcode"),
        ({"code": ""}, "code"),
        ({"kind": "car"}, "kind"),
        ({"tracked": "yes"}, "tracked"),
    ],
)
def test_bad_items_answer_422_naming_the_field(shop, body, field):
    before = Item.objects.count()
    answer = Api(shop.office, shop.org).send("post", "/items", {"code": "N-1", "description": "Nuovo", **body})
    assert answer.status_code == 422 and field in fields(answer)
    assert Item.objects.count() == before


def test_a_used_item_answers_422_on_delete_and_stays(shop):
    office = Api(shop.office, shop.org)
    answer = office.send("delete", f"/items/{shop.filter_.pk}")
    assert answer.status_code == 422 and fields(answer) == {"item"}
    made = office.send("post", "/items", {"code": "TMP", "description": "Prova"}).json()
    assert office.send("delete", f"/items/{made['id']}").status_code == 204
    assert not Item.objects.filter(pk=made["id"]).exists()


def test_a_technician_reads_but_may_not_write(shop):
    tech = Api(shop.marco, shop.org)
    assert tech.get("/items").status_code == 200
    assert tech.get(f"/price-lists/{shop.public.pk}/prices").status_code == 200
    assert tech.send("post", "/items", {"code": "T", "description": "t"}).status_code == 403
    assert tech.send("patch", f"/items/{shop.filter_.pk}", {"description": "t"}).status_code == 403
    assert tech.send("post", "/suppliers", {"name": "S"}).status_code == 403
    assert tech.send("put", "/commerce-settings", {"series": "A"}).status_code == 403
    assert not Item.objects.filter(code="T").exists()


def test_another_organisations_objects_answer_404(shop, other_tenant):
    stranger = Api(other_tenant.company_admin, other_tenant.company)
    price = Price.objects.filter(price_list=shop.public).first()
    for path in (
        f"/items/{shop.filter_.pk}",
        f"/items/{shop.filter_.pk}/suppliers",
        f"/items/{shop.filter_.pk}/photos",
        f"/suppliers/{shop.supplier.pk}",
        f"/price-lists/{shop.public.pk}",
        f"/price-lists/{shop.public.pk}/prices",
        f"/price-lists/{shop.public.pk}/labour-rates",
        f"/customers/{shop.customer.pk}/terms",
    ):
        assert stranger.get(path).status_code == 404, path
    assert stranger.send("patch", f"/items/{shop.filter_.pk}", {"code": ""}).status_code == 404
    assert stranger.send("patch", f"/prices/{price.pk}", {"valid_to": "2026-02-01"}).status_code == 404
    assert stranger.send("delete", f"/items/{shop.filter_.pk}").status_code == 404
    listed = stranger.get("/items", q="FLT")
    assert listed.json()["items"] == []
    price.refresh_from_db()
    assert price.valid_to is None


def test_suppliers_and_the_suppliers_of_an_item(shop):
    office = Api(shop.office, shop.org)
    bad = office.send("post", "/suppliers", {"name": "Idro", "vat_number": "00743110158"})
    assert bad.status_code == 422 and fields(bad) == {"vat_number"}
    made = office.send("post", "/suppliers", {"name": "Idro", "vat_number": "00743110157"}).json()
    assert made["vat_number"] == "IT00743110157" and made["lead_days"] == 7
    assert office.send("patch", f"/suppliers/{made['id']}", {"lead_days": 3}).json()["lead_days"] == 3
    link = office.send(
        "put",
        f"/items/{shop.filter_.pk}/suppliers/{made['id']}",
        {"supplier_code": "ID-9", "last_cost": "7.1", "preferred": True},
    )
    assert link.status_code == 200 and link.json()["preferred"] is True
    listed = office.get(f"/items/{shop.filter_.pk}/suppliers").json()["items"]
    assert [(s["supplier_name"], s["supplier_code"]) for s in listed] == [("Idro", "ID-9")]
    assert office.send("delete", f"/items/{shop.filter_.pk}/suppliers/{made['id']}").status_code == 204
    assert not ItemSupplier.objects.filter(item=shop.filter_).exists()
    assert Supplier.objects.filter(organisation=shop.org).count() == 2


def test_photos_through_the_api(shop):
    office = Api(shop.office, shop.org)
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "green").save(out, "JPEG")
    made = office.client.post(
        f"/api/v1/items/{shop.filter_.pk}/photos",
        {"photo": SimpleUploadedFile("a.jpg", out.getvalue())},
        **office.auth,
    )
    assert made.status_code == 201 and made.json()["content_type"] == "image/jpeg"
    bad = office.client.post(
        f"/api/v1/items/{shop.filter_.pk}/photos", {"photo": SimpleUploadedFile("a.jpg", b"nope")}, **office.auth
    )
    assert bad.status_code == 422 and fields(bad) == {"photo"}
    assert office.send("delete", f"/item-photos/{made.json()['id']}").status_code == 204


def test_price_lists_prices_and_rates(shop):
    office = Api(shop.office, shop.org)
    made = office.send("post", "/price-lists", {"name": "Rivenditori", "is_default": True})
    assert made.status_code == 201
    lists = {p["name"]: p for p in office.get("/price-lists").json()["items"]}
    assert lists["Rivenditori"]["is_default"] and not lists["Listino pubblico"]["is_default"]
    dealers = made.json()["id"]
    price = office.send(
        "post",
        f"/price-lists/{dealers}/prices",
        {"item_id": shop.filter_.pk, "price": "19.9", "valid_from": "2026-01-01"},
    )
    assert price.status_code == 201 and price.json()["price"] == "19.9"
    clash = office.send(
        "post",
        f"/price-lists/{dealers}/prices",
        {"item_id": shop.filter_.pk, "price": "21", "valid_from": "2026-03-01"},
    )
    assert clash.status_code == 422 and fields(clash) == {"valid_from"}
    assert "2026" in clash.json()["errors"][0]["message"]
    for bad, field in ((-1, "price"), ("0.00001", "price")):
        answer = office.send(
            "post", f"/price-lists/{dealers}/prices", {"item_id": shop.gas.pk, "price": bad, "valid_from": "2026-01-01"}
        )
        assert answer.status_code == 422 and field in fields(answer)
    closed = office.send("patch", f"/prices/{price.json()['id']}", {"valid_to": "2026-02-28"})
    assert closed.status_code == 200 and closed.json()["valid_to"] == "2026-02-28"
    again = office.send(
        "post",
        f"/price-lists/{dealers}/prices",
        {"item_id": shop.filter_.pk, "price": "21", "valid_from": "2026-03-01"},
    )
    assert again.status_code == 201
    today = office.get(f"/price-lists/{dealers}/prices", day="2026-02-15").json()["items"]
    assert [p["price"] for p in today] == ["19.9"]
    rate = office.send(
        "post",
        f"/price-lists/{dealers}/labour-rates",
        {"work_type_id": shop.work_type.pk, "hourly_rate": 42, "valid_from": "2026-01-01"},
    )
    assert rate.status_code == 201 and rate.json()["hourly_rate"] == "42"
    assert office.send("patch", f"/labour-rates/{rate.json()['id']}", {"valid_to": "2026-12-31"}).status_code == 200
    assert Price.objects.filter(price_list_id=dealers).count() == 2
    assert date.fromisoformat(closed.json()["valid_to"]) == date(2026, 2, 28)


def test_terms_and_settings(shop):
    office = Api(shop.office, shop.org)
    contract = PriceList.objects.create(organisation=shop.org, name="Contratto")
    terms = office.get(f"/customers/{shop.customer.pk}/terms").json()
    assert terms["price_list_id"] is None and terms["default_price_list_id"] == shop.public.pk
    saved = office.send(
        "put", f"/customers/{shop.customer.pk}/terms", {"price_list_id": contract.pk, "payment": "direct_debit"}
    )
    assert saved.status_code == 200 and saved.json()["price_list_id"] == contract.pk
    assert CustomerTerms.objects.get(customer=shop.customer).payment == "direct_debit"
    bad = office.send("put", f"/customers/{shop.customer.pk}/terms", {"price_list_id": 987654})
    assert bad.status_code == 422 and fields(bad) == {"price_list_id"}
    settings = office.send("put", "/commerce-settings", {"negative_stock": True, "quote_valid_days": 10, "series": "a"})
    assert settings.status_code == 200 and settings.json()["series"] == "A"
    assert office.get("/commerce-settings").json()["quote_valid_days"] == 10
    bad_days = office.send("put", "/commerce-settings", {"quote_valid_days": 0})
    assert bad_days.status_code == 422 and fields(bad_days) == {"quote_valid_days"}


def test_telematics_products_become_items_through_the_api(shop):
    from fieldbox.accounts.models import Partnership
    from fieldbox.fleet.models import Product

    provider = Partnership.objects.get(installer=shop.org).provider
    product = Product.objects.create(provider=provider, name="CloudBoxx 4G", code="CBX4")
    office = Api(shop.office, shop.org)
    assert office.get("/items/products-to-link").json()["items"] == [
        {"id": product.pk, "code": "CBX4", "name": "CloudBoxx 4G"}
    ]
    made = office.send("post", "/items/from-products", {"product_ids": [product.pk]})
    assert made.status_code == 201 and made.json()["items"][0]["product_id"] == product.pk
    again = office.send("post", "/items/from-products", {"product_ids": [product.pk]})
    assert again.status_code == 422 and fields(again) == {"product_ids"}
    assert office.get("/items/products-to-link").json()["items"] == []

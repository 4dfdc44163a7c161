"""Invoicing through /api/v1: a run, its review, issue with the XML, a credit note, payments, the aged list, the
PDF, the e-mail and the webhooks; another organisation's invoice is 404, an issued one 409, bad input 422."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.test import Client

from fieldbox.accounts import services as accounts
from fieldbox.commerce.tests.conftest import Shop
from fieldbox.commerce.tests.test_invoicing import left, seller
from fieldbox.fleet.models import Customer
from fieldbox.messaging.models import OutboxMessage, WebhookEndpoint

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def _world(shop):
    with time_machine.travel(datetime(2026, 3, 10, 9, 0), tick=False):
        seller(shop)
        Customer.objects.filter(pk=shop.customer.pk).update(vat_number="04567890126", sdi_code="ABC1234")
        shop.customer.refresh_from_db()
        shop.site.postcode = "40121"
        shop.site.save()
        yield


def bearer(shop: Shop, user) -> dict[str, str]:
    _token, raw = accounts.token_create(scope=shop.scope(user), name="invoicing-api", days=1)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def call(method: str, path: str, auth: dict[str, str], body: dict | None = None):
    client = Client()
    if method == "get":
        return client.get(f"/api/v1{path}", body or {}, **auth)
    return getattr(client, method)(f"/api/v1{path}", body or {}, content_type="application/json", **auth)


def test_from_a_run_to_a_paid_invoice_through_the_api(shop, tenant):
    WebhookEndpoint.objects.create(
        organisation=shop.org,
        url="https://hooks.example/x",
        secret="s" * 32,
        event_types=["invoice.issued", "invoice.paid"],
    )
    left(shop)
    office = bearer(shop, shop.office)
    made = call("post", "/invoice-runs", office, {})
    assert made.status_code == 201, made.content
    [row] = made.json()["invoices"]
    assert row["taxable"] == "49.80" and row["number"] == ""
    invoice_id = row["invoice_id"]
    line_id = call("get", f"/invoices/{invoice_id}", office).json()["lines"][0]["id"]
    bad = call("patch", f"/invoices/{invoice_id}/lines/{line_id}", office, {"quantity": "-2"})
    assert bad.status_code == 422 and bad["Content-Type"] == PROBLEM
    edited = call("patch", f"/invoices/{invoice_id}/lines/{line_id}", office, {"unit_price": "25"})
    assert edited.json()["lines"][0]["amount"] == "50.00"
    issued = call("post", f"/invoice-runs/{made.json()['id']}/issue", office)
    assert issued.status_code == 200 and issued.json()["status"] == "issued"
    detail = call("get", f"/invoices/{invoice_id}", office).json()
    assert detail["number"] == "FT-2026/00001" and detail["total"] == "61.00" and detail["still_due"] == "61.00"
    assert detail["xml_name"] == "IT01234560033_00001.xml"
    again = call("patch", f"/invoices/{invoice_id}/lines/{line_id}", office, {"unit_price": "1"})
    assert again.status_code == 409 and "never changes" in again.json()["detail"]
    xml = call("get", f"/invoices/{invoice_id}/xml", office)
    assert xml.status_code == 200 and b"<Numero>FT-2026/00001</Numero>" in xml.content
    pdf = call("get", f"/invoices/{invoice_id}/pdf", office)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    too_much = call("post", f"/invoices/{invoice_id}/payments", office, {"amount": "70"})
    assert too_much.status_code == 422 and "61.00" in too_much.content.decode()
    aged = call("get", "/invoices/aged", office).json()
    assert aged == [
        {
            "customer_id": shop.customer.pk,
            "customer": "Condominio Aurora",
            "current": "61.00",
            "d30": "0.00",
            "d60": "0.00",
            "d90": "0.00",
            "older": "0.00",
            "total": "61.00",
        }
    ]
    paid = call("post", f"/invoices/{invoice_id}/payments", office, {"amount": "61.00", "reference": "CRO 123"})
    assert paid.status_code == 201 and paid.json()["status"] == "paid"
    assert call("get", "/invoices/aged", office).json() == []
    sent = call("post", f"/invoices/{invoice_id}/send", office, {})
    assert sent.status_code == 202 and sent.json() == {"to": "giulia@aurora.example"}
    mail = OutboxMessage.objects.get(kind="commerce.invoice")
    assert "FT-2026/00001" in mail.subject
    hooks = [m.body for m in OutboxMessage.objects.filter(channel="webhook")]
    assert len(hooks) == 2 and any("invoice.paid" in str(h) for h in hooks)
    credit = call("post", f"/invoices/{invoice_id}/credit-notes", office, {"reason": "Sconto"})
    assert credit.status_code == 201 and credit.json()["number"] == "NC-2026/00001"
    listed = call("get", "/invoices", office, {"kind": "credit_note"}).json()["items"]
    assert [i["number"] for i in listed] == ["NC-2026/00001"]


def test_outsiders_and_technicians_get_nothing(shop, tenant):
    left(shop)
    office = bearer(shop, shop.office)
    invoice_id = call("post", "/invoice-runs", office, {}).json()["invoices"][0]["invoice_id"]
    assert call("get", f"/invoices/{invoice_id}", bearer(shop, shop.marco)).status_code == 403
    assert call("post", "/invoice-runs", bearer(shop, shop.marco), {}).status_code == 403


def test_the_seller_fiscal_data_through_the_api(shop, tenant):
    office = bearer(shop, shop.office)
    assert call("get", "/invoicing-settings", office).json()["vat_number"] == "01234560033"
    bad = call("put", "/invoicing-settings", office, {"vat_number": "01234560034", "province": "B1"})
    assert bad.status_code == 422 and bad["Content-Type"] == PROBLEM
    assert "vat_number" in bad.content.decode() and "province" in bad.content.decode()
    assert call("get", "/invoicing-settings", office).json()["vat_number"] == "01234560033"
    good = call("put", "/invoicing-settings", office, {"vat_number": "02345670042"})
    assert good.status_code == 200 and good.json()["vat_number"] == "02345670042" and good.json()["town"] == "Bologna"
    assert call("get", "/invoicing-settings", bearer(shop, shop.marco)).status_code == 403


def test_work_outside_a_contract_is_priced_from_the_contracts_list(shop, tenant):
    from datetime import date
    from decimal import Decimal

    from fieldbox.commerce.models import LabourRate, PriceList
    from fieldbox.commerce.tests.test_invoicing import verified
    from fieldbox.commerce.tests.test_quotes import make_order
    from fieldbox.service.models.contracts import Contract

    contract = Contract.objects.create(
        organisation=shop.org,
        customer=shop.customer,
        number="C0000009",
        status="active",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        notice_by=date(2026, 12, 1),
    )
    special = PriceList.objects.create(organisation=shop.org, name="Listino contratto")
    LabourRate.objects.create(price_list=special, hourly_rate=Decimal("30"), valid_from=date(2026, 1, 1))
    LabourRate.objects.create(price_list=shop.public, hourly_rate=Decimal("50"), valid_from=date(2026, 1, 1))
    office = bearer(shop, shop.office)
    bad = call("put", f"/contracts/{contract.pk}/billing-terms", office, {"price_list_id": special.pk + 999})
    assert bad.status_code == 422 and "price_list_id" in bad.content.decode()
    put = call("put", f"/contracts/{contract.pk}/billing-terms", office, {"price_list_id": special.pk})
    assert put.json() == {"contract_id": contract.pk, "price_list_id": special.pk}
    v = verified(shop, make_order(shop), {"kind": "labour", "description": "Extra", "minutes": 60})
    v.contract = contract
    v.save()
    made = call("post", "/invoice-runs", office, {}).json()
    invoice = call("get", f"/invoices/{made['invoices'][0]['invoice_id']}", office).json()
    assert [(li["description"], li["unit_price"]) for li in invoice["lines"]] == [("Extra", "30")]

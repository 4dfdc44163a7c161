"""The pages of buying and delivery notes: an order written, sent and received in the browser (over-receipt refused
on the page), the cost check, the materials to bill with their export, and a delivery note written, issued, shown
and printed; a technician is refused the buying pages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.commerce.choices import DeliveryNoteStatus, PurchaseStatus
from fieldbox.commerce.models import Billable, CostCheckLine, DeliveryNote, PurchaseOrder, Receipt
from fieldbox.core import clock

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"commerce:{name}", args=args)


def text(response) -> str:
    return response.content.decode()


def test_the_office_orders_sends_receives_and_checks_the_cost(shop):
    office = signed_in(shop.office)
    assert office.get(url("purchases")).status_code == 200
    assert "Magazzino centrale" in text(office.get(url("purchase_new")))
    bad = office.post(
        url("purchase_new"),
        {"supplier_id": shop.supplier.pk, "location_id": shop.warehouse.pk, "code_0": "NOPE", "quantity_0": "1"},
    )
    assert bad.status_code == 400 and "No item has the code NOPE." in text(bad)
    done = office.post(
        url("purchase_new"),
        {
            "supplier_id": shop.supplier.pk,
            "location_id": shop.warehouse.pk,
            "code_0": "FLT-100",
            "quantity_0": "10",
            "code_2": "R32",
            "quantity_2": "2,5",
            "cost_2": "30",
        },
    )
    order = PurchaseOrder.objects.get()
    assert done.status_code == 302 and done.url == url("purchase", order.pk)
    assert office.post(url("purchase_move", order.pk, "send")).status_code == 302
    order.refresh_from_db()
    assert order.status == PurchaseStatus.SENT
    page = text(office.get(url("purchase", order.pk)))
    assert order.number in page and "FLT-100" in page and 'data-testid="receive"' in page
    flt = order.lines.get(item=shop.filter_)
    over = office.post(
        url("purchase_receive", order.pk),
        {"supplier_ddt": "881", "supplier_ddt_date": "2026-01-10", f"qty_{flt.pk}": "12"},
    )
    assert over.status_code == 400 and "at most 10 more" in text(over)
    assert not Receipt.objects.exists()
    got = office.post(
        url("purchase_receive", order.pk),
        {"supplier_ddt": "881", "supplier_ddt_date": "2026-01-10", f"qty_{flt.pk}": "4"},
    )
    assert got.status_code == 302
    order.refresh_from_db()
    assert order.status == PurchaseStatus.PARTIAL
    assert "881" in text(office.get(url("purchase", order.pk)))

    check = office.get(url("cost_check"), {"supplier": shop.supplier.pk, "month": "2026-01"})
    line = Receipt.objects.get().lines.get()
    assert f"final_{line.pk}" in text(check)
    saved = office.post(
        url("cost_check") + f"?supplier={shop.supplier.pk}&month=2026-01",
        {"invoice_number": "FT 9", "invoice_date": "2026-01-31", f"final_{line.pk}": "9"},
    )
    assert saved.status_code == 302, text(saved)
    assert CostCheckLine.objects.get().difference == Decimal("2.00")
    assert "2.00" in text(office.get(saved.url)) or "2,00" in text(office.get(saved.url))


def test_materials_to_bill_list_and_export(shop):
    Billable.objects.create(
        organisation=shop.org, customer=shop.customer, item=shop.gas, code="R32", description="Gas R32", quantity=2
    )
    office = signed_in(shop.office)
    page = office.get(url("billables"), {"customer": shop.customer.pk})
    assert page.status_code == 200 and "Gas R32" in text(page) and "Condominio Aurora" in text(page)
    exported = office.get(url("billables"), {"format": "csv"})
    assert exported["Content-Type"].startswith("text/csv") and "Gas R32" in text(exported)
    assert office.get(url("shortfalls")).status_code == 200
    assert signed_in(shop.marco).get(url("billables")).status_code == 403
    assert signed_in(shop.marco).get(url("purchases")).status_code == 403


def test_a_delivery_note_written_issued_and_printed_in_the_browser(shop):
    office = signed_in(shop.office)
    assert office.get(url("delivery_notes")).status_code == 200
    assert f"?customer={shop.customer.pk}" in text(office.get(url("delivery_new"), {"q": "Aurora"}))
    form = office.get(url("delivery_new"), {"customer": shop.customer.pk})
    assert "Via Roma 1" in text(form)
    base = {"customer": shop.customer.pk, "reason": "sale", "transport": "sender", "packages": "1"}
    bad = office.post(url("delivery_new"), {**base, "quantity_0": "-1", "description_0": "Staffa"})
    assert bad.status_code == 400 and not DeliveryNote.objects.exists()
    done = office.post(
        url("delivery_new"),
        {**base, "destination_id": shop.site.pk, "code_0": "FLT-100", "quantity_0": "2", "weight_kg": "1,5"},
    )
    note = DeliveryNote.objects.get()
    assert done.status_code == 302 and done.url == url("delivery_note", note.pk)
    issued = office.post(url("delivery_move", note.pk, "issue"))
    assert issued.status_code == 302
    note.refresh_from_db()
    assert note.status == DeliveryNoteStatus.ISSUED and note.number == f"DDT-{clock.today('Europe/Rome').year}/00001"
    page = text(office.get(url("delivery_note", note.pk)))
    assert note.number in page and "Filtro aria caldaia" in page and 'data-testid="delivery-issue"' not in page
    pdf = office.get(url("delivery_pdf", note.pk))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    edit = office.post(url("delivery_edit", note.pk), {**base, "description_0": "Altro", "quantity_0": "1"})
    assert "issued: it cannot change" in text(edit) or edit.status_code in (400, 302)
    note.refresh_from_db()
    assert note.lines.get().description == "Filtro aria caldaia"
    assert signed_in(shop.marco).get(url("delivery_note", note.pk)).status_code == 200

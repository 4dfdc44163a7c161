"""The invoicing pages: a new run, its totals per customer, a draft's line changed, issue all with its XML link,
a payment, a credit note, the invoices list with its CSV, the aged list; a technician and another organisation
see nothing."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.urls import reverse

from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.commerce.models.invoicing import Invoice
from fieldbox.commerce.tests.test_invoicing import left, seller
from fieldbox.fleet.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _world(shop):
    with time_machine.travel(datetime(2026, 3, 10, 9, 0), tick=False):
        seller(shop)
        Customer.objects.filter(pk=shop.customer.pk).update(vat_number="04567890126", sdi_code="ABC1234")
        shop.site.postcode = "40121"
        shop.site.save()
        yield


def test_the_office_runs_reviews_and_issues_invoices_from_the_pages(shop):
    left(shop)
    client = signed_in(shop.office)
    assert "New invoice run" in client.get(reverse("commerce:invoice_runs")).content.decode()
    made = client.post(reverse("commerce:invoice_run_new"), {"period_end": "2026-03-10"})
    assert made.status_code == 302
    run_page = client.get(made["Location"]).content.decode()
    assert "Condominio Aurora" in run_page and "49.80 €" in run_page and "Issue all" in run_page
    invoice = Invoice.objects.get()
    line = invoice.lines.get()
    bad = client.post(
        reverse("commerce:invoice_line", args=[invoice.pk, line.pk, "edit"]),
        {
            f"l{line.pk}-description": "Filtro",
            f"l{line.pk}-quantity": "abc",
            f"l{line.pk}-unit_price": "10",
            f"l{line.pk}-vat": "22",
        },
        follow=True,
    )
    assert "Write a number" in bad.content.decode()
    client.post(
        reverse("commerce:invoice_line", args=[invoice.pk, line.pk, "edit"]),
        {
            f"l{line.pk}-description": "Filtro F7",
            f"l{line.pk}-quantity": "2",
            f"l{line.pk}-unit_price": "25",
            f"l{line.pk}-vat": "22",
        },
    )
    page = client.get(reverse("commerce:invoice", args=[invoice.pk])).content.decode()
    assert "Filtro F7" in page and "50.00 €" in page
    issued = client.post(
        reverse("commerce:invoice_run_move", args=[invoice.run_id, "issue"]), follow=True
    ).content.decode()
    assert "Every invoice of the run is issued." in issued and "FT-2026/00001" in issued
    page = client.get(reverse("commerce:invoice", args=[invoice.pk])).content.decode()
    assert "IT01234560033_00001.xml" in page and "Change this line" not in page and "61.00 €" in page
    xml = client.get(reverse("commerce:invoice_xml", args=[invoice.pk]))
    assert xml.status_code == 200 and xml["Content-Disposition"].endswith('"IT01234560033_00001.xml"')
    too_much = client.post(
        reverse("commerce:invoice_move", args=[invoice.pk, "pay"]),
        {"amount": "99", "method": "bank_transfer"},
        follow=True,
    )
    assert "At most 61.00" in too_much.content.decode()
    aged = client.get(reverse("commerce:invoices_aged")).content.decode()
    assert "Condominio Aurora" in aged and "61.00" in aged
    client.post(reverse("commerce:invoice_move", args=[invoice.pk, "pay"]), {"amount": "61", "method": "bank_transfer"})
    assert "Nothing is unpaid." in client.get(reverse("commerce:invoices_aged")).content.decode()
    credit = client.post(reverse("commerce:invoice_move", args=[invoice.pk, "credit"]), {"reason": "Reso"}, follow=True)
    assert "NC-2026/00001" in credit.content.decode()
    listed = client.get(reverse("commerce:invoices"), {"kind": "invoice"}).content.decode()
    assert "FT-2026/00001" in listed and "NC-2026/00001" not in listed
    csv = client.get(reverse("commerce:invoices"), {"format": "csv"}).content.decode()
    assert "FT-2026/00001" in csv and "NC-2026/00001" in csv


def test_technicians_and_other_organisations_see_no_invoice(shop, other_tenant):
    left(shop)
    signed_in(shop.office).post(reverse("commerce:invoice_run_new"), {})
    invoice = Invoice.objects.get()
    assert signed_in(shop.marco).get(reverse("commerce:invoices")).status_code == 403
    outsider = signed_in(other_tenant.company_admin)
    assert outsider.get(reverse("commerce:invoice", args=[invoice.pk])).status_code == 404
    assert invoice.customer.display_name not in outsider.get(reverse("commerce:invoices")).content.decode()


def test_the_call_page_shows_where_the_call_stands_up_to_its_invoice(shop):
    from fieldbox.commerce.services import invoicing
    from fieldbox.service.models import Team, Ticket, WorkOrder

    team = Team.objects.create(organisation=shop.org, name="Assistenza")
    ticket = Ticket.objects.create(
        organisation=shop.org, team=team, customer=shop.customer, site=shop.site, number="T0000001", subject="Guasto"
    )
    order = WorkOrder.objects.create(
        organisation=shop.org, ticket=ticket, customer=shop.customer, number="I0000001", description="Riparazione"
    )
    client = signed_in(shop.office)
    url = reverse("service:ticket", args=[ticket.pk])
    assert "Not verified yet." in client.get(url).content.decode()
    material = left(shop)
    material.work_order = order
    material.save()
    run = invoicing.invoice_run_create(scope=shop.scope(shop.office))
    assert run.invoices.count() == 1, run.invoices.count()
    assert "Draft invoice" in client.get(url).content.decode().split("call-invoiced")[1][:600]
    invoicing.invoice_run_issue(scope=shop.scope(shop.office), run_id=run.pk)
    page = client.get(url).content.decode()
    assert "FT-2026/00001" in page and "still due 60.76" in page
    assert 'data-testid="call-invoiced"' not in signed_in(shop.marco).get(url).content.decode()


def test_the_office_writes_its_fiscal_data_and_a_wrong_vat_number_is_refused(shop):
    from fieldbox.commerce.models.invoicing import InvoicingSettings

    client = signed_in(shop.office)
    url = reverse("commerce:invoicing_settings")
    page = client.get(url).content.decode()
    assert "01234560033" in page  # the fixture's
    bad = client.post(url, {"country": "IT", "vat_number": "01234560034", "tax_regime": "RF01", "postcode": "4010"})
    text = bad.content.decode()
    assert bad.status_code == 400 and "is not a valid Italian VAT number" in text and "5 digits" in text
    assert InvoicingSettings.objects.get(organisation=shop.org).vat_number == "01234560033"  # nothing changed
    good = {
        "country": "it",
        "vat_number": "IT 02345670042",
        "tax_regime": "RF01",
        "postcode": "40121",
        "town": "Bologna",
    }
    assert client.post(url, good).status_code == 302
    saved = InvoicingSettings.objects.get(organisation=shop.org)
    assert (saved.country, saved.vat_number, saved.town) == ("IT", "02345670042", "Bologna")
    assert signed_in(shop.marco).get(url).status_code == 403

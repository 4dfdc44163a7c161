"""Export for accountants: ``fieldbox export-invoices`` writes a year's issued invoices and credit notes as their
FatturaPA XML with the PDF beside it, one folder per organisation, and says how many; the office downloads the same
as a ZIP. Drafts and other years stay out; every XML written is valid against the schema."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.commerce import fatturapa
from fieldbox.commerce.choices import InvoiceStatus
from fieldbox.commerce.invoice_export import folder_of
from fieldbox.commerce.models import Billable, Price
from fieldbox.commerce.models.invoicing import Invoice, InvoicingSettings
from fieldbox.commerce.services import invoicing as inv
from fieldbox.fleet.models import Customer

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 10, 9, 0)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def issued(shop):
    """The workshop's year: an invoice and its credit note issued in 2026, a draft left, and an invoice of 2025."""
    InvoicingSettings.objects.update_or_create(
        organisation=shop.org,
        defaults={
            "vat_number": "01234560033",
            "street": "Via Emilia 10",
            "postcode": "40100",
            "town": "Bologna",
            "province": "BO",
            "iban": "IT60X0542811101000000123456",
        },
    )
    Customer.objects.filter(pk=shop.customer.pk).update(vat_number="04567890126", sdi_code="ABC1234")
    shop.site.postcode = "40121"
    shop.site.save()
    Price.objects.create(
        price_list=shop.public,
        item=shop.filter_,
        price=Decimal("22.00"),
        valid_from=date(2025, 1, 1),
        valid_to=date(2025, 12, 31),
    )
    desk = shop.scope(shop.office)
    with time_machine.travel(datetime(2025, 12, 20, 9, 0), tick=False):
        _leave(shop, "Filtro 2025")
        last_year = inv.invoice_issue(scope=desk, invoice_id=inv.invoice_run_create(scope=desk).invoices.get().pk)
    _leave(shop, "Filtro aria caldaia")
    invoice = inv.invoice_issue(scope=desk, invoice_id=inv.invoice_run_create(scope=desk).invoices.get().pk)
    credit = inv.invoice_credit(scope=desk, invoice_id=invoice.pk, reason="Reso")
    _leave(shop, "Ancora da fatturare")
    draft = inv.invoice_run_create(scope=desk).invoices.get()
    return {"invoice": invoice, "credit": credit, "draft": draft, "last_year": last_year}


def _leave(shop, description: str) -> Billable:
    return Billable.objects.create(
        organisation=shop.org,
        customer=shop.customer,
        item=shop.filter_,
        description=description,
        quantity=Decimal(2),
    )


def test_the_command_writes_each_issued_document_of_the_year_with_its_pdf(issued, shop, tmp_path):
    out = io.StringIO()
    call_command("export_invoices", "--year", "2026", "--out", str(tmp_path), stdout=out)

    folder = tmp_path / folder_of(shop.org)
    invoice, credit = issued["invoice"], issued["credit"]
    names = sorted(p.name for p in folder.iterdir())
    stem, credit_stem = invoice.xml_name.removesuffix(".xml"), credit.xml_name.removesuffix(".xml")
    assert names == sorted([f"{stem}.xml", f"{stem}.pdf", f"{credit_stem}.xml", f"{credit_stem}.pdf"])
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]  # one folder: the organisation's
    for document in (invoice, credit):
        written = (folder / document.xml_name).read_bytes()
        assert written == document.xml.encode()
        assert fatturapa.validate(written) == []
        assert (folder / f"{document.xml_name.removesuffix('.xml')}.pdf").read_bytes().startswith(b"%PDF")
    assert "2 invoices and credit notes" in out.getvalue()
    assert "2 XML files, 2 PDFs" in out.getvalue()


def test_the_command_takes_another_year_and_one_organisation(issued, shop, other_tenant, tmp_path):
    out = io.StringIO()
    call_command(
        "export_invoices", "--year", "2025", "--out", str(tmp_path), "--organisation", str(shop.org.pk), stdout=out
    )
    assert sorted(p.name for p in (tmp_path / folder_of(shop.org)).iterdir()) == sorted(
        [issued["last_year"].xml_name, issued["last_year"].xml_name.replace(".xml", ".pdf")]
    )
    assert "1 invoices and credit notes" in out.getvalue()

    out = io.StringIO()
    call_command(
        "export_invoices",
        "--year",
        "2026",
        "--out",
        str(tmp_path / "beta"),
        "--organisation",
        str(other_tenant.company.pk),
        stdout=out,
    )
    assert "0 invoices and credit notes" in out.getvalue()
    assert not any((tmp_path / "beta").iterdir())


def test_the_command_writes_every_organisation_in_its_own_folder(issued, shop, other_tenant, tmp_path):
    beta = other_tenant.company
    customer = Customer.objects.create(organisation=beta, kind="company", company_name="Beta cliente")
    Invoice.objects.create(
        organisation=beta,
        customer=customer,
        number="FT-2026/00001",
        status=InvoiceStatus.PAID,
        issued_on=date(2026, 2, 1),
        xml=issued["invoice"].xml,
        xml_name="IT07654320154_00001.xml",
    )
    out = io.StringIO()
    call_command("export_invoices", "--year", "2026", "--out", str(tmp_path), stdout=out)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([folder_of(shop.org), folder_of(beta)])
    assert sorted(p.name for p in (tmp_path / folder_of(beta)).iterdir()) == [
        "IT07654320154_00001.pdf",
        "IT07654320154_00001.xml",
    ]
    assert "3 invoices and credit notes" in out.getvalue() and "2 organisations" in out.getvalue()


def test_bad_arguments_are_refused_and_nothing_is_written(issued, tmp_path):
    with pytest.raises(CommandError, match="no organisation has this id"):
        call_command("export_invoices", "--year", "2026", "--out", str(tmp_path / "x"), "--organisation", "999999")
    with pytest.raises(CommandError, match="give a year"):
        call_command("export_invoices", "--year", "26", "--out", str(tmp_path / "x"))
    afile = tmp_path / "afile"
    afile.write_text("")
    with pytest.raises(CommandError, match="not a directory"):
        call_command("export_invoices", "--year", "2026", "--out", str(afile))
    assert not (tmp_path / "x").exists()


def test_a_stored_xml_that_no_longer_validates_is_told(issued, shop, tmp_path):
    Invoice.objects.filter(pk=issued["invoice"].pk).update(xml="<broken/>")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 XML files do not validate"):
        call_command("export_invoices", "--year", "2026", "--out", str(tmp_path), stdout=io.StringIO(), stderr=err)
    assert issued["invoice"].number in err.getvalue()


def test_the_office_downloads_the_year_as_a_zip(issued, shop):
    client = signed_in(shop.office)
    page = client.get(reverse("commerce:invoice_export"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Export for the accountant" in body and "2026" in body and "2025" in body

    response = client.get(reverse("commerce:invoice_export"), {"year": 2026})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f'filename="{folder_of(shop.org)}-2026.zip"' in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    folder = folder_of(shop.org)
    invoice, credit = issued["invoice"], issued["credit"]
    assert sorted(archive.namelist()) == sorted(
        f"{folder}/{name}" for doc in (invoice, credit) for name in (doc.xml_name, doc.xml_name.replace(".xml", ".pdf"))
    )
    assert fatturapa.validate(archive.read(f"{folder}/{invoice.xml_name}")) == []


def test_a_year_without_invoices_is_refused_with_a_message(issued, shop):
    response = signed_in(shop.office).get(reverse("commerce:invoice_export"), {"year": 1999})
    assert response.status_code == 400
    assert "Nothing was issued in 1999" in response.content.decode()


def test_a_technician_cannot_export(issued, shop):
    assert signed_in(shop.marco).get(reverse("commerce:invoice_export"), {"year": 2026}).status_code == 403

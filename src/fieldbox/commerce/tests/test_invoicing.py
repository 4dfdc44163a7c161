"""Invoicing: a run collects per customer the materials left, the delivery notes not invoiced and the contract fees
due, priced from the customer's list; drafts are reviewed (lines edited or removed, a run discarded frees what it
collected); issuing numbers with no gap, dates, sets the due date from the payment terms and marks the sources
billed; an issued invoice never changes; credit notes; payments never above what is due."""

from __future__ import annotations

import threading
from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from lxml import etree

from fieldbox.commerce import fatturapa
from fieldbox.commerce.choices import DocumentType, InvoiceKind, InvoiceRunStatus, InvoiceStatus, SourceKind
from fieldbox.commerce.models import Billable, CustomerTerms, DeliveryNote, Price, PriceList
from fieldbox.commerce.models.invoicing import Invoice, InvoiceLine, InvoiceRun, InvoicingSettings
from fieldbox.commerce.services import delivery
from fieldbox.commerce.services import invoicing as inv
from fieldbox.commerce.services.delivery import Header, NoteLine
from fieldbox.core.errors import Conflict
from fieldbox.fleet.models import Customer

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 10, 9, 0)  # UTC: 10:00 in Rome
YEAR = 2026


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _fiscal(shop):
    """The workshop's fiscal data and its customer's (an Italian business with its SDI code)."""
    seller(shop)
    Customer.objects.filter(pk=shop.customer.pk).update(vat_number="04567890126", sdi_code="ABC1234")
    shop.customer.refresh_from_db()
    shop.site.postcode = "40121"
    shop.site.save()


def seller(shop, **fields) -> InvoicingSettings:
    values = {
        "vat_number": "01234560033",
        "street": "Via Emilia 10",
        "postcode": "40100",
        "town": "Bologna",
        "province": "BO",
        "iban": "IT60X0542811101000000123456",
    } | fields
    found, _ = InvoicingSettings.objects.update_or_create(organisation=shop.org, defaults=values)
    return found


def left(shop, customer=None, item=None, quantity="2", description="Filtro aria caldaia") -> Billable:
    return Billable.objects.create(
        organisation=shop.org,
        customer=customer or shop.customer,
        item=item or shop.filter_,
        description=description,
        quantity=Decimal(quantity),
    )


def issued_note(shop) -> DeliveryNote:
    note = delivery.delivery_create(
        scope=shop.scope(shop.office),
        customer_id=shop.customer.pk,
        header=Header(destination_id=shop.site.pk),
        lines=[NoteLine(item_id=shop.gas.pk, quantity="1.5"), NoteLine("Staffa di fissaggio", "2")],
    )
    return delivery.delivery_issue(scope=shop.scope(shop.office), note_id=note.pk)


def run(shop, **kw) -> InvoiceRun:
    return inv.invoice_run_create(scope=shop.scope(shop.office), **kw)


def test_a_run_bills_each_customer_once_with_its_materials_and_delivery_notes_priced_from_its_list(shop):
    other = Customer.objects.create(organisation=shop.org, kind="company", company_name="Hotel Belvedere")
    special = PriceList.objects.create(organisation=shop.org, name="Listino hotel")
    Price.objects.create(price_list=special, item=shop.filter_, price=Decimal("20.00"), valid_from=date(2026, 1, 1))
    CustomerTerms.objects.create(organisation=shop.org, customer=other, price_list=special)
    left(shop)
    left(shop, other)
    note = issued_note(shop)
    made = run(shop)
    invoices = {i.customer_id: i for i in made.invoices.all()}
    assert set(invoices) == {shop.customer.pk, other.pk} and made.status == InvoiceRunStatus.DRAFT
    aurora = invoices[shop.customer.pk]
    assert aurora.document_type == DocumentType.TD24 and aurora.number == "" and aurora.status == InvoiceStatus.DRAFT
    rows = [(li.description, li.quantity, li.unit_price, li.amount) for li in aurora.lines.all()]
    assert ("Filtro aria caldaia", Decimal(2), Decimal("24.90"), Decimal("49.80")) in rows
    assert ("Gas refrigerante R32", Decimal("1.5"), Decimal("38.00"), Decimal("57.00")) in rows
    assert ("Staffa di fissaggio", Decimal(2), Decimal(0), Decimal(0)) in rows  # no price: the office writes it
    assert {li.reference for li in aurora.lines.filter(source_kind=SourceKind.DELIVERY_NOTE_LINE)} == {note.number}
    assert invoices[other.pk].document_type == DocumentType.TD01
    assert [li.unit_price for li in invoices[other.pk].lines.all()] == [Decimal("20.00")]  # its own list
    assert run(shop).invoices.count() == 0  # what a draft holds is not collected twice


def test_the_review_edits_and_removes_lines_and_a_discarded_run_frees_what_it_collected(shop):
    left(shop)
    left(shop, description="Guarnizione", quantity="1")
    invoice = run(shop).invoices.get()
    first, second = invoice.lines.all()
    desk = shop.scope(shop.office)
    with pytest.raises(ValidationError) as error:
        inv.invoice_line_edit(scope=desk, invoice_id=invoice.pk, line_id=first.pk, quantity="-1", unit_price="x")
    assert set(error.value.message_dict) == {"quantity", "unit_price"}
    first.refresh_from_db()
    assert first.quantity == 2  # nothing changed
    line = inv.invoice_line_edit(
        scope=desk, invoice_id=invoice.pk, line_id=first.pk, quantity="3", unit_price="10", description="Filtro F7"
    )
    assert (line.description, line.amount) == ("Filtro F7", Decimal("30.00"))
    inv.invoice_line_remove(scope=desk, invoice_id=invoice.pk, line_id=second.pk)
    assert [li.description for li in run(shop).invoices.get().lines.all()] == ["Guarnizione"]  # freed, collected again
    inv.invoice_run_discard(scope=desk, run_id=invoice.run_id)
    assert not Invoice.objects.filter(pk=invoice.pk).exists()
    assert InvoiceRun.objects.get(pk=invoice.run_id).status == InvoiceRunStatus.DISCARDED


def test_a_technician_cannot_run_invoices(shop):
    from django.core.exceptions import PermissionDenied

    left(shop)
    with pytest.raises(PermissionDenied):
        inv.invoice_run_create(scope=shop.scope(shop.marco))
    assert not Invoice.objects.exists()


def test_issuing_numbers_dates_sets_the_due_date_and_marks_the_sources_billed(shop):
    shop.customer.payment_terms = "30fm"
    shop.customer.save()
    material = left(shop)
    note = issued_note(shop)
    made, refused = inv.invoice_run_issue(scope=shop.scope(shop.office), run_id=run(shop).pk)
    assert refused == {} and made.status == InvoiceRunStatus.ISSUED
    invoice = made.invoices.get()
    assert invoice.number == f"FT-{YEAR}/00001" and invoice.status == InvoiceStatus.ISSUED
    assert invoice.issued_on == date(2026, 3, 10)
    assert (invoice.taxable, invoice.vat, invoice.total) == (Decimal("106.80"), Decimal("23.50"), Decimal("130.30"))
    assert invoice.vat_summary == [{"vat": "22", "rate": "22", "taxable": "106.80", "tax": "23.50"}]
    assert [(d.due_on, d.amount) for d in invoice.dues.all()] == [(date(2026, 4, 30), Decimal("130.30"))]
    assert invoice.parties["buyer"]["name"] == "Condominio Aurora"
    material.refresh_from_db()
    note.refresh_from_db()
    assert material.billed_at is not None and note.invoiced_at is not None
    assert run(shop).invoices.count() == 0


def test_ri_ba_terms_fall_due_in_instalments_written_in_the_e_invoice(shop):
    shop.customer.payment_terms = "30-60-90fm"
    shop.customer.save()
    left(shop)
    invoice = inv.invoice_issue(scope=shop.scope(shop.office), invoice_id=run(shop).invoices.get().pk)
    assert invoice.total == Decimal("60.76")
    dues = [(d.due_on, d.amount) for d in invoice.dues.order_by("due_on")]
    assert dues == [
        (date(2026, 4, 30), Decimal("20.25")),
        (date(2026, 5, 31), Decimal("20.25")),
        (date(2026, 6, 30), Decimal("20.26")),  # the last one takes the cent the rounding left
    ]
    tree = etree.fromstring(invoice.xml.encode())
    assert tree.findtext(".//DatiPagamento/CondizioniPagamento") == "TP01"
    assert [e.text for e in tree.iterfind(".//DettaglioPagamento/ImportoPagamento")] == ["20.25", "20.25", "20.26"]
    assert fatturapa.validate(invoice.xml.encode()) == []


def test_an_issued_invoice_never_changes(shop):
    left(shop)
    invoice = run(shop).invoices.get()
    line = invoice.lines.get()
    desk = shop.scope(shop.office)
    inv.invoice_issue(scope=desk, invoice_id=invoice.pk)
    with pytest.raises(Conflict, match="issued: it never changes"):
        inv.invoice_line_edit(scope=desk, invoice_id=invoice.pk, line_id=line.pk, unit_price="1")
    with pytest.raises(Conflict, match="issued: it never changes"):
        inv.invoice_line_remove(scope=desk, invoice_id=invoice.pk, line_id=line.pk)
    with pytest.raises(Conflict, match="issued: it never changes"):
        inv.invoice_discard(scope=desk, invoice_id=invoice.pk)
    with pytest.raises(Conflict, match="already issued"):
        inv.invoice_issue(scope=desk, invoice_id=invoice.pk)
    inv.invoice_run_issue(scope=desk, run_id=invoice.run_id)  # nothing left to issue: the run is issued
    with pytest.raises(Conflict):
        inv.invoice_run_discard(scope=desk, run_id=invoice.run_id)
    line.refresh_from_db()
    invoice.refresh_from_db()
    assert line.unit_price == Decimal("24.90") and invoice.number == f"FT-{YEAR}/00001"


def test_a_credit_note_of_chosen_lines_is_numbered_and_points_to_its_invoice(shop):
    left(shop)
    left(shop, description="Guarnizione", quantity="1")
    desk = shop.scope(shop.office)
    invoice = inv.invoice_issue(scope=desk, invoice_id=run(shop).invoices.get().pk)
    first = invoice.lines.order_by("position").first()
    note = inv.invoice_credit(scope=desk, invoice_id=invoice.pk, line_ids=[first.pk], reason="Filtro reso")
    assert note.kind == InvoiceKind.CREDIT_NOTE and note.document_type == DocumentType.TD04
    assert note.number == f"NC-{YEAR}/00001" and note.corrects == invoice and note.status == InvoiceStatus.ISSUED
    assert note.total == Decimal("60.76")  # 49.80 + 22 %
    with pytest.raises(ValidationError, match="already credited"):
        inv.invoice_credit(scope=desk, invoice_id=invoice.pk)
    assert Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).count() == 1
    assert inv.still_due(invoice) == invoice.total - note.total


def test_payments_never_exceed_what_is_due_and_paying_it_all_makes_the_invoice_paid(shop):
    left(shop)
    desk = shop.scope(shop.office)
    invoice = inv.invoice_issue(scope=desk, invoice_id=run(shop).invoices.get().pk)
    assert invoice.total == Decimal("60.76")
    with pytest.raises(ValidationError, match=r"At most 60\.76"):
        inv.payment_record(scope=desk, invoice_id=invoice.pk, amount="70")
    with pytest.raises(ValidationError) as error:
        inv.payment_record(scope=desk, invoice_id=invoice.pk, amount="10", paid_on=date(2026, 4, 1))
    assert "paid_on" in error.value.message_dict
    assert not invoice.payments.exists()
    inv.payment_record(scope=desk, invoice_id=invoice.pk, amount="50", reference="Bonifico 1")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and inv.still_due(invoice) == Decimal("10.76")
    inv.payment_record(scope=desk, invoice_id=invoice.pk, amount="10.76")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and invoice.paid_at is not None
    with pytest.raises(Conflict):
        inv.payment_record(scope=desk, invoice_id=invoice.pk, amount="1")


def test_contract_fees_due_are_billed_once_per_period(shop):
    from fieldbox.service.models.contracts import Contract

    Contract.objects.create(
        organisation=shop.org,
        customer=shop.customer,
        number="C0000001",
        status="active",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        notice_by=date(2026, 12, 1),
        fee=Decimal("300.00"),
        fee_period="quarter",
    )
    lines = list(run(shop).invoices.get().lines.order_by("position"))
    assert [(li.source_kind, li.unit_price) for li in lines] == [(SourceKind.CONTRACT_FEE, Decimal("300.00"))]
    assert "01/01/2026 to 03/31/2026" in lines[0].description  # in the seller's language (English here)
    with time_machine.travel(datetime(2026, 7, 2, 9, 0), tick=False):
        later = run(shop).invoices.get().lines.order_by("position")
        assert ["04/01/2026 to 06/30/2026" in li.description for li in later] == [True, False]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_never_bill_the_same_material_twice(shop):
    for _ in range(5):
        left(shop)
    ready = threading.Barrier(2, timeout=20)
    outcomes: list[str] = []

    def work() -> None:
        try:
            ready.wait()
            run(shop)
            outcomes.append("made")
        except Conflict as error:
            outcomes.append(str(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert InvoiceLine.objects.filter(source_kind=SourceKind.BILLABLE).count() == 5
    assert len(set(InvoiceLine.objects.values_list("source_id", flat=True))) == 5
    assert sorted(outcomes)[0] in ("made",) or "Another invoice run" in sorted(outcomes)[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_issuing_leaves_no_gap_and_no_duplicate(shop):
    customers = [
        Customer.objects.create(
            organisation=shop.org, kind="company", company_name=f"Cliente {n}", vat_number="04567890126"
        )
        for n in range(12)
    ]
    for customer in customers:
        customer.addresses.create(street="Via Roma 1", postcode="40121", city="Bologna")
    for customer in customers:
        left(shop, customer)
    drafts = list(run(shop).invoices.values_list("pk", flat=True))
    workers = 4
    ready = threading.Barrier(workers, timeout=20)
    kept: list[str] = []
    failures: list[BaseException] = []

    class Undone(Exception):
        pass

    def work(n: int) -> None:
        try:
            ready.wait()
            for k, pk in enumerate(drafts[n::workers]):
                try:
                    with transaction.atomic():
                        issued = inv.invoice_issue(scope=shop.scope(shop.office), invoice_id=pk)
                        if (n + k) % 3 == 0:
                            raise Undone
                    kept.append(issued.number)
                except Undone:
                    pass
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures
    numbers = list(Invoice.objects.exclude(number="").values_list("number", flat=True))
    assert sorted(numbers) == sorted(kept) and 0 < len(numbers) < len(drafts)
    assert sorted(numbers) == [f"FT-{YEAR}/{n:05d}" for n in range(1, len(numbers) + 1)]
    names = sorted(Invoice.objects.exclude(number="").values_list("xml_name", flat=True))
    assert names == [f"IT01234560033_{n:05d}.xml" for n in range(1, len(numbers) + 1)]  # the files' count too


def verified(shop, order, *lines):
    from fieldbox.service.models.verification import Verification, VerifiedLine

    v = Verification.objects.create(
        organisation=shop.org, work_order=order, customer=shop.customer, verified_by=shop.admin
    )
    for fields in lines:
        VerifiedLine.objects.create(organisation=shop.org, verification=v, **fields)
    return v


def test_verified_work_of_several_work_orders_and_a_prepaid_package_go_on_one_invoice(shop):
    from fieldbox.commerce.models import LabourRate
    from fieldbox.commerce.models.prepaid import PrepaidPackage
    from fieldbox.commerce.tests.test_quotes import make_order

    LabourRate.objects.create(
        price_list=shop.public, work_type=shop.work_type, hourly_rate=Decimal("50"), valid_from=date(2026, 1, 1)
    )
    first, second = make_order(shop), make_order(shop)
    verified(
        shop,
        first,
        {"kind": "labour", "description": "Manutenzione", "work_type": shop.work_type, "minutes": 90},
        {"kind": "part", "description": "Filtro", "item_code": "FLT-100", "quantity": Decimal(1)},
        {"kind": "part", "description": "Coperto", "item_code": "FLT-100", "covered": True},
        {"kind": "expense", "description": "Parcheggio", "unit_price": Decimal("4.50")},
    )
    verified(shop, second, {"kind": "labour", "description": "Controllo", "work_type": shop.work_type, "minutes": 30})
    left(shop).__class__.objects.filter(customer=shop.customer).update(work_order=first)  # left in a verified order
    PrepaidPackage.objects.create(
        organisation=shop.org,
        customer=shop.customer,
        number="PP-2026/00001",
        minutes=600,
        price=Decimal("400"),
        valid_from=date(2026, 3, 1),
    )
    invoice = run(shop).invoices.get()
    rows = [(li.description, li.quantity, li.unit_price, li.amount, li.reference) for li in invoice.lines.all()]
    assert rows == [
        (
            "Prepaid package PP-2026/00001: 600 minutes of support",
            Decimal(1),
            Decimal(400),
            Decimal("400.00"),
            "PP-2026/00001",
        ),
        ("Manutenzione", Decimal("1.5"), Decimal(50), Decimal("75.00"), first.number),
        ("Filtro", Decimal(1), Decimal("24.90"), Decimal("24.90"), first.number),
        ("Parcheggio", Decimal(1), Decimal("4.50"), Decimal("4.50"), first.number),
        ("Controllo", Decimal("0.5"), Decimal(50), Decimal("25.00"), second.number),
    ]  # the covered part is not billed; the material left is billed by the verified lines


def test_an_issued_invoice_of_an_italian_organisation_has_its_valid_fatturapa_xml(shop):
    from fieldbox.commerce import fatturapa

    left(shop)
    note = issued_note(shop)
    invoice = inv.invoice_issue(scope=shop.scope(shop.office), invoice_id=run(shop).invoices.get().pk)
    assert invoice.xml_name == "IT01234560033_00001.xml"
    assert fatturapa.validate(invoice.xml.encode()) == []
    assert (
        "<TipoDocumento>TD24</TipoDocumento>" in invoice.xml and f"<NumeroDDT>{note.number}</NumeroDDT>" in invoice.xml
    )
    assert "<CodiceDestinatario>ABC1234</CodiceDestinatario>" in invoice.xml
    credit = inv.invoice_credit(scope=shop.scope(shop.office), invoice_id=invoice.pk, reason="Reso")
    assert credit.xml_name == "IT01234560033_00002.xml" and fatturapa.validate(credit.xml.encode()) == []
    assert (
        "<TipoDocumento>TD04</TipoDocumento>" in credit.xml
        and f"<IdDocumento>{invoice.number}</IdDocumento>" in credit.xml
    )


def test_an_invoice_whose_buyer_vat_number_fails_its_check_is_refused_naming_the_field(shop):
    Customer.objects.filter(pk=shop.customer.pk).update(vat_number="04567890127")
    material = left(shop)
    invoice = run(shop).invoices.get()
    with pytest.raises(ValidationError) as error:
        inv.invoice_issue(scope=shop.scope(shop.office), invoice_id=invoice.pk)
    assert "buyer.vat_number" in error.value.message_dict
    invoice.refresh_from_db()
    material.refresh_from_db()
    assert invoice.status == InvoiceStatus.DRAFT and invoice.number == "" and invoice.xml == ""
    assert material.billed_at is None and not invoice.dues.exists()
    Customer.objects.filter(pk=shop.customer.pk).update(vat_number="04567890126")
    made = inv.invoice_issue(scope=shop.scope(shop.office), invoice_id=invoice.pk)
    assert made.number == f"FT-{YEAR}/00001" and made.xml_name.endswith("_00001.xml")  # no number was lost


def test_a_run_issues_what_it_can_and_says_why_the_rest_stays_a_draft(shop):
    bad = Customer.objects.create(organisation=shop.org, kind="company", company_name="Senza Partita IVA")
    left(shop)
    left(shop, bad)
    made, refused = inv.invoice_run_issue(scope=shop.scope(shop.office), run_id=run(shop).pk)
    assert made.status == InvoiceRunStatus.DRAFT
    [(pk, fields)] = refused.items()
    assert Invoice.objects.get(pk=pk).customer == bad and "buyer.fiscal_code" in fields


def test_an_organisation_abroad_issues_without_xml(shop):
    seller(shop, country="FR", vat_number="FR40303265045")
    left(shop)
    invoice = inv.invoice_issue(scope=shop.scope(shop.office), invoice_id=run(shop).invoices.get().pk)
    assert invoice.number == f"FT-{YEAR}/00001" and invoice.xml == "" and invoice.xml_name == ""


def test_a_public_body_pays_the_taxable_amount_under_split_payment(shop):
    from fieldbox.commerce import fatturapa

    Customer.objects.filter(pk=shop.customer.pk).update(sdi_code="UFXYZ1")  # a public office's 6-character code
    left(shop)
    desk = shop.scope(shop.office)
    invoice = inv.invoice_issue(scope=desk, invoice_id=run(shop).invoices.get().pk)
    assert "<FormatoTrasmissione>FPA12</FormatoTrasmissione>" in invoice.xml
    assert "<EsigibilitaIVA>S</EsigibilitaIVA>" in invoice.xml and fatturapa.validate(invoice.xml.encode()) == []
    assert invoice.total == Decimal("60.76") and invoice.payable == invoice.taxable == Decimal("49.80")
    assert [due.amount for due in invoice.dues.all()] == [Decimal("49.80")]
    with pytest.raises(ValidationError, match=r"At most 49\.80"):
        inv.payment_record(scope=desk, invoice_id=invoice.pk, amount="60.76")
    inv.payment_record(scope=desk, invoice_id=invoice.pk, amount="49.80")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID

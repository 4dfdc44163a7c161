"""Issuing many invoices: a run issues its drafts in chunks with a fixed number of queries; a draft the schema
refuses stays a draft while the rest of its chunk is issued with numbers and file progressives that have no gap;
each issued invoice's PDF is made by a worker after the issue and kept (the page, the e-mail and the export give
the kept one), and the sweep makes those a lost task left without one."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fieldbox.commerce import fatturapa
from fieldbox.commerce.choices import InvoiceStatus
from fieldbox.commerce.models import Billable
from fieldbox.commerce.models.invoicing import Invoice
from fieldbox.commerce.services import invoicing as inv
from fieldbox.commerce.services import invoicing_documents
from fieldbox.commerce.tests.test_invoicing import seller
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.models import Customer, CustomerAddress

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 10, 9, 0)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def customers(shop, count: int) -> list[Customer]:
    seller(shop)
    made = []
    for n in range(count):
        customer = Customer.objects.create(
            organisation=shop.org,
            kind="company",
            company_name=f"Cliente {n}",
            vat_number="04567890126",
            sdi_code="ABC1234",
        )
        CustomerAddress.objects.create(
            customer=customer, kind="head_office", street="Via Roma 1", postcode="40121", city="Bologna"
        )
        Billable.objects.create(
            organisation=shop.org,
            customer=customer,
            item=shop.filter_,
            description="Filtro aria caldaia",
            quantity=Decimal(1 + n),
        )
        made.append(customer)
    return made


def issue(shop, chosen: list[Customer]) -> tuple[int, dict[int, dict[str, str]]]:
    desk = shop.scope(shop.office)
    run = inv.invoice_run_create(scope=desk, customer_ids=[c.pk for c in chosen])
    with CaptureQueriesContext(connection) as captured:
        _run, refused = inv.invoice_run_issue(scope=desk, run_id=run.pk)
    return len(captured.captured_queries), refused


def test_issuing_a_run_takes_as_many_queries_for_five_customers_as_for_two(shop):
    made = customers(shop, 8)
    issue(shop, made[:1])  # the first issue of the year starts its series and caches what it reads once
    few, refused = issue(shop, made[1:3])
    many, refused_too = issue(shop, made[3:])
    assert not refused and not refused_too
    assert few == many
    issued = Invoice.objects.filter(organisation=shop.org, status=InvoiceStatus.ISSUED)
    assert sorted(issued.values_list("progressive", flat=True)) == list(range(1, 9))
    events = AuditEvent.objects.filter(action="invoice.issue", object_type="commerce.invoice")
    assert events.count() == 8 and {e.data["number"] for e in events} == set(issued.values_list("number", flat=True))
    assert Billable.objects.filter(organisation=shop.org, billed_at__isnull=True).count() == 0


def test_a_draft_the_schema_refuses_stays_a_draft_and_the_others_keep_numbers_without_gaps(shop, monkeypatch):
    made = customers(shop, 4)
    validate = fatturapa.validate

    def refusing(xml):  # the schema refusing what the checks did not foresee, for one customer
        found = validate(xml)
        return [*found, "line 1: Element 'Denominazione': refused."] if b"Cliente 2<" in xml else found

    monkeypatch.setattr(fatturapa, "validate", refusing)
    _queries, refused = issue(shop, made)
    refused_invoice = Invoice.objects.get(customer=made[2])
    assert refused == {refused_invoice.pk: {"xml": "line 1: Element 'Denominazione': refused."}}
    assert refused_invoice.status == InvoiceStatus.DRAFT and refused_invoice.number == ""
    issued = Invoice.objects.filter(organisation=shop.org, status=InvoiceStatus.ISSUED).order_by("customer_id")
    assert list(issued.values_list("progressive", flat=True)) == [1, 2, 3]
    assert sorted(int(name[-9:-4]) for name in issued.values_list("xml_name", flat=True)) == [1, 2, 3]
    assert not Billable.objects.filter(customer=made[2], billed_at__isnull=False).exists()


def test_the_pdf_is_made_after_the_issue_and_kept(shop, django_capture_on_commit_callbacks):
    made = customers(shop, 1)
    desk = shop.scope(shop.office)
    run = inv.invoice_run_create(scope=desk, customer_ids=[made[0].pk])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        inv.invoice_run_issue(scope=desk, run_id=run.pk)
    invoice = Invoice.objects.get(run=run)
    assert invoice.status == InvoiceStatus.ISSUED and not invoice.pdf  # not made while issuing
    for callback in queued:
        callback()  # the transaction kept: the worker's task (run in-process by the test settings)
    invoice.refresh_from_db()
    assert invoice.pdf.name.startswith(f"invoices/{shop.org.pk}/")
    with default_storage.open(invoice.pdf.name, "wb") as handle:
        handle.write(b"%PDF-as-issued")
    assert invoicing_documents.pdf_of(invoice) == b"%PDF-as-issued"  # the kept document, never made again
    assert invoicing_documents.make_pdfs([invoice.pk]) == 0  # a second worker makes nothing


def test_the_sweep_makes_the_pdfs_a_lost_task_left_behind(shop):
    made = customers(shop, 2)
    desk = shop.scope(shop.office)
    run = inv.invoice_run_create(scope=desk, customer_ids=[c.pk for c in made])
    inv.invoice_run_issue(scope=desk, run_id=run.pk)  # no on-commit in a test transaction: no PDF task ran
    old, recent = Invoice.objects.filter(run=run).order_by("pk")
    Invoice.objects.filter(pk=old.pk).update(issued_at=timezone.now() - timedelta(minutes=10))
    assert invoicing_documents.pdfs_missing() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.pdf and not recent.pdf  # the recent one's task may still come
    assert invoicing_documents.pdf_of(recent).startswith(b"%PDF")  # asked for now: made and kept
    recent.refresh_from_db()
    assert recent.pdf

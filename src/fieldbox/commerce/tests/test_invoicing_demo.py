"""The demo's invoicing: an issued invoice with several calls and its valid XML, a credit note, a payment."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from fieldbox.commerce import demo_invoicing, fatturapa
from fieldbox.commerce.choices import DocumentType, InvoiceStatus
from fieldbox.commerce.models.invoicing import Invoice
from fieldbox.service import demo as service_demo

pytestmark = pytest.mark.django_db


def test_the_demo_issues_an_invoice_of_several_calls_with_its_xml_and_a_credit_note():
    call_command("demo", verbosity=0)
    company = service_demo.company()
    made = demo_invoicing.load(company)
    assert made is not None
    invoice, credit = made
    assert invoice.status == InvoiceStatus.ISSUED and invoice.customer.company_name == "Bar Centrale"
    assert invoice.lines.exclude(work_order=None).values("work_order").distinct().count() >= 2
    assert fatturapa.validate(invoice.xml.encode()) == [] and invoice.xml_name.startswith("IT01234560033_")
    assert credit.document_type == DocumentType.TD04 and credit.corrects == invoice
    assert fatturapa.validate(credit.xml.encode()) == []
    assert invoice.payments.count() == 1
    demo_invoicing.reset(service_demo.companies())
    assert not Invoice.objects.exists()
    assert demo_invoicing.load(company) is not None

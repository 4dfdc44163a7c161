"""The demo's invoicing, for Officina Rossi, made through the same services a person uses: the workshop's fiscal
data, an invoice run for its business customers that collects what the rest of the demo left to bill (contract
fees, verified work, materials left, delivery notes, prepaid packages — and, when the demo has too little, the
materials left on two work orders of Bar Centrale, as a signed report would leave them), one issued invoice with
several calls and its FatturaPA XML, a credit note of one of its lines, and a payment of half of what is left.

``load(company)`` runs last (after every other demo's load); ``reset(companies)`` first (invoices hold their
customers and what they billed)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, QuerySet

from fieldbox.accounts.models import Organisation, User
from fieldbox.accounts.selectors import scope_for
from fieldbox.commerce.choices import InvoiceStatus
from fieldbox.commerce.models import Billable
from fieldbox.commerce.models.invoicing import (
    ContractTerms,
    Invoice,
    InvoiceLine,
    InvoiceRun,
    InvoicingSettings,
    Payment,
)
from fieldbox.commerce.services import invoicing
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.models import Customer
from fieldbox.service.models import WorkOrder

OFFICE = "ufficio@rossi.example"
CUSTOMER = "Bar Centrale"
SELLER = {
    "legal_name": "Officina Rossi S.r.l.",
    "vat_number": "01234560033",
    "fiscal_code": "01234560033",
    "street": "Via Nazionale 12",
    "postcode": "23100",
    "town": "Sondrio",
    "province": "SO",
    "iban": "IT60X0542811101000000123456",
    "bank": "Banca Popolare di Sondrio",
}


def reset(companies: QuerySet[Organisation]) -> None:
    """Delete the demo's invoices (credit notes first: they point to their invoices), runs and settings, and
    make what they billed free again."""
    Payment.objects.filter(organisation__in=companies).delete()
    InvoiceLine.objects.filter(organisation__in=companies).delete()
    Invoice.objects.filter(organisation__in=companies, corrects__isnull=False).delete()
    Invoice.objects.filter(organisation__in=companies).delete()
    InvoiceRun.objects.filter(organisation__in=companies).delete()
    ContractTerms.objects.filter(organisation__in=companies).delete()
    InvoicingSettings.objects.filter(organisation__in=companies).delete()
    Billable.objects.filter(organisation__in=companies, billed_at__isnull=False).update(billed_at=None)


def _scope(company: Organisation) -> Scope | None:
    user = User.objects.filter(email=OFFICE).first()
    return scope_for(user, company.pk) if user is not None else None


def _materials_left(company: Organisation, customer: Customer) -> None:
    """Two work orders of the customer with materials left to bill, when the demo has fewer."""
    waiting = Billable.objects.filter(organisation=company, customer=customer, billed_at__isnull=True)
    if waiting.values("work_order_id").distinct().count() >= 2:
        return
    orders = WorkOrder.objects.filter(organisation=company, customer=customer).order_by("pk")[:2]
    for n, order in enumerate(orders, start=1):
        Billable.objects.create(
            organisation=company,
            customer=customer,
            work_order=order,
            code="FLT-100",
            description="Filtro aria caldaia",
            quantity=Decimal(n),
        )


def load(company: Organisation) -> tuple[Invoice, Invoice] | None:
    """The issued invoice with several calls and its credit note (None when the demo has no office or no business
    customer)."""
    office = _scope(company)
    customer = Customer.objects.filter(organisation=company, company_name=CUSTOMER).first()
    if office is None or customer is None:
        return None
    InvoicingSettings.objects.update_or_create(organisation=company, defaults=SELLER)
    _materials_left(company, customer)
    businesses = list(Customer.objects.filter(organisation=company).exclude(vat_number="").values_list("pk", flat=True))
    run = invoicing.invoice_run_create(scope=office, customer_ids=businesses)
    invoicing.invoice_run_issue(scope=office, run_id=run.pk)
    issued = (
        Invoice.objects.filter(run=run, status=InvoiceStatus.ISSUED)
        .annotate(orders=Count("lines__work_order", distinct=True))
        .order_by("-orders", "pk")
    )
    invoice = issued.filter(customer=customer).first() or issued.first()
    if invoice is None:
        return None
    line = invoice.lines.order_by("position").last()
    assert line is not None
    credit = invoicing.invoice_credit(
        scope=office, invoice_id=invoice.pk, line_ids=[line.pk], reason="Reso: articolo non utilizzato"
    )
    due = invoicing.still_due(invoice)
    invoicing.payment_record(scope=office, invoice_id=invoice.pk, amount=(due / 2).quantize(Decimal("0.01")))
    return invoice, credit

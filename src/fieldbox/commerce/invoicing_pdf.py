"""An invoice's or a credit note's PDF, in the customer's language: the parties and totals it kept when issued (a
draft shows today's, marked as a draft), its lines with what they bill, the VAT summary and the due dates."""

from __future__ import annotations

from typing import Any

from fieldbox.accounts.models import Organisation
from fieldbox.commerce.invoicing_rules import parties_of, totals
from fieldbox.commerce.models.invoicing import Invoice
from fieldbox.commerce.pdf import render_pdf

TEMPLATE = "commerce/invoicing/pdf.html"


def context(invoice: Invoice, organisation: Organisation) -> dict[str, Any]:
    lines = list(invoice.lines.all())
    parties = invoice.parties or parties_of(invoice, organisation)
    taxable, vat, summary = (invoice.taxable, invoice.vat, invoice.vat_summary) if invoice.number else totals(lines)
    return {
        "invoice": invoice,
        "parties": parties,
        "lines": lines,
        "summary": summary,
        "taxable": taxable,
        "vat": vat,
        "total": taxable + vat,
        "dues": list(invoice.dues.all()),
    }


def filename(invoice: Invoice) -> str:
    mark = invoice.number.replace("/", "-") if invoice.number else f"draft-{invoice.pk}"
    return f"{mark}.pdf"


def render(invoice: Invoice) -> bytes:
    organisation = Organisation.objects.get(pk=invoice.organisation_id)
    language = invoice.language or invoice.customer.language or organisation.language
    return render_pdf(TEMPLATE, context(invoice, organisation), language, organisation.time_zone)

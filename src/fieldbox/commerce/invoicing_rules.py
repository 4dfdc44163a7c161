"""The rules of an invoice's figures and parties, defined once (the services issue with them, the PDF of a draft
shows them): the taxable amount, VAT and VAT summary of its lines; the due date of payment terms; the seller and the
buyer as they are now."""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from fieldbox.accounts.models import Organisation
from fieldbox.commerce.choices import VAT_RATES, VatTreatment
from fieldbox.commerce.models.invoicing import Invoice, InvoiceLine, InvoicingSettings
from fieldbox.core.money import rounded
from fieldbox.fleet.models import Customer, CustomerAddress

ZERO = Decimal(0)


class IssuedLine(NamedTuple):
    """A line of an invoice being issued, as issuing reads it (a tuple: a run reads tens of thousands)."""

    invoice_id: int
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    discount: Decimal
    vat: str
    amount: Decimal
    source_kind: str
    source_id: int | None

    @classmethod
    def of(cls, invoice_ids: Iterable[int]) -> list[IssuedLine]:
        """The lines of the invoices ``invoice_ids``, in their order (one query)."""
        rows = InvoiceLine.objects.filter(invoice_id__in=list(invoice_ids)).order_by("position", "pk")
        return [cls._make(row) for row in rows.values_list(*cls._fields)]


Line = InvoiceLine | IssuedLine


def totals(lines: Sequence[Line]) -> tuple[Decimal, Decimal, list[dict[str, str]]]:
    """Taxable amount, VAT and the VAT summary (one row per treatment: VAT rounded once per rate)."""
    taxable: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        taxable[line.vat] += line.amount
    summary = []
    for vat, amount in sorted(taxable.items()):
        rate = VAT_RATES.get(VatTreatment(vat), ZERO)
        summary.append(
            {"vat": vat, "rate": str(rate), "taxable": str(amount), "tax": str(rounded(amount * rate / 100))}
        )
    base = sum(taxable.values(), ZERO)
    return base, sum((Decimal(row["tax"]) for row in summary), ZERO), summary


def instalments(terms: str, issued_on: date, amount: Decimal) -> list[tuple[date, Decimal]]:
    """The due dates of payment terms and what falls due on each: "30df" 30 days from the invoice, "30fm" the end
    of the month 30 days after it, "30-60-90fm" three instalments (equal parts to the cent, the last one taking
    what the rounding left); anything else: on receipt."""
    days = [int(n) for n in re.findall(r"\d+", terms)] or [0]
    dates = []
    for n in days:
        due = issued_on + timedelta(days=n)
        if terms.endswith("fm"):
            due = due.replace(day=calendar.monthrange(due.year, due.month)[1])
        dates.append(due)
    part = rounded(amount / len(dates))
    parts = [part] * (len(dates) - 1) + [amount - part * (len(dates) - 1)]
    return list(zip(dates, parts, strict=True))


def parties_of(invoice: Invoice, organisation: Organisation) -> dict[str, Any]:
    """The seller and the buyer as they are at issue (the PDF and the XML read these)."""
    customer = invoice.customer
    return {
        "seller": seller_of(organisation),
        "buyer": buyer_of(customer, head_addresses([customer.pk]).get(customer.pk)),
    }


def head_addresses(customer_ids: Iterable[int]) -> dict[int, CustomerAddress]:
    """Each customer's address an invoice names (the first by kind: billing, then branch, head office …), in one
    query for any number of customers."""
    found: dict[int, CustomerAddress] = {}
    for address in CustomerAddress.objects.filter(customer_id__in=list(customer_ids)).order_by(
        "customer_id", "kind", "pk"
    ):
        found.setdefault(address.customer_id, address)
    return found


def seller_of(organisation: Organisation) -> dict[str, Any]:
    """The seller as an invoice names it: the organisation's contacts and its fiscal data."""
    seller = {
        "address": organisation.address,
        "email": organisation.email,
        "phone": organisation.phone,
    }
    return seller | _seller_fiscal(organisation)


def buyer_of(customer: Customer, address: CustomerAddress | None) -> dict[str, Any]:
    """The buyer as an invoice names it, with the address ``head_addresses`` chose."""
    return {
        "name": customer.display_name,
        "kind": customer.kind,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "code": customer.code,
        "vat_number": customer.vat_number,
        "fiscal_code": customer.fiscal_code,
        "sdi_code": customer.sdi_code,
        "pec": customer.pec,
        "email": customer.email,
        "address": (
            {
                "street": address.street,
                "postcode": address.postcode,
                "city": address.city,
                "country": address.country,
            }
            if address is not None
            else None
        ),
    }


def _seller_fiscal(organisation: Organisation) -> dict[str, Any]:
    """The seller's fiscal data from the organisation's invoicing settings (an organisation without them is taken
    as Italian with no VAT number yet: its e-invoice is refused until they are written)."""
    found = InvoicingSettings.objects.filter(organisation_id=organisation.pk).first() or InvoicingSettings()
    return {
        "name": found.legal_name or organisation.name,
        "country": (found.country or "IT").upper(),
        "vat_number": found.vat_number,
        "fiscal_code": found.fiscal_code,
        "tax_regime": found.tax_regime,
        "fiscal_address": {
            "street": found.street,
            "postcode": found.postcode,
            "town": found.town,
            "province": found.province,
            "country": (found.country or "IT").upper(),
        },
        "iban": found.iban,
        "bank": found.bank,
    }

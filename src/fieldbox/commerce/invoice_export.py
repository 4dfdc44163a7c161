"""Export for accountants: every issued invoice and credit note of a year (issued or paid; drafts never), as its
FatturaPA XML under the file name the exchange system knows it by, with its PDF beside it under the same name,
one folder per organisation. The command ``fieldbox export-invoices`` writes them to a directory; the office
downloads the same as a ZIP (``views.invoice_export``). The XML is the one stored at issue, never built again."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from django.db.models import QuerySet
from django.utils.text import slugify

from fieldbox.accounts.models import Organisation
from fieldbox.commerce import fatturapa, invoicing_pdf
from fieldbox.commerce.choices import InvoiceStatus
from fieldbox.commerce.models.invoicing import Invoice
from fieldbox.commerce.services import invoicing_documents

EXPORTED = (InvoiceStatus.ISSUED, InvoiceStatus.PAID)


def invoices_of_year(organisation_id: int, year: int) -> QuerySet[Invoice]:
    """The organisation's issued invoices and credit notes dated in ``year``, in the order they were issued."""
    return (
        Invoice.objects.filter(organisation_id=organisation_id, status__in=EXPORTED, issued_on__year=year)
        .select_related("customer")
        .order_by("issued_on", "issued_at", "pk")
    )


def organisations_of_year(year: int) -> QuerySet[Organisation]:
    """The organisations that issued something in ``year``."""
    issuers = Invoice.objects.filter(status__in=EXPORTED, issued_on__year=year).values("organisation_id")
    return Organisation.objects.filter(pk__in=issuers).order_by("pk")


def folder_of(organisation: Organisation) -> str:
    """An organisation's folder: its id and its name, as a file name ("12-officina-rossi-srl")."""
    return f"{organisation.pk}-{slugify(organisation.name) or 'organisation'}"


def files_of(invoice: Invoice) -> Iterator[tuple[str, bytes]]:
    """The invoice's files: its XML (by its file name), then its PDF with the same name (the PDF's own name when
    it has no XML: an organisation abroad)."""
    if invoice.xml and invoice.xml_name:
        yield invoice.xml_name, invoice.xml.encode("utf-8")
        yield f"{invoice.xml_name.removesuffix('.xml')}.pdf", invoicing_documents.pdf_of(invoice)
    else:
        yield invoicing_pdf.filename(invoice), invoicing_documents.pdf_of(invoice)


class Tally:
    """What an export wrote: documents, XML files, PDFs, and the XML files that no longer validate."""

    def __init__(self) -> None:
        self.documents = 0
        self.xml = 0
        self.pdf = 0
        self.invalid: list[str] = []

    def count(self, invoice: Invoice, name: str, content: bytes) -> None:
        if name.endswith(".xml"):
            self.xml += 1
            if fatturapa.validate(content):
                self.invalid.append(f"{invoice.number} ({name})")
        else:
            self.pdf += 1


def _each(organisations: list[Organisation], year: int, tally: Tally) -> Iterator[tuple[str, str, bytes]]:
    for organisation in organisations:
        folder = folder_of(organisation)
        for invoice in invoices_of_year(organisation.pk, year):
            tally.documents += 1
            for name, content in files_of(invoice):
                tally.count(invoice, name, content)
                yield folder, name, content


def write_year(out: Path, year: int, organisations: list[Organisation]) -> Tally:
    """Write the year's files of ``organisations`` under ``out``, one folder each."""
    tally = Tally()
    for folder, name, content in _each(organisations, year, tally):
        target = out / folder
        target.mkdir(parents=True, exist_ok=True)
        (target / name).write_bytes(content)
    return tally


def zip_year(stream: IO[bytes], year: int, organisation: Organisation) -> Tally:
    """The year's files of ``organisation`` as a ZIP written to ``stream`` (its folder inside)."""
    tally = Tally()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for folder, name, content in _each([organisation], year, tally):
            archive.writestr(f"{folder}/{name}", content)
    return tally

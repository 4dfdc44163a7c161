"""An issued invoice's PDF, made once by a worker and kept (``Invoice.pdf``): issuing a run of a thousand invoices
does not wait for a thousand PDFs, and the document stays as it was issued whatever later changes to its template.

- ``make_pdfs_later``: queued when the issuing transaction is kept (a broker that cannot take it is logged, and the
  sweep makes them);
- ``make_pdfs``: the worker's side, for invoices issued without their PDF yet (two workers at once: one keeps its
  file, the other's is removed);
- ``pdfs_missing``: the periodic sweep of issued invoices still without a PDF after a few minutes;
- ``pdf_of``: the bytes a page, an e-mail or an export gives: the kept file, or made and kept now when the worker
  has not been yet; a draft's is made each time (it still changes).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from fieldbox.commerce import invoicing_pdf
from fieldbox.commerce.choices import InvoiceStatus
from fieldbox.commerce.models.invoicing import Invoice
from fieldbox.core.later import later

log = logging.getLogger(__name__)
TASK = "fieldbox.commerce.tasks_invoicing.make_invoice_pdfs"
SWEEP_AFTER = timedelta(minutes=5)
SWEEP_BATCH = 200
ISSUED = (InvoiceStatus.ISSUED, InvoiceStatus.PAID)


def make_pdfs_later(invoice_ids: list[int]) -> None:
    try:
        later(TASK, invoice_ids)
    except Exception:  # the broker is away: the sweep makes them
        log.warning("invoice PDFs not queued; the sweep will make them", extra={"invoices": len(invoice_ids)})


def _keep(invoice: Invoice) -> bytes:
    """Make the PDF of an issued invoice and keep it, unless another worker kept one first."""
    pdf = invoicing_pdf.render(invoice)
    name = default_storage.save(f"invoices/{invoice.organisation_id}/{uuid.uuid4().hex}.pdf", ContentFile(pdf))
    if Invoice.objects.filter(pk=invoice.pk, pdf="").update(pdf=name):
        invoice.pdf.name = name
        return pdf
    default_storage.delete(name)  # another worker's file is the one kept
    invoice.refresh_from_db(fields=["pdf"])
    return pdf


def make_pdfs(invoice_ids: Iterable[int]) -> int:
    """Make and keep the PDFs of the issued invoices among ``invoice_ids`` that have none; how many were made."""
    made = 0
    wanted = Invoice.objects.filter(pk__in=list(invoice_ids), status__in=ISSUED, pdf="").select_related("customer")
    for invoice in wanted.order_by("pk"):
        _keep(invoice)
        made += 1
    return made


def pdfs_missing() -> int:
    """The sweep: issued invoices without a PDF a few minutes after their issue (a lost task) get it."""
    late = timezone.now() - SWEEP_AFTER
    ids = Invoice.objects.filter(status__in=ISSUED, pdf="", issued_at__lt=late).order_by("pk")
    return make_pdfs(list(ids.values_list("pk", flat=True)[:SWEEP_BATCH]))


def pdf_of(invoice: Invoice) -> bytes:
    """The invoice's PDF: as kept when issued (made and kept now if the worker has not been yet); a draft's now."""
    if invoice.status == InvoiceStatus.DRAFT:
        return invoicing_pdf.render(invoice)
    if not invoice.pdf:
        return _keep(invoice)
    with invoice.pdf.open("rb") as handle:
        data: bytes = handle.read()
    return data

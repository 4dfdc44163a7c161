"""An issued invoice's PDF, made once by a worker and kept (``Invoice.pdf``): issuing a run of a thousand invoices
does not wait for a thousand PDFs, and the document stays as it was issued whatever later changes to its template.

- ``make_pdfs_later``: queued when the issuing transaction is kept, 20 invoices per task (a run's PDFs are shared
  among the workers and no task runs long; a broker that cannot take them is logged, and the sweep queues them);
- ``make_pdfs``: the worker's side, for invoices issued without their PDF yet (two workers at once: one keeps its
  file, the other's is removed);
- ``pdfs_missing``: the periodic sweep: queues again the issued invoices still without a PDF after a few minutes;
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
SWEEP_LIMIT = 2000  # invoices queued again per sweep
PER_TASK = 20  # invoices per task: about 10 to 20 seconds of a worker
ISSUED = (InvoiceStatus.ISSUED, InvoiceStatus.PAID)


def make_pdfs_later(invoice_ids: list[int]) -> None:
    try:
        for start in range(0, len(invoice_ids), PER_TASK):
            later(TASK, invoice_ids[start : start + PER_TASK])
    except Exception:  # the broker is away: the sweep queues them again
        log.warning("invoice PDFs not queued; the sweep will queue them", extra={"invoices": len(invoice_ids)})


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
    """The sweep: the issued invoices without a PDF a few minutes after their issue (a lost task) are queued again
    (a task finding one made meanwhile skips it); how many."""
    late = timezone.now() - SWEEP_AFTER
    ids = Invoice.objects.filter(status__in=ISSUED, pdf="", issued_at__lt=late).order_by("pk")
    found = list(ids.values_list("pk", flat=True)[:SWEEP_LIMIT])
    make_pdfs_later(found)
    return len(found)


def pdf_of(invoice: Invoice) -> bytes:
    """The invoice's PDF: as kept when issued (made and kept now if the worker has not been yet); a draft's now."""
    if invoice.status == InvoiceStatus.DRAFT:
        return invoicing_pdf.render(invoice)
    if not invoice.pdf:
        return _keep(invoice)
    with invoice.pdf.open("rb") as handle:
        data: bytes = handle.read()
    return data

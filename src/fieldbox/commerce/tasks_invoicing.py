"""Background work of invoicing (thin): the PDFs of the invoices just issued, and the sweep that makes those a lost
task left without one. The sweep is registered in ``CELERY_BEAT_SCHEDULE``."""

from __future__ import annotations

from celery import shared_task

from fieldbox.commerce.services import invoicing_documents


@shared_task(ignore_result=True, acks_late=True)
def make_invoice_pdfs(invoice_ids: list[int]) -> int:
    """Make the PDFs of issued invoices that have none; answers how many were made."""
    return invoicing_documents.make_pdfs(invoice_ids)


@shared_task(ignore_result=True)
def make_missing_invoice_pdfs() -> int:
    """Queue again the PDFs a lost task left; answers how many."""
    return invoicing_documents.pdfs_missing()

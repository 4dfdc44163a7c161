"""Background work of invoicing (thin): the parts of a large invoice run (collected, then issued), the PDFs of the
invoices just issued, and the sweeps that queue again what a lost task left (registered in
``CELERY_BEAT_SCHEDULE``)."""

from __future__ import annotations

from celery import shared_task

from fieldbox.commerce.services import invoicing, invoicing_documents


@shared_task(ignore_result=True, acks_late=True)
def collect_invoice_run_part(run_id: int, index: int) -> str:
    """Collect one part of a large run's customers into drafts."""
    return invoicing.run_part_collect(run_id, index)


@shared_task(ignore_result=True, acks_late=True)
def issue_invoice_run_part(run_id: int, index: int) -> str:
    """Issue one part of a large run's drafts."""
    return invoicing.run_part_issue(run_id, index)


@shared_task(ignore_result=True)
def resume_invoice_runs() -> int:
    """Queue again the parts of runs the workers made no progress on; answers how many."""
    return invoicing.runs_resume()


@shared_task(ignore_result=True, acks_late=True)
def make_invoice_pdfs(invoice_ids: list[int]) -> int:
    """Make the PDFs of issued invoices that have none; answers how many were made."""
    return invoicing_documents.make_pdfs(invoice_ids)


@shared_task(ignore_result=True)
def make_missing_invoice_pdfs() -> int:
    """Queue again the PDFs a lost task left; answers how many."""
    return invoicing_documents.pdfs_missing()

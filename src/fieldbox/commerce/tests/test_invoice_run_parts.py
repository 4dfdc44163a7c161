"""A large invoice run is collected, then issued, by the workers part by part (here parts of two customers, the
workers' tasks run in-process): the run page shows the progress and then the drafts; each part counts once however
often its task is delivered; a part that fails leaves nothing and is done again; a refused draft sends the run back
to draft with why; the parts never queued are queued again by the sweep; the API answers at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.commerce import fatturapa
from fieldbox.commerce.choices import InvoiceRunStatus, InvoiceStatus
from fieldbox.commerce.models.invoicing import Invoice, InvoiceRun
from fieldbox.commerce.services import invoicing as inv
from fieldbox.commerce.tests.test_invoice_issue_many import NOW, customers
from fieldbox.commerce.tests.test_invoicing_api import bearer, call
from fieldbox.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_parts(monkeypatch):
    monkeypatch.setattr(inv, "IN_REQUEST", 2)
    monkeypatch.setattr(inv, "RUN_PART", 2)
    with time_machine.travel(NOW, tick=False):
        yield


def collecting(shop, count: int, django_capture_on_commit_callbacks):
    """A run of ``count`` customers, queued for the workers (not run yet): the run and the queued work."""
    made = customers(shop, count)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        run = inv.invoice_run_create(scope=shop.scope(shop.office), customer_ids=[c.pk for c in made])
    return run, queued


def work(queued) -> None:
    """The workers take what was queued (the test settings run a task in the process that queues it)."""
    for callback in queued:
        callback()


def actions(run: InvoiceRun) -> list[str]:
    found = AuditEvent.objects.filter(object_type="commerce.invoicerun", object_id=str(run.pk)).order_by("pk")
    return list(found.values_list("action", flat=True))


def test_a_large_run_is_collected_by_the_workers_while_its_page_shows_the_progress(
    shop, django_capture_on_commit_callbacks
):
    run, queued = collecting(shop, 5, django_capture_on_commit_callbacks)
    assert run.status == InvoiceRunStatus.COLLECTING and len(run.parts) == 3
    assert not Invoice.objects.filter(run=run).exists()
    browser = signed_in(shop.office)
    page = browser.get(reverse("commerce:invoice_run", args=[run.pk])).content.decode()
    assert 'data-testid="run-progress"' in page and "part 0 of 3" in page and 'data-testid="run-issue"' not in page
    progress = browser.get(reverse("commerce:invoice_run_progress", args=[run.pk]))
    assert progress.status_code == 200 and "Collecting" in progress.content.decode()

    work(queued)
    run.refresh_from_db()
    assert run.status == InvoiceRunStatus.DRAFT and run.parts == [] and run.parts_done == []
    assert Invoice.objects.filter(run=run, status=InvoiceStatus.DRAFT).count() == 5
    assert actions(run) == ["invoice_run.collect", "invoice_run.collected"]
    done = browser.get(reverse("commerce:invoice_run_progress", args=[run.pk]))
    assert done.status_code == 204 and done["HX-Redirect"] == reverse("commerce:invoice_run", args=[run.pk])
    page = browser.get(reverse("commerce:invoice_run", args=[run.pk])).content.decode()
    assert 'data-testid="run-issue"' in page and page.count("Cliente ") == 5


def test_a_part_delivered_twice_counts_once_and_a_failed_part_leaves_nothing(
    shop, django_capture_on_commit_callbacks, monkeypatch
):
    run, _queued = collecting(shop, 5, django_capture_on_commit_callbacks)
    assert inv.run_part_collect(run.pk, 0) == "collected"
    assert inv.run_part_collect(run.pk, 0) == "done"  # the broker gave the task again: nothing more
    assert Invoice.objects.filter(run=run).count() == 2

    real = inv._drafts

    def dying(*args):  # the worker dies after writing the drafts of part 1, before its commit
        real(*args)
        raise RuntimeError("worker lost")

    monkeypatch.setattr(inv, "_drafts", dying)
    with pytest.raises(RuntimeError):
        inv.run_part_collect(run.pk, 1)
    monkeypatch.setattr(inv, "_drafts", real)
    run.refresh_from_db()
    assert Invoice.objects.filter(run=run).count() == 2 and run.parts_done == [0]

    assert inv.run_part_collect(run.pk, 1) == "collected"  # given to another worker
    assert inv.run_part_collect(run.pk, 2) == "collected"
    run.refresh_from_db()
    assert run.status == InvoiceRunStatus.DRAFT and Invoice.objects.filter(run=run).count() == 5


def test_a_large_run_is_issued_by_the_workers_with_numbers_without_gaps(shop, django_capture_on_commit_callbacks):
    run, queued = collecting(shop, 5, django_capture_on_commit_callbacks)
    work(queued)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        issuing, refused = inv.invoice_run_issue(scope=shop.scope(shop.office), run_id=run.pk)
    assert issuing.status == InvoiceRunStatus.ISSUING and refused == {} and issuing.issued_by == shop.office
    page = signed_in(shop.office).get(reverse("commerce:invoice_run", args=[run.pk])).content.decode()
    assert "Issuing the invoices" in page

    assert inv.run_part_issue(run.pk, 1) == "issued"
    assert inv.run_part_issue(run.pk, 1) == "done"
    work(queued)
    run.refresh_from_db()
    assert run.status == InvoiceRunStatus.ISSUED and run.refused == {}
    issued = Invoice.objects.filter(run=run, status=InvoiceStatus.ISSUED)
    assert sorted(issued.values_list("progressive", flat=True)) == [1, 2, 3, 4, 5]
    assert sorted(int(name[-9:-4]) for name in issued.values_list("xml_name", flat=True)) == [1, 2, 3, 4, 5]
    assert all(fatturapa.validate(xml.encode()) == [] for xml in issued.values_list("xml", flat=True))
    assert actions(run)[-2:] == ["invoice_run.issue_later", "invoice_run.issued"]
    last = AuditEvent.objects.filter(action="invoice_run.issued", object_id=str(run.pk)).get()
    assert last.actor_id == shop.office.pk  # the person who asked, not "the system"


def test_a_refused_draft_sends_the_run_back_to_draft_with_why(shop, django_capture_on_commit_callbacks, monkeypatch):
    run, queued = collecting(shop, 5, django_capture_on_commit_callbacks)
    work(queued)
    validate = fatturapa.validate

    def refusing(xml):  # the schema refusing one customer's invoice
        found = validate(xml)
        return [*found, "line 1: Element 'Denominazione': refused."] if b"Cliente 2<" in xml else found

    monkeypatch.setattr(fatturapa, "validate", refusing)
    with django_capture_on_commit_callbacks(execute=True):
        inv.invoice_run_issue(scope=shop.scope(shop.office), run_id=run.pk)
    run.refresh_from_db()
    draft = Invoice.objects.get(run=run, status=InvoiceStatus.DRAFT)
    assert run.status == InvoiceRunStatus.DRAFT and draft.customer.company_name == "Cliente 2"
    assert run.refused == {str(draft.pk): {"xml": "line 1: Element 'Denominazione': refused."}}
    issued = Invoice.objects.filter(run=run, status=InvoiceStatus.ISSUED)
    assert sorted(issued.values_list("progressive", flat=True)) == [1, 2, 3, 4]
    page = signed_in(shop.office).get(reverse("commerce:invoice_run", args=[run.pk])).content.decode()
    assert 'data-testid="run-refused"' in page and "Element &#x27;Denominazione&#x27;: refused." in page

    monkeypatch.setattr(fatturapa, "validate", validate)  # corrected: the one draft left is issued here and now
    made, refused = inv.invoice_run_issue(scope=shop.scope(shop.office), run_id=run.pk)
    assert refused == {} and made.status == InvoiceRunStatus.ISSUED and made.refused == {}
    assert Invoice.objects.get(pk=draft.pk).progressive == 5


def test_parts_never_queued_are_queued_again_by_the_sweep(shop, django_capture_on_commit_callbacks):
    run, _lost = collecting(shop, 5, django_capture_on_commit_callbacks)  # the broker was away: nothing queued
    assert inv.runs_resume() == 0  # too soon: the workers may still be at it
    with time_machine.travel(NOW + inv.RESUME_AFTER + timedelta(minutes=1), tick=False):
        assert inv.runs_resume() == 3
    run.refresh_from_db()
    assert run.status == InvoiceRunStatus.DRAFT and Invoice.objects.filter(run=run).count() == 5


def test_the_api_answers_at_once_while_the_workers_collect(shop, tenant, django_capture_on_commit_callbacks):
    made = customers(shop, 3)
    office = bearer(shop, shop.office)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        answer = call("post", "/invoice-runs", office, {"customer_ids": [c.pk for c in made]})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["status"] == "collecting" and body["progress"] == 0 and body["invoices"] == []
    work(queued)
    body = call("get", f"/invoice-runs/{body['id']}", office).json()
    assert body["status"] == "draft" and body["progress"] == 0 and len(body["invoices"]) == 3


@pytest.mark.postgres
def test_keys_checked_early_leave_the_callers_transaction_deferred_as_it_was(shop):
    from datetime import date

    from django.db import IntegrityError, connection, transaction

    from fieldbox.commerce.models.invoicing import InvoiceDue
    from fieldbox.core import bulk

    with transaction.atomic():  # a dangling key is found by the early check
        InvoiceDue.objects.create(invoice_id=987654, due_on=date(2026, 3, 31), amount=1)
        with pytest.raises(IntegrityError):
            bulk.checked_now(InvoiceDue)
        transaction.set_rollback(True)
    with transaction.atomic():
        bulk.checked_now(InvoiceDue)
        InvoiceDue.objects.create(invoice_id=987654, due_on=date(2026, 3, 31), amount=1)  # deferred again: no error
        with pytest.raises(IntegrityError), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what the commit would say
        transaction.set_rollback(True)


def test_a_large_runs_page_shows_its_customers_a_page_at_a_time_with_the_whole_total(
    shop, django_capture_on_commit_callbacks, monkeypatch
):
    from fieldbox.commerce.views import invoicing as pages

    monkeypatch.setattr(pages, "RUN_PAGE_SIZE", 2)
    run, queued = collecting(shop, 5, django_capture_on_commit_callbacks)
    work(queued)
    browser = signed_in(shop.office)
    first = browser.get(reverse("commerce:invoice_run", args=[run.pk])).content.decode()
    last = browser.get(reverse("commerce:invoice_run", args=[run.pk]) + "?page=3").content.decode()
    assert first.count("Cliente ") == 2 and last.count("Cliente ") == 1 and "Page 1 of 3" in first
    whole = sum(invoice.lines_total for invoice in inv_rows(shop, run))
    assert f"{whole:.2f} €" in first and f"{whole:.2f} €" in last  # the run's total, not the page's


def inv_rows(shop, run):
    from fieldbox.commerce import selectors_invoicing as reads

    return reads.run_invoices(shop.scope(shop.office), run)

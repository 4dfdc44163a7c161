"""Invoicing (FATTURAZIONE): invoice runs, the review of their drafts, issuing, credit notes and payments.

- ``invoice_run_create``: collects per customer what is to be billed up to a day (``invoicing_sources``: contract
  fees, materials left, delivery notes' lines …) into one draft invoice per customer (several calls and work
  orders on one invoice); a source already on another invoice (a draft of another run too) is left out, and two
  runs collecting the same source at once cannot both keep it (the unique source of ``InvoiceLine``);
- ``invoice_line_edit`` / ``invoice_line_remove`` / ``invoice_discard`` / ``invoice_run_discard``: the review of
  drafts; what a removed line or a discarded draft billed is free again;
- ``invoice_issue`` / ``invoice_run_issue``: the number (per organisation, year and series, with no gap: taken in
  the transaction that keeps the invoice), the date, the due dates from the customer's payment terms, the parties
  and totals as they are now; the sources are marked billed. From then on the invoice never changes;
- ``invoice_credit``: a credit note (TD04) of a whole issued invoice or of chosen lines, issued at once;
- ``payment_record``: a payment against an issued invoice, never more than what is still due; the invoice is paid
  when nothing is due any more.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fieldbox.accounts import selectors as accounts_selectors
from fieldbox.accounts.models import Organisation, User
from fieldbox.commerce import numbering, pricing
from fieldbox.commerce.choices import (
    INVOICE_RUN_TABLE,
    INVOICE_TABLE,
    DocumentKind,
    DocumentType,
    InvoiceKind,
    InvoiceRunStatus,
    InvoiceStatus,
    PaymentType,
    SourceKind,
    VatTreatment,
)
from fieldbox.commerce.fatturapa import Document
from fieldbox.commerce.invoicing_rules import IssuedLine, buyer_of, head_addresses, instalments, seller_of, totals
from fieldbox.commerce.models import Billable, CommerceSettings, CustomerTerms, DeliveryNote, DeliveryNoteLine
from fieldbox.commerce.models.invoicing import (
    Invoice,
    InvoiceDue,
    InvoiceLine,
    InvoiceRun,
    Payment,
)
from fieldbox.commerce.services import invoicing_documents, invoicing_sources, invoicing_xml
from fieldbox.commerce.services.invoicing_sources import Candidate
from fieldbox.core import bulk, clock, transitions
from fieldbox.core.errors import Conflict
from fieldbox.core.later import later
from fieldbox.core.money import rounded
from fieldbox.core.tenancy import Scope
from fieldbox.core.validators import typed_text
from fieldbox.fleet.models import Customer
from fieldbox.service.models.verification import VerifiedLine

MAX_CUSTOMERS = 5000
ZERO = Decimal(0)
log = logging.getLogger(__name__)


# ---- Runs --------------------------------------------------------------------------------------------------------


def _customer_ids(scope: Scope, customer_ids: Sequence[int] | None) -> list[int] | None:
    if customer_ids is None:
        return None
    wanted = {int(pk) for pk in customer_ids}
    if not wanted:
        raise ValidationError({"customer_ids": _("Choose at least one customer, or all of them.")})
    if len(wanted) > MAX_CUSTOMERS:
        raise ValidationError({"customer_ids": _("At most %(n)s customers.") % {"n": MAX_CUSTOMERS}})
    found = set(Customer.objects.visible_to(scope).filter(pk__in=wanted).values_list("pk", flat=True))
    if found != wanted:
        raise ValidationError({"customer_ids": _("Choose among your customers.")})
    return sorted(wanted)


def collect(
    *, organisation: Organisation, period_end: date, customer_ids: list[int] | None
) -> dict[int, list[Candidate]]:
    """What each customer has to be billed up to ``period_end``, by customer (each collector once)."""
    found: dict[int, list[Candidate]] = defaultdict(list)
    for collector in invoicing_sources.COLLECTORS:
        for candidate in collector(
            organisation_id=organisation.pk,
            tz=organisation.time_zone,
            period_end=period_end,
            customer_ids=customer_ids,
        ):
            found[candidate.customer_id].append(candidate)
    return found


def invoice_run_create(
    *, scope: Scope, period_end: date | None = None, customer_ids: Sequence[int] | None = None
) -> InvoiceRun:
    """A draft run: one draft invoice per customer with something to bill up to ``period_end`` (today when
    empty), for the chosen customers or all of them. A run of more than ``IN_REQUEST`` customers is collected by the
    workers, part by part at once: it is "collecting" until the last part is done."""
    INVOICE_RUN_TABLE.require("create", scope)
    organisation = scope.organisation
    today = clock.today(organisation.time_zone)
    end = period_end or today
    if end > today:
        raise ValidationError({"period_end": _("Bill up to today at the latest.")})
    chosen = _customer_ids(scope, customer_ids)
    customers = chosen if chosen is not None else _every_customer(scope)
    if len(customers) > IN_REQUEST:
        return _collect_later(scope, end, chosen, _parts(customers))
    try:
        with transitions.atomic():
            run = InvoiceRun(
                organisation_id=organisation.pk, period_end=end, customer_ids=chosen or [], created_by=scope.user
            )
            found = _collected(organisation, end, chosen)
            INVOICE_RUN_TABLE.create(run, "create", scope=scope, data={"customers": len(found)})
            _drafts(scope, run, found)
    except IntegrityError:
        raise Conflict(_("Another invoice run just billed some of the same work: start this run again.")) from None
    return run


def _collected(organisation: Organisation, end: date, customer_ids: list[int] | None) -> dict[int, list[Candidate]]:
    with translation.override(organisation.language):  # the lines are the seller's words, not the clerk's
        return collect(organisation=organisation, period_end=end, customer_ids=customer_ids)


def _every_customer(scope: Scope) -> list[int]:
    return list(Customer.objects.visible_to(scope).order_by("pk").values_list("pk", flat=True))


def _parts(ids: Sequence[int]) -> list[list[int]]:
    return [list(ids[start : start + RUN_PART]) for start in range(0, len(ids), RUN_PART)]


def _drafts(scope: Scope | None, run: InvoiceRun, found: dict[int, list[Candidate]]) -> list[Invoice]:
    """One draft invoice per customer and its lines, in two multi-row inserts (and one for their audit rows)."""
    if not found:
        return []
    customers = Customer.objects.in_bulk(list(found))
    series = _series(run.organisation_id)
    payments = dict(
        CustomerTerms.objects.filter(organisation_id=run.organisation_id, customer_id__in=list(found)).values_list(
            "customer_id", "payment"
        )
    )
    invoices = [
        Invoice(
            organisation_id=run.organisation_id,
            run=run,
            customer_id=customer_id,
            kind=InvoiceKind.INVOICE,
            document_type=DocumentType.TD24 if any(c.delivery_note for c in rows) else DocumentType.TD01,
            series=series,
            language=customers[customer_id].language or "it",
            payment_terms=customers[customer_id].payment_terms,
            payment_method=payments.get(customer_id) or PaymentType.BANK_TRANSFER,
            created_by=run.created_by,
        )
        for customer_id, rows in sorted(found.items())
    ]
    INVOICE_TABLE.create_many(invoices, "create", scope=scope, data=lambda i: {"run": run.pk})
    with bulk.writer(InvoiceLine, LINE_COLUMNS) as write:
        for invoice in invoices:
            for n, candidate in enumerate(found[invoice.customer_id], start=1):
                write(_line(invoice, n, candidate))
    return invoices


LINE_COLUMNS = (
    "organisation_id",
    "invoice_id",
    "position",
    "description",
    "quantity",
    "unit",
    "unit_price",
    "discount",
    "vat",
    "amount",
    "source_kind",
    "source_id",
    "reference",
    "work_order_id",
    "ticket_id",
)


def _line(invoice: Invoice, position: int, c: Candidate) -> tuple[Any, ...]:
    """A draft's line, in the order of ``LINE_COLUMNS``."""
    return (
        invoice.organisation_id,
        invoice.pk,
        position,
        c.description[:255],
        c.quantity,
        c.unit[:6],
        c.unit_price,
        ZERO,
        c.vat,
        pricing.amount(c.quantity, c.unit_price),
        c.source_kind,
        c.source_id,
        c.reference[:60],
        c.work_order_id,
        c.ticket_id,
    )


def _series(organisation_id: int) -> str:
    found = CommerceSettings.objects.filter(organisation_id=organisation_id).values_list("series", flat=True)
    return found.first() or ""


def invoice_run_discard(*, scope: Scope, run_id: int) -> InvoiceRun:
    """Discard a draft run: its draft invoices go, and what they billed is free for the next run."""
    with transitions.atomic():
        run = INVOICE_RUN_TABLE.lock(InvoiceRun.objects.visible_to(scope), run_id)
        INVOICE_RUN_TABLE.check(run, "discard", scope)
        drafts = Invoice.objects.filter(run=run, status=InvoiceStatus.DRAFT)
        count = drafts.count()
        drafts.delete()
        INVOICE_RUN_TABLE.apply(run, "discard", scope=scope, data={"invoices": count})
    return run


def invoice_run_issue(*, scope: Scope, run_id: int) -> tuple[InvoiceRun, dict[int, dict[str, str]]]:
    """Issue every draft of the run (a refused one stays a draft, with its reasons, also kept on the run); the run is
    issued when none is left. A run of more drafts than one part is issued by the workers, part by part at once: it
    is "issuing" until the last part is done (nothing refused yet)."""
    INVOICE_RUN_TABLE.require("issue", scope)
    run = InvoiceRun.objects.visible_to(scope).get(pk=run_id)
    if run.status != InvoiceRunStatus.DRAFT:
        raise Conflict(INVOICE_RUN_TABLE.why_not(run, "issue", scope) or "")
    drafts = Invoice.objects.filter(run=run, status=InvoiceStatus.DRAFT).order_by("customer_id", "pk")
    ids = list(drafts.values_list("pk", flat=True))
    if len(ids) > IN_REQUEST:
        return _issue_later(scope, run_id, _parts(ids)), {}
    with transitions.atomic():  # a small run: issued here, in one transaction
        refused = _said(_issue_all(scope, scope.organisation, ids))
    with transitions.atomic():
        run = INVOICE_RUN_TABLE.lock(InvoiceRun.objects.visible_to(scope), run_id)
        if refused:
            InvoiceRun.objects.filter(pk=run.pk).update(refused=refused)
        else:
            INVOICE_RUN_TABLE.check(run, "issue", scope)
            changes: dict[str, Any] = {"refused": {}}
            INVOICE_RUN_TABLE.apply(run, "issue", scope=scope, changes=changes, data={"invoices": run.invoices.count()})
    return run, {int(pk): reasons for pk, reasons in refused.items()}


def _said(found: dict[int, dict[str, list[str]]]) -> dict[str, dict[str, str]]:
    """Refusals as the run keeps them: invoice id (text, as JSON keys are) → field → the messages in one line."""
    return {str(pk): {field: " ".join(words) for field, words in errors.items()} for pk, errors in found.items()}


# ---- Runs in the workers -------------------------------------------------------------------------------------------
# A run of more than ``IN_REQUEST`` customers (or drafts) is worked by the workers in parts of ``RUN_PART``
# customers (collecting) or drafts (issuing), several at once, each part in its own transaction: collected parts
# write their drafts, issued parts take their numbers as the last thing before their commit (no gap, held briefly).
# Each part, as it ends, marks itself done on the run in the same transaction (so a part run twice by a redelivered
# task does nothing the second time); the last one moves the run on. A worker that dies midway leaves its part's
# transaction undone and the broker gives the task to another; a part never queued (the broker away) is queued
# again by ``runs_resume``.

IN_REQUEST = 100  # customers collected, or drafts issued, in the request at most (about a second)
# Customers collected, or drafts issued, per transaction. Each part reads again the price lists, the customers and
# the organisation, and has its own transaction and task: with parts of 100 this cost a run of 1,000 customers about
# a sixth of its work. 250 keeps a part a second or two of work, and such a run four parts at once.
RUN_PART = 250
COLLECT_TASK = "fieldbox.commerce.tasks_invoicing.collect_invoice_run_part"
ISSUE_TASK = "fieldbox.commerce.tasks_invoicing.issue_invoice_run_part"
RESUME_AFTER = timedelta(minutes=10)  # a run whose parts made no progress for so long has its parts queued again
COLLECT_ATTEMPTS = 3


def _collect_later(scope: Scope, end: date, chosen: list[int] | None, parts: list[list[int]]) -> InvoiceRun:
    with transitions.atomic():
        run = InvoiceRun(
            organisation_id=scope.organisation.pk,
            period_end=end,
            customer_ids=chosen or [],
            created_by=scope.user,
            parts=parts,
        )
        customers = sum(len(part) for part in parts)
        INVOICE_RUN_TABLE.create(run, "collect", scope=scope, data={"customers": customers, "parts": len(parts)})
        transaction.on_commit(lambda: _queue(COLLECT_TASK, run.pk, range(len(parts))), robust=True)
    return run


def _issue_later(scope: Scope, run_id: int, parts: list[list[int]]) -> InvoiceRun:
    with transitions.atomic():
        run = INVOICE_RUN_TABLE.lock(InvoiceRun.objects.visible_to(scope), run_id)
        changes = {"parts": parts, "parts_done": [], "refused": {}, "issued_by": scope.user}
        data = {"invoices": sum(len(part) for part in parts), "parts": len(parts)}
        INVOICE_RUN_TABLE.apply(run, "issue_later", scope=scope, changes=changes, data=data)
        transaction.on_commit(lambda: _queue(ISSUE_TASK, run.pk, range(len(parts))), robust=True)
    return run


def _queue(task: str, run_id: int, indexes: Iterable[int]) -> None:
    try:
        for index in indexes:
            later(task, run_id, index)
    except Exception:  # the broker is away: runs_resume queues them again
        log.warning("invoice run parts not queued; they will be queued again", extra={"run": run_id}, exc_info=True)


class _PartDone(Exception):
    """The part was done already (its task delivered twice): what it wrote is undone."""


def _part_of(run_id: int, status: str, index: int) -> InvoiceRun | None:
    run = InvoiceRun.objects.filter(pk=run_id, status=status).select_related("organisation").first()
    if run is None or index in run.parts_done or not 0 <= index < len(run.parts):
        return None
    return run


def _scope_of(user_id: int | None, organisation_id: int) -> Scope | None:
    """The scope of the person who started the work, to be named in the audit (none: the system's)."""
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    scope = accounts_selectors.scope_for(user, organisation_id) if user is not None else None
    return scope if scope is not None and scope.organisation.pk == organisation_id else None


def run_part_collect(run_id: int, index: int) -> str:
    """The worker's side of a large run's collection: part ``index``'s customers collected into drafts."""
    for _attempt in range(COLLECT_ATTEMPTS):
        run = _part_of(run_id, InvoiceRunStatus.COLLECTING, index)
        if run is None:
            return "done"
        scope = _scope_of(run.created_by_id, run.organisation_id)
        try:
            with bulk.cycles_later(), transitions.atomic():
                found = _collected(run.organisation, run.period_end, run.parts[index])
                _drafts(scope, run, found)
                bulk.checked_now(InvoiceLine, Invoice)  # not while the run is held
                _finish_part(run_id, index, "collected", {})
            return "collected"
        except _PartDone:
            return "done"
        except IntegrityError:  # another run kept some of the same sources meanwhile: collect what is left
            continue
    raise Conflict(f"invoice run {run_id}: part {index} kept meeting another run")


def run_part_issue(run_id: int, index: int) -> str:
    """The worker's side of a large run's issue: part ``index``'s drafts issued."""
    run = _part_of(run_id, InvoiceRunStatus.ISSUING, index)
    if run is None:
        return "done"
    scope = _scope_of(run.issued_by_id, run.organisation_id)
    try:
        with bulk.cycles_later(), transitions.atomic():
            found = _issue_all(scope, run.organisation, run.parts[index])
            _finish_part(run_id, index, "issued", _said(found))
    except _PartDone:
        return "done"
    return "issued"


def _finish_part(run_id: int, index: int, finished: str, refused: dict[str, dict[str, str]]) -> None:
    """Mark part ``index`` done on the run (locked: the parts end one after the other here); the last one moves
    the run on: collected into a draft, or issued (refused: back to draft, the refused ones waiting with why)."""
    # FOR NO KEY UPDATE: the parts' new invoices refer to the run (their foreign keys lock it FOR KEY SHARE), which
    # this lock lets be, as an UPDATE of the row would.
    run = INVOICE_RUN_TABLE.hold(InvoiceRun.objects.select_for_update(no_key=True).get(pk=run_id))
    if index in run.parts_done:
        raise _PartDone
    run.parts_done = [*run.parts_done, index]
    run.refused = {**run.refused, **refused}
    if len(run.parts_done) < len(run.parts):
        InvoiceRun.objects.filter(pk=run.pk).update(
            parts_done=run.parts_done, refused=run.refused, changed_at=timezone.now()
        )
        return
    action = finished
    if finished == "issued" and run.refused:
        action = "refused"
    actor = run.created_by if finished == "collected" else run.issued_by
    data = {"invoices": run.invoices.count(), "refused": len(run.refused)}
    changes = {"parts": [], "parts_done": [], "refused": run.refused}
    INVOICE_RUN_TABLE.apply(run, action, scope=None, actor=actor, changes=changes, data=data)


def runs_resume() -> int:
    """Queue again the parts not done of the runs the workers made no progress on for ``RESUME_AFTER`` (a part
    never queued, or lost); how many parts."""
    stalled = InvoiceRun.objects.filter(
        status__in=(InvoiceRunStatus.COLLECTING, InvoiceRunStatus.ISSUING),
        changed_at__lt=timezone.now() - RESUME_AFTER,
    )
    queued = 0
    for run in stalled.only("pk", "status", "parts", "parts_done")[:100]:
        task = COLLECT_TASK if run.status == InvoiceRunStatus.COLLECTING else ISSUE_TASK
        missing = [n for n in range(len(run.parts)) if n not in run.parts_done]
        InvoiceRun.objects.filter(pk=run.pk).update(changed_at=timezone.now())
        _queue(task, run.pk, missing)
        queued += len(missing)
    return queued


# ---- Review of drafts -------------------------------------------------------------------------------------------


def _locked(scope: Scope, invoice_id: int, action: str) -> Invoice:
    invoice = INVOICE_TABLE.lock(Invoice.objects.visible_to(scope), invoice_id)
    INVOICE_TABLE.check(invoice, action, scope)
    return invoice


def invoice_line_edit(
    *,
    scope: Scope,
    invoice_id: int,
    line_id: int,
    description: str | None = None,
    quantity: Any = None,
    unit_price: Any = None,
    discount: Any = None,
    vat: str | None = None,
) -> InvoiceLine:
    """Change a draft's line (what is given); an issued invoice is refused with the table's words."""
    with transitions.atomic():
        invoice = _locked(scope, invoice_id, "edit")
        line = invoice.lines.get(pk=line_id)
        given = {
            "description": description,
            "quantity": quantity,
            "unit_price": unit_price,
            "discount": discount,
            "vat": vat,
        }
        errors: dict[str, Any] = {}
        for name, value in given.items():
            if value is None:
                continue
            try:
                setattr(line, name, CHECKS[name](value))
            except ValidationError as error:
                errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)
        line.amount = pricing.amount(line.quantity, line.unit_price, line.discount)
        line.save(update_fields=["description", "quantity", "unit_price", "discount", "vat", "amount"])
        INVOICE_TABLE.apply(invoice, "edit", scope=scope, data={"line": line.pk})
    return line


def _description(value: str) -> str:
    words = typed_text(value, "description", 255)
    if not words:
        raise ValidationError({"description": _("Write a description.")})
    return words


def _vat(value: str) -> str:
    if value not in VatTreatment.values:
        raise ValidationError({"vat": _("Choose one of the VAT rates.")})
    return value


CHECKS: dict[str, Callable[[Any], Any]] = {
    "description": _description,
    "quantity": pricing.quantity,
    "unit_price": pricing.price,
    "discount": pricing.discount,
    "vat": _vat,
}


def invoice_line_remove(*, scope: Scope, invoice_id: int, line_id: int) -> Invoice:
    """Take a line off a draft: what it billed is free for a next run."""
    with transitions.atomic():
        invoice = _locked(scope, invoice_id, "edit")
        line = invoice.lines.get(pk=line_id)
        if invoice.lines.count() == 1:
            raise ValidationError({"lines": _("An invoice keeps at least one line: discard the draft instead.")})
        line.delete()
        INVOICE_TABLE.apply(invoice, "edit", scope=scope, data={"removed": line.description})
    return invoice


def invoice_discard(*, scope: Scope, invoice_id: int) -> None:
    """Discard a draft invoice: what it billed is free again."""
    with transitions.atomic():
        invoice = _locked(scope, invoice_id, "discard")
        INVOICE_TABLE.apply(invoice, "discard", scope=scope, data={"customer": invoice.customer_id})


# ---- Issue ---------------------------------------------------------------------------------------------------------


def invoice_issue(*, scope: Scope, invoice_id: int) -> Invoice:
    """Number, date and freeze a draft; mark what it bills as billed."""
    INVOICE_TABLE.require("issue", scope)
    with transitions.atomic():
        _locked(scope, invoice_id, "issue")
        refused = _issue_all(scope, scope.organisation, [invoice_id])
        if refused:
            raise ValidationError(refused[invoice_id])
    return Invoice.objects.get(pk=invoice_id)


def _issue_all(scope: Scope | None, organisation: Organisation, ids: Sequence[int]) -> dict[int, dict[str, list[str]]]:
    """Issue the drafts ``ids`` of ``organisation`` in the caller's transaction, in a fixed number of queries
    whatever their number and their lines': lock them, read their lines, customers' addresses and delivery notes,
    check each and write and validate its XML (a refused one is left out, with its reasons: nothing is numbered
    yet), insert their due dates, mark what they bill as billed, and last take their numbers and files'
    progressives in blocks (held from then until the commit: briefly), then one update and one insert of their
    audit rows. Their PDFs are made by a worker once the transaction is kept."""
    found = (
        Invoice.objects.filter(organisation_id=organisation.pk, pk__in=list(ids), status=InvoiceStatus.DRAFT)
        .select_related("customer", "corrects")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    invoices = [INVOICE_TABLE.hold(invoice) for invoice in found]
    lines: dict[int, list[IssuedLine]] = defaultdict(list)
    for line in IssuedLine.of(i.pk for i in invoices):
        lines[line.invoice_id].append(line)
    every_line = [line for rows in lines.values() for line in rows]
    notes = invoicing_xml.delivery_notes_of(every_line)
    addresses = head_addresses({i.customer_id for i in invoices})
    seller = seller_of(organisation)
    today = clock.today(organisation.time_zone)
    refused: dict[int, dict[str, list[str]]] = {}
    ready: list[_Ready] = []
    for invoice in invoices:
        invoice.parties = {"seller": seller, "buyer": buyer_of(invoice.customer, addresses.get(invoice.customer_id))}
        try:
            ready.append(_prepared(invoice, lines[invoice.pk], notes, today))
        except ValidationError as error:
            refused[invoice.pk] = error.message_dict
    if not ready:
        return refused
    issued = [r.invoice for r in ready]
    InvoiceDue.objects.bulk_create([due for r in ready for due in _of(r.invoice, r.dues)])
    ids_issued = [invoice.pk for invoice in issued]
    _mark_billed(ids_issued, [line for invoice in issued for line in lines[invoice.pk]])
    bulk.checked_now(InvoiceDue, InvoiceLine, Invoice)  # not while the numbers are held
    _number(organisation.pk, issued, today)
    with_xml = [r for r in ready if r.document is not None]
    first = invoicing_xml.progressives(organisation.pk, len(with_xml)) if with_xml else 0
    for n, r in enumerate(with_xml):
        assert r.document is not None
        made = invoicing_xml.numbered(r.xml, r.document, r.invoice.number, first + n)
        r.invoice.xml, r.invoice.xml_name = made["xml"], made["xml_name"]
    now = timezone.now()
    INVOICE_TABLE.apply_many(
        issued, "issue", scope=scope, changes=lambda i: _frozen(i, now), data=lambda i: {"number": i.number}
    )
    transaction.on_commit(lambda: invoicing_documents.make_pdfs_later(ids_issued), robust=True)
    return refused


class _Ready(NamedTuple):
    """A draft checked for issuing: its due dates, its e-invoice and the XML written with a placeholder number
    (none when the organisation issues no e-invoice)."""

    invoice: Invoice
    dues: list[InvoiceDue]
    document: Document | None
    xml: str


def _prepared(invoice: Invoice, lines: list[IssuedLine], notes: invoicing_xml.Notes, today: date) -> _Ready:
    """Check a draft about to be issued and set what it keeps (date, document type, totals, due dates); its
    number is a placeholder as wide as a real one until ``_number``. Its due dates and its e-invoice with its XML,
    or ``ValidationError`` when it cannot be issued (the fields named)."""
    if not lines:
        raise ValidationError({"lines": [_("Add at least one line.")]})
    taxable, vat, summary = totals(lines)
    if invoice.kind == InvoiceKind.INVOICE and taxable <= 0:
        raise ValidationError({"lines": [_("The invoice's total must be more than zero.")]})
    invoice.taxable, invoice.vat, invoice.total, invoice.vat_summary = taxable, vat, taxable + vat, summary
    invoice.payable = taxable if invoicing_xml.split_payment(invoice.parties) else taxable + vat
    invoice.issued_on = today
    if invoice.kind == InvoiceKind.INVOICE:  # deferred (TD24) while it still bills lines of delivery notes
        deferred = any(line.source_kind == SourceKind.DELIVERY_NOTE_LINE for line in lines)
        invoice.document_type = DocumentType.TD24 if deferred else DocumentType.TD01
    invoice.number = numbering.shown(_kind(invoice), today.year, 99999, invoice.series)
    dues = []
    if invoice.kind == InvoiceKind.INVOICE:
        dues = [InvoiceDue(due_on=d, amount=a) for d, a in instalments(invoice.payment_terms, today, invoice.payable)]
    if not invoicing_xml.wanted(invoice.parties):
        return _Ready(invoice, dues, None, "")
    document = invoicing_xml.draft_document(invoice, lines, dues, notes)
    found = invoicing_xml.problems_of(document)  # refused here, naming the field: nothing is kept
    if found:
        raise ValidationError(found)
    return _Ready(invoice, dues, document, invoicing_xml.xml_of(document))


def _kind(invoice: Invoice) -> DocumentKind:
    return DocumentKind.CREDIT_NOTE if invoice.kind == InvoiceKind.CREDIT_NOTE else DocumentKind.INVOICE


def _number(organisation_id: int, invoices: list[Invoice], today: date) -> None:
    """Their numbers, in their order, one block per kind and series (in the issuing transaction: no gap)."""
    groups: dict[tuple[DocumentKind, str], list[Invoice]] = defaultdict(list)
    for invoice in invoices:
        groups[(_kind(invoice), invoice.series)].append(invoice)
    for (kind, series), rows in groups.items():
        first = numbering.take_many(organisation_id, kind, today, len(rows), series)
        for n, invoice in enumerate(rows):
            invoice.number = numbering.shown(kind, today.year, first + n, series)
            invoice.progressive = first + n


def _frozen(invoice: Invoice, now: datetime) -> dict[str, Any]:
    """What an issued invoice keeps for good."""
    return {
        "number": invoice.number,
        "progressive": invoice.progressive,
        "document_type": invoice.document_type,
        "issued_on": invoice.issued_on,
        "issued_at": now,
        "parties": invoice.parties,
        "taxable": invoice.taxable,
        "vat": invoice.vat,
        "total": invoice.total,
        "payable": invoice.payable,
        "vat_summary": invoice.vat_summary,
        "xml": invoice.xml,
        "xml_name": invoice.xml_name,
    }


def _of(invoice: Invoice, dues: list[InvoiceDue]) -> list[InvoiceDue]:
    for due in dues:
        due.invoice = invoice
    return dues


def _mark_billed(invoice_ids: list[int], lines: list[IssuedLine]) -> None:
    """The materials the invoices' lines bill are billed, their delivery notes invoiced: one update per kind of
    source they bill, each reading the sources through the invoices' lines (no list of thousands of ids). A date
    already set stays (``Coalesce``, not a filter on the open ones: after a run the statistics see almost none
    open, and a plan that starts from them would read the lines once per open row)."""
    now = timezone.now()
    kinds = {line.source_kind for line in lines if line.source_id is not None}

    def sources(kind: str) -> QuerySet[InvoiceLine, Any]:
        return InvoiceLine.objects.filter(invoice_id__in=invoice_ids, source_kind=kind).values("source_id")

    billed = Coalesce(F("billed_at"), Value(now))
    if SourceKind.BILLABLE in kinds:
        Billable.objects.filter(pk__in=sources(SourceKind.BILLABLE)).update(billed_at=billed)
    if SourceKind.VERIFIED_LINE in kinds:  # the materials left that verified part lines bill
        materials = VerifiedLine.objects.filter(pk__in=sources(SourceKind.VERIFIED_LINE), source_kind="material")
        Billable.objects.filter(material_id__in=materials.values("source_id")).update(billed_at=billed)
    if SourceKind.DELIVERY_NOTE_LINE in kinds:
        notes = DeliveryNoteLine.objects.filter(pk__in=sources(SourceKind.DELIVERY_NOTE_LINE)).values("note_id")
        DeliveryNote.objects.filter(pk__in=notes).update(invoiced_at=Coalesce(F("invoiced_at"), Value(now)))


# ---- Credit notes -----------------------------------------------------------------------------------------------


def invoice_credit(
    *, scope: Scope, invoice_id: int, line_ids: Sequence[int] | None = None, reason: str = ""
) -> Invoice:
    """A credit note (TD04) of an issued invoice, of all its lines or the chosen ones, issued at once."""
    words = typed_text(reason, "reason", 200)
    with transitions.atomic():
        original = _locked(scope, invoice_id, "credit")
        lines = list(original.lines.all())
        if line_ids is not None:
            chosen = {int(pk) for pk in line_ids}
            lines = [line for line in lines if line.pk in chosen]
            if not lines or len(lines) != len(chosen):
                raise ValidationError({"line_ids": _("Choose lines of this invoice.")})
        credited = _credited(original)
        if credited + sum((line.amount for line in lines), ZERO) > original.taxable:
            raise ValidationError({"line_ids": _("These lines were already credited.")})
        note = Invoice(
            organisation_id=original.organisation_id,
            customer=original.customer,
            kind=InvoiceKind.CREDIT_NOTE,
            document_type=DocumentType.TD04,
            series=original.series,
            corrects=original,
            language=original.language,
            payment_method=original.payment_method,
            notes=words,
            created_by=scope.user,
        )
        INVOICE_TABLE.create(note, "create", scope=scope, data={"corrects": original.number})
        InvoiceLine.objects.bulk_create(
            [
                InvoiceLine(
                    organisation_id=note.organisation_id,
                    invoice=note,
                    position=n,
                    description=line.description,
                    quantity=line.quantity,
                    unit=line.unit,
                    unit_price=line.unit_price,
                    discount=line.discount,
                    vat=line.vat,
                    amount=line.amount,
                    reference=original.number[:60],
                    work_order_id=line.work_order_id,
                    ticket_id=line.ticket_id,
                )
                for n, line in enumerate(lines, start=1)
            ]
        )
        INVOICE_TABLE.apply(original, "credit", scope=scope, reason=words, data={"lines": len(lines)})
        INVOICE_TABLE.check(note, "issue", scope)
        refused = _issue_all(scope, scope.organisation, [note.pk])
        if refused:
            raise ValidationError(refused[note.pk])
    note.refresh_from_db()
    return note


def _credited(invoice: Invoice) -> Decimal:
    found = Invoice.objects.filter(corrects=invoice, status__in=(InvoiceStatus.ISSUED, InvoiceStatus.PAID))
    return found.aggregate(s=Sum("taxable"))["s"] or ZERO


# ---- Payments ------------------------------------------------------------------------------------------------------


def still_due(invoice: Invoice) -> Decimal:
    """What the customer still owes on an issued invoice: what it pays (the total, or the taxable amount under split
    payment) less its payments and its credit notes."""
    paid = invoice.payments.aggregate(s=Sum("amount"))["s"] or ZERO
    credited = Invoice.objects.filter(corrects=invoice, status__in=(InvoiceStatus.ISSUED, InvoiceStatus.PAID))
    return invoice.payable - paid - (credited.aggregate(s=Sum("payable"))["s"] or ZERO)


def payment_record(
    *,
    scope: Scope,
    invoice_id: int,
    amount: Any,
    paid_on: date | None = None,
    method: str = PaymentType.BANK_TRANSFER,
    reference: str = "",
) -> Payment:
    """A payment against an issued invoice, at most what is still due; paid in full, the invoice is paid."""
    money = pricing.price(amount, "amount")
    if money <= 0 or rounded(money) != money:
        raise ValidationError({"amount": _("Write an amount in euro and cents, more than zero.")})
    if method not in PaymentType.values:
        raise ValidationError({"method": _("Choose how it was paid.")})
    words = typed_text(reference, "reference", 120)
    today = clock.today(scope.organisation.time_zone)
    day = paid_on or today
    if day > today:
        raise ValidationError({"paid_on": _("A payment cannot be in the future.")})
    with transitions.atomic():
        invoice = _locked(scope, invoice_id, "record_payment")
        if invoice.kind != InvoiceKind.INVOICE:
            raise ValidationError({"amount": _("A credit note takes no payment.")})
        due = still_due(invoice)
        if money > due:
            raise ValidationError({"amount": _("At most %(due)s € is still due on this invoice.") % {"due": due}})
        payment = Payment.objects.create(
            organisation_id=invoice.organisation_id,
            invoice=invoice,
            amount=money,
            paid_on=day,
            method=method,
            reference=words,
            recorded_by=scope.user,
        )
        if money == due:
            INVOICE_TABLE.apply(
                invoice, "pay", scope=scope, changes={"paid_at": timezone.now()}, data={"amount": str(money)}
            )
        else:
            INVOICE_TABLE.apply(invoice, "record_payment", scope=scope, data={"amount": str(money)})
    return payment

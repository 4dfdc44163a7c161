"""Pages of invoicing (the office's and the admins'): invoice runs (list, a new run, one run with its totals per
customer, issue all with a confirmation, discard), invoices and credit notes (list with filters and CSV, one
invoice with its lines — edited while a draft —, dues, payments, credit notes, PDF and XML), the aged list of what
is unpaid (CSV). Buttons come from ``INVOICE_TABLE.allowed`` / ``INVOICE_RUN_TABLE.allowed``; every change goes
through ``services.invoicing``."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldbox.commerce import invoicing_pdf
from fieldbox.commerce import selectors_invoicing as reads
from fieldbox.commerce.choices import BILLERS, INVOICE_RUN_TABLE, INVOICE_TABLE
from fieldbox.commerce.forms_invoicing import CreditForm, InvoiceFilterForm, LineForm, PaymentForm, RunForm, SellerForm
from fieldbox.commerce.models.invoicing import Invoice
from fieldbox.commerce.services import invoicing as services
from fieldbox.commerce.services import invoicing_documents, invoicing_mail, invoicing_settings
from fieldbox.core.http import AuthedRequest
from fieldbox.core.pagination import request_page
from fieldbox.core.spreadsheets import table_response
from fieldbox.core.tenancy import Scope
from fieldbox.core.web import page_of, run_service, scope_required
from fieldbox.fleet.models import Customer

PEOPLE = tuple(sorted(BILLERS))
PAGE_SIZE = 50
RUN_PAGE_SIZE = 100  # a run's customers per page
EXPORT_HEADER = ("Number", "Kind", "Type", "Status", "Date", "Customer", "Taxable amount", "VAT", "Total")
AGED_HEADER = ("Customer", "Not yet due", "1-30 days", "31-60 days", "61-90 days", "Over 90 days", "Total")


def _customers(scope: Scope, ids: object = None) -> list[tuple[int, str]]:
    rows = Customer.objects.visible_to(scope)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return [(c.pk, c.display_name) for c in rows.order_by("company_name", "last_name", "pk")[:2000]]


# ---- Runs --------------------------------------------------------------------------------------------------------


@scope_required(*PEOPLE)
def invoice_runs(request: AuthedRequest) -> HttpResponse:
    scope = request.scope
    context = {
        "can_create": INVOICE_RUN_TABLE.may_act("create", scope),
        **request_page(request, reads.runs_for(scope), PAGE_SIZE, key="runs"),
    }
    return render(request, "commerce/invoicing/runs.html", context)


@scope_required(*PEOPLE)
def invoice_run_new(request: AuthedRequest) -> HttpResponse:
    scope = request.scope
    posted = request.POST if request.method == "POST" else None
    form = RunForm(posted, customers=_customers(scope))
    if posted is not None and form.is_valid():
        chosen = form.cleaned_data["customers"] or None
        end = form.cleaned_data["period_end"]
        run = run_service(
            request, form, lambda: services.invoice_run_create(scope=scope, period_end=end, customer_ids=chosen)
        )
        if run is not None:
            if not run.working:
                messages.success(request, _("Invoice run ready: review its drafts, then issue them."))
            return redirect("commerce:invoice_run", pk=run.pk)
    return render(request, "commerce/invoicing/run_new.html", {"form": form}, status=400 if form.is_bound else 200)


@scope_required(*PEOPLE)
def invoice_run(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    run = reads.run_for(scope, pk)
    page = page_of(
        request, reads.run_invoices(scope, run) if not run.working else Invoice.objects.none(), RUN_PAGE_SIZE
    )
    context = {
        "run": run,
        "rows": [reads.run_row(invoice) for invoice in page],
        "page": page,
        "total": services.ZERO if run.working else reads.run_total(run),
        "allowed": INVOICE_RUN_TABLE.allowed(run, scope),
        "refused": reads.run_refusals(run),
    }
    return render(request, "commerce/invoicing/run.html", context)


@scope_required(*PEOPLE)
def invoice_run_progress(request: AuthedRequest, pk: int) -> HttpResponse:
    """The progress of a run the workers collect or issue (polled by HTMX); once done, the page reloads."""
    run = reads.run_for(request.scope, pk)
    if not run.working:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("commerce:invoice_run", args=[run.pk])
        return response
    return render(request, "commerce/invoicing/_run_progress.html", {"run": run})


@require_POST
@scope_required(*PEOPLE)
def invoice_run_move(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    scope = request.scope
    if action == "issue":
        done = run_service(request, None, lambda: services.invoice_run_issue(scope=scope, run_id=pk))
        if done is not None:
            run, refused = done
            if refused:
                messages.error(request, _("Some drafts were not issued: see why below, correct them and issue again."))
            elif not run.working:
                messages.success(request, _("Every invoice of the run is issued."))
    elif action == "discard":
        if run_service(request, None, lambda: services.invoice_run_discard(scope=scope, run_id=pk)) is not None:
            messages.success(request, _("Invoice run discarded: what it collected is free for the next run."))
    else:
        raise Http404
    return redirect("commerce:invoice_run", pk=pk)


# ---- Invoices --------------------------------------------------------------------------------------------------------


@scope_required(*PEOPLE)
def invoices(request: AuthedRequest) -> HttpResponse:
    scope = request.scope
    billed = Invoice.objects.visible_to(scope).values("customer_id")
    form = InvoiceFilterForm(request.GET or None, customers=_customers(scope, billed))
    wanted: dict[str, object] = {}
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        wanted = {
            "status": d["status"] or None,
            "kind": d["kind"] or None,
            "year": d["year"],
            "customer_id": d["customer"],
        }
    rows = reads.with_draft_totals(reads.invoices_filtered(scope, **wanted))  # type: ignore[arg-type]
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        data = (
            (
                i.number,
                i.get_kind_display(),
                i.document_type,
                i.get_status_display(),
                i.issued_on.isoformat() if i.issued_on else "",
                i.customer.display_name,
                f"{i.taxable if i.number else i.lines_total:.2f}",
                f"{i.vat:.2f}",
                f"{i.total:.2f}",
            )
            for i in rows.order_by("-pk")[:50_000]
        )
        return table_response("invoices", fmt, [_(h) for h in EXPORT_HEADER], data)
    context = {"form": form, "filtered": any(wanted.values()), **request_page(request, rows, PAGE_SIZE, key="invoices")}
    return render(request, "commerce/invoicing/invoices.html", context)


@scope_required(*PEOPLE)
def invoice(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    found = reads.invoice_for(scope, pk)
    lines = list(found.lines.all())
    context = {
        "invoice": found,
        "lines": [(line, LineForm(initial=_line_initial(line), prefix=f"l{line.pk}")) for line in lines],
        "dues": list(found.dues.all()),
        "payments": list(found.payments.all()),
        "credit_notes": list(found.credit_notes.all()),
        "draft_total": sum((line.amount for line in lines), services.ZERO),
        "still_due": services.still_due(found) if found.number else None,
        "allowed": INVOICE_TABLE.allowed(found, scope),
        "payment_form": PaymentForm(),
        "credit_form": CreditForm(lines=[(line.pk, f"{line.description} ({line.amount})") for line in lines]),
    }
    return render(request, "commerce/invoicing/invoice.html", context)


def _line_initial(line: object) -> dict[str, object]:
    return {
        "description": line.description,  # type: ignore[attr-defined]
        "quantity": f"{line.quantity.normalize():f}",  # type: ignore[attr-defined]
        "unit_price": f"{line.unit_price.normalize():f}",  # type: ignore[attr-defined]
        "discount": f"{line.discount.normalize():f}",  # type: ignore[attr-defined]
        "vat": line.vat,  # type: ignore[attr-defined]
    }


@require_POST
@scope_required(*PEOPLE)
def invoice_line(request: AuthedRequest, pk: int, line_id: int, action: str) -> HttpResponse:
    scope = request.scope
    reads.invoice_for(scope, pk)  # another organisation's invoice answers 404 before the form is read
    if action == "edit":
        form = LineForm(request.POST, prefix=f"l{line_id}")
        if form.is_valid():
            d = form.cleaned_data
            done = run_service(
                request,
                None,
                lambda: services.invoice_line_edit(
                    scope=scope,
                    invoice_id=pk,
                    line_id=line_id,
                    description=d["description"],
                    quantity=d["quantity"],
                    unit_price=d["unit_price"],
                    discount=d["discount"] or "0",
                    vat=d["vat"],
                ),
            )
            if done is not None:
                messages.success(request, _("Line saved."))
        else:
            for field, errors in form.errors.items():
                text = " ".join(str(error) for error in errors)  # an ErrorList yields its messages as text
                messages.error(request, f"{form.fields[field].label if field in form.fields else ''}: {text}")
    elif action == "remove":
        if run_service(
            request, None, lambda: services.invoice_line_remove(scope=scope, invoice_id=pk, line_id=line_id)
        ):
            messages.success(request, _("Line removed: what it billed is free for the next run."))
    else:
        raise Http404
    return redirect("commerce:invoice", pk=pk)


@require_POST
@scope_required(*PEOPLE)
def invoice_move(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    scope = request.scope
    if action == "issue":
        done = run_service(request, None, lambda: services.invoice_issue(scope=scope, invoice_id=pk))
        if done is not None:
            messages.success(request, _("Invoice %(number)s issued.") % {"number": done.number})
    elif action == "discard":
        if run_service(request, None, lambda: services.invoice_discard(scope=scope, invoice_id=pk)) is None:
            return redirect("commerce:invoice", pk=pk)
        messages.success(request, _("Draft discarded: what it billed is free for the next run."))
        return redirect("commerce:invoices")
    elif action == "pay":
        form = PaymentForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            paid = run_service(
                request,
                None,
                lambda: services.payment_record(
                    scope=scope,
                    invoice_id=pk,
                    amount=d["amount"],
                    paid_on=d["paid_on"],
                    method=d["method"],
                    reference=d["reference"],
                ),
            )
            if paid is not None:
                messages.success(request, _("Payment recorded."))
        else:
            messages.error(request, _("Write the amount paid."))
    elif action == "credit":
        found = reads.invoice_for(scope, pk)
        credit_form = CreditForm(request.POST, lines=[(line.pk, line.description) for line in found.lines.all()])
        if credit_form.is_valid():
            chosen = credit_form.cleaned_data["lines"] or None
            reason = credit_form.cleaned_data["reason"]
            note = run_service(
                request,
                None,
                lambda: services.invoice_credit(scope=scope, invoice_id=pk, line_ids=chosen, reason=reason),
            )
            if note is not None:
                messages.success(request, _("Credit note %(number)s issued.") % {"number": note.number})
                return redirect("commerce:invoice", pk=note.pk)
    elif action == "send":
        to = (request.POST.get("to") or "")[:254]
        sent = run_service(request, None, lambda: invoicing_mail.invoice_send(scope=scope, invoice_id=pk, to=to))
        if sent:
            messages.success(request, _("The invoice is on its way to %(to)s.") % {"to": sent})
    else:
        raise Http404
    return redirect("commerce:invoice", pk=pk)


@scope_required(*PEOPLE)
def invoice_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    found = reads.invoice_for(request.scope, pk)
    response = HttpResponse(invoicing_documents.pdf_of(found), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoicing_pdf.filename(found)}"'
    return response


@scope_required(*PEOPLE)
def invoice_xml(request: AuthedRequest, pk: int) -> HttpResponse:
    found = reads.invoice_for(request.scope, pk)
    if not found.xml:
        raise Http404
    response = HttpResponse(found.xml.encode("utf-8"), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{found.xml_name}"'
    return response


@scope_required(*PEOPLE)
def invoices_aged(request: AuthedRequest) -> HttpResponse:
    rows = reads.aged(request.scope)
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        data = ((r.customer, *(f"{v:.2f}" for v in r.amounts.values()), f"{r.total:.2f}") for r in rows)
        return table_response("unpaid-invoices", fmt, [_(h) for h in AGED_HEADER], data)
    totals = {key: sum((r.amounts[key] for r in rows), services.ZERO) for key, *_rest in reads.AGES}
    context = {"rows": rows, "totals": totals, "total": sum(totals.values(), services.ZERO)}
    return render(request, "commerce/invoicing/aged.html", context)


@scope_required(*PEOPLE)
def invoicing_settings_view(request: AuthedRequest) -> HttpResponse:
    """The organisation's fiscal data as the seller of its invoices (the e-invoice reads them)."""
    scope = request.scope
    current = invoicing_settings.settings_of(scope)
    initial = {name: getattr(current, name) for name in invoicing_settings.FIELDS}
    posted = request.POST if request.method == "POST" else None
    form = SellerForm(posted, initial=initial)
    if posted is not None and form.is_valid():
        data = form.cleaned_data
        if run_service(request, form, lambda: invoicing_settings.invoicing_settings_save(scope=scope, data=data)):
            messages.success(request, _("Invoicing settings saved."))
            return redirect("commerce:invoicing_settings")
    status = 400 if form.is_bound else 200
    return render(request, "commerce/invoicing/settings.html", {"form": form}, status=status)


urlpatterns: list[URLPattern] = [
    path("invoicing-settings/", invoicing_settings_view, name="invoicing_settings"),
    path("invoice-runs/", invoice_runs, name="invoice_runs"),
    path("invoice-runs/<int:pk>/progress/", invoice_run_progress, name="invoice_run_progress"),
    path("invoice-runs/new/", invoice_run_new, name="invoice_run_new"),
    path("invoice-runs/<int:pk>/", invoice_run, name="invoice_run"),
    path("invoice-runs/<int:pk>/<str:action>/", invoice_run_move, name="invoice_run_move"),
    path("invoices/", invoices, name="invoices"),
    path("invoices/unpaid/", invoices_aged, name="invoices_aged"),
    path("invoices/<int:pk>/", invoice, name="invoice"),
    path("invoices/<int:pk>/pdf/", invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/xml/", invoice_xml, name="invoice_xml"),
    path("invoices/<int:pk>/lines/<int:line_id>/<str:action>/", invoice_line, name="invoice_line"),
    path("invoices/<int:pk>/<str:action>/", invoice_move, name="invoice_move"),
]

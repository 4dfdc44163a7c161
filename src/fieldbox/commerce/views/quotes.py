"""Pages of quotes: the technician's "ask for a quote" (from a work order, the phone or a call), the office's list,
a new quote for a customer, one quote with its terms, lines, totals and buttons (from ``QUOTE_TABLE.allowed``), its
PDF; the customer's public page is ``quotes_public``'s. Every change goes through the services (the same the API
calls), so a page never decides a rule of its own."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldbox.accounts.choices import Role
from fieldbox.commerce import call_quotes  # noqa: F401 - the quote parts of the call and work order pages
from fieldbox.commerce import selectors_quotes as reads
from fieldbox.commerce.choices import QUOTE_ASKERS, QUOTE_TABLE, SELLERS, LineKind
from fieldbox.commerce.forms_quotes import (
    ConvertForm,
    FilterForm,
    FindingForm,
    LineEditForm,
    LineFormSet,
    NoteForm,
    PricedLineForm,
    SendForm,
    TermsForm,
)
from fieldbox.commerce.models import Quote
from fieldbox.commerce.services import quotes as services
from fieldbox.commerce.services import quotes_convert as converting
from fieldbox.commerce.services import quotes_sending as sending
from fieldbox.commerce.views import quotes_public
from fieldbox.core.http import AuthedRequest
from fieldbox.core.pagination import request_page
from fieldbox.core.spreadsheets import table_response
from fieldbox.core.web import id_of, run_service, scope_required
from fieldbox.service import selectors_calls as calls
from fieldbox.service.models import Ticket, WorkOrder

ASKERS = tuple(sorted(QUOTE_ASKERS))
OFFICE = tuple(sorted(SELLERS))
PAGE_SIZE = 50


# ---- The list ---------------------------------------------------------------------------------------------------


@scope_required(*OFFICE)
def quote_list(request: AuthedRequest) -> HttpResponse:
    """The organisation's quotes, newest first, by status and customer; CSV or XLSX of what is shown."""
    scope = request.scope
    form = FilterForm(request.GET or None)
    status, text = "", ""
    if form.is_bound and form.is_valid():
        status, text = form.cleaned_data["status"], form.cleaned_data["customer"].strip()
    qs = reads.quotes_filtered(scope, status=status or None)
    if text:
        qs = qs.filter(customer__in=calls.find_customers(scope, text, 200))
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        header = [_("Number"), _("Status"), _("Customer"), _("Work order"), _("Valid until"), _("Sent on")]
        rows = (
            [
                q.number,
                q.get_status_display(),
                q.customer.display_name,
                q.work_order.number if q.work_order else "",
                q.valid_until,
                q.sent_at,
            ]
            for q in qs.order_by("-pk")[:10_000]
        )
        return table_response("quotes", fmt, header, rows)
    context = {"form": form, "filtered": bool(status or text), **request_page(request, qs, PAGE_SIZE, key="quotes")}
    return render(request, "commerce/quotes/list.html", context)


# ---- Asking (the technician) and writing (the office) a quote ----------------------------------------------------


def _source(request: AuthedRequest) -> tuple[WorkOrder | None, Ticket | None]:
    scope = request.scope  # the form posts to its own address: the work order or call stay in the query
    order_id, ticket_id = id_of(request.GET.get("work_order")), id_of(request.GET.get("ticket"))
    try:
        order = reads.work_order_or_none(scope, order_id)
        ticket = reads.ticket_or_none(scope, ticket_id) if order is None else None
    except (WorkOrder.DoesNotExist, Ticket.DoesNotExist):
        raise Http404 from None
    return order, ticket


def _lines_of(formset: Any) -> list[dict[str, Any]]:
    return [w for f in formset.forms if f.is_valid() and (w := f.written()) is not None]


def _back_to(request: AuthedRequest, order: WorkOrder | None, ticket: Ticket | None, quote: Quote) -> str:
    if request.scope.role in SELLERS:
        return reverse("commerce:quote", kwargs={"pk": quote.pk})
    if order is not None:
        if request.scope.role == Role.TECHNICIAN or request.GET.get("from") == "field":
            return reverse("service:field_order", kwargs={"pk": order.pk})
        return reverse("service:work_order", kwargs={"pk": order.pk})
    assert ticket is not None
    return reverse("service:ticket", kwargs={"pk": ticket.pk})


@scope_required(*ASKERS)
def quote_ask(request: AuthedRequest) -> HttpResponse:
    """ "Ask for a quote": what the technician found on a work order or a call, and the parts and work needed."""
    scope = request.scope
    order, ticket = _source(request)
    if order is None and ticket is None:
        if scope.role in SELLERS:
            return redirect("commerce:quote_new")
        raise Http404
    posted = request.method == "POST"
    form = FindingForm(request.POST if posted else None)
    lines = LineFormSet(request.POST if posted else None, prefix="lines")
    if posted and form.is_valid() and lines.is_valid():
        made = run_service(
            request,
            form,
            lambda: services.quote_request(
                scope=scope,
                finding=form.cleaned_data["finding"],
                lines=_lines_of(lines),
                work_order_id=order.pk if order else None,
                ticket_id=ticket.pk if ticket else None,
            ),
        )
        if made is not None:
            messages.success(request, _("Quote %(number)s asked: the office will write it.") % {"number": made.number})
            return redirect(_back_to(request, order, ticket, made))
    context = {"form": form, "lines": lines, "order": order, "ticket": ticket}
    return render(request, "commerce/quotes/ask.html", context, status=400 if posted else 200)


@scope_required(*OFFICE)
def quote_new(request: AuthedRequest) -> HttpResponse:
    """A quote the office writes for a customer: find the customer, then the lines."""
    scope = request.scope
    source = request.POST if request.method == "POST" else request.GET
    customer = calls.customer_for(scope, id_of(source.get("customer")))
    posted = request.method == "POST" and customer is not None
    form = FindingForm(request.POST if posted else None)
    form.fields["finding"].required = False
    lines = LineFormSet(request.POST if posted else None, prefix="lines")
    if posted and customer is not None and form.is_valid() and lines.is_valid():
        made = run_service(
            request,
            form,
            lambda: services.quote_create(
                scope=scope, customer_id=customer.pk, finding=form.cleaned_data["finding"], lines=_lines_of(lines)
            ),
        )
        if made is not None:
            messages.success(request, _("Quote %(number)s is a draft.") % {"number": made.number})
            return redirect("commerce:quote", pk=made.pk)
    text = (request.GET.get("q") or "").strip()[:100]
    found = calls.find_customers(scope, text, 20) if text and customer is None else []
    context = {"form": form, "lines": lines, "customer": customer, "q": text, "found": found, "office": True}
    return render(request, "commerce/quotes/ask.html", context, status=400 if posted else 200)


@scope_required(*ASKERS)
def quote_items(request: AuthedRequest) -> HttpResponse:
    """The items matching what is typed, as the options of the lines' list (HTMX)."""
    typed = request.GET.get("q") or next((str(v) for k, v in request.GET.items() if k.endswith("item_code")), "")
    items = reads.items_matching(request.scope, typed)
    return render(request, "commerce/quotes/_items.html", {"items": items})


# ---- One quote --------------------------------------------------------------------------------------------------


def _terms_initial(quote: Quote) -> dict[str, Any]:
    return {
        "price_list_id": quote.price_list_id,
        "vat": quote.vat,
        "valid_until": quote.valid_until,
        "site_id": quote.site_id,
        "contact_id": quote.contact_id,
        "finding": quote.finding,
        "notes": quote.notes,
    }


def page(request: AuthedRequest, pk: int, **bound: Any) -> HttpResponse:
    """The quote's page; ``bound`` holds a form sent back with its errors (then the answer is a 400)."""
    scope = request.scope
    quote = reads.quote_for(scope, pk)
    lines = reads.lines_of(quote)
    allowed = QUOTE_TABLE.allowed(quote, scope)
    editing = "edit" in allowed
    choices = reads.choices_for(scope, quote)
    context = {
        "quote": quote,
        "totals": reads.totals(quote, lines),
        "allowed": allowed,
        "editing": editing,
        "terms_form": bound.get("terms_form") or TermsForm(initial=_terms_initial(quote), choices=choices),
        "price_lists": choices["price_lists"],
        "line_form": bound.get("line_form") or PricedLineForm(prefix="add"),
        "send_form": bound.get("send_form") or SendForm(),
        "note_form": NoteForm(),
        "convert_form": bound.get("convert_form") or ConvertForm(has_order=bool(quote.work_order_id)),
        "link": sending.customer_link(quote) if quote.sent_at and quote.status == "sent" else "",
        "offers": list(quote.offers.all().order_by("-pk")[:20]),
        "labour": LineKind.LABOUR,
    }
    return render(request, "commerce/quotes/detail.html", context, status=400 if bound else 200)


@scope_required(*OFFICE)
def quote(request: AuthedRequest, pk: int) -> HttpResponse:
    return page(request, pk)


def _back(pk: int, anchor: str = "") -> HttpResponse:
    return redirect(reverse("commerce:quote", kwargs={"pk": pk}) + (f"#{anchor}" if anchor else ""))


@scope_required(*OFFICE)
@require_POST
def quote_terms(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    quote = reads.quote_for(scope, pk)
    form = TermsForm(request.POST, choices=reads.choices_for(scope, quote))
    if form.is_valid():
        done = run_service(request, form, lambda: services.quote_edit(scope=scope, quote_id=pk, **form.cleaned_data))
        if done is not None:
            messages.success(request, _("Saved."))
            return _back(pk)
        if not form.errors:
            return _back(pk)
    return page(request, pk, terms_form=form)


@scope_required(*OFFICE)
@require_POST
def quote_price(request: AuthedRequest, pk: int) -> HttpResponse:
    """Apply the price list (the one chosen in the terms)."""
    scope = request.scope
    chosen = id_of(request.POST.get("price_list_id"))
    done = run_service(
        request, None, lambda: services.quote_apply_price_list(scope=scope, quote_id=pk, price_list_id=chosen)
    )
    if done is not None:
        missing = done[1]
        if missing:
            messages.warning(request, _("%(n)s lines have no price on the list: write their price.") % {"n": missing})
        else:
            messages.success(request, _("Every line is priced."))
    return _back(pk, "lines")


@scope_required(*OFFICE)
@require_POST
def quote_line_add(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    form = PricedLineForm(request.POST, prefix="add")
    if form.is_valid():
        done = run_service(
            request, form, lambda: services.quote_line_add(scope=scope, quote_id=pk, **form.cleaned_data)
        )
        if done is not None:
            messages.success(request, _("Line added."))
            return _back(pk, "lines")
        if not form.errors:
            return _back(pk, "lines")
    return page(request, pk, line_form=form)


@scope_required(*OFFICE)
@require_POST
def quote_line_edit(request: AuthedRequest, pk: int, line: int) -> HttpResponse:
    """Change a line (a small form in the line's row): refusals are said in a message, above the lines."""
    scope = request.scope
    reads.quote_for(scope, pk)
    form = LineEditForm(request.POST, prefix=f"line{line}")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return _back(pk, "lines")
    done = run_service(request, None, lambda: services.quote_line_edit(scope=scope, line_id=line, **form.cleaned_data))
    if done is not None:
        messages.success(request, _("Line saved."))
    return _back(pk, "lines")


@scope_required(*OFFICE)
@require_POST
def quote_line_remove(request: AuthedRequest, pk: int, line: int) -> HttpResponse:
    scope = request.scope
    reads.quote_for(scope, pk)
    if run_service(request, None, lambda: services.quote_line_remove(scope=scope, line_id=line)):
        messages.success(request, _("Line removed."))
    return _back(pk, "lines")


@scope_required(*OFFICE)
@require_POST
def quote_send(request: AuthedRequest, pk: int) -> HttpResponse:
    """Send a draft, or send a sent one again (a new link)."""
    scope = request.scope
    quote = reads.quote_for(scope, pk)
    form = SendForm(request.POST)
    if form.is_valid():
        to = form.cleaned_data["to"]
        act = sending.quote_resend if quote.status == "sent" else sending.quote_send
        done = run_service(request, form, lambda: act(scope=scope, quote_id=pk, to=to))
        if done is not None:
            messages.success(
                request, _("Quote %(number)s is on its way to %(to)s.") % {"number": done[0].number, "to": done[1]}
            )
            return _back(pk)
        if not form.errors:
            return _back(pk)
    return page(request, pk, send_form=form)


@scope_required(*OFFICE)
@require_POST
def quote_answer(request: AuthedRequest, pk: int, answer: str) -> HttpResponse:
    """The office records the customer's answer (accept or refuse), with a note."""
    if answer not in ("accept", "refuse"):
        raise Http404
    scope = request.scope
    note = NoteForm(request.POST)
    words = note.cleaned_data["note"] if note.is_valid() else ""
    done = run_service(
        request,
        None,
        lambda: sending.quote_answer(scope=scope, quote_id=pk, accept=answer == "accept", note=words),
    )
    if done is not None:
        messages.success(request, _("Quote %(number)s is now “%(status)s”.") % _words(done))
    return _back(pk)


def _words(quote: Quote) -> dict[str, str]:
    return {"number": quote.number, "status": str(quote.get_status_display())}


@scope_required(*OFFICE)
@require_POST
def quote_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    note = NoteForm(request.POST)
    words = note.cleaned_data["note"] if note.is_valid() else ""
    done = run_service(request, None, lambda: sending.quote_cancel(scope=scope, quote_id=pk, reason=words))
    if done is not None:
        messages.success(request, _("Quote %(number)s is now “%(status)s”.") % _words(done))
    return _back(pk)


@scope_required(*OFFICE)
@require_POST
def quote_convert(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    quote = reads.quote_for(scope, pk)
    form = ConvertForm(request.POST, has_order=bool(quote.work_order_id))
    if form.is_valid():
        d = form.cleaned_data
        made = run_service(
            request,
            form,
            lambda: converting.quote_convert(scope=scope, quote_id=pk, into=d["into"], description=d["description"]),
        )
        if made is not None:
            messages.success(
                request,
                _("Quote %(quote)s is now work order %(number)s.") % {"quote": quote.number, "number": made.number},
            )
            return redirect("service:work_order", pk=made.pk)
        if not form.errors:
            return _back(pk)
    return page(request, pk, convert_form=form)


@scope_required(*OFFICE)
@require_POST
def quote_offer(request: AuthedRequest, pk: int) -> HttpResponse:
    """Add a spare-parts offer: a draft offer with the quote's parts."""
    scope = request.scope
    made = run_service(request, None, lambda: converting.offer_from_quote(scope=scope, quote_id=pk))
    if made is not None:
        messages.success(request, _("Offer %(number)s is a draft with the quote's parts.") % {"number": made.number})
        try:
            return redirect(reverse("commerce:offer", kwargs={"pk": made.pk}))
        except NoReverseMatch:  # the offer pages may not exist yet: stay on the quote
            return _back(pk)
    return _back(pk)


@scope_required(*OFFICE)
def quote_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    quote = reads.quote_for(request.scope, pk)
    response = HttpResponse(sending.pdf_of(quote), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{sending.filename(quote)}"'
    return response


urlpatterns: list[URLPattern] = [
    path("commerce/quotes/", quote_list, name="quotes"),
    path("commerce/quotes/ask/", quote_ask, name="quote_ask"),
    path("commerce/quotes/new/", quote_new, name="quote_new"),
    path("commerce/quotes/items/", quote_items, name="quote_items"),
    path("commerce/quotes/<int:pk>/", quote, name="quote"),
    path("commerce/quotes/<int:pk>/terms/", quote_terms, name="quote_terms"),
    path("commerce/quotes/<int:pk>/price/", quote_price, name="quote_price"),
    path("commerce/quotes/<int:pk>/lines/", quote_line_add, name="quote_line_add"),
    path("commerce/quotes/<int:pk>/lines/<int:line>/", quote_line_edit, name="quote_line_edit"),
    path("commerce/quotes/<int:pk>/lines/<int:line>/remove/", quote_line_remove, name="quote_line_remove"),
    path("commerce/quotes/<int:pk>/send/", quote_send, name="quote_send"),
    path("commerce/quotes/<int:pk>/answer/<str:answer>/", quote_answer, name="quote_answer"),
    path("commerce/quotes/<int:pk>/cancel/", quote_cancel, name="quote_cancel"),
    path("commerce/quotes/<int:pk>/convert/", quote_convert, name="quote_convert"),
    path("commerce/quotes/<int:pk>/offer/", quote_offer, name="quote_offer"),
    path("commerce/quotes/<int:pk>/pdf/", quote_pdf, name="quote_pdf"),
    *quotes_public.urlpatterns,
]

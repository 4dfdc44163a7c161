"""Pages of sales and stock: spare-parts offers and the orders they become (SYS "Ordini/Offerte").

The office's list (filters, search by number, sorting, pages, CSV/XLSX), a new offer (customer, site, contact,
serial), one offer with its cart, its data, its PDF and its buttons (from ``OFFER_TABLE.allowed``), and the
customer's public page (``/of/<token>/``: GET shows the offer and its PDF, POST accepts or refuses). Every change
is a service's (the same the API calls)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fieldbox.commerce import (
    call_parts,  # noqa: F401 - registers the call page's "parts" section
    links,
)
from fieldbox.commerce import selectors_offers as reads
from fieldbox.commerce.choices import OFFER_TABLE
from fieldbox.commerce.forms_offers import (
    AnswerForm,
    CancelForm,
    Choices,
    FilterForm,
    LineChangeForm,
    LineForm,
    LinkAnswerForm,
    OfferDataForm,
    OfferNewForm,
)
from fieldbox.commerce.models import Offer
from fieldbox.commerce.services import offers as services
from fieldbox.commerce.services import offers_answers as answers
from fieldbox.commerce.services import offers_document as document
from fieldbox.core.errors import Conflict
from fieldbox.core.http import AuthedRequest
from fieldbox.core.spreadsheets import table_response
from fieldbox.core.tenancy import Scope
from fieldbox.core.web import id_of, page_of, run_service, scope_required
from fieldbox.fleet.models import Customer
from fieldbox.service import selectors as service_reads
from fieldbox.service import selectors_calls as calls

READERS = reads.OFFER_READERS
PAGE_SIZE = 50
EXPORT_LIMIT = 10_000
MOVES = ("send", "resend", "deliver")


def _pdf(offer: Offer) -> HttpResponse:
    response = HttpResponse(document.render(offer), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{document.filename(offer)}"'
    return response


# ---- The list -------------------------------------------------------------------------------------------------


@scope_required(*READERS)
def offers(request: AuthedRequest) -> HttpResponse:
    """The offers and orders, by status (or offers / orders), customer, days and number; CSV or XLSX."""
    scope = request.scope
    form = FilterForm(request.GET or None)
    filters, sort, text = reads.Filters(), "newest", ""
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        filters = reads.Filters(status=d["status"] or None, since=d["since"], until=d["until"], number=d["number"])
        sort, text = d["sort"] or "newest", d["customer"].strip()
    qs = reads.offers_filtered(scope, filters, sort)
    if text:
        qs = qs.filter(customer__in=calls.find_customers(scope, text, 200))
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        return _export(qs, fmt)
    page = page_of(request, qs, PAGE_SIZE)
    found = reads.totals_by_offer(list(page.object_list))
    context = {
        "form": form,
        "page": page,
        "rows": [(o, found[o.pk]) for o in page.object_list],
        "filtered": any((filters.status, filters.since, filters.until, filters.number, text)),
        "can_create": OFFER_TABLE.may_act("create", scope),
        "query": request.GET.urlencode(),
    }
    return render(request, "commerce/offers/offer_list.html", context)


def _export(qs: Any, fmt: str) -> HttpResponse:
    chosen = list(qs[:EXPORT_LIMIT])
    found = reads.totals_by_offer(chosen)
    header = [
        _("Number"),
        _("Status"),
        _("Created on"),
        _("Customer"),
        _("Billed to"),
        _("Valid until"),
        _("Ordered on"),
        _("Net"),
        _("VAT"),
        _("Total"),
    ]
    rows = (
        [
            o.number,
            o.get_status_display(),
            o.created_at.date().isoformat(),
            o.customer.display_name,
            o.billing_customer.display_name,
            o.valid_until.isoformat() if o.valid_until else "",
            o.ordered_at.date().isoformat() if o.ordered_at else "",
            found[o.pk].net,
            found[o.pk].vat,
            found[o.pk].total,
        ]
        for o in chosen
    )
    return table_response("offers", fmt, header, rows)


# ---- A new offer ----------------------------------------------------------------------------------------------


def _party_choices(scope: Scope, customer: Customer) -> dict[str, Choices]:
    return {
        "sites": [(s.pk, str(s)) for s in calls.sites_of(scope, customer.pk)],
        "contacts": [(c.pk, str(c)) for c in calls.contacts_of(scope, customer.pk)],
        "equipment": [(e.pk, str(e)) for e in calls.equipment_of(scope, customer.pk)],
        "price_lists": [(p.pk, p.name) for p in reads.price_lists_for(scope)],
    }


@scope_required(*READERS)
def offer_new(request: AuthedRequest) -> HttpResponse:
    """Find the customer, then its site, contact and serial (a call's link fills them): a draft to fill."""
    scope = request.scope
    OFFER_TABLE.require("create", scope)
    source = request.POST if request.method == "POST" else request.GET
    ticket = service_reads.tickets_for(scope).filter(pk=id_of(source.get("ticket")) or 0).first()
    customer = calls.customer_for(scope, id_of(source.get("customer")) or (ticket.customer_id if ticket else None))
    form = None
    if customer is not None:
        initial = {k: id_of(request.GET.get(k.removesuffix("_id"))) for k in ("site_id", "contact_id", "equipment_id")}
        choices = _party_choices(scope, customer)
        if not initial["site_id"] and len(choices["sites"]) == 1:
            initial["site_id"] = choices["sites"][0][0]  # the customer's only site
        form = OfferNewForm(request.POST if request.method == "POST" else None, choices=choices, initial=initial)
        if request.method == "POST" and form.is_valid():
            d = dict(form.cleaned_data)
            made = run_service(
                request,
                form,
                lambda: services.offer_create(
                    scope=scope, customer_id=customer.pk, ticket_id=ticket.pk if ticket else None, **d
                ),
            )
            if made is not None:
                messages.success(request, _("Offer %(number)s: now fill its cart.") % {"number": made.number})
                return redirect("commerce:offer", pk=made.pk)
    text = (request.GET.get("q") or "").strip()[:100]
    context = {
        "form": form,
        "customer": customer,
        "ticket": ticket,
        "q": text,
        "found": calls.find_customers(scope, text, reads.FOUND_AT_MOST) if text and customer is None else [],
    }
    return render(request, "commerce/offers/offer_new.html", context, status=400 if form and form.is_bound else 200)


# ---- One offer ------------------------------------------------------------------------------------------------


def _data_choices(request: AuthedRequest, offer: Offer) -> dict[str, Choices]:
    scope = request.scope
    choices = _party_choices(scope, offer.customer)
    billing = calls.customer_for(scope, id_of(request.POST.get("billing_customer_id"))) or offer.billing_customer
    people = {offer.customer, offer.billing_customer, billing}
    text = (request.GET.get("billing_q") or "").strip()[:100]
    people.update(calls.find_customers(scope, text, reads.FOUND_AT_MOST) if text else [])
    choices["billing_customers"] = sorted(((c.pk, c.display_name) for c in people), key=lambda c: c[1])
    choices["billing_sites"] = [(s.pk, str(s)) for s in calls.sites_of(scope, billing.pk)]
    choices["billing_contacts"] = [(c.pk, str(c)) for c in calls.contacts_of(scope, billing.pk)]
    return choices


def _change_forms(lines: list[reads.Line], bad: tuple[int, LineChangeForm] | None) -> list[tuple[Any, Any]]:
    """Each line of a draft's cart with its form (the one sent back with its errors, when there is one)."""
    forms = []
    for line in lines:
        row = line.line
        if bad and bad[0] == row.pk:
            forms.append((line, bad[1]))
            continue
        initial = {name: f"{getattr(row, name).normalize():f}" for name in ("quantity", "unit_price", "discount")}
        forms.append((line, LineChangeForm(prefix=f"line-{row.pk}", initial=initial)))
    return forms


def page(request: AuthedRequest, pk: int, **bound: Any) -> HttpResponse:
    """The offer (or order) page; ``bound`` holds a form sent back with its errors (the answer is then a 400)."""
    scope = request.scope
    offer = reads.offer_for(scope, pk)
    lines = reads.lines_of(offer)
    allowed = OFFER_TABLE.allowed(offer, scope)
    editing = "edit" in allowed
    item_text = (request.GET.get("item_q") or "").strip()[:100]
    context = {
        "offer": offer,
        "lines": lines,
        "totals": reads.totals_of(offer, lines),
        "allowed": allowed,
        "editing": editing,
        "moves": [m for m in MOVES if m in allowed],
        "can_answer": bool({"order", "refuse"} & allowed),
        "expired": reads.is_expired(offer),
        "expected": reads.expected_delivery(offer),
        "history": reads.history_of(offer),
        "link": answers.link_of(offer) if offer.sent_at else "",
        "recipient": answers.recipient(offer),
        "item_q": item_text,
        "found_items": reads.find_items(scope, item_text) if editing and item_text else [],
        "billing_q": request.GET.get("billing_q", ""),
        "answer_form": bound.get("answer_form") or AnswerForm(),
        "cancel_form": bound.get("cancel_form") or CancelForm(),
        "line_form": bound.get("line_form") or LineForm(),
    }
    if editing:
        context["data_form"] = bound.get("data_form") or OfferDataForm(
            choices=_data_choices(request, offer), initial=services.data_of(offer)
        )
        context["change_forms"] = _change_forms(lines, bound.get("change_form"))
    return render(request, "commerce/offers/offer_detail.html", context, status=400 if bound else 200)


@scope_required(*READERS)
def offer(request: AuthedRequest, pk: int) -> HttpResponse:
    return page(request, pk)


@scope_required(*READERS)
def offer_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    return _pdf(reads.offer_for(request.scope, pk))


@scope_required(*READERS)
@require_POST
def offer_data(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    offer = reads.offer_for(scope, pk)
    form = OfferDataForm(request.POST, choices=_data_choices(request, offer))
    if form.is_valid():
        d = dict(form.cleaned_data)
        reprice = d.pop("reprice")
        done = run_service(request, form, lambda: services.offer_edit(scope=scope, offer_id=pk, reprice=reprice, **d))
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("commerce:offer", pk=pk)
        if not form.errors:
            return redirect("commerce:offer", pk=pk)
    return page(request, pk, data_form=form)


@scope_required(*READERS)
@require_POST
def offer_line_add(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    form = LineForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        done = run_service(request, form, lambda: services.offer_line_add(scope=scope, offer_id=pk, **d))
        if done is not None:
            messages.success(request, _("Added to the cart."))
            return redirect(reverse("commerce:offer", kwargs={"pk": pk}) + "#cart")
        if not form.errors:
            return redirect("commerce:offer", pk=pk)
    return page(request, pk, line_form=form)


@scope_required(*READERS)
@require_POST
def offer_line_change(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    line = reads.line_for(scope, pk)
    form = LineChangeForm(request.POST, prefix=f"line-{pk}")
    if form.is_valid():
        d = form.cleaned_data
        done = run_service(request, form, lambda: services.offer_line_change(scope=scope, line_id=pk, **d))
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect(reverse("commerce:offer", kwargs={"pk": line.offer_id}) + "#cart")
        if not form.errors:
            return redirect("commerce:offer", pk=line.offer_id)
    return page(request, line.offer_id, change_form=(pk, form))


@scope_required(*READERS)
@require_POST
def offer_line_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    line = reads.line_for(scope, pk)
    if run_service(request, None, lambda: services.offer_line_remove(scope=scope, line_id=pk)) is not None:
        messages.success(request, _("Taken out of the cart."))
    return redirect(reverse("commerce:offer", kwargs={"pk": line.offer_id}) + "#cart")


@scope_required(*READERS)
@require_POST
def offer_move(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    """Send, send again, mark the order delivered."""
    if action not in MOVES:
        raise Http404
    scope = request.scope
    if action == "deliver":
        done: Any = run_service(request, None, lambda: answers.offer_deliver(scope=scope, offer_id=pk))
        if done is not None:
            messages.success(request, _("The order is delivered."))
    else:
        again = action == "resend"
        done = run_service(request, None, lambda: answers.offer_send(scope=scope, offer_id=pk, again=again))
        if done is not None:
            messages.success(request, _("The offer is on its way to %(email)s.") % {"email": done})
    return redirect("commerce:offer", pk=pk)


@scope_required(*READERS)
@require_POST
def offer_answer(request: AuthedRequest, pk: int, answer: str) -> HttpResponse:
    """The office records the customer's answer: accepted (an order), or refused."""
    if answer not in ("accept", "refuse"):
        raise Http404
    scope = request.scope
    form = AnswerForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        accept = answer == "accept"
        done = run_service(
            request,
            form,
            lambda: answers.offer_answer(
                scope=scope, offer_id=pk, accept=accept, reference=d["customer_reference"], note=d["note"]
            ),
        )
        if done is not None:
            words = _("Accepted: %(number)s is an order.") if accept else _("Refused: %(number)s.")
            messages.success(request, words % {"number": done.number})
            return redirect("commerce:offer", pk=pk)
        if not form.errors:
            return redirect("commerce:offer", pk=pk)
    return page(request, pk, answer_form=form)


@scope_required(*READERS)
@require_POST
def offer_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    form = CancelForm(request.POST)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        done = run_service(request, form, lambda: answers.offer_cancel(scope=scope, offer_id=pk, reason=reason))
        if done is not None:
            messages.success(request, _("%(number)s is cancelled.") % {"number": done.number})
            return redirect("commerce:offer", pk=pk)
        if not form.errors:
            return redirect("commerce:offer", pk=pk)
    return page(request, pk, cancel_form=form)


# ---- The customer's page ----------------------------------------------------------------------------------------


def _invalid(request: HttpRequest, *, limited: bool = False) -> HttpResponse:
    context = {"limited": limited}
    return render(request, "commerce/offers/link_invalid.html", context, status=429 if limited else 410)


def _link_page(request: HttpRequest, token: str, offer: Offer, form: LinkAnswerForm, status: int = 200) -> HttpResponse:
    lines = reads.lines_of(offer)
    context = {
        "offer": offer,
        "lines": lines,
        "totals": reads.totals_of(offer, lines) if offer.show_prices else None,
        "token": token,
        "form": form,
        "expired": reads.is_expired(offer),
        "may_answer": offer.status == "sent",
        "expected": reads.expected_delivery(offer),
        "answered": request.GET.get("answered"),
    }
    return render(request, "commerce/offers/link.html", context, status=status)


@require_http_methods(["GET", "POST"])
def offer_link(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's page of an offer, in their language: the offer, its PDF, accept (with their order's
    reference) or refuse. An old or broken link gets a clear page, never the offer."""
    if links.refused_by_rate(request, f"offer-link-{request.method}"):
        return _invalid(request, limited=True)
    try:
        offer = answers.offer_by_link(token)
    except signing.BadSignature:
        return _invalid(request)
    with translation.override(document.language_of(offer)):
        form = LinkAnswerForm(request.POST or None)
        if request.method != "POST":
            return _link_page(request, token, offer, form)
        accept = request.POST.get("answer") == "accept"
        if not form.is_valid():
            return _link_page(request, token, offer, form, status=400)
        try:
            d = form.cleaned_data
            answers.offer_answer_by_link(token=token, accept=accept, reference=d["customer_reference"], note=d["note"])
        except signing.BadSignature:
            return _invalid(request)
        except Conflict as refused:
            form.add_error(None, refused.message)
            return _link_page(request, token, answers.offer_by_link(token), form, status=409)
    return redirect(reverse("commerce:offer_link", kwargs={"token": token}) + "?answered=1", permanent=False)


def offer_link_pdf(request: HttpRequest, token: str) -> HttpResponse:
    if links.refused_by_rate(request, "offer-link-GET"):
        return _invalid(request, limited=True)
    try:
        offer = answers.offer_by_link(token)
    except signing.BadSignature:
        return _invalid(request)
    return _pdf(offer)


urlpatterns = [
    path("sales/offers/", offers, name="offers"),
    path("sales/offers/new/", offer_new, name="offer_new"),
    path("sales/offers/<int:pk>/", offer, name="offer"),
    path("sales/offers/<int:pk>/pdf/", offer_pdf, name="offer_pdf"),
    path("sales/offers/<int:pk>/data/", offer_data, name="offer_data"),
    path("sales/offers/<int:pk>/lines/", offer_line_add, name="offer_line_add"),
    path("sales/offers/<int:pk>/answer/<str:answer>/", offer_answer, name="offer_answer"),
    path("sales/offers/<int:pk>/cancel/", offer_cancel, name="offer_cancel"),
    path("sales/offers/<int:pk>/<str:action>/", offer_move, name="offer_move"),
    path("sales/offer-lines/<int:pk>/", offer_line_change, name="offer_line_change"),
    path("sales/offer-lines/<int:pk>/remove/", offer_line_remove, name="offer_line_remove"),
    path("of/<str:token>/", offer_link, name="offer_link"),
    path("of/<str:token>/pdf/", offer_link_pdf, name="offer_link_pdf"),
]

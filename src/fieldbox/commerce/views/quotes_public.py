"""The customer's page of a quote (``/q/<token>/``), without signing in, in the customer's language: GET shows the
quote with its lines and totals and its PDF, and changes nothing; POST accepts or refuses it, with an optional note
(``quote_answer_by_link``). Rate-limited by address. A tampered link, an older sending's link, or a quote no
longer "sent" answers a clear page (never a 500); a quote past its date cannot be accepted."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import translation
from django.views.decorators.http import require_http_methods

from fieldbox.accounts.models import Organisation
from fieldbox.commerce import links
from fieldbox.commerce import selectors_quotes as reads
from fieldbox.commerce.choices import QuoteStatus
from fieldbox.commerce.forms_quotes import CustomerAnswerForm
from fieldbox.commerce.models import Quote
from fieldbox.commerce.services import quotes_sending as sending
from fieldbox.core import clock
from fieldbox.core.errors import Conflict

DONE = "answered"


def _invalid(request: HttpRequest, reason: str, status: int) -> HttpResponse:
    return render(request, "commerce/quotes/public_invalid.html", {"reason": reason}, status=status)


def _render(
    request: HttpRequest, quote: Quote, organisation: Organisation, form: CustomerAnswerForm, status: int = 200
) -> HttpResponse:
    today = clock.today(organisation.time_zone)
    context = {
        "quote": quote,
        "organisation": organisation,
        "totals": reads.totals(quote),
        "form": form,
        "open": quote.status == QuoteStatus.SENT,
        "past": reads.is_past(quote, today),
        "just": request.GET.get(DONE) == "1",
    }
    return render(request, "commerce/quotes/public.html", context, status=status)


@require_http_methods(["GET", "POST"])
def quote_link(request: HttpRequest, token: str) -> HttpResponse:
    if links.refused_by_rate(request, f"quote-link-{request.method}"):
        return _invalid(request, "limited", 429)
    try:
        quote = sending.quote_by_link(token)
    except sending.BadLink as bad:
        return _invalid(request, bad.reason, 410 if bad.reason == "old" else 404)
    organisation = Organisation.objects.get(pk=quote.organisation_id)
    with translation.override(sending.language_of(quote, organisation)):
        form = CustomerAnswerForm(request.POST or None)
        if request.method != "POST":
            return _render(request, quote, organisation, form)
        answer = request.POST.get("answer")
        if answer not in ("accept", "refuse") or not form.is_valid():
            return _render(request, quote, organisation, form, status=400)
        try:
            sending.quote_answer_by_link(token=token, accept=answer == "accept", note=form.cleaned_data["note"])
        except sending.BadLink as bad:
            if bad.reason == "answered":
                return _render(request, sending.quote_by_link(token), organisation, form, status=409)
            return _invalid(request, bad.reason, 410)
        except Conflict as refused:
            form.add_error(None, refused.message)
            return _render(request, quote, organisation, form, status=409)
        return HttpResponseRedirect(f"{request.path}?{DONE}=1", status=303)


@require_http_methods(["GET"])
def quote_link_pdf(request: HttpRequest, token: str) -> HttpResponse:
    if links.refused_by_rate(request, "quote-link-GET"):
        return _invalid(request, "limited", 429)
    try:
        quote = sending.quote_by_link(token)
    except sending.BadLink as bad:
        return _invalid(request, bad.reason, 410 if bad.reason == "old" else 404)
    response = HttpResponse(sending.pdf_of(quote), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{sending.filename(quote)}"'
    return response


urlpatterns: list[URLPattern] = [
    path("q/<str:token>/", quote_link, name="quote_link"),
    path("q/<str:token>/pdf/", quote_link_pdf, name="quote_link_pdf"),
]

"""The quotes on service's pages, without service importing commerce (``service.call_sections``): section 3 of the
call page ("quote"), the office's work order page ("work_order") and the technician's phone ("field_order") list
the quotes asked there (or converted into that work order, with where its materials came from) and offer "Ask
for a quote". Imported at start-up by ``commerce.hooks``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from fieldbox.commerce import selectors_quotes as reads
from fieldbox.commerce.choices import QUOTE_ASKERS, SELLERS
from fieldbox.commerce.services import quotes_sending  # noqa: F401 - registers the quote e-mails and events
from fieldbox.service.call_sections import register


def _scope(request: HttpRequest) -> Any:
    return getattr(request, "scope", None)


def _part(request: HttpRequest, quotes: list[Any], ask: str, record: Any, where: str) -> str:
    scope = _scope(request)
    context = {
        "quotes": quotes,
        "ask": ask if scope is not None and scope.role in QUOTE_ASKERS else "",
        "office": scope is not None and scope.role in SELLERS,
        "record": record,
        "where": where,
    }
    return render_to_string("commerce/quotes/_section.html", context, request=request)


def call_quotes(request: HttpRequest, ticket: Any) -> str | None:
    scope = _scope(request)
    if scope is None:
        return None
    quotes = reads.quotes_of_ticket(scope, ticket.pk)
    ask = reverse("commerce:quote_ask") + f"?ticket={ticket.pk}"
    return _part(request, quotes, ask, ticket, "call")


def work_order_quotes(request: HttpRequest, order: Any) -> str | None:
    scope = _scope(request)
    if scope is None:
        return None
    ask = reverse("commerce:quote_ask") + f"?work_order={order.pk}"
    return _part(request, reads.quotes_of_work_order(scope, order.pk), ask, order, "work_order")


def field_order_quotes(request: HttpRequest, order: Any) -> str | None:
    scope = _scope(request)
    if scope is None:
        return None
    ask = reverse("commerce:quote_ask") + f"?work_order={order.pk}&from=field"
    return _part(request, reads.quotes_of_work_order(scope, order.pk), ask, order, "field")


register("quote", call_quotes)
register("work_order", work_order_quotes)
register("field_order", field_order_quotes)

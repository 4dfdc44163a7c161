"""The call search page (SYS "Chiamata"): the organisation's calls by date, number, intervention, status, type,
team, customer, technician and serial number, a page at a time, and every match as a spreadsheet."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format

from fieldbox.accounts import selectors as accounts_selectors
from fieldbox.core.http import AuthedRequest
from fieldbox.core.spreadsheets import table_response
from fieldbox.core.web import scope_required
from fieldbox.fleet import selectors as fleet_selectors
from fieldbox.service import search, selectors
from fieldbox.service.search_forms import CallSearchForm
from fieldbox.service.services.calls import CALL_READERS

PAGER_KEYS = ("before", "after", "format")


def _cursor(request: AuthedRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


def _form(request: AuthedRequest) -> CallSearchForm:
    scope = request.scope
    teams = [(t.pk, t.name) for t in selectors.teams_for(scope)]
    people = [(m.user_id, str(m.user)) for m in accounts_selectors.members_for(scope) if m.role in CALL_READERS]
    data = request.GET if set(request.GET) - set(PAGER_KEYS) else None
    return CallSearchForm(data, teams=teams, technicians=people)


@scope_required(*CALL_READERS)
def calls(request: AuthedRequest) -> HttpResponse:
    """The search; ``?format=csv|xlsx`` exports every match (up to ``search.EXPORT_MAX``)."""
    scope = request.scope
    form = _form(request)
    valid = not form.is_bound or form.is_valid()
    filters = form.filters() if form.is_bound and valid else {}
    fmt = request.GET.get("format", "")
    if valid and fmt in ("csv", "xlsx"):
        return _export(request, filters, fmt)
    query = request.GET.copy()
    for name in PAGER_KEYS:
        query.pop(name, None)
    context: dict[str, Any] = {
        "form": form,
        "query": query.urlencode(),
        "export_max": number_format(search.EXPORT_MAX, force_grouping=True),
    }
    if valid:
        qs = search.call_search(scope, filters)
        context["page"] = search.call_page(
            scope, qs, before=_cursor(request, "before"), after=_cursor(request, "after")
        )
    context["customer"] = _customer_named(request, filters.get("customer"))
    return render(request, "service/call_search.html", context, status=200 if valid else 400)


def _customer_named(request: AuthedRequest, value: Any) -> Any:
    """The customer a link from its page asked for (``?customer=<id>``), to name it above the results."""
    if not (isinstance(value, str) and value.strip().isdigit()):
        return None
    return fleet_selectors.customers_for(request.scope).filter(pk=int(value)).first()


def _export(request: AuthedRequest, filters: dict[str, Any], fmt: str) -> HttpResponse:
    scope = request.scope
    try:
        rows = search.export_rows(scope, search.call_search(scope, filters))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        query = request.GET.copy()
        query.pop("format", None)
        return redirect(f"{request.path}?{query.urlencode()}")
    return table_response("calls", fmt, [str(h) for h in search.EXPORT_HEADER], rows)

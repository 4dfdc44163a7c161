"""Pages of prepaid pay-per-call minutes: the packages (filters: customer, valid today, low balance), a package
sold to a customer, one package with its ledger and balance (the office uses minutes by hand and reverses a move,
each with a reason), and the customer portal's page of the customer's own packages and moves. Every change goes
through ``services.prepaid``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fieldbox.accounts.choices import PORTAL
from fieldbox.commerce import selectors_prepaid as reads
from fieldbox.commerce.choices import PREPAID_READERS, PREPAID_SELLERS
from fieldbox.commerce.forms_prepaid import PackageFilterForm, PackageForm, ReverseForm, UseForm
from fieldbox.commerce.services import prepaid as services
from fieldbox.core import clock
from fieldbox.core.http import AuthedRequest
from fieldbox.core.pagination import request_page
from fieldbox.core.web import id_of, run_service, scope_required
from fieldbox.service import selectors_calls as calls
from fieldbox.service import selectors_portal

READERS = tuple(sorted(PREPAID_READERS))
SELLERS = tuple(sorted(PREPAID_SELLERS))
PAGE_SIZE = 50


def _today(request: AuthedRequest) -> Any:
    return clock.today(request.scope.organisation.time_zone)


@scope_required(*READERS)
def prepaid_packages(request: AuthedRequest) -> HttpResponse:
    """The packages, newest first, each with its balance."""
    scope = request.scope
    form = PackageFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    text = data.get("q") or ""
    customer_ids = [c.pk for c in calls.find_customers(scope, text, 50)] if text else None
    valid = {"yes": True, "no": False}.get(data.get("valid") or "")
    rows = reads.packages_filtered(
        scope, customer_ids=customer_ids, valid=valid, low=bool(data.get("low")), day=_today(request)
    )
    context = {
        "form": form,
        "filtered": bool(text or valid is not None or data.get("low")),
        "can_sell": scope.role in PREPAID_SELLERS,
        "today": _today(request),
        **request_page(request, rows, PAGE_SIZE, key="packages"),
    }
    return render(request, "commerce/prepaid/list.html", context)


@scope_required(*SELLERS)
@require_http_methods(["GET", "POST"])
def prepaid_new(request: AuthedRequest) -> HttpResponse:
    """A package sold: find the customer, then its terms."""
    scope = request.scope
    source = request.POST if request.method == "POST" else request.GET
    customer = calls.customer_for(scope, id_of(source.get("customer")))
    if customer is None:
        text = (request.GET.get("q") or "").strip()[:100]
        found = calls.find_customers(scope, text, 20) if text else []
        return render(request, "commerce/prepaid/pick_customer.html", {"q": text, "found": found})
    contacts = [(c.pk, c.name or c.email) for c in calls.contacts_of(scope, customer.pk)[:100]]
    posted = request.POST if request.method == "POST" else None
    form = PackageForm(posted, contacts=contacts, initial={"valid_from": _today(request)})
    if posted is not None and form.is_valid():
        made = run_service(
            request,
            form,
            lambda: services.package_create(scope=scope, customer_id=customer.pk, data=form.cleaned_data),
        )
        if made is not None:
            messages.success(request, _("Package %(number)s sold.") % {"number": made.number})
            return redirect("commerce:prepaid_package", pk=made.pk)
    status = 400 if posted is not None else 200
    return render(request, "commerce/prepaid/form.html", {"form": form, "customer": customer}, status=status)


@scope_required(*READERS)
def prepaid_package(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    package = reads.package_for(scope, pk)
    today = _today(request)
    context = {
        "package": package,
        "moves": reads.moves_of(package),
        "valid": services.is_valid(package, today),
        "expired": package.valid_until is not None and package.valid_until < today,
        "can_sell": scope.role in PREPAID_SELLERS,
        "use_form": UseForm(),
        "reverse_form": ReverseForm(),
    }
    return render(request, "commerce/prepaid/detail.html", context)


@require_POST
@scope_required(*SELLERS)
def prepaid_use(request: AuthedRequest, pk: int) -> HttpResponse:
    """Minutes used by hand, with a reason."""
    scope = request.scope
    reads.package_for(scope, pk)  # another organisation's package answers 404 before the form is read
    form = UseForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))  # an ErrorList yields its messages as text
        return redirect("commerce:prepaid_package", pk=pk)
    data = form.cleaned_data
    done = run_service(
        request,
        None,
        lambda: services.minutes_use(scope=scope, package_id=pk, minutes=data["minutes"], reason=data["reason"]),
    )
    if done is not None:
        messages.success(request, _("%(minutes)s minutes used.") % {"minutes": -done.minutes})
    return redirect("commerce:prepaid_package", pk=pk)


@require_POST
@scope_required(*SELLERS)
def prepaid_reverse(request: AuthedRequest, pk: int, move: int) -> HttpResponse:
    """One move reversed, with a reason."""
    scope = request.scope
    reads.package_for(scope, pk)
    reason = (request.POST.get("reason") or "")[:500]
    done = run_service(request, None, lambda: services.move_reverse(scope=scope, move_id=move, reason=reason))
    if done is not None:
        messages.success(request, _("Move reversed."))
    return redirect("commerce:prepaid_package", pk=pk)


@scope_required(*PORTAL)
def prepaid_portal(request: AuthedRequest) -> HttpResponse:
    """The customer portal: the customer's packages, their balance and their moves."""
    scope = request.scope
    contact = selectors_portal.contact_of(scope)
    if contact is None:
        return render(request, "service/portal/unlinked.html", status=403)
    today = _today(request)
    packages = list(reads.packages_for(scope).order_by("-pk")[:20])
    shown = [
        {"package": p, "valid": services.is_valid(p, today), "moves": reads.moves_of(p)[-50:][::-1]} for p in packages
    ]
    return render(request, "commerce/prepaid/portal.html", {"shown": shown, "contact": contact})


urlpatterns: list[URLPattern] = [
    path("commerce/prepaid/", prepaid_packages, name="prepaid_packages"),
    path("commerce/prepaid/new/", prepaid_new, name="prepaid_new"),
    path("commerce/prepaid/<int:pk>/", prepaid_package, name="prepaid_package"),
    path("commerce/prepaid/<int:pk>/use/", prepaid_use, name="prepaid_use"),
    path("commerce/prepaid/<int:pk>/moves/<int:move>/reverse/", prepaid_reverse, name="prepaid_reverse"),
    path("portal/minutes/", prepaid_portal, name="prepaid_portal"),
]

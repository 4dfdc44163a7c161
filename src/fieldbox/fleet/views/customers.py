"""Customers of the provider: list with search and export, page with addresses by type, create and edit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fieldbox.core.http import AuthedRequest
from fieldbox.core.spreadsheets import table_response
from fieldbox.core.web import run_service, scope_required
from fieldbox.fleet import selectors, services
from fieldbox.fleet.choices import AddressKind
from fieldbox.fleet.forms import AddressFormSet, CustomerFilterForm, CustomerForm
from fieldbox.fleet.models import Customer
from fieldbox.fleet.views.common import PROVIDER_ROLES, export_format, page


@scope_required(*PROVIDER_ROLES)
def customer_list(request: AuthedRequest) -> HttpResponse:
    form = CustomerFilterForm(request.GET)
    qs = selectors.customers_for(request.scope)
    if form.is_valid():
        qs = selectors.search_customers(qs, form.cleaned_data["q"])
        if form.cleaned_data["kind"]:
            qs = qs.filter(kind=form.cleaned_data["kind"])
    fmt = export_format(request)
    if fmt:
        return _export(qs.order_by("-pk").iterator(chunk_size=1000), fmt)
    context = page(request, qs)
    context.update(form=form, can_edit=request.scope.role in PROVIDER_ROLES)
    return render(request, "fleet/customer_list.html", context)


def _export(customers: Iterable[Customer], fmt: str) -> HttpResponse:
    header = [_("Customer"), _("Kind"), _("Phone"), _("Other phone"), _("E-mail"), _("Language")]
    rows = ([c.display_name, c.get_kind_display(), c.phone, c.phone_other, c.email, c.language] for c in customers)
    return table_response("customers", fmt, header, rows)


@scope_required(*PROVIDER_ROLES)
def customer_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_for(request.scope, pk)
    addresses = list(customer.addresses.all())
    by_type = [(label, [a for a in addresses if a.kind == kind]) for kind, label in AddressKind.choices]
    subscriptions = (
        selectors.subscriptions_for(request.scope)
        .filter(customer=customer)
        .select_related("vehicle", "product")
        .order_by("-pk")[:100]
    )
    context: dict[str, Any] = {
        "customer": customer,
        "addresses": [(label, items) for label, items in by_type if items],
        "subscriptions": subscriptions,
        "can_edit": request.scope.role in PROVIDER_ROLES,
    }
    return render(request, "fleet/customer_detail.html", context)


def _addresses(formset: Any) -> list[dict[str, Any]]:
    return [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


def _edit(request: AuthedRequest, customer: Customer | None) -> HttpResponse:
    initial = list(customer.addresses.values("kind", "street", "postcode", "city", "country")) if customer else []
    form = CustomerForm(request.POST or None, instance=customer)
    formset = AddressFormSet(request.POST or None, prefix="addr", initial=initial)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = {name: form.cleaned_data[name] for name in services.CUSTOMER_FIELDS}
        saved = run_service(
            request,
            form,
            lambda: services.customer_save(
                scope=request.scope,
                data=data,
                addresses=_addresses(formset),
                customer_id=customer.pk if customer else None,
            ),
        )
        if saved is not None:
            messages.success(request, _("Customer %(name)s saved.") % {"name": saved.display_name})
            return redirect("fleet:customer_detail", pk=saved.pk)
    context = {"form": form, "formset": formset, "customer": customer}
    return render(request, "fleet/customer_form.html", context)


@scope_required(*PROVIDER_ROLES)
@require_http_methods(["GET", "POST"])
def customer_new(request: AuthedRequest) -> HttpResponse:
    return _edit(request, None)


@scope_required(*PROVIDER_ROLES)
@require_http_methods(["GET", "POST"])
def customer_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    return _edit(request, selectors.customer_for(request.scope, pk))

"""Customers of the organisation: list with search and export, the customer's page (data, sites and their map,
files, the sections other apps add), create and edit; files added, downloaded and removed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fieldbox.accounts.choices import CUSTOMER_READERS, CUSTOMER_WRITERS
from fieldbox.core.http import AuthedRequest
from fieldbox.core.spreadsheets import table_response
from fieldbox.core.tenancy import Scope
from fieldbox.core.web import run_service, scope_required
from fieldbox.fleet import panels, selectors, services
from fieldbox.fleet.choices import AddressKind
from fieldbox.fleet.forms import AddressFormSet, CustomerFileForm, CustomerFilterForm, CustomerForm
from fieldbox.fleet.models import Customer
from fieldbox.fleet.views.common import export_format, page


@scope_required(*CUSTOMER_READERS)
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
    context.update(
        form=form,
        can_edit=request.scope.role in CUSTOMER_WRITERS,
        is_provider=request.scope.organisation.is_provider,
    )
    return render(request, "fleet/customer_list.html", context)


def _export(customers: Iterable[Customer], fmt: str) -> HttpResponse:
    header = [
        _("Customer"),
        _("Customer code"),
        _("Kind"),
        _("Phone"),
        _("Other phone"),
        _("E-mail"),
        _("Language"),
        _("VAT number"),
        _("Fiscal code"),
        _("SDI code"),
        _("PEC"),
        _("Payment terms"),
    ]
    rows = (
        [
            *(c.display_name, c.code, c.get_kind_display(), c.phone, c.phone_other, c.email, c.language),
            *(c.vat_number, c.fiscal_code, c.sdi_code, c.pec, c.get_payment_terms_display()),
        ]
        for c in customers
    )
    return table_response("customers", fmt, header, rows)


def _subscriptions(scope: Scope, customer: Customer) -> panels.Panel | None:
    """A provider's subscriber: the subscriptions of the customer."""
    if not scope.organisation.is_provider:
        return None
    found = (
        selectors.subscriptions_for(scope)
        .filter(customer=customer)
        .select_related("vehicle", "product")
        .order_by("-pk")[:100]
    )
    return panels.Panel(_("Subscriptions"), "fleet/customer_subscriptions.html", {"subscriptions": found}, 10)


panels.register(_subscriptions)


@scope_required(*CUSTOMER_READERS)
def customer_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_for(request.scope, pk)
    return render(request, "fleet/customer_detail.html", _detail(request, customer))


def _detail(request: AuthedRequest, customer: Customer) -> dict[str, Any]:
    scope = request.scope
    sites = list(selectors.customer_sites(customer))
    by_kind = [(label, [s for s in sites if s.kind == kind]) for kind, label in AddressKind.choices]
    can_edit = scope.role in CUSTOMER_WRITERS
    return {
        "customer": customer,
        "sites": sites,
        "sites_by_kind": [(label, items) for label, items in by_kind if items],
        "files": selectors.customer_files(customer)[:200],
        "file_form": CustomerFileForm() if can_edit else None,
        "panels": panels.rendered(request, scope, customer),
        "can_edit": can_edit,
        "is_provider": scope.organisation.is_provider,
    }


def _sites(formset: Any) -> list[dict[str, Any]]:
    return [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


def _edit(request: AuthedRequest, customer: Customer | None) -> HttpResponse:
    fields = ("id", *services.SITE_FIELDS)
    initial = list(selectors.customer_sites(customer).values(*fields)) if customer else []
    site_kind = AddressKind.RESIDENCE if request.scope.organisation.is_provider else AddressKind.HEAD_OFFICE
    form = CustomerForm(request.POST or None, instance=customer)
    formset = AddressFormSet(request.POST or None, prefix="addr", initial=initial, form_kwargs={"site_kind": site_kind})
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = {name: form.cleaned_data[name] for name in services.CUSTOMER_FIELDS}
        saved = run_service(
            request,
            form,
            lambda: services.customer_save(
                scope=request.scope,
                data=data,
                addresses=_sites(formset),
                customer_id=customer.pk if customer else None,
            ),
        )
        if saved is not None:
            messages.success(request, _("Customer %(name)s saved.") % {"name": saved.display_name})
            return redirect("fleet:customer_detail", pk=saved.pk)
    context = {"form": form, "formset": formset, "customer": customer}
    return render(request, "fleet/customer_form.html", context)


@scope_required(*CUSTOMER_WRITERS)
@require_http_methods(["GET", "POST"])
def customer_new(request: AuthedRequest) -> HttpResponse:
    return _edit(request, None)


@scope_required(*CUSTOMER_WRITERS)
@require_http_methods(["GET", "POST"])
def customer_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    return _edit(request, selectors.customer_for(request.scope, pk))


@scope_required(*CUSTOMER_WRITERS)
@require_POST
def customer_file_add(request: AuthedRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_for(request.scope, pk)
    form = CustomerFileForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("file", []):
            messages.error(request, str(error))
    else:
        upload = form.cleaned_data["file"]
        saved = run_service(
            request, None, lambda: services.customer_file_add(scope=request.scope, customer_id=pk, upload=upload)
        )
        if saved is not None:
            messages.success(request, _("File %(name)s added.") % {"name": saved.name})
    return redirect(reverse("fleet:customer_detail", args=[customer.pk]) + "#files")


@scope_required(*CUSTOMER_READERS)
def customer_file(request: AuthedRequest, pk: int) -> HttpResponse:
    """A customer's file, only through this scoped view, always as a download."""
    found = selectors.customer_file_for(request.scope, pk)
    response = FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)
    response["Content-Type"] = found.content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return cast(HttpResponse, response)


@scope_required(*CUSTOMER_WRITERS)
@require_POST
def customer_file_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    found = selectors.customer_file_for(request.scope, pk)
    done = run_service(request, None, lambda: services.customer_file_remove(scope=request.scope, file_id=pk))
    if done is not None:
        messages.success(request, _("File %(name)s removed.") % {"name": found.name})
    return redirect(reverse("fleet:customer_detail", args=[found.customer_id]) + "#files")

"""Products (device models with their accessories) and subscriptions of the provider."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fieldbox.accounts.choices import LOGISTICS
from fieldbox.core.http import AuthedRequest
from fieldbox.core.web import run_service, scope_required
from fieldbox.fleet import selectors, services
from fieldbox.fleet.forms import ProductForm, SubscriptionFilterForm, SubscriptionForm
from fieldbox.fleet.models import Product
from fieldbox.fleet.views.common import PROVIDER_ROLES, choices_of, page, products


@scope_required(*PROVIDER_ROLES)
def product_list(request: AuthedRequest) -> HttpResponse:
    items = selectors.products_for(request.scope).order_by("name")[:500]
    can_edit = request.scope.role in LOGISTICS
    return render(request, "fleet/product_list.html", {"products": items, "can_edit": can_edit})


def _product_edit(request: AuthedRequest, product: Product | None) -> HttpResponse:
    form = ProductForm(request.POST or None, instance=product)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in services.PRODUCT_FIELDS}
        saved = run_service(
            request,
            form,
            lambda: services.product_save(scope=request.scope, data=data, product_id=product.pk if product else None),
        )
        if saved is not None:
            messages.success(request, _("Product %(name)s saved.") % {"name": saved.name})
            return redirect("fleet:products")
    return render(request, "fleet/product_form.html", {"form": form, "product": product})


@scope_required(*LOGISTICS)
@require_http_methods(["GET", "POST"])
def product_new(request: AuthedRequest) -> HttpResponse:
    return _product_edit(request, None)


@scope_required(*LOGISTICS)
@require_http_methods(["GET", "POST"])
def product_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    return _product_edit(request, selectors.product_for(request.scope, pk))


@scope_required(*PROVIDER_ROLES)
def subscription_list(request: AuthedRequest) -> HttpResponse:
    form = SubscriptionFilterForm(request.GET, products=products(request))
    qs = selectors.subscriptions_for(request.scope).select_related("customer", "vehicle", "product")
    if form.is_valid():
        f = form.cleaned_data
        if f["status"]:
            qs = qs.filter(status=f["status"])
        if f["product"]:
            qs = qs.filter(product_id=f["product"])
        if f["agency"].strip():
            qs = qs.filter(agency__icontains=f["agency"].strip())
    context = page(request, qs)
    context.update(form=form, can_edit=request.scope.role in PROVIDER_ROLES)
    return render(request, "fleet/subscription_list.html", context)


@scope_required(*PROVIDER_ROLES)
def subscription_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    subscription = selectors.subscription_for(request.scope, pk)
    return render(request, "fleet/subscription_detail.html", {"subscription": subscription})


@scope_required(*PROVIDER_ROLES)
@require_http_methods(["GET", "POST"])
def subscription_new(request: AuthedRequest) -> HttpResponse:
    scope = request.scope
    choices = {
        "customer_id": choices_of(selectors.customers_for(scope).order_by("last_name", "company_name")),
        "vehicle_id": choices_of(selectors.vehicles_for(scope).order_by("plate")),
        "product_id": products(request),
    }
    initial = {"customer_id": request.GET.get("customer"), "vehicle_id": request.GET.get("vehicle")}
    form = SubscriptionForm(request.POST or None, choices=choices, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = run_service(request, form, lambda: services.subscription_create(scope=scope, data=data))
        if saved is not None:
            messages.success(request, _("Subscription %(number)s saved.") % {"number": saved.number})
            return redirect("fleet:subscription_detail", pk=saved.pk)
    return render(request, "fleet/subscription_form.html", {"form": form})

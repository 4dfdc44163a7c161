"""Pages of the price lists (SYS "tariffario"): the lists, one list with the prices in force today (and those to
come, or all of them), adding and closing a price or a labour rate; a customer's terms (its list, its payment),
also shown as a panel on the customer's page; the sales and stock settings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fieldbox.commerce import selectors_catalogue as reads
from fieldbox.commerce.choices import PaymentType
from fieldbox.commerce.forms_catalogue import (
    CloseForm,
    LabourRateForm,
    PriceForm,
    PriceListForm,
    SettingsForm,
    TermsForm,
)
from fieldbox.commerce.models import CustomerTerms, PriceList
from fieldbox.commerce.services import catalogue_prices as services
from fieldbox.core import clock
from fieldbox.core.http import AuthedRequest
from fieldbox.core.tenancy import Scope
from fieldbox.core.web import page_of, run_service, scope_required
from fieldbox.fleet.models import Customer
from fieldbox.fleet.panels import Panel, register

READERS = tuple(sorted(reads.READERS))
WRITERS = tuple(sorted(reads.CATALOGUE_WRITERS))
SETTINGS_KEEPERS = tuple(sorted(reads.SETTINGS_KEEPERS))
PAGE_SIZE = 100


def _refused(request: AuthedRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


# ---- Lists ------------------------------------------------------------------------------------------------------


@scope_required(*READERS)
def price_lists(request: AuthedRequest) -> HttpResponse:
    lists = reads.price_lists_for(request.scope).order_by("-is_default", "-active", "name")
    can_edit = request.scope.role in reads.CATALOGUE_WRITERS
    return render(request, "commerce/catalogue/price_list_list.html", {"lists": lists, "can_edit": can_edit})


def _list_edit(request: AuthedRequest, found: PriceList | None) -> HttpResponse:
    initial = {f: getattr(found, f) for f in ("name", "is_default", "notes", "active")} if found else None
    form = PriceListForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = run_service(
            request,
            form,
            lambda: services.price_list_save(scope=request.scope, data=data, price_list_id=found.pk if found else None),
        )
        if saved is not None:
            messages.success(request, _("Price list %(name)s saved.") % {"name": saved.name})
            return redirect("commerce:price_list", pk=saved.pk)
    return render(request, "commerce/catalogue/price_list_form.html", {"form": form, "price_list": found})


@scope_required(*WRITERS)
@require_http_methods(["GET", "POST"])
def price_list_new(request: AuthedRequest) -> HttpResponse:
    return _list_edit(request, None)


@scope_required(*WRITERS)
@require_http_methods(["GET", "POST"])
def price_list_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    return _list_edit(request, reads.price_list_for(request.scope, pk))


def _item_choices(scope: Scope) -> list[tuple[Any, str]]:
    return [
        (i.pk, f"{i.code} · {i.description}")
        for i in reads.items_filtered(scope, reads.ItemFilters(active=True))[:2000]
    ]


def _work_types(scope: Scope) -> list[tuple[Any, str]]:
    return [(t.pk, t.name) for t in reads.work_types_for(scope)]


@scope_required(*READERS)
def price_list_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A list: its prices in force today (``?show=ahead`` those to come, ``?show=all`` every one), its labour rates,
    and for the office the forms to add a price or a rate and to close one."""
    scope = request.scope
    found = reads.price_list_for(scope, pk)
    today = clock.today(scope.organisation.time_zone)
    show = request.GET.get("show", "")
    if show == "all":
        prices = reads.prices_of(found)
    elif show == "ahead":
        prices = reads.prices_ahead(found, today)
    else:
        prices = reads.prices_of(found, day=today)
    can_edit = scope.role in reads.CATALOGUE_WRITERS
    tomorrow = today + timedelta(days=1)
    context = {
        "price_list": found,
        "page": page_of(request, prices, PAGE_SIZE),
        "show": show,
        "query": f"show={show}" if show in ("all", "ahead") else "",
        "rates": reads.labour_rates_of(found, day=today),
        "today": today,
        "can_edit": can_edit,
        "price_form": PriceForm(items=_item_choices(scope), initial={"valid_from": tomorrow}) if can_edit else None,
        "rate_form": LabourRateForm(work_types=_work_types(scope), initial={"valid_from": tomorrow})
        if can_edit
        else None,
    }
    return render(request, "commerce/catalogue/price_list_detail.html", context)


@scope_required(*WRITERS)
@require_POST
def price_add(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    found = reads.price_list_for(scope, pk)
    form = PriceForm(request.POST, items=_item_choices(scope))
    if not form.is_valid():
        _refused(request, form)
        return redirect("commerce:price_list", pk=found.pk)
    d = form.cleaned_data
    made = run_service(request, None, lambda: services.price_add(scope=scope, price_list_id=found.pk, **d))
    if made is not None:
        messages.success(request, _("Price of %(code)s saved.") % {"code": made.item.code})
    return redirect("commerce:price_list", pk=found.pk)


@scope_required(*WRITERS)
@require_POST
def price_close(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    price = reads.price_for(scope, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        _refused(request, form)
    elif run_service(
        request,
        None,
        lambda: services.price_close(scope=scope, price_id=price.pk, valid_to=form.cleaned_data["valid_to"]),
    ):
        messages.success(request, _("Price of %(code)s closed.") % {"code": price.item.code})
    return redirect("commerce:price_list", pk=price.price_list_id)


@scope_required(*WRITERS)
@require_POST
def labour_rate_add(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    found = reads.price_list_for(scope, pk)
    form = LabourRateForm(request.POST, work_types=_work_types(scope))
    if not form.is_valid():
        _refused(request, form)
        return redirect("commerce:price_list", pk=found.pk)
    d = form.cleaned_data
    if run_service(request, None, lambda: services.labour_rate_add(scope=scope, price_list_id=found.pk, **d)):
        messages.success(request, _("Labour rate saved."))
    return redirect("commerce:price_list", pk=found.pk)


@scope_required(*WRITERS)
@require_POST
def labour_rate_close(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    rate = reads.labour_rate_for(scope, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        _refused(request, form)
    elif run_service(
        request,
        None,
        lambda: services.labour_rate_close(scope=scope, rate_id=rate.pk, valid_to=form.cleaned_data["valid_to"]),
    ):
        messages.success(request, _("Labour rate closed."))
    return redirect("commerce:price_list", pk=rate.price_list_id)


# ---- A customer's terms -----------------------------------------------------------------------------------------


def payment_label(terms: CustomerTerms | None) -> str:
    if terms is None or terms.payment not in PaymentType.values:
        return ""
    return str(PaymentType(terms.payment).label)


def _lists(scope: Scope) -> list[tuple[Any, str]]:
    return [(p.pk, p.name) for p in reads.price_lists_for(scope).filter(active=True).order_by("name")]


@scope_required(*READERS)
@require_http_methods(["GET", "POST"])
def customer_terms(request: AuthedRequest, pk: int) -> HttpResponse:
    """The price list a customer buys at and its usual payment (the office changes them)."""
    scope = request.scope
    customer = reads.customer_of(scope, pk)
    terms = reads.terms_of(scope, customer)
    can_edit = scope.role in reads.CATALOGUE_WRITERS
    initial = {"price_list_id": terms.price_list_id, "payment": terms.payment} if terms else None
    form = TermsForm(request.POST if request.method == "POST" else None, lists=_lists(scope), initial=initial)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            saved = run_service(
                request, form, lambda: services.customer_terms_save(scope=scope, customer_id=customer.pk, **d)
            )
            if saved is not None:
                messages.success(request, _("Terms of %(name)s saved.") % {"name": customer})
                return redirect("fleet:customer_detail", pk=customer.pk)
    default = reads.price_lists_for(scope).filter(is_default=True).first()
    context = {
        "customer": customer,
        "terms": terms,
        "payment": payment_label(terms),
        "form": form,
        "can_edit": can_edit,
        "default": default,
    }
    return render(request, "commerce/catalogue/customer_terms.html", context)


def terms_panel(scope: Scope, customer: Customer) -> Panel | None:
    """The customer's price list and payment on its page, with a link to change them."""
    if scope.role not in reads.READERS:
        return None
    terms = reads.terms_of(scope, customer)
    context = {
        "terms": terms,
        "payment": payment_label(terms),
        "default": reads.price_lists_for(scope).filter(is_default=True).first(),
        "can_edit": scope.role in reads.CATALOGUE_WRITERS,
    }
    return Panel(_("Price list and payment"), "commerce/catalogue/_terms_panel.html", context, order=60)


register(terms_panel)


# ---- Settings ---------------------------------------------------------------------------------------------------


@scope_required(*SETTINGS_KEEPERS)
@require_http_methods(["GET", "POST"])
def commerce_settings(request: AuthedRequest) -> HttpResponse:
    scope = request.scope
    current = reads.settings_of(scope)
    fields = ("negative_stock", "quote_valid_days", "offer_valid_days", "series")
    form = SettingsForm(request.POST or None, initial={f: getattr(current, f) for f in fields})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_service(request, form, lambda: services.settings_save(scope=scope, data=data)) is not None:
            messages.success(request, _("Sales and stock settings saved."))
            return redirect("commerce:settings")
    return render(request, "commerce/catalogue/settings.html", {"form": form})


urlpatterns: list[URLPattern] = [
    path("commerce/price-lists/", price_lists, name="price_lists"),
    path("commerce/price-lists/new/", price_list_new, name="price_list_new"),
    path("commerce/price-lists/<int:pk>/", price_list_detail, name="price_list"),
    path("commerce/price-lists/<int:pk>/edit/", price_list_edit, name="price_list_edit"),
    path("commerce/price-lists/<int:pk>/prices/", price_add, name="price_add"),
    path("commerce/price-lists/<int:pk>/labour-rates/", labour_rate_add, name="labour_rate_add"),
    path("commerce/prices/<int:pk>/close/", price_close, name="price_close"),
    path("commerce/labour-rates/<int:pk>/close/", labour_rate_close, name="labour_rate_close"),
    path("commerce/customers/<int:pk>/terms/", customer_terms, name="customer_terms"),
    path("commerce/settings/", commerce_settings, name="settings"),
]

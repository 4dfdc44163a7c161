"""Pages of the catalogue (Appsistance "anagrafica prodotti"): the items with their search, filters, sorting,
pages and export; one item with its suppliers and photos; the registry's telematics products turned into items;
the suppliers. The price lists are ``catalogue_prices``', the imports ``catalogue_imports``'.

The office writes (``CATALOGUE_WRITERS``), the back office reads, a technician looks items up. Every change goes
through ``services.catalogue`` (the same the API calls)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from fieldbox.commerce import selectors_catalogue as reads
from fieldbox.commerce.forms_catalogue import (
    ItemFilterForm,
    ItemForm,
    ItemSupplierForm,
    PhotoForm,
    ProductsForm,
    SupplierForm,
)
from fieldbox.commerce.models import Item, Supplier
from fieldbox.commerce.services import catalogue as services
from fieldbox.commerce.services import catalogue_photos as photos
from fieldbox.commerce.views import catalogue_imports, catalogue_prices
from fieldbox.core import clock
from fieldbox.core.http import AuthedRequest
from fieldbox.core.spreadsheets import table_response
from fieldbox.core.web import page_of, run_service, scope_required

READERS = tuple(sorted(reads.READERS))
WRITERS = tuple(sorted(reads.CATALOGUE_WRITERS))
PAGE_SIZE = 50
EXPORT_LIMIT = 50_000
EXPORT_HEADER = (
    "code",
    "description",
    "kind",
    "unit",
    "barcode",
    "barcode_kind",
    "last_cost",
    "lead_days",
    "reorder_level",
    "tracked",
    "serialised",
    "weight_kg",
    "length_cm",
    "width_cm",
    "height_cm",
    "active",
)


# ---- Items ------------------------------------------------------------------------------------------------------


def _filters(form: ItemFilterForm) -> reads.ItemFilters:
    if not form.is_valid():
        return reads.ItemFilters(active=True)
    d = form.cleaned_data
    active = {"": True, "no": False, "all": None}.get(d["active"] or "", True)
    return reads.ItemFilters(text=d["q"], kind=d["kind"] or None, active=active, sort=d["sort"] or "code")


def _export(request: AuthedRequest, qs: Any) -> HttpResponse:
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    rows = qs.values_list(*EXPORT_HEADER)[:EXPORT_LIMIT]
    cells = ([yes_no(v) for v in row] for row in rows)
    return table_response("items", fmt, EXPORT_HEADER, cells)


def yes_no(value: Any) -> Any:
    """A yes/no cell as the import reads it again."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return plain(value)


@scope_required(*READERS)
def items(request: AuthedRequest) -> HttpResponse:
    """The organisation's items, found by code, description or barcode, by kind, in use or not, sorted, in pages;
    as CSV or XLSX with ``?format=``; the registry's products not yet items, for the office."""
    scope = request.scope
    form = ItemFilterForm(request.GET or None)
    filters = _filters(form) if form.is_bound else reads.ItemFilters(active=True)
    qs = reads.items_filtered(scope, filters)
    if request.GET.get("format") in ("csv", "xlsx"):
        return _export(request, qs)
    can_edit = scope.role in reads.CATALOGUE_WRITERS
    products = list(reads.products_to_link(scope)[:200]) if can_edit else []
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page_of(request, qs, PAGE_SIZE),
        "filtered": bool(filters.text or filters.kind or filters.active is not True),
        "query": query.urlencode(),
        "can_edit": can_edit,
        "products_form": ProductsForm(products=[(p.pk, f"{p.code} · {p.name}") for p in products])
        if products
        else None,
    }
    return render(request, "commerce/catalogue/item_list.html", context)


def plain(value: Any) -> Any:
    """A stored decimal as the office writes it (8.5, not 8.5000)."""
    return format(value.normalize(), "f") if isinstance(value, Decimal) else value


def _item_form_data(item: Item) -> dict[str, Any]:
    return {f: plain(getattr(item, f)) for f in services.ITEM_FIELDS}


def _item_edit(request: AuthedRequest, item: Item | None) -> HttpResponse:
    initial = _item_form_data(item) if item is not None else None
    form = ItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = run_service(
            request,
            form,
            lambda: services.item_save(scope=request.scope, data=data, item_id=item.pk if item else None),
        )
        if saved is not None:
            messages.success(request, _("Item %(code)s saved.") % {"code": saved.code})
            return redirect("commerce:item", pk=saved.pk)
    return render(request, "commerce/catalogue/item_form.html", {"form": form, "item": item})


@scope_required(*WRITERS)
@require_http_methods(["GET", "POST"])
def item_new(request: AuthedRequest) -> HttpResponse:
    return _item_edit(request, None)


@scope_required(*WRITERS)
@require_http_methods(["GET", "POST"])
def item_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    return _item_edit(request, reads.item_for(request.scope, pk))


@scope_required(*READERS)
def item_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """One item: its data, the product of the registry it is, its suppliers, its photos, its prices today."""
    scope = request.scope
    item = reads.item_for(scope, pk)
    can_edit = scope.role in reads.CATALOGUE_WRITERS
    prices = reads.item_prices_on(scope, item, clock.today(scope.organisation.time_zone))
    suppliers = [(s.pk, s.name) for s in reads.suppliers_filtered(scope, active=True)] if can_edit else []
    context = {
        "item": item,
        "suppliers": reads.item_suppliers(item),
        "photos": reads.item_photos(item),
        "prices": prices,
        "can_edit": can_edit,
        "supplier_form": ItemSupplierForm(suppliers=suppliers) if suppliers else None,
        "photo_form": PhotoForm() if can_edit else None,
    }
    return render(request, "commerce/catalogue/item_detail.html", context)


@scope_required(*WRITERS)
@require_POST
def item_active(request: AuthedRequest, pk: int) -> HttpResponse:
    item = reads.item_for(request.scope, pk)
    active = request.POST.get("active") == "1"
    done = run_service(
        request, None, lambda: services.item_activate(scope=request.scope, item_id=item.pk, active=active)
    )
    if done is not None:
        messages.success(request, _("Item back in use.") if active else _("Item no longer in use."))
    return redirect("commerce:item", pk=item.pk)


@scope_required(*WRITERS)
@require_POST
def item_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    item = reads.item_for(request.scope, pk)

    def call() -> bool:
        services.item_delete(scope=request.scope, item_id=item.pk)
        return True

    if run_service(request, None, call) is None:
        return redirect("commerce:item", pk=item.pk)
    messages.success(request, _("Item %(code)s deleted.") % {"code": item.code})
    return redirect("commerce:items")


@scope_required(*WRITERS)
@require_POST
def items_from_products(request: AuthedRequest) -> HttpResponse:
    """Turn the chosen telematics products of the registry into items (linked, not copied)."""
    scope = request.scope
    ids = [int(v) for v in request.POST.getlist("product_ids") if v.isdigit() and len(v) < 12]
    made = run_service(request, None, lambda: services.items_from_products(scope=scope, product_ids=ids))
    if made is not None:
        count = len(made)
        messages.success(
            request, ngettext("%(n)s product added as an item.", "%(n)s products added as items.", count) % {"n": count}
        )
    return redirect("commerce:items")


@scope_required(*WRITERS)
@require_POST
def item_supplier_add(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    item = reads.item_for(scope, pk)
    form = ItemSupplierForm(request.POST, suppliers=[(s.pk, s.name) for s in reads.suppliers_for(scope)])
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("commerce:item", pk=item.pk)
    d = form.cleaned_data
    saved = run_service(request, None, lambda: services.item_supplier_save(scope=scope, item_id=item.pk, **d))
    if saved is not None:
        messages.success(request, _("Supplier %(name)s saved for this item.") % {"name": saved.supplier.name})
    return redirect("commerce:item", pk=item.pk)


@scope_required(*WRITERS)
@require_POST
def item_supplier_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    link = reads.item_supplier_for(request.scope, pk)
    run_service(request, None, lambda: services.item_supplier_remove(scope=request.scope, link_id=link.pk))
    return redirect("commerce:item", pk=link.item_id)


@scope_required(*WRITERS)
@require_POST
def item_photo_add(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    item = reads.item_for(scope, pk)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a photo."))
    else:
        upload = form.cleaned_data["photo"]
        if run_service(request, None, lambda: photos.item_photo_add(scope=scope, item_id=item.pk, upload=upload)):
            messages.success(request, _("Photo added."))
    return redirect("commerce:item", pk=item.pk)


@scope_required(*READERS)
def item_photo(request: AuthedRequest, pk: int) -> HttpResponse:
    """A photo of an item, only through this scoped page (never a public media address)."""
    found = reads.item_photo_for(request.scope, pk)
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    extension = str(found.file.name).rsplit(".", 1)[-1]
    response["Content-Disposition"] = f'inline; filename="item-{found.item_id}-{found.pk}.{extension}"'
    return cast(HttpResponse, response)


@scope_required(*WRITERS)
@require_POST
def item_photo_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    photo = reads.item_photo_for(request.scope, pk)

    def call() -> bool:
        photos.item_photo_remove(scope=request.scope, photo_id=photo.pk)
        return True

    if run_service(request, None, call):
        messages.success(request, _("Photo removed."))
    return redirect("commerce:item", pk=photo.item_id)


# ---- Suppliers --------------------------------------------------------------------------------------------------


@scope_required(*READERS)
def suppliers(request: AuthedRequest) -> HttpResponse:
    scope = request.scope
    text = request.GET.get("q", "")[:100]
    qs = reads.suppliers_filtered(scope, text)
    if request.GET.get("format") in ("csv", "xlsx"):
        header = ("name", "vat_number", "email", "phone", "address", "lead_days", "active")
        return table_response("suppliers", request.GET["format"], header, qs.values_list(*header)[:EXPORT_LIMIT])
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page_of(request, qs, PAGE_SIZE),
        "q": text,
        "query": query.urlencode(),
        "can_edit": scope.role in reads.CATALOGUE_WRITERS,
    }
    return render(request, "commerce/catalogue/supplier_list.html", context)


def _supplier_edit(request: AuthedRequest, supplier: Supplier | None) -> HttpResponse:
    initial = {f: getattr(supplier, f) for f in services.SUPPLIER_FIELDS} if supplier else None
    form = SupplierForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = run_service(
            request,
            form,
            lambda: services.supplier_save(
                scope=request.scope, data=data, supplier_id=supplier.pk if supplier else None
            ),
        )
        if saved is not None:
            messages.success(request, _("Supplier %(name)s saved.") % {"name": saved.name})
            return redirect("commerce:suppliers")
    return render(request, "commerce/catalogue/supplier_form.html", {"form": form, "supplier": supplier})


@scope_required(*WRITERS)
@require_http_methods(["GET", "POST"])
def supplier_new(request: AuthedRequest) -> HttpResponse:
    return _supplier_edit(request, None)


@scope_required(*WRITERS)
@require_http_methods(["GET", "POST"])
def supplier_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    return _supplier_edit(request, reads.supplier_for(request.scope, pk))


urlpatterns: list[URLPattern] = [
    path("commerce/items/", items, name="items"),
    path("commerce/items/new/", item_new, name="item_new"),
    path("commerce/items/from-products/", items_from_products, name="items_from_products"),
    path("commerce/items/<int:pk>/", item_detail, name="item"),
    path("commerce/items/<int:pk>/edit/", item_edit, name="item_edit"),
    path("commerce/items/<int:pk>/active/", item_active, name="item_active"),
    path("commerce/items/<int:pk>/delete/", item_delete, name="item_delete"),
    path("commerce/items/<int:pk>/suppliers/", item_supplier_add, name="item_supplier_add"),
    path("commerce/items/<int:pk>/photos/", item_photo_add, name="item_photo_add"),
    path("commerce/item-suppliers/<int:pk>/remove/", item_supplier_remove, name="item_supplier_remove"),
    path("commerce/item-photos/<int:pk>/", item_photo, name="item_photo"),
    path("commerce/item-photos/<int:pk>/remove/", item_photo_remove, name="item_photo_remove"),
    path("commerce/suppliers/", suppliers, name="suppliers"),
    path("commerce/suppliers/new/", supplier_new, name="supplier_new"),
    path("commerce/suppliers/<int:pk>/edit/", supplier_edit, name="supplier_edit"),
    *catalogue_prices.urlpatterns,
    *catalogue_imports.urlpatterns,
]

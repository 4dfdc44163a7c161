"""Pages of sales and stock: the warehouse. The locations with their totals, a warehouse or a van (new, edit), the
stock of one location (search, filter, sort by code, keyset pages, CSV/XLSX), the moves of a location or an item
(newest first, keyset pages, what caused each, its correction), a move by hand (transfer, scrap, count), a
correction with its reason, the items below their reorder level, and the technician's phone: "My van".

Every change goes through the services (``services.stock``, ``services.stock_moves``), the same the API calls."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from fieldbox.commerce import selectors_stock as reads
from fieldbox.commerce.choices import COUNTED_LOCATIONS, STOCK_KEEPERS, LocationKind, MoveKind
from fieldbox.commerce.forms_stock import LocationForm, MoveFilterForm, MoveForm, ReverseForm, StockFilterForm, TakeForm
from fieldbox.commerce.models import Item, StockLocation
from fieldbox.commerce.services import stock as locations
from fieldbox.commerce.services import stock_moves as moves
from fieldbox.core.http import AuthedRequest
from fieldbox.core.pagination import request_page
from fieldbox.core.spreadsheets import table_response
from fieldbox.core.tenancy import Scope
from fieldbox.core.web import id_of, page_of, run_service, scope_required
from fieldbox.service.choices import ResourceKind
from fieldbox.service.models import Resource
from fieldbox.service.selectors_calls import field_people

READERS = tuple(sorted(reads.STOCK_READERS))
KEEPERS = tuple(sorted(STOCK_KEEPERS))
PAGE_SIZE = 50
MY_VAN_PAGE = 100


def _places(scope: Scope) -> list[tuple[int, str]]:
    """The warehouses and vans the person may name in a move form."""
    rows = reads.locations_for(scope).filter(kind__in=COUNTED_LOCATIONS, active=True).order_by("kind", "name")
    return [(pk, name) for pk, name in rows.values_list("pk", "name")]


# ---- Locations ----------------------------------------------------------------------------------------------


@scope_required(*READERS)
def stock_locations(request: AuthedRequest) -> HttpResponse:
    """The locations with how many items each holds and their value; customers' and suppliers' folded."""
    rows = reads.locations_with_totals(request.scope)
    kept = [r for r in rows if r["kind"] in COUNTED_LOCATIONS]
    others = [r for r in rows if r["kind"] not in COUNTED_LOCATIONS]
    context = {
        "kept": kept,
        "others": others,
        "total": sum((r["value"] for r in kept), start=0),
        "can_edit": request.scope.role in STOCK_KEEPERS,
        "my_van": next((r for r in kept if r["kind"] == LocationKind.VAN and r["keeper_id"] == request.user.pk), None),
    }
    return render(request, "commerce/stock/locations.html", context)


def _location_form(request: AuthedRequest, van: bool, **kw: Any) -> LocationForm:
    scope = request.scope
    people = [(u.pk, str(u)) for u in field_people(scope)]
    resources = [
        (r.pk, r.name)
        for r in Resource.objects.visible_to(scope).filter(active=True, kind=ResourceKind.VAN).order_by("name")
    ]
    return LocationForm(request.POST or None, van=van, people=people, resources=resources, **kw)


@scope_required(*KEEPERS)
def stock_location_new(request: AuthedRequest) -> HttpResponse:
    kind = LocationKind.VAN if request.GET.get("kind") == LocationKind.VAN else LocationKind.WAREHOUSE
    form = _location_form(request, kind == LocationKind.VAN)
    if request.method == "POST" and form.is_valid():
        made = run_service(
            request, form, lambda: locations.location_create(scope=request.scope, kind=kind, data=form.cleaned_data)
        )
        if made is not None:
            messages.success(request, _("%(name)s created.") % {"name": made.name})
            return redirect("commerce:stock_location", made.pk)
    return render(request, "commerce/stock/location_form.html", {"form": form, "kind": kind, "location": None})


@scope_required(*KEEPERS)
def stock_location_edit(request: AuthedRequest, location_id: int) -> HttpResponse:
    location = _found(request.scope, location_id)
    if location.kind not in locations.KEPT_KINDS:
        raise Http404
    initial = {f: getattr(location, f) for f in ("name", "code", "address", "keeper_id", "resource_id", "active")}
    form = _location_form(request, location.kind == LocationKind.VAN, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_service(
            request, form, lambda: locations.location_edit(scope=request.scope, location_id=location.pk, data=data)
        )
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("commerce:stock_location", location.pk)
    context = {"form": form, "kind": location.kind, "location": location}
    return render(request, "commerce/stock/location_form.html", context)


def _found(scope: Scope, location_id: int) -> StockLocation:
    try:
        return reads.location_for(scope, location_id)
    except StockLocation.DoesNotExist:
        raise Http404 from None


# ---- The stock of a location --------------------------------------------------------------------------------


def _filters(form: StockFilterForm) -> reads.StockFilters:
    if not (form.is_bound and form.is_valid()):
        return reads.StockFilters()
    d = form.cleaned_data
    return reads.StockFilters(text=d["q"], below=d["below"], descending=d["order"] == "-code")


def _export(location: StockLocation, filters: reads.StockFilters, fmt: str) -> HttpResponse:
    header = [_("Code"), _("Description"), _("Unit"), _("Quantity"), _("Last cost"), _("Value"), _("Reorder level")]
    rows = (
        reads.described(r)
        for r in reads.stock_rows(location, filters).values(*reads.STOCK_COLUMNS).iterator(chunk_size=2000)
    )
    lines = (
        (
            r["item__code"],
            r["item__description"],
            r["item__unit"],
            r["quantity"],
            r["item__last_cost"],
            r["value"],
            r["item__reorder_level"],
        )
        for r in rows
    )
    name = f"stock-{location.code or location.pk}"
    return table_response(name, fmt, header, lines)


@scope_required(*READERS)
def stock_location(request: AuthedRequest, location_id: int) -> HttpResponse:
    """One location's stock by item code, 50 a page (``?after=<code>``)."""
    location = _found(request.scope, location_id)
    form = StockFilterForm(request.GET or None)
    filters = _filters(form)
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        return _export(location, filters, fmt)
    after = request.GET.get("after", "")[:40] or None
    rows, following = reads.stock_page(location, filters, after, PAGE_SIZE)
    query = request.GET.copy()
    for name in ("after", "format"):
        query.pop(name, None)
    context = {
        "location": location,
        "form": form,
        "rows": rows,
        "following": following,
        "is_first": after is None,
        "query": query.urlencode(),
        "filtered": bool(filters.text or filters.below),
        "can_edit": request.scope.role in STOCK_KEEPERS and location.kind in locations.KEPT_KINDS,
        "can_move": location.kind in COUNTED_LOCATIONS and _may_move(request.scope, location),
        "is_keeper": request.scope.role in STOCK_KEEPERS,
    }
    return render(request, "commerce/stock/location.html", context)


def _may_move(scope: Scope, location: StockLocation) -> bool:
    return scope.role in STOCK_KEEPERS or (location.kind == LocationKind.VAN and location.keeper_id == scope.user.pk)


@scope_required(*READERS)
def stock_below_reorder(request: AuthedRequest) -> HttpResponse:
    items = page_of(request, reads.below_reorder(request.scope), PAGE_SIZE)
    return render(request, "commerce/stock/below_reorder.html", {"items": items})


# ---- Moves --------------------------------------------------------------------------------------------------


@scope_required(*READERS)
def stock_moves(request: AuthedRequest) -> HttpResponse:
    """The moves of a location (``?location=``) or an item (``?item=``), newest first."""
    scope = request.scope
    location_id, item_id = id_of(request.GET.get("location")), id_of(request.GET.get("item"))
    location = _found(scope, location_id) if location_id is not None else None
    item = Item.objects.visible_to(scope).filter(pk=item_id).first() if item_id is not None else None
    if item_id is not None and item is None:
        raise Http404
    form = MoveFilterForm(request.GET or None)
    kind = form.cleaned_data["kind"] if form.is_bound and form.is_valid() else ""
    qs = reads.moves_for(scope, location_id=location_id, item_id=item_id, kind=kind).select_related(
        "item", "source", "target", "created_by", "reversed_by"
    )
    context = {
        "location": location,
        "item": item,
        "form": form,
        "can_correct": scope.role in STOCK_KEEPERS,
        **request_page(request, qs, PAGE_SIZE, key="moves"),
    }
    return render(request, "commerce/stock/moves.html", context)


def _item_of(request: AuthedRequest, form: MoveForm | TakeForm) -> int | None:
    """The item the form names by code or barcode (an error on the form when none has it)."""
    found = reads.item_by_code(request.scope, form.cleaned_data.get("item", ""))
    if found is None:
        form.add_error("item", _("No item has this code or barcode."))
        return None
    return found.pk


def _post_move(request: AuthedRequest, kind: str, form: MoveForm) -> str:
    """Make the move the form asks for: "moved", "agrees" (a count equal to the stock) or "" (refused)."""
    d, scope = form.cleaned_data, request.scope
    item_id = _item_of(request, form)
    if item_id is None:
        return ""
    common = {"scope": scope, "item_id": item_id, "serial": d.get("serial", ""), "note": d.get("note", "")}

    def call() -> str:
        if kind == "transfer":
            moves.transfer(**common, quantity=d["quantity"], source_id=d["source"], target_id=d["target"])
        elif kind == "scrap":
            moves.scrap(**common, quantity=d["quantity"], source_id=d["source"])
        elif moves.adjust(**common, location_id=d["location"], counted=d["counted"]) is None:
            return "agrees"
        return "moved"

    return run_service(request, form, call) or ""


@scope_required(*READERS)
def stock_move_new(request: AuthedRequest) -> HttpResponse:
    """A move by hand: ``?kind=transfer|scrap|adjustment`` (a count is the office's), from ``?source=``."""
    scope = request.scope
    kind = request.GET.get("kind", "transfer")
    if kind not in MoveForm.FIELDS or (kind == "adjustment" and scope.role not in STOCK_KEEPERS):
        raise Http404
    source = id_of(request.GET.get("source"))
    initial = {"source": source, "location": source, "item": request.GET.get("item", "")[:48]}
    form = MoveForm(request.POST or None, kind=kind, places=_places(scope), initial=initial)
    if request.method == "POST" and form.is_valid():
        done = _post_move(request, kind, form)
        if done:
            if done == "agrees":
                messages.info(request, _("The count agrees with the stock: nothing to record."))
            else:
                messages.success(request, _("Stock moved."))
            back = form.cleaned_data.get("source") or form.cleaned_data.get("location")
            return redirect("commerce:stock_location", back) if back else redirect("commerce:stock_locations")
    return render(request, "commerce/stock/move_form.html", {"form": form, "kind": kind, "kinds": MoveKind})


@scope_required(*KEEPERS)
def stock_move_reverse(request: AuthedRequest, move_id: int) -> HttpResponse:
    """The correction of a move, with its reason (the button asks for confirmation)."""
    move = reads.moves_for(request.scope).select_related("item", "source", "target").filter(pk=move_id).first()
    if move is None:
        raise Http404
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        note = form.cleaned_data["note"]
        done = run_service(request, form, lambda: moves.correct(scope=request.scope, move_id=move.pk, note=note))
        if done is not None:
            messages.success(request, _("The move is corrected."))
            return redirect(reverse("commerce:stock_moves") + f"?item={move.item_id}")
    return render(request, "commerce/stock/reverse.html", {"form": form, "move": move})


# ---- The technician's phone ---------------------------------------------------------------------------------


@scope_required(*READERS)
def my_van(request: AuthedRequest) -> HttpResponse:
    """The technician's van: its stock in big rows, search by code or barcode, and taking stock from a warehouse."""
    scope = request.scope
    van = reads.locations_for(scope).filter(kind=LocationKind.VAN, keeper=scope.user).first()
    warehouses = [
        (pk, name)
        for pk, name in reads.locations_for(scope)
        .filter(kind=LocationKind.WAREHOUSE, active=True)
        .order_by("name")
        .values_list("pk", "name")
    ]
    form = TakeForm(request.POST or None, warehouses=warehouses)
    if van is not None and request.method == "POST" and form.is_valid():
        item_id = _item_of(request, form)
        d = form.cleaned_data
        if item_id is not None:
            call = lambda: moves.transfer(  # noqa: E731
                scope=scope,
                item_id=item_id,
                quantity=d["quantity"],
                source_id=d["source"],
                target_id=van.pk,
                serial=d["serial"],
            )
            if run_service(request, form, call) is not None:
                messages.success(request, _("Taken into your van."))
                return redirect("commerce:my_van")
    text = request.GET.get("q", "")[:100]
    rows: list[dict[str, Any]] = []
    if van is not None:
        rows, _more = reads.stock_page(van, reads.StockFilters(text=text), None, MY_VAN_PAGE)
    context = {"van": van, "rows": rows, "q": text, "form": form, "warehouses": warehouses}
    return render(request, "commerce/stock/my_van.html", context)


urlpatterns = [
    path("stock/", stock_locations, name="stock_locations"),
    path("stock/locations/new/", stock_location_new, name="stock_location_new"),
    path("stock/locations/<int:location_id>/", stock_location, name="stock_location"),
    path("stock/locations/<int:location_id>/edit/", stock_location_edit, name="stock_location_edit"),
    path("stock/moves/", stock_moves, name="stock_moves"),
    path("stock/moves/new/", stock_move_new, name="stock_move_new"),
    path("stock/moves/<int:move_id>/reverse/", stock_move_reverse, name="stock_move_reverse"),
    path("stock/below-reorder/", stock_below_reorder, name="stock_below_reorder"),
    path("stock/my-van/", my_van, name="my_van"),
]

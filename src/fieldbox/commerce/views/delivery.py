"""Pages of sales and stock: delivery notes (DDT) — the list (with the forms that start a note from a signed work
order or from an order), a new note for a customer, one note with its buttons (issue, cancel, change a draft), its
PDF. Buttons come from ``DELIVERY_NOTE_TABLE.allowed``; every change goes through ``services.delivery``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldbox.commerce import delivery_pdf
from fieldbox.commerce import selectors_delivery as reads
from fieldbox.commerce.choices import COUNTED_LOCATIONS, DELIVERY_NOTE_TABLE, OfferStatus
from fieldbox.commerce.forms_delivery import (
    LINE_ROWS,
    CancelForm,
    Choices,
    FromOfferForm,
    FromWorkOrderForm,
    NoteFilterForm,
    NoteForm,
    note_rows,
)
from fieldbox.commerce.models import DeliveryNote, Item, Offer, StockLocation
from fieldbox.commerce.services import delivery as services
from fieldbox.commerce.services import delivery_mail
from fieldbox.commerce.services.buying import shown
from fieldbox.core.http import AuthedRequest
from fieldbox.core.pagination import request_page
from fieldbox.core.tenancy import Scope
from fieldbox.core.web import id_of, run_service, scope_required
from fieldbox.fleet.models import Customer
from fieldbox.service import selectors_calls as calls
from fieldbox.service.models import WorkOrder

READERS = tuple(sorted(reads.NOTE_READERS))
PAGE_SIZE = 50


def _locations(scope: Scope) -> Choices:
    rows = StockLocation.objects.visible_to(scope).filter(kind__in=COUNTED_LOCATIONS, active=True)
    return [(loc.pk, f"{loc.name} ({loc.get_kind_display()})") for loc in rows.order_by("kind", "name")]


def _sites(scope: Scope, customer: Customer) -> Choices:
    return [(s.pk, str(s)) for s in calls.sites_of(scope, customer.pk)]


@scope_required(*READERS)
def delivery_notes(request: AuthedRequest) -> HttpResponse:
    """The delivery notes, newest first; the ways to start one."""
    scope = request.scope
    form = NoteFilterForm(request.GET or None)
    status = form.cleaned_data["status"] or None if form.is_bound and form.is_valid() else None
    rows = reads.notes_filtered(scope, status=status)
    context = {
        "form": form,
        "filtered": bool(status),
        "from_work_order": FromWorkOrderForm(),
        "from_offer": FromOfferForm(locations=_locations(scope)),
        "can_create": DELIVERY_NOTE_TABLE.may_act("create", scope),
        **request_page(request, rows, PAGE_SIZE, key="notes"),
    }
    return render(request, "commerce/delivery/list.html", context)


def _note_lines(scope: Scope, rows: list[dict[str, str]]) -> list[services.NoteLine]:
    codes = {row["code"] for row in rows if row["code"]}
    items = dict(Item.objects.visible_to(scope).filter(code__in=codes).values_list("code", "pk"))
    unknown = sorted(codes - set(items))
    if unknown:
        raise ValidationError({"lines": _("No item has the code %(code)s.") % {"code": ", ".join(unknown)}})
    return [
        services.NoteLine(row["description"], row["quantity"], items.get(row["code"]), row["unit"], row["serial"])
        for row in rows
    ]


def _header(data: dict[str, Any]) -> services.Header:
    return services.Header(**data)


def _rows_of(note: DeliveryNote) -> list[dict[str, str]]:
    return [
        {
            "code": line.item.code if line.item else "",
            "description": line.description,
            "quantity": shown(line.quantity),
            "unit": line.unit,
            "serial": line.serial,
        }
        for line in reads.lines_of(note)
    ]


def _note_form(request: AuthedRequest, customer: Customer, note: DeliveryNote | None) -> HttpResponse:
    scope = request.scope
    posted = request.POST if request.method == "POST" else None
    fields = ("destination_id", "source_id", "reason", "transport", "carrier", "packages", "appearance", "notes")
    initial: dict[str, Any] = {f: getattr(note, f) for f in fields} if note else {}
    if note is not None and note.weight_kg is not None:
        initial["weight_kg"] = shown(note.weight_kg)
    rows = _rows_of(note) if note else []
    form = NoteForm(posted, sites=_sites(scope, customer), locations=_locations(scope), initial=initial)
    if posted is not None:
        rows = note_rows(posted, LINE_ROWS + len(rows))
    if posted is not None and form.is_valid():
        header = _header(form.cleaned_data)
        if note is None:
            call: Any = lambda: services.delivery_create(  # noqa: E731
                scope=scope, customer_id=customer.pk, header=header, lines=_note_lines(scope, rows)
            )
        else:
            call = lambda: services.delivery_edit(  # noqa: E731
                scope=scope, note_id=note.pk, header=header, lines=_note_lines(scope, rows)
            )
        done = run_service(request, form, call)
        if done is not None:
            messages.success(request, _("Delivery note saved: issue it to give it its number."))
            return redirect("commerce:delivery_note", pk=done.pk)
    blank = dict.fromkeys(("code", "description", "quantity", "unit", "serial"), "")
    codes = Item.objects.visible_to(scope).filter(active=True).values_list("code", "description")[:1000]
    padded = (rows + [blank] * LINE_ROWS)[: max(LINE_ROWS, len(rows) + 2)]
    context = {"form": form, "customer": customer, "note": note, "rows": padded, "codes": codes}
    return render(request, "commerce/delivery/form.html", context, status=400 if form.is_bound else 200)


@scope_required(*READERS)
def delivery_new(request: AuthedRequest) -> HttpResponse:
    """A new note: find the customer, then write the note."""
    scope = request.scope
    source = request.POST if request.method == "POST" else request.GET
    customer = calls.customer_for(scope, id_of(source.get("customer")))
    if customer is not None:
        return _note_form(request, customer, None)
    text = (request.GET.get("q") or "").strip()[:100]
    found = calls.find_customers(scope, text, 20) if text else []
    return render(request, "commerce/delivery/pick_customer.html", {"q": text, "found": found})


@scope_required(*READERS)
def delivery_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    note = reads.note_for(request.scope, pk)
    return _note_form(request, note.customer, note)


@scope_required(*READERS)
def delivery_note(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    note = reads.note_for(scope, pk)
    context = {
        "note": note,
        "lines": reads.lines_of(note),
        "allowed": DELIVERY_NOTE_TABLE.allowed(note, scope),
        "cancel_form": CancelForm(),
    }
    return render(request, "commerce/delivery/detail.html", context)


@require_POST
@scope_required(*READERS)
def delivery_move(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    scope = request.scope
    if action == "issue":
        done = run_service(request, None, lambda: services.delivery_issue(scope=scope, note_id=pk))
        if done is not None:
            messages.success(request, _("Delivery note %(number)s issued.") % {"number": done.number})
    elif action == "cancel":
        reason = (request.POST.get("reason") or "")[:500]
        done = run_service(request, None, lambda: services.delivery_cancel(scope=scope, note_id=pk, reason=reason))
        if done is not None:
            messages.success(request, _("Delivery note cancelled."))
    elif action == "send":
        to = (request.POST.get("to") or "")[:254]
        sent = run_service(request, None, lambda: delivery_mail.delivery_send(scope=scope, note_id=pk, to=to))
        if sent:
            messages.success(request, _("The delivery note is on its way to %(to)s.") % {"to": sent})
    else:
        raise Http404
    return redirect("commerce:delivery_note", pk=pk)


@scope_required(*READERS)
def delivery_pdf_view(request: AuthedRequest, pk: int) -> HttpResponse:
    note = reads.note_for(request.scope, pk)
    response = HttpResponse(delivery_pdf.render(note), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{delivery_pdf.filename(note)}"'
    return response


@require_POST
@scope_required(*READERS)
def delivery_from_work_order(request: AuthedRequest) -> HttpResponse:
    """A note of a signed work order's materials, found by its number."""
    scope = request.scope
    form = FromWorkOrderForm(request.POST)
    number = form.data.get("number", "").strip()[:16]
    order = WorkOrder.objects.visible_to(scope).filter(number=number).first() if number else None
    if order is None:
        messages.error(request, _("No work order has the number %(number)s.") % {"number": number or "—"})
        return redirect("commerce:delivery_notes")
    made = run_service(request, None, lambda: services.delivery_from_work_order(scope=scope, work_order_id=order.pk))
    return redirect("commerce:delivery_note", pk=made.pk) if made else redirect("commerce:delivery_notes")


@require_POST
@scope_required(*READERS)
def delivery_from_offer(request: AuthedRequest) -> HttpResponse:
    """A note of an order's cart, found by its number, shipped from a warehouse."""
    scope = request.scope
    form = FromOfferForm(request.POST, locations=_locations(scope))
    number = form.data.get("number", "").strip()[:24]
    offer = Offer.objects.visible_to(scope).filter(number=number, status=OfferStatus.ORDERED).first()
    if offer is None or not form.is_valid():
        messages.error(request, _("Write the number of an order (an accepted offer) and where it ships from."))
        return redirect("commerce:delivery_notes")
    source = form.cleaned_data["source_id"]
    made = run_service(
        request, None, lambda: services.delivery_from_offer(scope=scope, offer_id=offer.pk, source_id=source)
    )
    return redirect("commerce:delivery_note", pk=made.pk) if made else redirect("commerce:delivery_notes")


urlpatterns: list[URLPattern] = [
    path("delivery-notes/", delivery_notes, name="delivery_notes"),
    path("delivery-notes/new/", delivery_new, name="delivery_new"),
    path("delivery-notes/from-work-order/", delivery_from_work_order, name="delivery_from_work_order"),
    path("delivery-notes/from-order/", delivery_from_offer, name="delivery_from_offer"),
    path("delivery-notes/<int:pk>/", delivery_note, name="delivery_note"),
    path("delivery-notes/<int:pk>/edit/", delivery_edit, name="delivery_edit"),
    path("delivery-notes/<int:pk>/pdf/", delivery_pdf_view, name="delivery_pdf"),
    path("delivery-notes/<int:pk>/<str:action>/", delivery_move, name="delivery_move"),
]

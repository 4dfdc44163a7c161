"""Pages of a customer's contacts and equipment: the senders still to confirm, a contact's form, a piece of equipment
with its components as a tree, the contract covering it today and its tickets, and its form. Everyone of the back
office reads them (the office alone opens the contract); the keepers of the customers' registry change them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from fieldbox.accounts.choices import BACK_OFFICE, CUSTOMER_KEEPERS
from fieldbox.core import clock
from fieldbox.core.http import AuthedRequest
from fieldbox.core.pagination import request_page
from fieldbox.core.web import run_service, scope_required
from fieldbox.fleet import selectors as fleet
from fieldbox.fleet.models import Customer
from fieldbox.fleet.services import normalise_plate
from fieldbox.messaging.phones import PhoneField
from fieldbox.service import customers as reads
from fieldbox.service import selectors_contracts as contract_reads
from fieldbox.service.models import Contact, Equipment
from fieldbox.service.services import contacts as contact_services
from fieldbox.service.services import equipment as equipment_services

PAGE_SIZE = 50
SEARCH_LIMIT = 20
DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ContactForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False)
    email = forms.EmailField(label=gettext_lazy("E-mail address"), required=False)
    phone = PhoneField(label=gettext_lazy("Phone"), required=False)
    role = forms.CharField(
        label=gettext_lazy("Role"), max_length=100, required=False, help_text=gettext_lazy("e.g. plant manager")
    )
    is_default = forms.BooleanField(label=gettext_lazy("Default contact of the customer"), required=False)


class CustomerSearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Find the customer"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class EquipmentForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Description"), max_length=200)
    serial = forms.CharField(label=gettext_lazy("Serial number"), max_length=64, required=False)
    product = forms.CharField(label=gettext_lazy("Product"), max_length=200, required=False)
    site = forms.TypedChoiceField(label=gettext_lazy("Site"), coerce=int, required=False, empty_value=None)
    parent = forms.TypedChoiceField(label=gettext_lazy("Part of"), coerce=int, required=False, empty_value=None)
    installed_on = forms.DateField(label=gettext_lazy("Installed on"), required=False, widget=DAY)
    warranty_ends_on = forms.DateField(label=gettext_lazy("Warranty ends on"), required=False, widget=DAY)
    attributes = forms.CharField(
        label=gettext_lazy("Attributes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "potenza: 12 kW\nrefrigerante: R32"}),
        help_text=gettext_lazy("One per line: name, colon, value (at most 50)."),
    )
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    device = forms.CharField(
        label=gettext_lazy("Telematics device (serial)"),
        max_length=64,
        required=False,
        help_text=gettext_lazy("Linked, not copied: the equipment then shows the device's serial."),
    )
    vehicle = forms.CharField(label=gettext_lazy("Vehicle (plate)"), max_length=16, required=False)

    def __init__(
        self, *args: Any, sites: list[tuple[int, str]], parents: list[tuple[int, str]], provider: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        none = _("— (not part of other equipment)")
        self.fields["site"].choices = [("", "—"), *sites]  # type: ignore[attr-defined]
        self.fields["parent"].choices = [("", none), *parents]  # type: ignore[attr-defined]
        if not provider:  # only a provider has telematics devices and vehicles of its own
            del self.fields["device"], self.fields["vehicle"]

    def clean_attributes(self) -> dict[str, str]:
        pairs: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data["attributes"].splitlines(), start=1):
            if not line.strip():
                continue
            name, colon, value = line.partition(":")
            if not colon or not name.strip():
                raise ValidationError(_("Line %(n)s: write the name, a colon, then the value.") % {"n": number})
            if name.strip() in pairs:
                raise ValidationError(_("Line %(n)s: this name is given twice.") % {"n": number})
            pairs[name.strip()] = value
        return pairs


def _done(remove: Callable[..., None], **arguments: Any) -> bool:
    """Run a removal for ``run_service`` (which answers None when refused)."""
    remove(**arguments)
    return True


def _attributes_text(attributes: dict[str, str]) -> str:
    return "\n".join(f"{name}: {value}" for name, value in attributes.items())


# ---- contacts ---------------------------------------------------------------------------------------------------


@scope_required(*BACK_OFFICE)
def contacts(request: AuthedRequest) -> HttpResponse:
    """The senders nobody knew yet, newest first: each to attach to a customer or to merge into a contact."""
    context = request_page(request, reads.contacts_to_confirm(request.scope), PAGE_SIZE, key="contacts")
    context["can_edit"] = request.scope.role in CUSTOMER_KEEPERS
    return render(request, "service/contact_list.html", context)


@scope_required(*CUSTOMER_KEEPERS)
@require_http_methods(["GET", "POST"])
def contact_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    contact = reads.contact_for(scope, pk)
    if contact.confirmed_at is not None:
        return redirect("service:contact_edit", pk=contact.pk)
    search = CustomerSearchForm(request.GET)
    text = search.cleaned_data["q"] if search.is_valid() else ""
    found: list[Customer] = (
        list(fleet.search_customers(fleet.customers_for(scope), text)[:SEARCH_LIMIT]) if text else []
    )
    if request.method == "POST":
        chosen = request.POST.get("customer", "")
        customer_id = int(chosen) if chosen.isdigit() and "merge" not in request.POST else None
        done = run_service(
            request,
            None,
            lambda: contact_services.contact_confirm(scope=scope, contact_id=contact.pk, customer_id=customer_id),
        )
        if done is not None:
            names = {"contact": done, "customer": done.customer}
            messages.success(request, _("%(contact)s is now a contact of %(customer)s.") % names)
            return redirect("service:contacts")
    context = {
        "contact": contact,
        "same": reads.same_address(scope, contact),
        "tickets": reads.contact_tickets(scope, contact)[:10],
        "search": search,
        "found": found,
        "searched": bool(text),
    }
    return render(request, "service/contact_confirm.html", context, status=400 if request.method == "POST" else 200)


def _contact_form(request: AuthedRequest, customer: Customer, contact: Contact | None) -> HttpResponse:
    initial = {f: getattr(contact, f) for f in contact_services.CONTACT_FIELDS} if contact else {}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = run_service(
            request,
            form,
            lambda: contact_services.contact_save(
                scope=request.scope,
                data=data,
                customer_id=customer.pk,
                contact_id=contact.pk if contact else None,
            ),
        )
        if saved is not None:
            messages.success(request, _("Contact %(name)s saved.") % {"name": saved})
            return redirect("fleet:customer_detail", pk=customer.pk)
    context = {"form": form, "customer": customer, "contact": contact}
    return render(request, "service/contact_form.html", context, status=400 if form.is_bound else 200)


@scope_required(*CUSTOMER_KEEPERS)
@require_http_methods(["GET", "POST"])
def contact_new(request: AuthedRequest, customer_pk: int) -> HttpResponse:
    return _contact_form(request, fleet.customer_for(request.scope, customer_pk), None)


@scope_required(*CUSTOMER_KEEPERS)
@require_http_methods(["GET", "POST"])
def contact_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = reads.contact_for(request.scope, pk)
    if contact.customer is None:
        return redirect("service:contact_confirm", pk=contact.pk)
    return _contact_form(request, contact.customer, contact)


@scope_required(*CUSTOMER_KEEPERS)
@require_POST
def contact_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = reads.contact_for(request.scope, pk)
    done = run_service(
        request, None, lambda: _done(contact_services.contact_remove, contact_id=pk, scope=request.scope)
    )
    if done is None:
        return redirect("service:contact_edit", pk=pk)
    messages.success(request, _("Contact %(name)s removed.") % {"name": contact})
    return (
        redirect("fleet:customer_detail", pk=contact.customer_id)
        if contact.customer_id
        else redirect("service:contacts")
    )


# ---- equipment --------------------------------------------------------------------------------------------------


@scope_required(*BACK_OFFICE)
def equipment_list(request: AuthedRequest) -> HttpResponse:
    """The organisation's equipment found by serial number (the typed one or its device's), newest first."""
    text = request.GET.get("serial", "")[:64]
    qs = reads.search_serial(reads.equipment_for(request.scope).select_related("customer"), text)
    context = request_page(request, qs, PAGE_SIZE, key="equipment")
    context["serial"] = text
    return render(request, "service/equipment_list.html", context)


@scope_required(*BACK_OFFICE)
def equipment_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    item = reads.equipment_item(scope, pk)
    context = request_page(request, reads.equipment_tickets(scope, item), PAGE_SIZE, key="tickets")
    context.update(
        item=item,
        path=reads.ancestors(scope, item),
        rows=reads.tree_rows(reads.equipment_tree(scope, item.customer_id, under=item.pk)),
        can_edit=scope.role in CUSTOMER_KEEPERS,
        cover=contract_reads.cover_of(
            organisation_id=scope.organisation.pk,
            equipment_id=item.pk,
            on=clock.today(scope.organisation.time_zone),
        ),
        can_open_contract=scope.role in contract_reads.CONTRACT_READERS,
    )
    return render(request, "service/equipment_detail.html", context)


def _links(request: AuthedRequest, form: EquipmentForm) -> dict[str, Any]:
    """The device and vehicle typed as a serial and a plate, as the ids the service checks (0: none of yours)."""
    data: dict[str, Any] = {}
    if "device" in form.fields:
        serial = "".join(form.cleaned_data["device"].split())
        found = reads.linkable_devices(request.scope).filter(serial__iexact=serial).first() if serial else None
        data["device"] = (found.pk if found else 0) if serial else None
        plate = normalise_plate(form.cleaned_data["vehicle"])
        car = reads.linkable_vehicles(request.scope).filter(plate__iexact=plate).first() if plate else None
        data["vehicle"] = (car.pk if car else 0) if plate else None
    return data


def _equipment_form(request: AuthedRequest, customer: Customer, item: Equipment | None) -> HttpResponse:
    scope = request.scope
    sites = [(s.pk, str(s)) for s in fleet.customer_sites(customer)]
    parents = reads.parent_choices(scope, customer, moving=item.pk if item else None)
    initial: dict[str, Any] = {"parent": request.GET.get("parent")}
    if item:
        fields = ("name", "serial", "product", "site", "parent", "installed_on", "warranty_ends_on", "notes")
        initial = {f: getattr(item, f"{f}_id" if f in ("site", "parent") else f) for f in fields}
        initial.update(attributes=_attributes_text(item.attributes), vehicle=item.vehicle.plate if item.vehicle else "")
        initial["device"] = item.device.serial if item.device else ""
    provider = scope.organisation.is_provider
    form = EquipmentForm(request.POST or None, initial=initial, sites=sites, parents=parents, provider=provider)
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, **_links(request, form)}
        saved = run_service(
            request,
            form,
            lambda: equipment_services.equipment_save(
                scope=scope, data=data, customer_id=customer.pk, equipment_id=item.pk if item else None
            ),
        )
        if saved is not None:
            messages.success(request, _("Equipment %(name)s saved.") % {"name": saved.name})
            return redirect("service:equipment_detail", pk=saved.pk)
    context = {"form": form, "customer": customer, "item": item}
    return render(request, "service/equipment_form.html", context, status=400 if form.is_bound else 200)


@scope_required(*CUSTOMER_KEEPERS)
@require_http_methods(["GET", "POST"])
def equipment_new(request: AuthedRequest, customer_pk: int) -> HttpResponse:
    return _equipment_form(request, fleet.customer_for(request.scope, customer_pk), None)


@scope_required(*CUSTOMER_KEEPERS)
@require_http_methods(["GET", "POST"])
def equipment_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    item = reads.equipment_item(request.scope, pk)
    return _equipment_form(request, item.customer, item)


@scope_required(*CUSTOMER_KEEPERS)
@require_POST
def equipment_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    item = reads.equipment_item(request.scope, pk)
    done = run_service(
        request, None, lambda: _done(equipment_services.equipment_remove, equipment_id=pk, scope=request.scope)
    )
    if done is None:
        return redirect("service:equipment_detail", pk=pk)
    messages.success(request, _("Equipment %(name)s removed.") % {"name": item.name})
    return redirect("fleet:customer_detail", pk=item.customer_id)

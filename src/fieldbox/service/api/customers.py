"""/api/v1: customers' contacts and equipment (with its components as a tree).

The same services and reads as the pages; the same scope (``visible_to``): an organisation reads its own only.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from fieldbox.accounts.choices import BACK_OFFICE
from fieldbox.core.http import scope_of
from fieldbox.core.pagination import PageFilters, keyset_page
from fieldbox.core.problems import NOT_BLANK, Count, WrittenDate, errors_of, fields_named
from fieldbox.service import customers as reads
from fieldbox.service.models import Contact, Equipment
from fieldbox.service.services import contacts as contact_services
from fieldbox.service.services import equipment as equipment_services

router = Router(tags=["customers' contacts and equipment"])

# The services name a link by what it is, the API by its id.
LINK_IDS = {"customer": "customer_id", "site": "site_id", "parent": "parent_id", "device": "device_id"}
LINK_IDS |= {"vehicle": "vehicle_id", "into": "into_id"}


class CustomerContactOut(Schema):
    id: int
    customer_id: int | None
    name: str
    email: str
    phone: str
    role: str
    is_default: bool
    confirmed: bool


class CustomerContactPage(Schema):
    items: list[CustomerContactOut]
    next_cursor: int | None


class CustomerContactFilters(PageFilters):
    customer_id: int | None = Field(None, description="Only the contacts of this customer")
    to_confirm: bool | None = Field(None, description="true: only the senders nobody knew yet (no customer)")


class CustomerContactPatch(Schema):
    name: str = Field("", max_length=200)
    email: str = Field("", max_length=254, description="Unique in the organisation; kept in lower case")
    phone: str = Field("", max_length=40, description="Any usual writing; kept in E.164")
    role: str = Field("", max_length=100)
    is_default: bool = Field(False, strict=True, description="The customer's default contact (the former one stops)")


class CustomerContactIn(CustomerContactPatch):
    customer_id: Count


class ContactConfirmIn(Schema):
    customer_id: Count | None = Field(None, description="The customer the contact belongs to")
    into_id: Count | None = Field(None, description="Or the confirmed contact they are (merged into it)")


AttributeName = Annotated[str, Field(min_length=1, max_length=50)]
AttributeText = Annotated[str, Field(max_length=200)]


class EquipmentSiteOut(Schema):
    id: int
    name: str
    city: str


class EquipmentPatch(Schema):
    name: str = Field("", max_length=200, description="Never blank")
    serial: str = Field("", max_length=64, description="Ignored with a device linked: the device's is the serial")
    product: str = Field("", max_length=200)
    site_id: Count | None = Field(None, description="One of the customer's sites")
    parent_id: Count | None = Field(None, description="The customer's equipment this one is part of")
    installed_on: WrittenDate | None = None
    warranty_ends_on: WrittenDate | None = Field(None, description="Not before the installation")
    attributes: dict[AttributeName, AttributeText] = Field(
        {}, max_length=50, description="Free attributes: a flat object of at most 50 short texts"
    )
    notes: str = Field("", max_length=5000)
    device_id: Count | None = Field(None, description="A provider's own telematics device (linked, not copied)")
    vehicle_id: Count | None = Field(None, description="A provider's own vehicle (linked, not copied)")


class EquipmentIn(EquipmentPatch):
    customer_id: Count
    name: str = Field(max_length=200, json_schema_extra=NOT_BLANK)


class EquipmentOut(Schema):
    id: int
    customer_id: int
    parent_id: int | None
    name: str
    serial: str = Field(description="The linked device's serial, otherwise the one given")
    product: str
    site: EquipmentSiteOut | None
    installed_on: date | None
    warranty_ends_on: date | None
    attributes: dict[str, str]
    notes: str
    device_id: int | None
    vehicle_id: int | None


class ComponentOut(EquipmentOut):
    components: list[ComponentOut]


class EquipmentDetailOut(EquipmentOut):
    components: list[ComponentOut]


class EquipmentPage(Schema):
    items: list[EquipmentOut]
    next_cursor: int | None


class EquipmentFilters(PageFilters):
    customer_id: int | None = Field(None, description="Only this customer's equipment")
    serial: str | None = Field(None, max_length=64, description="Part of the serial (the typed one or its device's)")


def _contact(c: Contact) -> dict[str, Any]:
    fields = ("name", "email", "phone", "role", "is_default")
    return {
        "id": c.pk,
        "customer_id": c.customer_id,
        **{f: getattr(c, f) for f in fields},
        "confirmed": c.confirmed_at is not None,
    }


def _equipment(e: Equipment) -> dict[str, Any]:
    site = e.site
    return {
        "id": e.pk,
        "customer_id": e.customer_id,
        "parent_id": e.parent_id,
        "name": e.name,
        "serial": getattr(e, "serial_shown", None) or e.serial,
        "product": e.product,
        "site": {"id": site.pk, "name": site.name, "city": site.city} if site else None,
        "installed_on": e.installed_on,
        "warranty_ends_on": e.warranty_ends_on,
        "attributes": e.attributes,
        "notes": e.notes,
        "device_id": e.device_id,
        "vehicle_id": e.vehicle_id,
    }


def _reader(request: HttpRequest) -> Any:
    scope = scope_of(request)
    scope.require_role(*BACK_OFFICE)
    return scope


@router.get(
    "/contacts",
    response={200: CustomerContactPage, **errors_of(403, 422)},
    summary="Contacts, newest first (by customer)",
)
def contact_list(request: HttpRequest, filters: Query[CustomerContactFilters]) -> Any:
    qs = reads.contacts_for(_reader(request))
    if filters.customer_id is not None:
        qs = qs.filter(customer_id=filters.customer_id)
    if filters.to_confirm is not None:
        qs = qs.filter(confirmed_at__isnull=filters.to_confirm)
    rows, cursor = keyset_page(qs, filters.cursor, filters.limit)
    return {"items": [_contact(c) for c in rows], "next_cursor": cursor}


def _contact_by_id(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    return _contact(reads.contact_for(scope_of(request), contact_id))


@router.post(
    "/contacts",
    response={201: CustomerContactOut, **errors_of(403, 422)},
    summary="Add a contact to one of my customers",
    description="A customer's first contact is its default; a new default takes the place of the former one.",
)
def contact_create(request: HttpRequest, payload: CustomerContactIn) -> Any:
    with fields_named(**LINK_IDS):
        contact = contact_services.contact_save(
            scope=scope_of(request), data=payload.dict(exclude={"customer_id"}), customer_id=payload.customer_id
        )
    return Status(201, _contact_by_id(request, contact.pk))


@router.patch(
    "/contacts/{contact_id}",
    response={200: CustomerContactOut, **errors_of(403, 404, 409, 422)},
    summary="Change a contact (the fields given)",
)
def contact_update(request: HttpRequest, contact_id: int, payload: CustomerContactPatch) -> Any:
    contact_services.contact_save(scope=scope_of(request), data=payload.dict(exclude_unset=True), contact_id=contact_id)
    return _contact_by_id(request, contact_id)


@router.post(
    "/contacts/{contact_id}/confirm",
    response={200: CustomerContactOut, **errors_of(403, 404, 409, 422)},
    summary="Confirm a contact to confirm: attach them to a customer, or merge them into a contact",
    description="A contact with the same address is merged into: the answer is the contact that remains.",
)
def contact_confirm(request: HttpRequest, contact_id: int, payload: ContactConfirmIn) -> Any:
    with fields_named(**LINK_IDS):
        kept = contact_services.contact_confirm(
            scope=scope_of(request), contact_id=contact_id, customer_id=payload.customer_id, into_id=payload.into_id
        )
    return _contact_by_id(request, kept.pk)


@router.delete(
    "/contacts/{contact_id}",
    response={204: None, **errors_of(403, 404, 409)},
    summary="Remove a contact (refused while they have tickets)",
)
def contact_delete(request: HttpRequest, contact_id: int) -> Any:
    contact_services.contact_remove(scope=scope_of(request), contact_id=contact_id)
    return Status(204, None)


@router.get("/equipment", response={200: EquipmentPage, **errors_of(403, 422)}, summary="Equipment, newest first")
def equipment_list(request: HttpRequest, filters: Query[EquipmentFilters]) -> Any:
    qs = reads.equipment_for(_reader(request))
    if filters.customer_id is not None:
        qs = qs.filter(customer_id=filters.customer_id)
    qs = reads.search_serial(qs, filters.serial or "")
    rows, cursor = keyset_page(qs, filters.cursor, filters.limit)
    return {"items": [_equipment(e) for e in rows], "next_cursor": cursor}


def _detail(request: HttpRequest, equipment_id: int) -> dict[str, Any]:
    scope = scope_of(request)
    item = reads.equipment_item(scope, equipment_id)
    tops = reads.equipment_tree(scope, item.customer_id, under=item.pk)
    shaped: dict[int, dict[str, Any]] = {}
    for branch in reads.walk(tops):  # parents before their components: no recursion, any depth
        shaped[branch.item.pk] = {**_equipment(branch.item), "components": []}
        parent = shaped.get(branch.item.parent_id or 0)
        if parent is not None:
            parent["components"].append(shaped[branch.item.pk])
    return {**_equipment(item), "components": [shaped[b.item.pk] for b in tops]}


@router.get(
    "/equipment/{equipment_id}",
    response={200: EquipmentDetailOut, **errors_of(403, 404)},
    summary="One piece of equipment with its components, at any depth",
)
def equipment_get(request: HttpRequest, equipment_id: int) -> Any:
    _reader(request)
    return _detail(request, equipment_id)


def _equipment_data(payload: EquipmentPatch, *, unset: bool) -> dict[str, Any]:
    data = payload.dict(exclude_unset=unset, exclude={"customer_id"})
    return {LINK_NAMES.get(k, k): v for k, v in data.items()}


LINK_NAMES = {v: k for k, v in LINK_IDS.items()}


@router.post(
    "/equipment",
    response={201: EquipmentDetailOut, **errors_of(403, 422)},
    summary="Add equipment to one of my customers",
    description="A provider may link its own telematics device and vehicle, each to one piece of equipment.",
)
def equipment_create(request: HttpRequest, payload: EquipmentIn) -> Any:
    with fields_named(**LINK_IDS):
        item = equipment_services.equipment_save(
            scope=scope_of(request), data=_equipment_data(payload, unset=False), customer_id=payload.customer_id
        )
    return Status(201, _detail(request, item.pk))


@router.patch(
    "/equipment/{equipment_id}",
    response={200: EquipmentDetailOut, **errors_of(403, 404, 409, 422)},
    summary="Change equipment (the fields given; null unlinks)",
)
def equipment_update(request: HttpRequest, equipment_id: int, payload: EquipmentPatch) -> Any:
    with fields_named(**LINK_IDS):
        equipment_services.equipment_save(
            scope=scope_of(request), data=_equipment_data(payload, unset=True), equipment_id=equipment_id
        )
    return _detail(request, equipment_id)


@router.delete(
    "/equipment/{equipment_id}",
    response={204: None, **errors_of(403, 404, 409)},
    summary="Remove equipment (refused while it has components or tickets)",
)
def equipment_delete(request: HttpRequest, equipment_id: int) -> Any:
    equipment_services.equipment_remove(scope=scope_of(request), equipment_id=equipment_id)
    return Status(204, None)

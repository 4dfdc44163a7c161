"""/api/v1: the registry — customers (with their sites and files), vehicles (with devices and jobs), subscriptions,
products — and the bulk load and bulk shipping of devices. The device list, ship and receive of one device live in
the jobs API."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from fieldbox.accounts.choices import CUSTOMER_READERS, LOGISTICS
from fieldbox.core.http import scope_of
from fieldbox.core.pagination import PageFilters, keyset_page
from fieldbox.core.problems import errors_of, fields_named
from fieldbox.core.tenancy import Scope
from fieldbox.core.uploads import row_problem
from fieldbox.fleet import imports, selectors, services
from fieldbox.fleet.models import Customer, CustomerFile, Product, Subscription, Vehicle
from fieldbox.fleet.schemas import (
    DEVICE_FIELDS,
    CompanyIn,
    CustomerFileOut,
    CustomerFilters,
    CustomerIn,
    CustomerOut,
    CustomerPage,
    CustomerPatch,
    DeviceFilters,
    DeviceOut,
    DevicePage,
    ImportedOut,
    ProductIn,
    ProductOut,
    ProductPage,
    ShipIn,
    ShippedOut,
    SubscriptionFilters,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPage,
    VehicleDetail,
    VehicleFilters,
    VehicleIn,
    VehicleOut,
    VehiclePage,
    device_out,
)

router = Router(tags=["registry"])


CUSTOMER_OUT = ("id", *services.CUSTOMER_FIELDS)
SITE_OUT = ("id", *services.SITE_FIELDS)


def _reader(request: HttpRequest) -> Scope:
    """The scope of someone who reads the organisation's customers (403 for the others)."""
    scope = scope_of(request)
    scope.require_role(*CUSTOMER_READERS)
    return scope


def _site(row: dict[str, Any]) -> dict[str, Any]:
    for name in ("latitude", "longitude"):
        row[name] = float(row[name]) if row[name] is not None else None
    return row


def _customer(c: Customer, with_addresses: bool = False) -> dict[str, Any]:
    out = {f: getattr(c, f) for f in CUSTOMER_OUT}
    out["name"] = c.display_name
    if with_addresses:
        out["addresses"] = [_site(row) for row in selectors.customer_sites(c).values(*SITE_OUT)]
    return out


def _customer_by_id(scope: Scope, customer_id: int) -> dict[str, Any]:
    return _customer(selectors.customer_for(scope, customer_id), with_addresses=True)


@router.get(
    "/customers",
    response={200: CustomerPage, **errors_of(403, 422)},
    summary="Customers of the organisation, newest first",
    description="Each without its sites (read one customer for them).",
)
def customer_list(request: HttpRequest, filters: Query[CustomerFilters]) -> Any:
    qs = selectors.search_customers(selectors.customers_for(_reader(request)), filters.q or "")
    items, cursor = keyset_page(qs, filters.cursor, filters.limit)
    return {"items": [_customer(c) for c in items], "next_cursor": cursor}


@router.get(
    "/customers/{customer_id}",
    response={200: CustomerOut, **errors_of(403, 404)},
    summary="One customer, with its sites",
)
def customer_get(request: HttpRequest, customer_id: int) -> Any:
    return _customer_by_id(_reader(request), customer_id)


@router.post(
    "/customers",
    response={201: CustomerOut, **errors_of(403, 422)},
    summary="Create a customer with its sites",
    description=(
        "Phones are stored in E.164; the VAT number and the fiscal code are checked (their check digit) and "
        "stored compact. A wrong one answers 422 naming the field; a site's error names its row (`Site 2: …`) on "
        "`addresses`. Nothing is saved then."
    ),
)
def customer_create(request: HttpRequest, payload: CustomerIn) -> Any:
    scope = scope_of(request)
    data = payload.model_dump(exclude={"addresses"})
    addresses = [a.model_dump() for a in payload.addresses]
    customer = services.customer_save(scope=scope, data=data, addresses=addresses)
    return Status(201, _customer_by_id(scope, customer.pk))


@router.patch(
    "/customers/{customer_id}",
    response={200: CustomerOut, **errors_of(403, 404, 422)},
    summary="Change a customer: only the fields sent",
    description=(
        "`addresses`, when sent, become the customer's sites: one with the `id` of one of its sites changes it "
        "(equipment and tickets keep pointing to it), one without is added, the sites left out are removed."
    ),
)
def customer_patch(request: HttpRequest, customer_id: int, payload: CustomerPatch) -> Any:
    scope = scope_of(request)
    selectors.customer_for(scope, customer_id)  # 404 before anything is checked
    sent = payload.model_fields_set
    data = payload.model_dump(include=sent - {"addresses"})
    addresses = [a.model_dump() for a in payload.addresses] if "addresses" in sent else None
    services.customer_save(scope=scope, data=data, addresses=addresses, customer_id=customer_id)
    return _customer_by_id(scope, customer_id)


def _file(found: CustomerFile) -> dict[str, Any]:
    out = {f: getattr(found, f) for f in ("id", "name", "content_type", "size", "created_at")}
    out["url"] = f"/api/v1/customers/{found.customer_id}/files/{found.pk}"
    return out


@router.get(
    "/customers/{customer_id}/files",
    response={200: list[CustomerFileOut], **errors_of(403, 404)},
    summary="A customer's files, newest first",
)
def customer_files(request: HttpRequest, customer_id: int) -> Any:
    customer = selectors.customer_for(_reader(request), customer_id)
    return [_file(f) for f in selectors.customer_files(customer)[:500]]


@router.post(
    "/customers/{customer_id}/files",
    response={201: CustomerFileOut, **errors_of(403, 404, 422)},
    summary="Keep a file with a customer (multipart field `file`)",
    description=(
        "PDF, PNG, JPEG, GIF, WebP, TXT, CSV, ZIP, DOC(X), XLS(X), ODT, ODS or EML, by its name's extension, "
        "confirmed by its content; at most `CUSTOMER_FILE_MAX_BYTES` (20 MB). Otherwise 422 on `file`."
    ),
)
def customer_file_add(request: HttpRequest, customer_id: int, file: File[UploadedFile | None] = None) -> Any:
    scope = scope_of(request)
    customer = selectors.customer_for(scope, customer_id)
    if file is None:
        raise ValidationError({"file": _("Choose a file.")})
    return Status(201, _file(services.customer_file_add(scope=scope, customer_id=customer.pk, upload=file)))


@router.get(
    "/customers/{customer_id}/files/{file_id}",
    response={200: None, **errors_of(403, 404)},
    summary="Download a customer's file",
)
def customer_file_get(request: HttpRequest, customer_id: int, file_id: int) -> Any:
    found = selectors.customer_file_for(_reader(request), file_id, customer_id=customer_id)
    response = FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)
    response["Content-Type"] = found.content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return response


@router.delete(
    "/customers/{customer_id}/files/{file_id}",
    response={204: None, **errors_of(403, 404)},
    summary="Remove a customer's file",
)
def customer_file_remove(request: HttpRequest, customer_id: int, file_id: int) -> Any:
    scope = scope_of(request)
    found = selectors.customer_file_for(scope, file_id, customer_id=customer_id)
    services.customer_file_remove(scope=scope, file_id=found.pk, customer_id=customer_id)
    return Status(204, None)


def _vehicle(v: Vehicle) -> dict[str, Any]:
    return {f: getattr(v, f) for f in ("id", "plate", "plate_country", "vin", "make", "model", "year", "vehicle_type")}


@router.get(
    "/vehicles",
    response={200: VehiclePage, **errors_of(422)},
    summary="Vehicles, newest first",
    description="A provider sees its vehicles; an installer company the vehicles of its open jobs.",
)
def vehicle_list(request: HttpRequest, filters: Query[VehicleFilters]) -> Any:
    qs = selectors.vehicles_for(scope_of(request))
    text = (filters.q or "").strip()
    if text:
        qs = qs.filter(Q(plate__icontains=services.normalise_plate(text)) | Q(vin__iexact=text))
    if filters.vehicle_type:
        qs = qs.filter(vehicle_type=filters.vehicle_type)
    items, cursor = keyset_page(qs, filters.cursor, filters.limit)
    return {"items": [_vehicle(v) for v in items], "next_cursor": cursor}


@router.get(
    "/vehicles/{vehicle_id}",
    response={200: VehicleDetail, **errors_of(404)},
    summary="One vehicle with its devices and its jobs",
    description="An installer company sees a vehicle only while it has an open job on it (404 otherwise).",
)
def vehicle_get(request: HttpRequest, vehicle_id: int) -> Any:
    scope = scope_of(request)
    vehicle = selectors.vehicle_for(scope, vehicle_id)
    devices = list(selectors.vehicle_devices(scope, vehicle)[:100])
    jobs = selectors.vehicle_jobs(scope, vehicle).select_related("company")[:100]
    return {
        **_vehicle(vehicle),
        "devices": [
            {"id": d.pk, "serial": d.serial, "imei": d.imei, "status": d.status, "since": d.status_since}
            for d in devices
        ],
        "jobs": [
            {
                "id": j.pk,
                "number": j.number,
                "kind": j.kind,
                "status": j.status,
                "company_name": j.company.name if j.company else None,
                **{f: getattr(j, f) for f in ("created_at", "assigned_at", "paired_at", "closed_at")},
            }
            for j in jobs
        ],
    }


@router.post("/vehicles", response={201: VehicleOut, **errors_of(403, 422)}, summary="Create a vehicle")
def vehicle_create(request: HttpRequest, payload: VehicleIn) -> Any:
    vehicle = services.vehicle_save(scope=scope_of(request), data=payload.model_dump())
    return Status(201, _vehicle(vehicle))


def _subscription(s: Subscription) -> dict[str, Any]:
    fields = ("id", "number", "customer_id", "vehicle_id", "product_id", "agency", "status", "arrived_on")
    return {
        **{f: getattr(s, f) for f in (*fields, "starts_on", "ends_on")},
        "customer_name": s.customer.display_name,
        "plate": s.vehicle.plate,
        "product_name": s.product.name,
    }


@router.get("/subscriptions", response={200: SubscriptionPage, **errors_of(422)}, summary="Subscriptions")
def subscription_list(request: HttpRequest, filters: Query[SubscriptionFilters]) -> Any:
    qs = selectors.subscriptions_for(scope_of(request)).select_related("customer", "vehicle", "product")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.product_id is not None:
        qs = qs.filter(product_id=filters.product_id)
    if filters.agency and filters.agency.strip():
        qs = qs.filter(agency__icontains=filters.agency.strip())
    items, cursor = keyset_page(qs, filters.cursor, filters.limit)
    return {"items": [_subscription(s) for s in items], "next_cursor": cursor}


@router.get(
    "/subscriptions/{subscription_id}", response={200: SubscriptionOut, **errors_of(404)}, summary="One subscription"
)
def subscription_get(request: HttpRequest, subscription_id: int) -> Any:
    return _subscription(selectors.subscription_for(scope_of(request), subscription_id))


@router.post(
    "/subscriptions",
    response={201: SubscriptionOut, **errors_of(403, 422)},
    summary="Create a subscription for a customer, vehicle and product of yours",
)
def subscription_create(request: HttpRequest, payload: SubscriptionIn) -> Any:
    scope = scope_of(request)
    subscription = services.subscription_create(scope=scope, data=payload.model_dump())
    return Status(201, _subscription(selectors.subscription_for(scope, subscription.pk)))


def _product(p: Product) -> dict[str, Any]:
    return {f: getattr(p, f) for f in ("id", *services.PRODUCT_FIELDS)}


@router.get("/products", response={200: ProductPage, **errors_of(422)}, summary="Products")
def product_list(request: HttpRequest, filters: Query[PageFilters]) -> Any:
    items, cursor = keyset_page(selectors.products_for(scope_of(request)), filters.cursor, filters.limit)
    return {"items": [_product(p) for p in items], "next_cursor": cursor}


@router.get("/products/{product_id}", response={200: ProductOut, **errors_of(404)}, summary="One product")
def product_get(request: HttpRequest, product_id: int) -> Any:
    return _product(selectors.product_for(scope_of(request), product_id))


@router.post(
    "/products", response={201: ProductOut, **errors_of(403, 422)}, summary="Create a product (admin, dispatcher)"
)
def product_create(request: HttpRequest, payload: ProductIn) -> Any:
    return Status(201, _product(services.product_save(scope=scope_of(request), data=payload.model_dump())))


@router.post(
    "/devices/import",
    response={201: ImportedOut, **errors_of(403, 422)},
    summary="Load devices from a spreadsheet (provider admin, dispatcher)",
    description=(
        "Multipart field `file`: .csv, .xlsx, .xls or .ods with the columns serial, imei, product_code. Every row "
        "is checked; any error answers 422 with each error's `row` and `column`, and nothing is saved. "
        "Otherwise every device is saved in stock at the provider's warehouse (201 with the count)."
    ),
)
def device_import(request: HttpRequest, file: File[UploadedFile]) -> Any:
    scope = scope_of(request)
    scope.require_role(*LOGISTICS)
    checked, count = imports.load_file(scope=scope, file=file, name=file.name or "", size=file.size)
    if checked.errors:
        return row_problem(_("The file has errors: nothing was loaded."), checked.errors, imports.MAX_SHOWN_ERRORS)
    return Status(201, {"count": count})


@router.post(
    "/devices/ship",
    response={200: ShippedOut, **errors_of(403, 404, 409, 422)},
    summary="Ship several devices in stock to a partner company (provider planners)",
    description="All the devices or none: one that cannot be shipped answers 409 naming its serial.",
)
def device_ship_many(request: HttpRequest, payload: ShipIn) -> Any:
    scope = scope_of(request)
    shipped = services.devices_ship(scope=scope, device_ids=payload.device_ids, company_id=payload.company_id)
    rows = selectors.devices_for(scope).filter(pk__in=[d.pk for d in shipped]).values(*DEVICE_FIELDS)
    return {"items": [device_out(row) for row in rows.order_by("serial")]}


def _device_by_id(scope: Scope, device_id: int) -> dict[str, Any]:
    row = selectors.devices_for(scope).filter(pk=device_id).values(*DEVICE_FIELDS).first()
    if row is None:
        raise Http404
    return device_out(row)


@router.get(
    "/devices",
    response={200: DevicePage, **errors_of(422)},
    summary="Devices, newest first",
    description="A provider sees its devices; an installer company sees the devices shipped to it.",
)
def device_list(request: HttpRequest, filters: Query[DeviceFilters]) -> Any:
    qs = selectors.devices_for(scope_of(request))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.serial and filters.serial.strip():
        qs = qs.filter(serial__startswith=filters.serial.strip().upper())
    rows, cursor = keyset_page(qs, filters.cursor, filters.limit, values=DEVICE_FIELDS)
    return {"items": [device_out(row) for row in rows], "next_cursor": cursor}


@router.post(
    "/devices/{device_id}/ship",
    response={200: DeviceOut, **errors_of(403, 404, 409, 422)},
    summary="Record a device shipped to a partner company (provider planners)",
)
def device_ship(request: HttpRequest, device_id: int, payload: CompanyIn) -> Any:
    scope = scope_of(request)
    with fields_named(company="company_id"):
        services.device_ship(scope=scope, device_id=device_id, company_id=payload.company_id)
    return _device_by_id(scope, device_id)


@router.post(
    "/devices/{device_id}/receive",
    response={200: DeviceOut, **errors_of(403, 404, 409)},
    summary="Confirm a shipped device arrived (installers)",
)
def device_receive(request: HttpRequest, device_id: int) -> Any:
    scope = scope_of(request)
    services.device_receive(scope=scope, device_id=device_id)
    return _device_by_id(scope, device_id)

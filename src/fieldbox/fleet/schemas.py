"""Shapes of the registry API: customers, vehicles (with their devices and jobs), subscriptions, products."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from ninja import Field, Schema

from fieldbox.core.pagination import PageFilters
from fieldbox.core.problems import NOT_BLANK, NUMBER, Count, Ids, WrittenDate
from fieldbox.fleet.choices import (
    AddressKind,
    CustomerKind,
    DeviceStatus,
    PaymentTerms,
    SubscriptionStatus,
    VehicleType,
)

# A latitude or a longitude: a JSON number (not text, nor true), finite. Its range is the service's rule (a site's
# error names its row), stated in the description.
Coordinate = Annotated[float, Field(strict=True, allow_inf_nan=False)]
LATITUDE: dict[str, Any] = {"minimum": -90, "maximum": 90}
LONGITUDE: dict[str, Any] = {"minimum": -180, "maximum": 180}


class AddressIn(Schema):
    id: Count | None = Field(
        None, description="One of the customer's sites, to change it (kept with what points to it); none to add one"
    )
    kind: AddressKind = AddressKind.RESIDENCE
    name: str = Field("", max_length=100, description="The site's name, e.g. Stabilimento di Rivoli")
    street: str = Field(max_length=200, json_schema_extra=NOT_BLANK)
    postcode: str = Field("", max_length=16)
    city: str = Field(max_length=100, json_schema_extra=NOT_BLANK)
    country: str = Field("IT", min_length=2, max_length=2, description="ISO 3166 country code")
    latitude: Coordinate | None = Field(
        None,
        description="WGS84 degrees, kept to 6 decimals; with the longitude, or neither",
        json_schema_extra=LATITUDE,
    )
    longitude: Coordinate | None = Field(
        None,
        description="WGS84 degrees, kept to 6 decimals; with the latitude, or neither",
        json_schema_extra=LONGITUDE,
    )


class AddressOut(Schema):
    id: int
    kind: AddressKind
    name: str
    street: str
    postcode: str
    city: str
    country: str
    latitude: float | None
    longitude: float | None


class CustomerIn(Schema):
    kind: CustomerKind = CustomerKind.PERSON
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100, description="Required for a person")
    company_name: str = Field("", max_length=200, description="Required for a company")
    phone: str = Field("", max_length=40, description="Any usual writing; stored in E.164")
    phone_other: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    language: str = Field("it", max_length=8, description="it, fr or en: the language of the SMS the customer gets")
    code: str = Field("", max_length=32, description="The organisation's own code for the customer (unique in it)")
    vat_number: str = Field(
        "",
        max_length=30,
        description="Checked with its country's check digit; Italian ones with or without IT. Stored compact",
    )
    fiscal_code: str = Field(
        "", max_length=30, description="Italian: a person's 16 characters or a company's 11 digits"
    )
    sdi_code: str = Field("", max_length=12, description="The e-invoice recipient code: 7 letters or digits")
    pec: str = Field("", max_length=254, description="Certified e-mail address")
    payment_terms: PaymentTerms = PaymentTerms.IMMEDIATE
    notes: str = Field("", max_length=5000)
    portal_shared: bool = Field(False, strict=True, description="On the portal, its contacts see each other's tickets")
    addresses: list[AddressIn] = Field([], max_length=50, description="The customer's sites")


class CustomerPatch(CustomerIn):
    """Only the fields sent change. ``addresses``, when sent, become the customer's sites: one with the ``id`` of
    one of its sites changes it, one without is added, the sites left out are removed."""


class CustomerOut(Schema):
    id: int
    kind: CustomerKind
    name: str
    first_name: str
    last_name: str
    company_name: str
    phone: str
    phone_other: str
    email: str
    language: str
    code: str
    vat_number: str
    fiscal_code: str
    sdi_code: str
    pec: str
    payment_terms: PaymentTerms
    notes: str
    portal_shared: bool
    addresses: list[AddressOut] = []


class CustomerFileOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    created_at: datetime
    url: str = Field(description="Where to download it (with the same token)")


class CustomerPage(Schema):
    items: list[CustomerOut]
    next_cursor: int | None


class CustomerFilters(PageFilters):
    q: str | None = Field(
        None, max_length=100, description="Part of the name, phone, e-mail or VAT number; the whole code or fiscal code"
    )


class VehicleIn(Schema):
    plate: str = Field(max_length=16, json_schema_extra={"pattern": r"[^\s-]"})
    plate_country: str = Field("IT", min_length=2, max_length=2)
    vin: str = Field("", max_length=20, description="17 characters; the check digit is verified only where used")
    make: str = Field("", max_length=60)
    model: str = Field("", max_length=60)
    year: Annotated[int, Field(ge=1950, le=2100), NUMBER] | None = None
    vehicle_type: VehicleType = VehicleType.CAR


class VehicleOut(Schema):
    id: int
    plate: str
    plate_country: str
    vin: str
    make: str
    model: str
    year: int | None
    vehicle_type: VehicleType


class VehiclePage(Schema):
    items: list[VehicleOut]
    next_cursor: int | None


class VehicleFilters(PageFilters):
    q: str | None = Field(None, max_length=40, description="Part of the plate, or the whole VIN")
    vehicle_type: VehicleType | None = None


class VehicleDevice(Schema):
    id: int
    serial: str
    imei: str | None
    status: DeviceStatus
    since: datetime = Field(description="When the device entered its current status")


class VehicleJob(Schema):
    id: int
    number: str
    kind: str = Field(description="installation, removal or maintenance")
    status: str = Field(description="The job's status (see the jobs API)")
    company_name: str | None
    created_at: datetime
    assigned_at: datetime | None
    paired_at: datetime | None
    closed_at: datetime | None


class VehicleDetail(VehicleOut):
    devices: list[VehicleDevice]
    jobs: list[VehicleJob]


class SubscriptionIn(Schema):
    number: str = Field(max_length=40, json_schema_extra=NOT_BLANK)
    customer_id: Count
    vehicle_id: Count
    product_id: Count
    agency: str = Field("", max_length=100)
    arrived_on: WrittenDate
    starts_on: WrittenDate | None = None
    ends_on: WrittenDate | None = None


class SubscriptionOut(Schema):
    id: int
    number: str
    customer_id: int
    customer_name: str
    vehicle_id: int
    plate: str
    product_id: int
    product_name: str
    agency: str
    status: SubscriptionStatus
    arrived_on: date
    starts_on: date | None
    ends_on: date | None


class SubscriptionPage(Schema):
    items: list[SubscriptionOut]
    next_cursor: int | None


class SubscriptionFilters(PageFilters):
    status: SubscriptionStatus | None = None
    product_id: int | None = None
    agency: str | None = Field(None, max_length=100)


class ProductIn(Schema):
    name: str = Field(max_length=100, json_schema_extra=NOT_BLANK)
    code: str = Field(max_length=32, json_schema_extra=NOT_BLANK)
    serial_prefix: str = Field("", max_length=16, description="Serial numbers of this product start with it")
    imei_required: bool = Field(True, strict=True)
    emergency_button: bool = Field(False, strict=True)
    secure_key_module: bool = Field(False, strict=True)
    central_lock_types: list[str] = Field([], max_length=50)


class ProductOut(ProductIn):
    id: int


class ProductPage(Schema):
    items: list[ProductOut]
    next_cursor: int | None


class ImportedOut(Schema):
    count: int = Field(description="Devices loaded, in stock at the provider's warehouse")


class ShipIn(Schema):
    device_ids: Ids = Field(min_length=1, max_length=500)
    company_id: Count


class ShippedOut(Schema):
    items: list[DeviceOut]


class CompanyIn(Schema):
    company_id: Count = Field(description="Installer company that accepted a partnership with the provider")


class DeviceFilters(PageFilters):
    status: DeviceStatus | None = Field(None, description="Only devices in this status")
    serial: str | None = Field(None, max_length=64, description="Serial number or its beginning")


class DeviceOut(Schema):
    id: int
    serial: str
    imei: str | None
    status: DeviceStatus
    product_name: str | None
    company_id: int | None = Field(description="Installer company the device was shipped to")
    company_name: str | None
    activated_at: datetime | None
    created_at: datetime


class DevicePage(Schema):
    items: list[DeviceOut]
    next_cursor: int | None = Field(description="Pass as `cursor` for the next page; null on the last page")


# The columns a device's API answer reads.
DEVICE_FIELDS = (
    "id",
    "serial",
    "imei",
    "status",
    "product__name",
    "company_id",
    "company__name",
    "activated_at",
    "created_at",
)


def device_out(row: dict[str, Any]) -> dict[str, Any]:
    """A device as the API answers it, from a ``values(*DEVICE_FIELDS)`` row (lists read no model objects)."""
    return {
        "id": row["id"],
        "serial": row["serial"],
        "imei": row["imei"],
        "status": row["status"],
        "product_name": row["product__name"],
        "company_id": row["company_id"],
        "company_name": row["company__name"],
        "activated_at": row["activated_at"],
        "created_at": row["created_at"],
    }

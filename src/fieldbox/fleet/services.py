"""Changes of the registry: customers, vehicles, products, subscriptions, and devices shipped and received.

Each change runs in one transaction and writes an audit event. Devices and subscriptions change state only
through their tables (``fleet.choices.DEVICE_TABLE``, ``SUBSCRIPTION_TABLE``) and the transition kernel; the job
and removal services pair, activate and remove devices through the same table.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import PurePosixPath
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from fieldbox.accounts.choices import CUSTOMER_WRITERS, LOGISTICS, PROVIDER_ROLES
from fieldbox.accounts.selectors import accepted_partner
from fieldbox.core import audit, files, transitions
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.choices import (
    DEVICE_TABLE,
    SUBSCRIPTION_TABLE,
    AddressKind,
    CustomerKind,
    PaymentTerms,
    VehicleType,
)
from fieldbox.fleet.models import Customer, CustomerAddress, CustomerFile, Device, Product, Subscription, Vehicle
from fieldbox.fleet.validators import (
    normalise_fiscal_code,
    normalise_sdi_code,
    normalise_vat,
    normalise_vin,
    validate_latitude,
    validate_longitude,
    validate_vin,
)
from fieldbox.messaging.phones import normalise_phone

BULK_LIMIT = 500

CUSTOMER_FIELDS = (
    "kind",
    "first_name",
    "last_name",
    "company_name",
    "phone",
    "phone_other",
    "email",
    "language",
    "code",
    "vat_number",
    "fiscal_code",
    "sdi_code",
    "pec",
    "payment_terms",
    "notes",
    "portal_shared",
)
SITE_FIELDS = ("kind", "name", "street", "postcode", "city", "country", "latitude", "longitude")
VEHICLE_FIELDS = ("plate", "plate_country", "vin", "make", "model", "year", "vehicle_type")
PRODUCT_FIELDS = (
    "name",
    "code",
    "serial_prefix",
    "imei_required",
    "emergency_button",
    "secure_key_module",
    "central_lock_types",
)
# The administrative identifiers, each cleaned and checked by its validator (python-stdnum for VAT and fiscal code).
IDENTIFIERS: dict[str, Callable[[str], str]] = {
    "vat_number": normalise_vat,
    "fiscal_code": normalise_fiscal_code,
    "sdi_code": normalise_sdi_code,
}
COORDINATE_STEP = Decimal("0.000001")  # the six decimals a site's coordinates keep (about 10 cm)


M = TypeVar("M", bound=Model)


def _apply(obj: Model, data: dict[str, Any], fields: Iterable[str]) -> list[str]:
    """Set the given fields; the names of those that changed."""
    changed = []
    for name in fields:
        if name in data and getattr(obj, name) != data[name]:
            setattr(obj, name, data[name])
            changed.append(name)
    return changed


def _saved(
    scope: Scope, model: type[M], pk: int | None, clean: dict[str, Any], fields: Iterable[str]
) -> tuple[M, list[str]]:
    """A new record of the provider, or its record ``pk`` locked, with the cleaned ``fields`` set and saved; and
    the names of the fields that changed (in the caller's transaction)."""
    owner = {_owner(model): scope.organisation}
    obj = model(**owner) if pk is None else model._default_manager.select_for_update().get(pk=pk, **owner)
    changed = _apply(obj, clean, fields)
    obj.save()
    return obj, changed


def _owner(model: type[Model]) -> str:
    """The field naming a registry record's owner: any organisation owns its customers, a provider the rest."""
    return "organisation" if model is Customer else "provider"


def _record(scope: Scope, obj: Model, action: str, changed: list[str]) -> None:
    audit.record(
        actor=scope.user, organisation=scope.organisation, obj=obj, action=action, data={"fields": sorted(changed)}
    )


# ---- customers -------------------------------------------------------------------------------------------


def _check_contacts(clean: dict[str, Any], errors: dict[str, str]) -> None:
    for field in ("phone", "phone_other"):
        if clean.get(field):
            try:
                clean[field] = normalise_phone(clean[field])
            except ValidationError as exc:
                errors[field] = exc.messages[0]
    for field in ("email", "pec"):
        if clean.get(field):
            clean[field] = clean[field].lower() if field == "pec" else clean[field]
            try:
                validate_email(clean[field])
            except ValidationError:
                errors[field] = _("Enter a valid e-mail address.")


def _check_administrative(scope: Scope, clean: dict[str, Any], pk: int | None, errors: dict[str, str]) -> None:
    for field, normalise in IDENTIFIERS.items():
        if clean.get(field):
            try:
                clean[field] = normalise(clean[field])
            except ValidationError as exc:
                errors[field] = exc.messages[0]
    if clean.get("payment_terms") not in PaymentTerms.values:
        errors["payment_terms"] = _("Choose the payment terms.")
    clean["portal_shared"] = bool(clean.get("portal_shared"))
    code = clean.get("code")
    if code and Customer.objects.visible_to(scope).filter(code__iexact=code).exclude(pk=pk or 0).exists():
        errors["code"] = _("Another customer of yours has this code.")


def _clean_customer(scope: Scope, data: dict[str, Any], pk: int | None) -> dict[str, Any]:
    clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items() if k in CUSTOMER_FIELDS}
    errors: dict[str, str] = {}
    _check_contacts(clean, errors)
    _check_administrative(scope, clean, pk, errors)
    kind = clean.get("kind", CustomerKind.PERSON)
    if kind not in CustomerKind.values:
        errors["kind"] = _("Choose person or company.")
    elif kind == CustomerKind.COMPANY and not clean.get("company_name"):
        errors["company_name"] = _("Give the company's name.")
    elif kind == CustomerKind.PERSON and not clean.get("last_name"):
        errors["last_name"] = _("Give the person's last name.")
    if errors:
        raise ValidationError(errors)
    return clean


def _site_error(n: int, message: str) -> ValidationError:
    """A site's error, naming its row (1 for the first site given)."""
    return ValidationError({"addresses": _("Site %(n)s: %(error)s") % {"n": n, "error": message}})


def _coordinate(n: int, value: Any, check: Callable[[object], None]) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise _site_error(n, _("Write the coordinates as numbers, e.g. 45.070312."))
    try:
        check(number)
    except ValidationError as exc:
        raise _site_error(n, exc.messages[0]) from None
    return number.quantize(COORDINATE_STEP, rounding=ROUND_HALF_UP)


def check_site_coordinates(latitude: object, longitude: object) -> None:
    """A site is placed by both its coordinates, or not at all."""
    if (latitude is None) != (longitude is None):
        raise ValidationError(_("Give both the latitude and the longitude, or neither."))


def _clean_site(n: int, item: dict[str, Any]) -> dict[str, Any]:
    line: dict[str, Any] = {k: str(item.get(k) or "").strip() for k in ("kind", "name", "street", "postcode", "city")}
    if not line["street"] or not line["city"]:
        raise _site_error(n, _("Give the street and the city."))
    line["kind"] = line["kind"] if line["kind"] in AddressKind.values else AddressKind.OTHER
    line["country"] = (str(item.get("country") or "").strip() or "IT").upper()[:2]
    line["latitude"] = _coordinate(n, item.get("latitude"), validate_latitude)
    line["longitude"] = _coordinate(n, item.get("longitude"), validate_longitude)
    try:
        check_site_coordinates(line["latitude"], line["longitude"])
    except ValidationError as exc:
        raise _site_error(n, exc.messages[0]) from None
    line["id"] = item.get("id") or None
    return line


def _clean_sites(addresses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    lines = [_clean_site(n, item) for n, item in enumerate(addresses, start=1)]
    seen: set[Any] = set()
    for n, line in enumerate(lines, start=1):
        if line["id"] is not None and line["id"] in seen:
            raise _site_error(n, _("This site is given twice."))
        seen.add(line["id"])
    return lines


def _save_sites(customer: Customer, lines: list[dict[str, Any]]) -> bool:
    """Make the customer's sites those of ``lines``, keeping the row (and what points to it: equipment, tickets) of
    each site given with its ``id``; whether anything changed."""
    existing = {a.pk: a for a in CustomerAddress.objects.select_for_update().filter(customer=customer)}
    changed, added = [], []
    for n, line in enumerate(lines, start=1):
        site_id = line.pop("id")
        if site_id is None:
            added.append(CustomerAddress(customer=customer, **line))
        elif site_id not in existing:
            raise _site_error(n, _("This is not one of the customer's sites."))
        elif _apply(existing[site_id], line, SITE_FIELDS):
            changed.append(existing[site_id])
        existing.pop(site_id, None)
    if existing:
        CustomerAddress.objects.filter(pk__in=list(existing)).delete()
    CustomerAddress.objects.bulk_update(changed, SITE_FIELDS)
    CustomerAddress.objects.bulk_create(added)
    return bool(existing or changed or added)


def customer_save(
    *,
    scope: Scope,
    data: dict[str, Any],
    addresses: list[dict[str, Any]] | None = None,
    customer_id: int | None = None,
) -> Customer:
    """Create a customer of the organisation, or change one (``customer_id``): the fields in ``data`` change, the
    others keep their value. ``addresses`` given become its sites: one with the ``id`` of one of its sites changes
    that site, one without is added, and the sites left out are removed."""
    scope.require_role(*CUSTOMER_WRITERS)
    lines = _clean_sites(addresses) if addresses is not None else None
    with transaction.atomic():
        if customer_id is None:
            customer = Customer(organisation=scope.organisation)
        else:
            customer = Customer.objects.visible_to(scope).select_for_update().get(pk=customer_id)
        current = {name: getattr(customer, name) for name in CUSTOMER_FIELDS}
        clean = _clean_customer(scope, {**current, **data}, customer.pk)
        changed = _apply(customer, clean, CUSTOMER_FIELDS)
        customer.save()
        if lines is not None and _save_sites(customer, lines):
            changed.append("addresses")
        _record(scope, customer, "customer.create" if customer_id is None else "customer.update", changed)
    return customer


def _checked_upload(upload: UploadedFile[bytes]) -> tuple[str, str, bytes]:
    """The name, type and bytes of a file given for a customer: of a type we keep (by its name, confirmed by its
    content) and within ``CUSTOMER_FILE_MAX_BYTES``."""
    return files.read_upload(upload, settings.CUSTOMER_FILE_MAX_BYTES)


def customer_file_add(*, scope: Scope, customer_id: int, upload: UploadedFile[bytes]) -> CustomerFile:
    """Keep a file with a customer, in the storage backend under a random name (served only through us)."""
    scope.require_role(*CUSTOMER_WRITERS)
    name, kind, data = _checked_upload(upload)
    with transaction.atomic():
        customer = Customer.objects.visible_to(scope).select_for_update().get(pk=customer_id)
        stored = CustomerFile(customer=customer, name=name, content_type=kind, size=len(data), uploaded_by=scope.user)
        stored.file.save(secrets.token_hex(16) + PurePosixPath(name).suffix.lower()[:10], ContentFile(data), save=False)
        try:
            stored.save()
            audit.record(
                actor=scope.user,
                organisation=scope.organisation,
                obj=customer,
                action="customer.file_add",
                data={"file": name, "size": len(data)},
            )
        except BaseException:
            stored.file.delete(save=False)  # nothing saved, no file left behind
            raise
    return stored


def customer_file_remove(*, scope: Scope, file_id: int, customer_id: int | None = None) -> CustomerFile:
    """Remove a customer's file (of ``customer_id`` when given); the stored bytes go once the change is committed."""
    scope.require_role(*CUSTOMER_WRITERS)
    with transaction.atomic():
        found = CustomerFile.objects.select_for_update().filter(
            pk=file_id, customer__in=Customer.objects.visible_to(scope)
        )
        if customer_id is not None:
            found = found.filter(customer_id=customer_id)
        stored = found.select_related("customer").get()
        path, storage = str(stored.file.name), stored.file.storage
        stored.delete()
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=stored.customer,
            action="customer.file_remove",
            data={"file": stored.name},
        )
        transaction.on_commit(lambda: storage.delete(path))
    return stored


def normalise_plate(plate: str) -> str:
    return "".join(plate.split()).replace("-", "").upper()


def _clean_vehicle(scope: Scope, data: dict[str, Any], vehicle_id: int | None) -> dict[str, Any]:
    clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items() if k in VEHICLE_FIELDS}
    errors: dict[str, str] = {}
    clean["plate"] = normalise_plate(clean.get("plate") or "")
    clean["plate_country"] = (clean.get("plate_country") or "IT").upper()
    clean["vin"] = normalise_vin(clean.get("vin") or "")
    if not clean["plate"]:
        errors["plate"] = _("Give the plate.")
    if clean["vin"]:
        try:
            validate_vin(clean["vin"])
        except ValidationError as exc:
            errors["vin"] = exc.messages[0]
    if clean.get("vehicle_type", VehicleType.CAR) not in VehicleType.values:
        errors["vehicle_type"] = _("Choose a vehicle type.")
    others = Vehicle.objects.filter(provider=scope.organisation).exclude(pk=vehicle_id or 0)
    if clean["plate"] and others.filter(plate=clean["plate"], plate_country=clean["plate_country"]).exists():
        errors["plate"] = _("You already have a vehicle with this plate.")
    if clean["vin"] and "vin" not in errors and others.filter(vin=clean["vin"]).exists():
        errors["vin"] = _("You already have a vehicle with this VIN.")
    if errors:
        raise ValidationError(errors)
    return clean


def vehicle_save(*, scope: Scope, data: dict[str, Any], vehicle_id: int | None = None) -> Vehicle:
    scope.require_role(*PROVIDER_ROLES)
    with transaction.atomic():
        vehicle, changed = _saved(scope, Vehicle, vehicle_id, _clean_vehicle(scope, data, vehicle_id), VEHICLE_FIELDS)
        _record(scope, vehicle, "vehicle.create" if vehicle_id is None else "vehicle.update", changed)
    return vehicle


def _clean_product(scope: Scope, data: dict[str, Any], product_id: int | None) -> dict[str, Any]:
    clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items() if k in PRODUCT_FIELDS}
    clean["code"] = (clean.get("code") or "").upper()
    clean["serial_prefix"] = (clean.get("serial_prefix") or "").upper()
    types = clean.get("central_lock_types") or []
    clean["central_lock_types"] = list(dict.fromkeys(str(t).strip() for t in types if str(t).strip()))
    errors: dict[str, str] = {}
    if not clean.get("name"):
        errors["name"] = _("Give the product's name.")
    if not clean["code"]:
        errors["code"] = _("Give the product's code.")
    elif Product.objects.filter(provider=scope.organisation, code=clean["code"]).exclude(pk=product_id or 0).exists():
        errors["code"] = _("Another product of yours has this code.")
    if errors:
        raise ValidationError(errors)
    return clean


def product_save(*, scope: Scope, data: dict[str, Any], product_id: int | None = None) -> Product:
    scope.require_role(*LOGISTICS)
    with transaction.atomic():
        product, changed = _saved(scope, Product, product_id, _clean_product(scope, data, product_id), PRODUCT_FIELDS)
        _record(scope, product, "product.create" if product_id is None else "product.update", changed)
    return product


def _own(scope: Scope, model: type[Model], pk: Any, field: str) -> Any:
    found = model._default_manager.filter(pk=pk, **{_owner(model): scope.organisation}).first() if pk else None
    if found is None:
        raise ValidationError({field: _("Choose one of your records.")})
    return found


def subscription_create(*, scope: Scope, data: dict[str, Any]) -> Subscription:
    """A subscription of the provider for one of its customers, vehicles and products."""
    SUBSCRIPTION_TABLE.require("create", scope)
    number = str(data.get("number") or "").strip()
    if not number:
        raise ValidationError({"number": _("Give the subscription number.")})
    if not data.get("arrived_on"):
        raise ValidationError({"arrived_on": _("Give the day the subscription arrived.")})
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if starts and ends and ends < starts:
        raise ValidationError({"ends_on": _("A subscription cannot end before it starts.")})
    with transitions.atomic():
        if Subscription.objects.visible_to(scope).filter(number__iexact=number).exists():
            raise ValidationError({"number": _("Another subscription of yours has this number.")})
        subscription = Subscription(
            provider=scope.organisation,
            number=number,
            customer=_own(scope, Customer, data.get("customer_id"), "customer_id"),
            vehicle=_own(scope, Vehicle, data.get("vehicle_id"), "vehicle_id"),
            product=_own(scope, Product, data.get("product_id"), "product_id"),
            agency=str(data.get("agency") or "").strip(),
            arrived_on=data["arrived_on"],
            starts_on=starts,
            ends_on=ends,
        )
        SUBSCRIPTION_TABLE.create(subscription, "create", scope=scope, data={"fields": ["number"]})
    return subscription


# ---- devices ---------------------------------------------------------------------------------------------


def device_ship(*, scope: Scope, device_id: int, company_id: int) -> Device:
    """The provider records a device shipped to a partner company (expected there within 5 or 6 days)."""
    DEVICE_TABLE.require("ship", scope)
    with transitions.atomic():
        device = DEVICE_TABLE.lock(Device.objects.visible_to(scope), device_id)
        company = accepted_partner(scope, company_id, field="company")
        DEVICE_TABLE.apply(
            device, "ship", scope=scope, changes={"company": company}, data={"company": company.installer_code}
        )
    return device


def device_receive(*, scope: Scope, device_id: int) -> Device:
    """The company confirms it received a device shipped to it."""
    DEVICE_TABLE.require("receive", scope)
    with transitions.atomic():
        device = DEVICE_TABLE.lock(Device.objects.visible_to(scope), device_id)
        DEVICE_TABLE.apply(device, "receive", scope=scope)
    return device


def _checked_ids(device_ids: Iterable[int]) -> list[int]:
    ids = sorted(set(device_ids))
    if not ids:
        raise ValidationError({"devices": _("Select at least one device.")})
    if len(ids) > BULK_LIMIT:
        raise ValidationError({"devices": _("Select at most %(n)s devices at once.") % {"n": BULK_LIMIT}})
    return ids


def _each(ids: list[int], move: Callable[[int], Device]) -> list[Device]:
    """Move every device in one transaction; a refusal names the device and undoes the others."""
    done = []
    with transitions.atomic():
        for device_id in ids:
            try:
                done.append(move(device_id))
            except Conflict as exc:
                serial = Device.objects.filter(pk=device_id).values_list("serial", flat=True).first()
                raise Conflict(f"{serial}: {exc.message}") from None
    return done


def devices_ship(*, scope: Scope, device_ids: Iterable[int], company_id: int) -> list[Device]:
    """Ship several devices in stock to one partner company: all of them, or none if one cannot go."""
    ids = _checked_ids(device_ids)
    return _each(ids, lambda i: device_ship(scope=scope, device_id=i, company_id=company_id))


def devices_receive(*, scope: Scope, device_ids: Iterable[int]) -> list[Device]:
    """The company confirms several shipped devices arrived: all of them, or none."""
    ids = _checked_ids(device_ids)
    return _each(ids, lambda i: device_receive(scope=scope, device_id=i))

"""The registry of a provider: customers, vehicles, products, subscriptions and devices."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fieldbox.core.tenancy import Scope, ScopedQuerySet
from fieldbox.fleet.choices import (
    AddressKind,
    CustomerKind,
    DeviceStatus,
    PaymentTerms,
    SubscriptionStatus,
    VehicleType,
)
from fieldbox.fleet.validators import validate_imei, validate_latitude, validate_longitude, validate_vin

PROVIDER = "accounts.Organisation"


class ProviderOwnedQuerySet(ScopedQuerySet[Any]):
    """A provider's registry record (customer, product, subscription): its own people only; an installer company
    reads a customer or a subscription only through an open job of its own (``jobs``), never in a list."""

    def visible_to(self, scope: Scope) -> ProviderOwnedQuerySet:
        if not scope.organisation.is_provider:
            return self.none()
        return self.filter(provider=scope.organisation)


class OwnedQuerySet(ScopedQuerySet[Any]):
    """A record any organisation keeps for itself (its customers and what hangs from them): its own people only. A
    partner reads a provider's customer only through an open job of its own (``jobs``), never in a list."""

    def visible_to(self, scope: Scope) -> OwnedQuerySet:
        return self.filter(organisation=scope.organisation)


class Customer(models.Model):
    """A customer of an organisation: a provider's subscriber (vehicle owner and contract holder), or an installer
    company's own after-sales customer. A person or a company, with its administrative data."""

    organisation = models.ForeignKey(
        PROVIDER, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CustomerKind.choices, default=CustomerKind.PERSON)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("E.164, e.g. +393331234567"))
    phone_other = models.CharField(_("other phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    language = models.CharField(_("language"), max_length=8, default="it")
    # Commercial and administrative data (ANAGRAFICA CLIENTI), checked by fleet.validators.
    code = models.CharField(_("customer code"), max_length=32, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=16, blank=True)
    fiscal_code = models.CharField(_("fiscal code"), max_length=16, blank=True)
    sdi_code = models.CharField(
        _("SDI code"),
        max_length=7,
        blank=True,
        help_text=_("The recipient code of the e-invoice exchange (7 characters)"),
    )
    pec = models.EmailField(_("PEC"), blank=True, help_text=_("Certified e-mail address"))
    payment_terms = models.CharField(
        _("payment terms"), max_length=16, choices=PaymentTerms.choices, default=PaymentTerms.IMMEDIATE
    )
    notes = models.TextField(_("notes"), blank=True)
    # The portal: the contacts of this customer see each other's tickets (otherwise each sees their own).
    portal_shared = models.BooleanField(_("contacts see each other's tickets"), default=False)
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [models.Index(fields=["organisation", "last_name"], name="customer_name")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.kind == CustomerKind.COMPANY:
            return self.company_name
        return f"{self.first_name} {self.last_name}".strip()


class CustomerAddress(models.Model):
    """A customer's address, and in the back office its site (head office, plant, warehouse, …) where equipment
    stands and technicians go: with coordinates for the map."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(_("kind"), max_length=16, choices=AddressKind.choices, default=AddressKind.RESIDENCE)
    name = models.CharField(_("site name"), max_length=100, blank=True)
    street = models.CharField(_("street"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=16, blank=True)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=2, default="IT")
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=6, null=True, blank=True, validators=[validate_latitude]
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True, validators=[validate_longitude]
    )

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90), name="site_latitude"
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="site_longitude",
            ),
        ]

    def __str__(self) -> str:
        where = f"{self.street}, {self.postcode} {self.city}"
        return f"{self.name} — {where}" if self.name else where


class CustomerFile(models.Model):
    """A file kept with a customer (contract scan, plant drawing, photo), in the storage backend under a random
    name; its type checked by its content and its size bounded (fleet.services.customer_file_add)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to="customers/%Y/%m/")
    name = models.CharField(_("name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("added on"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer file")
        verbose_name_plural = _("customer files")

    def __str__(self) -> str:
        return self.name


class VehicleQuerySet(ScopedQuerySet["Vehicle"]):
    def visible_to(self, scope: Scope) -> VehicleQuerySet:
        """A provider's vehicles; for an installer company, the vehicles of its jobs whose owner's data it reads (not
        ended, and it still works for the provider)."""
        org = scope.organisation
        if org.is_provider:
            return self.filter(provider=org)
        # The jobs of a vehicle decide (the jobs app's queryset, reached through the relation: fleet sits below jobs).
        jobs: Any = Vehicle._meta.get_field("jobs").related_model._default_manager
        return self.filter(pk__in=jobs.visible_to(scope).with_owner_data(scope).values("vehicle_id"))


class Vehicle(models.Model):
    provider = models.ForeignKey(PROVIDER, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="+")
    plate = models.CharField(_("plate"), max_length=16)
    plate_country = models.CharField(_("plate country"), max_length=2, default="IT")
    vin = models.CharField(_("VIN"), max_length=17, blank=True, validators=[validate_vin])
    make = models.CharField(_("make"), max_length=60, blank=True)
    model = models.CharField(_("model"), max_length=60, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    vehicle_type = models.CharField(_("vehicle type"), max_length=16, choices=VehicleType.choices, default="car")

    objects = VehicleQuerySet.as_manager()

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        constraints = [
            models.UniqueConstraint(fields=["provider", "plate_country", "plate"], name="vehicle_plate_once"),
            models.UniqueConstraint(fields=["provider", "vin"], condition=~Q(vin=""), name="vehicle_vin_once"),
        ]
        indexes = [
            # The id included: a removal file's check finds each VIN's vehicle in the index alone (PostgreSQL; a
            # unique constraint cannot include columns on SQLite, so this is an index of its own).
            models.Index(fields=["provider", "vin"], include=["id"], condition=~Q(vin=""), name="vehicle_vin_lookup"),
        ]

    def __str__(self) -> str:
        return self.plate


class Product(models.Model):
    """A device model with its accessories, and how its serial numbers look."""

    provider = models.ForeignKey(PROVIDER, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=32)
    serial_prefix = models.CharField(_("serial numbers start with"), max_length=16, blank=True)
    imei_required = models.BooleanField(_("IMEI required"), default=True)
    emergency_button = models.BooleanField(_("emergency button"), default=False)
    secure_key_module = models.BooleanField(_("Secure Key Module"), default=False)
    central_lock_types = models.JSONField(_("central lock connection types"), default=list, blank=True)

    objects = ProviderOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [models.UniqueConstraint(fields=["provider", "code"], name="product_code_once")]

    def __str__(self) -> str:
        return self.name


class Subscription(models.Model):
    """The contract the device serves (IOINSTALLER "sottoscrizione", Traqueur "N° Abonnement")."""

    provider = models.ForeignKey(PROVIDER, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="+")
    number = models.CharField(_("subscription number"), max_length=40)
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+")
    vehicle = models.ForeignKey(Vehicle, verbose_name=_("vehicle"), on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    agency = models.CharField(_("agency"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE
    )
    arrived_on = models.DateField(_("arrived on"))
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    objects = ProviderOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [models.UniqueConstraint(fields=["provider", "number"], name="subscription_number_once")]
        indexes = [
            # What the imports check of a subscription found by its number comes from the index alone.
            models.Index(
                fields=["provider", "number"], include=["id", "vehicle", "status"], name="subscription_number_lookup"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class DeviceQuerySet(ScopedQuerySet["Device"]):
    def visible_to(self, scope: Scope) -> DeviceQuerySet:
        """A provider's devices; for an installer company, the devices at its premises (shipped, received, or
        removed and waiting for the carrier)."""
        org = scope.organisation
        return self.filter(provider=org) if org.is_provider else self.filter(company=org)


class Device(models.Model):
    """One telematics unit of a provider. Serial and IMEI are unique on the platform."""

    provider = models.ForeignKey(PROVIDER, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="devices")
    product = models.ForeignKey(
        Product, verbose_name=_("product"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    serial = models.CharField(_("serial number"), max_length=64, unique=True)
    imei = models.CharField(_("IMEI"), max_length=15, unique=True, null=True, blank=True, validators=[validate_imei])
    status = models.CharField(_("status"), max_length=24, choices=DeviceStatus.choices, default=DeviceStatus.IN_STOCK)
    # Where it is: at an installer company (shipped or received), otherwise at the provider's warehouse.
    company = models.ForeignKey(
        PROVIDER,
        verbose_name=_("installer company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    vehicle = models.ForeignKey(
        Vehicle, verbose_name=_("vehicle"), null=True, blank=True, on_delete=models.SET_NULL, related_name="devices"
    )
    online = models.BooleanField(_("online"), null=True, blank=True)
    last_event_at = models.DateTimeField(_("last event"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    # When it entered its current status ("since" on the device screens), set by every move of its table.
    status_since = models.DateTimeField(_("in this status since"), default=timezone.now)

    objects = DeviceQuerySet.as_manager()

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["serial"]

    def __str__(self) -> str:
        return self.serial

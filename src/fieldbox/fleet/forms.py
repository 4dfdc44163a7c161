"""Forms of the registry screens. The services re-check every rule."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fieldbox.fleet.choices import (
    AddressKind,
    CustomerKind,
    DeviceStatus,
    PaymentTerms,
    SubscriptionStatus,
    VehicleType,
)
from fieldbox.fleet.models import Customer, Product, Vehicle
from fieldbox.fleet.services import check_site_coordinates
from fieldbox.fleet.validators import validate_latitude, validate_longitude
from fieldbox.messaging.phones import PhoneField

LANGUAGES = [("it", "Italiano"), ("fr", "Français"), ("en", "English")]


def _search(label: Any) -> forms.CharField:
    widget = forms.TextInput(attrs={"type": "search"})
    return forms.CharField(label=label, max_length=100, required=False, widget=widget)


class CustomerForm(forms.ModelForm):
    phone = PhoneField(label=_("Phone"), required=False)
    phone_other = PhoneField(label=_("Other phone"), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGES, initial="it")
    # Written as people write them (spaces, dots); the service checks and stores the compact form.
    vat_number = forms.CharField(
        label=_("VAT number"),
        max_length=30,
        required=False,
        help_text=_("Italian ones with or without IT; others with their country's prefix."),
    )
    fiscal_code = forms.CharField(label=_("Fiscal code"), max_length=30, required=False)
    sdi_code = forms.CharField(label=_("SDI code"), max_length=12, required=False, help_text=_("7 characters."))
    payment_terms = forms.ChoiceField(
        label=_("Payment terms"), choices=PaymentTerms.choices, required=False, initial=PaymentTerms.IMMEDIATE
    )

    class Meta:
        model = Customer
        fields = [
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
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "vat_number": forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
        }

    def clean_payment_terms(self) -> str:
        return self.cleaned_data["payment_terms"] or PaymentTerms.IMMEDIATE

    def validate_unique(self) -> None:
        """A customer's code is unique in its organisation: the service checks it."""


class CoordinateField(forms.DecimalField):
    """A latitude or a longitude, with a dot or a decimal comma; the service keeps six decimals."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"})

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and "." not in value:
            value = value.replace(",", ".")
        return super().to_python(value)


class AddressForm(forms.Form):
    """One site of a customer (its address, for a provider's subscriber)."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Type"), choices=AddressKind.choices, initial=AddressKind.RESIDENCE)
    name = forms.CharField(
        label=_("Site name"), max_length=100, required=False, help_text=_("e.g. Stabilimento di Rivoli")
    )
    street = forms.CharField(label=_("Street"), max_length=200)
    postcode = forms.CharField(label=_("Postcode"), max_length=16, required=False)
    city = forms.CharField(label=_("City"), max_length=100)
    country = forms.CharField(label=_("Country"), max_length=2, initial="IT")
    latitude = CoordinateField(
        label=_("Latitude"), required=False, validators=[validate_latitude], help_text=_("e.g. 45.070312")
    )
    longitude = CoordinateField(
        label=_("Longitude"), required=False, validators=[validate_longitude], help_text=_("e.g. 7.686856")
    )

    def __init__(self, *args: Any, site_kind: str = AddressKind.RESIDENCE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].initial = site_kind

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "latitude" in data and "longitude" in data:  # each a number in its range, or empty
            try:
                check_site_coordinates(data["latitude"], data["longitude"])
            except ValidationError as exc:
                self.add_error("latitude" if data["latitude"] is None else "longitude", exc)
        return data


AddressFormSet = forms.formset_factory(AddressForm, extra=1, can_delete=True, max_num=50, validate_max=True)


class CustomerFileForm(forms.Form):
    file = forms.FileField(
        label=_("Add a file"),
        help_text=_("PDF, pictures, office documents or text."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.png,.jpg,.jpeg,.gif,.webp,.txt,.csv,.zip,.docx,.xlsx,.odt,.ods,.doc,.xls,.eml"}
        ),
    )


class CustomerFilterForm(forms.Form):
    q = _search(_("Name, code, VAT number, phone or e-mail"))
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind")), *CustomerKind.choices])


class VehicleForm(forms.ModelForm):
    year = forms.IntegerField(label=_("Year"), min_value=1950, max_value=2100, required=False)

    class Meta:
        model = Vehicle
        fields = ["plate", "plate_country", "vin", "make", "model", "year", "vehicle_type"]
        widgets = {
            "plate": forms.TextInput(attrs={"autocapitalize": "characters"}),
            "vin": forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
        }

    def validate_unique(self) -> None:
        """Uniqueness per provider is the service's check (the form does not know the provider)."""


class VehicleFilterForm(forms.Form):
    q = _search(_("Plate or VIN"))
    vehicle_type = forms.ChoiceField(
        label=_("Vehicle type"), required=False, choices=[("", _("Any type")), *VehicleType.choices]
    )


class ProductForm(forms.ModelForm):
    central_lock_types = forms.CharField(
        label=_("Central lock connection types"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line."),
    )

    class Meta:
        model = Product
        fields = ["name", "code", "serial_prefix", "imei_required", "emergency_button", "secure_key_module"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["central_lock_types"] = "\n".join(self.instance.central_lock_types)

    def clean_central_lock_types(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["central_lock_types"].splitlines() if line.strip()]

    def validate_unique(self) -> None:
        """The code is unique per provider: the service checks it."""


def _choice(label: Any, choices: list[tuple[Any, str]], empty: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, choices=[("", empty), *choices], coerce=int, required=False)


class SubscriptionForm(forms.Form):
    number = forms.CharField(label=_("Subscription number"), max_length=40)
    customer_id = forms.TypedChoiceField(label=_("Customer"), coerce=int)
    vehicle_id = forms.TypedChoiceField(label=_("Vehicle"), coerce=int)
    product_id = forms.TypedChoiceField(label=_("Product"), coerce=int)
    agency = forms.CharField(label=_("Agency"), max_length=100, required=False)
    arrived_on = forms.DateField(label=_("Arrived on"), widget=forms.DateInput(attrs={"type": "date"}))
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, choices: dict[str, list[tuple[int, str]]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("customer_id", "vehicle_id", "product_id"):
            self.fields[name].choices = [("", "—"), *choices[name]]  # type: ignore[attr-defined]


class SubscriptionFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *SubscriptionStatus.choices]
    )
    product = forms.TypedChoiceField(label=_("Product"), required=False, coerce=int, empty_value=None)
    agency = forms.CharField(label=_("Agency"), max_length=100, required=False)

    def __init__(self, *args: Any, products: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [("", _("Any product")), *products]  # type: ignore[attr-defined]


class DeviceFilterForm(forms.Form):
    q = _search(_("Serial or IMEI"))
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *DeviceStatus.choices]
    )
    product = forms.TypedChoiceField(label=_("Product"), required=False, coerce=int, empty_value=None)
    where = forms.ChoiceField(label=_("Where"), required=False)

    def __init__(
        self, *args: Any, products: list[tuple[int, str]], companies: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [("", _("Any product")), *products]  # type: ignore[attr-defined]
        places = [("", _("Anywhere")), ("warehouse", _("Our warehouse"))]
        self.fields["where"].choices = places + [(str(pk), name) for pk, name in companies]  # type: ignore[attr-defined]


class ShipForm(forms.Form):
    company = forms.TypedChoiceField(label=_("Ship to company"), coerce=int)

    def __init__(self, *args: Any, companies: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company"].choices = companies  # type: ignore[attr-defined]


class DeviceImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet of devices"),
        help_text=_("CSV, XLSX, XLS or ODS with the columns serial, imei, product_code."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.xls,.ods"}),
    )

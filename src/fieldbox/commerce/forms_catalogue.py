"""The catalogue's forms: they only gather what the office typed; the services check it (prices by
``pricing.price``, barcodes, VAT numbers, overlapping validity) and name the field that is wrong."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fieldbox.commerce.choices import BarcodeKind, ItemKind, PaymentType, Unit

Choices = list[tuple[Any, str]]
NUMBER = {"inputmode": "decimal", "autocomplete": "off"}
SORTS = [
    ("code", _("Code (A to Z)")),
    ("-code", _("Code (Z to A)")),
    ("description", _("Description (A to Z)")),
    ("-description", _("Description (Z to A)")),
    ("kind", _("Kind")),
    ("-created", _("Newest first")),
]


def _number(label: Any, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=False, max_length=30, help_text=help_text, widget=forms.TextInput(NUMBER)
    )


def _day(label: Any, required: bool = True, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label, required=required, help_text=help_text, widget=forms.DateInput({"type": "date"})
    )


class ItemFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Code, description or barcode"),
        required=False,
        max_length=100,
        widget=forms.TextInput({"type": "search", "data-scan": "serial", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind")), *ItemKind.choices])
    active = forms.ChoiceField(
        label=_("In use"),
        required=False,
        choices=[("", _("In use")), ("no", _("No longer in use")), ("all", _("All"))],
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)


class ItemForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40)
    description = forms.CharField(label=_("Description"), max_length=255)
    kind = forms.ChoiceField(label=_("Kind"), choices=ItemKind.choices, initial=ItemKind.PART)
    unit = forms.ChoiceField(label=_("Unit of measure"), choices=Unit.choices, initial=Unit.PIECE)
    barcode = forms.CharField(
        label=_("Barcode"),
        required=False,
        max_length=48,
        widget=forms.TextInput({"data-scan": "serial", "autocomplete": "off", "spellcheck": "false"}),
    )
    barcode_kind = forms.ChoiceField(
        label=_("Barcode type"),
        required=False,
        choices=[("", _("Found from the barcode")), *BarcodeKind.choices],
        help_text=_("EAN-13 and EAN-8: digits with their check digit. Code 128: letters, digits and signs."),
    )
    weight_kg = _number(_("Weight (kg)"))
    length_cm = _number(_("Length (cm)"))
    width_cm = _number(_("Width (cm)"))
    height_cm = _number(_("Height (cm)"))
    lead_days = forms.IntegerField(label=_("Lead time in days"), required=False, min_value=0, max_value=3650)
    last_cost = _number(_("Last cost (€)"), _("At most four decimals, such as 0.0350."))
    tracked = forms.BooleanField(label=_("Kept in stock"), required=False, initial=True)
    serialised = forms.BooleanField(label=_("Tracked by serial number"), required=False)
    reorder_level = _number(_("Reorder level"))
    notes = forms.CharField(label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea({"rows": 3}))
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class ItemSupplierForm(forms.Form):
    supplier_id = forms.TypedChoiceField(label=_("Supplier"), coerce=int, choices=[])
    supplier_code = forms.CharField(label=_("Supplier's code"), required=False, max_length=40)
    lead_days = forms.IntegerField(label=_("Lead time in days"), required=False, min_value=0, max_value=3650)
    last_cost = _number(_("Last cost (€)"))
    preferred = forms.BooleanField(label=_("Preferred supplier"), required=False)

    def __init__(self, *args: Any, suppliers: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supplier_id"].choices = suppliers  # type: ignore[attr-defined]


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo"), widget=forms.ClearableFileInput({"accept": "image/jpeg,image/png,image/webp"})
    )


class ProductsForm(forms.Form):
    product_ids = forms.TypedMultipleChoiceField(
        label=_("Telematics products"), coerce=int, choices=[], widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, products: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product_ids"].choices = products  # type: ignore[attr-defined]


class SupplierForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    vat_number = forms.CharField(label=_("VAT number"), required=False, max_length=20)
    email = forms.CharField(label=_("E-mail"), required=False, max_length=254, widget=forms.EmailInput)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=30)
    address = forms.CharField(label=_("Address"), required=False, max_length=255)
    lead_days = forms.IntegerField(label=_("Usual delivery in days"), required=False, min_value=0, max_value=3650)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class PriceListForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    is_default = forms.BooleanField(
        label=_("Default list"), required=False, help_text=_("Customers without a list of their own buy at it.")
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea({"rows": 2}))
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class PriceForm(forms.Form):
    item_id = forms.TypedChoiceField(label=_("Item"), coerce=int, choices=[])
    price = forms.CharField(label=_("Unit price (€)"), max_length=30, widget=forms.TextInput(NUMBER))
    valid_from = _day(_("Valid from"))
    valid_to = _day(_("Valid until"), required=False, help_text=_("Empty: until a new price."))
    close_current = forms.BooleanField(label=_("End the price in force the day before"), required=False, initial=True)

    def __init__(self, *args: Any, items: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item_id"].choices = items  # type: ignore[attr-defined]


class CloseForm(forms.Form):
    valid_to = _day(_("Last day"))


class LabourRateForm(forms.Form):
    work_type_id = forms.TypedChoiceField(
        label=_("Type of work"), coerce=int, required=False, empty_value=None, choices=[]
    )
    hourly_rate = forms.CharField(label=_("Hourly rate (€)"), max_length=30, widget=forms.TextInput(NUMBER))
    call_out_fee = forms.CharField(
        label=_("Call-out fee (€)"), required=False, max_length=30, widget=forms.TextInput(NUMBER)
    )
    valid_from = _day(_("Valid from"))
    valid_to = _day(_("Valid until"), required=False)
    close_current = forms.BooleanField(label=_("End the rate in force the day before"), required=False, initial=True)

    def __init__(self, *args: Any, work_types: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["work_type_id"].choices = [("", _("Any work")), *work_types]  # type: ignore[attr-defined]


class TermsForm(forms.Form):
    price_list_id = forms.TypedChoiceField(
        label=_("Price list"), coerce=int, required=False, empty_value=None, choices=[]
    )
    payment = forms.ChoiceField(label=_("Usual payment"), required=False, choices=[("", "—"), *PaymentType.choices])

    def __init__(self, *args: Any, lists: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["price_list_id"].choices = [("", _("The default list")), *lists]  # type: ignore[attr-defined]


class SettingsForm(forms.Form):
    negative_stock = forms.BooleanField(
        label=_("Allow stock below zero"),
        required=False,
        help_text=_("When off, a move that would take a warehouse or a van below zero is refused."),
    )
    quote_valid_days = forms.IntegerField(label=_("Quotes valid for (days)"), min_value=1, max_value=365)
    offer_valid_days = forms.IntegerField(label=_("Offers valid for (days)"), min_value=1, max_value=365)
    series = forms.CharField(
        label=_("Document series"), required=False, max_length=8, help_text=_("Empty, or a short mark such as “A”.")
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (.xlsx, .xls, .ods or .csv)"))
    price_list_id = forms.TypedChoiceField(
        label=_("Price list"), coerce=int, required=False, empty_value=None, choices=[]
    )
    close_current = forms.BooleanField(
        label=_("End the prices in force the day before the new ones start"), required=False, initial=True
    )

    def __init__(self, *args: Any, lists: Choices | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if lists is None:
            del self.fields["price_list_id"]
            del self.fields["close_current"]
        else:
            self.fields["price_list_id"].choices = lists  # type: ignore[attr-defined]
            self.fields["price_list_id"].required = True

"""The forms of the offers' pages (``views.offers``): the list's filters, a new offer, the offer's data, a line of
the cart, the customer's answer, a cancellation, and the customer's answer on the public page.

Quantities and prices are read as text and parsed by the services (``pricing``), so that "12,50" is a price and a
negative one or one with too many decimals gets the same message on the page and in the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.commerce.choices import DeliveryTerms, OfferStatus, PaymentType, Transport, VatTreatment
from fieldbox.commerce.selectors_offers import SORTS
from fieldbox.commerce.services.offers import MAX_DELIVERY_DAYS

DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
Choices = list[tuple[Any, str]]
NUMBER = {"inputmode": "decimal", "autocomplete": "off"}


def optional(field: forms.Field, choices: Choices, empty: str) -> None:
    field.choices = [("", empty), *choices]  # type: ignore[attr-defined]


def _id(label: str | Any, required: bool = False) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, required=required, coerce=int, empty_value=None)


class FilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    customer = forms.CharField(
        label=gettext_lazy("Customer"), max_length=100, required=False, widget=forms.TextInput(attrs={"type": "search"})
    )
    number = forms.CharField(
        label=gettext_lazy("Number"), max_length=24, required=False, widget=forms.TextInput(attrs={"type": "search"})
    )
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=DAY)
    until = forms.DateField(label=gettext_lazy("To"), required=False, widget=DAY)
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups = [("offer", _("Offers (not ordered)")), ("order", _("Orders"))]
        optional(
            self.fields["status"], [*groups, *((v, str(label)) for v, label in OfferStatus.choices)], _("Every status")
        )
        names = {
            "newest": _("Newest first"),
            "oldest": _("Oldest first"),
            "number": _("Number"),
            "-number": _("Number, last first"),
            "customer": _("Customer"),
            "valid_until": _("Valid until"),
        }
        self.fields["sort"].choices = [(k, names[k]) for k in SORTS]  # type: ignore[attr-defined]


class OfferNewForm(forms.Form):
    """The first step: the customer's site, contact and serial, and the price list of the cart."""

    site_id = _id(gettext_lazy("Site"))
    contact_id = _id(gettext_lazy("Contact"))
    equipment_id = _id(gettext_lazy("For the serial"))
    price_list_id = _id(gettext_lazy("Price list"))

    def __init__(self, *args: Any, choices: dict[str, Choices], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        optional(self.fields["site_id"], choices["sites"], _("None"))
        optional(self.fields["contact_id"], choices["contacts"], _("The default contact"))
        optional(self.fields["equipment_id"], choices["equipment"], _("None"))
        optional(self.fields["price_list_id"], choices["price_lists"], _("The customer's list"))


class OfferDataForm(OfferNewForm):
    """The offer's data: who is billed, the terms, whether the prices show."""

    billing_customer_id = _id(gettext_lazy("Billed to"), required=True)
    billing_site_id = _id(gettext_lazy("Billing site"))
    billing_contact_id = _id(gettext_lazy("Billing contact"))
    reprice = forms.BooleanField(
        label=gettext_lazy("Give the cart the prices of the chosen list"),
        required=False,
        help_text=gettext_lazy("Items without a price on that list keep theirs."),
    )
    delivery_days = forms.IntegerField(
        label=gettext_lazy("Delivery (days from the order)"), min_value=0, max_value=MAX_DELIVERY_DAYS
    )
    payment = forms.ChoiceField(label=gettext_lazy("Payment"), choices=PaymentType.choices)
    vat = forms.ChoiceField(label=gettext_lazy("VAT"), choices=VatTreatment.choices)
    delivery_terms = forms.ChoiceField(label=gettext_lazy("Delivery terms"), choices=DeliveryTerms.choices)
    transport = forms.ChoiceField(label=gettext_lazy("Transport"), choices=Transport.choices)
    packing_included = forms.BooleanField(label=gettext_lazy("Packing included"), required=False)
    show_prices = forms.BooleanField(
        label=gettext_lazy("Show the prices on the offer"),
        required=False,
        help_text=gettext_lazy("Without prices the offer lists the items and their quantities only."),
    )
    valid_until = forms.DateField(label=gettext_lazy("Valid until"), widget=DAY)
    notes = forms.CharField(
        label=gettext_lazy("Notes for the customer"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, choices: dict[str, Choices], **kwargs: Any) -> None:
        super().__init__(*args, choices=choices, **kwargs)
        self.fields["billing_customer_id"].choices = choices["billing_customers"]  # type: ignore[attr-defined]
        optional(self.fields["billing_site_id"], choices["billing_sites"], _("None"))
        optional(self.fields["billing_contact_id"], choices["billing_contacts"], _("The default contact"))
        optional(self.fields["price_list_id"], choices["price_lists"], _("None"))


def _amount(label: Any, required: bool = True, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label, max_length=24, required=required, help_text=help_text, widget=forms.TextInput(attrs=NUMBER)
    )


class LineForm(forms.Form):
    """A line of the cart: an item found by its code, description or barcode, or a line described in words."""

    item_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=255, required=False)
    quantity = _amount(gettext_lazy("Quantity"))
    unit_price = _amount(
        gettext_lazy("Unit price (€)"), required=False, help_text=gettext_lazy("Empty: the price on the offer's list.")
    )
    discount = _amount(gettext_lazy("Discount %"), required=False)


class LineChangeForm(forms.Form):
    quantity = _amount(gettext_lazy("Quantity"))
    unit_price = _amount(gettext_lazy("Unit price (€)"))
    discount = _amount(gettext_lazy("Discount %"), required=False)


class AnswerForm(forms.Form):
    """The customer's answer, recorded by the office (or given on the public page)."""

    customer_reference = forms.CharField(
        label=gettext_lazy("Customer's order reference"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("Optional: the number of the customer's own order."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class LinkAnswerForm(AnswerForm):
    """The customer's own answer on the public page."""

    customer_reference = forms.CharField(
        label=gettext_lazy("Your order reference"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("Optional: the number of your own order, to find it on our documents."),
    )
    note = forms.CharField(
        label=gettext_lazy("A note for us"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500, required=False)

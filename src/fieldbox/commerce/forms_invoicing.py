"""Forms of the invoicing pages: a new run, the filters of the invoices list, a draft's line, a payment, a credit
note. They only shape what was typed: the services check it (and name the field when it is wrong)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from fieldbox.commerce.choices import InvoiceKind, InvoiceStatus, PaymentType, VatTreatment

Choices = list[tuple[Any, str]]


class RunForm(forms.Form):
    period_end = forms.DateField(
        label=_("Bill up to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: today."),
    )
    customers = forms.TypedMultipleChoiceField(
        label=_("Customers"),
        required=False,
        coerce=int,
        help_text=_("None chosen: every customer with something to bill."),
    )

    def __init__(self, *args: Any, customers: Choices = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        cast(forms.TypedMultipleChoiceField, self.fields["customers"]).choices = list(customers)


class InvoiceFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", "—"), *InvoiceStatus.choices])
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", "—"), *InvoiceKind.choices])
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2999)
    customer = forms.TypedChoiceField(label=_("Customer"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, customers: Choices = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["customer"]).choices = [("", "—"), *customers]


class LineForm(forms.Form):
    description = forms.CharField(label=_("Description"), max_length=255)
    quantity = forms.CharField(label=_("Quantity"), max_length=20)
    unit_price = forms.CharField(label=_("Unit price"), max_length=20)
    discount = forms.CharField(label=_("Discount %"), max_length=10, required=False)
    vat = forms.ChoiceField(label=_("VAT"), choices=VatTreatment.choices)


class PaymentForm(forms.Form):
    amount = forms.CharField(label=_("Amount (€)"), max_length=20)
    paid_on = forms.DateField(
        label=_("Paid on"), required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text=_("Empty: today.")
    )
    method = forms.ChoiceField(label=_("Method"), choices=PaymentType.choices, initial=PaymentType.BANK_TRANSFER)
    reference = forms.CharField(label=_("Reference"), max_length=120, required=False)


class CreditForm(forms.Form):
    lines = forms.TypedMultipleChoiceField(
        label=_("Lines"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: the whole invoice."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args: Any, lines: Choices = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        cast(forms.TypedMultipleChoiceField, self.fields["lines"]).choices = list(lines)


class SellerForm(forms.Form):
    legal_name = forms.CharField(
        label=_("Company name"), max_length=80, required=False, help_text=_("Empty: the organisation's name.")
    )
    country = forms.CharField(label=_("Country"), max_length=2, initial="IT")
    vat_number = forms.CharField(label=_("VAT number"), max_length=30, required=False)
    fiscal_code = forms.CharField(label=_("Fiscal code"), max_length=16, required=False)
    tax_regime = forms.CharField(label=_("Tax regime"), max_length=4, initial="RF01", help_text=_("RF01: ordinary."))
    street = forms.CharField(label=_("Street"), max_length=60, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=5, required=False)
    town = forms.CharField(label=_("Town"), max_length=60, required=False)
    province = forms.CharField(label=_("Province"), max_length=2, required=False)
    iban = forms.CharField(label=_("IBAN"), max_length=40, required=False)
    bank = forms.CharField(label=_("Bank"), max_length=80, required=False)

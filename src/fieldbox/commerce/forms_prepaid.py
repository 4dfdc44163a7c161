"""The forms of the prepaid packages' pages: the list's filters, a package sold, minutes used by hand, a move
reversed. The services check every rule (``commerce.services.prepaid``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

Choices = list[tuple[Any, str]]


class PackageFilterForm(forms.Form):
    q = forms.CharField(label=_("Customer"), required=False, max_length=100)
    valid = forms.ChoiceField(
        label=_("Valid today"),
        required=False,
        choices=[("", _("All")), ("yes", _("Valid")), ("no", _("Expired or not yet valid"))],
    )
    low = forms.BooleanField(label=_("Low balance only"), required=False)


class PackageForm(forms.Form):
    minutes = forms.IntegerField(label=_("Minutes bought"), min_value=1, max_value=1_000_000)
    price = forms.CharField(label=_("Price (€)"), max_length=20, help_text=_("What the customer pays, VAT excluded."))
    rounding_minutes = forms.IntegerField(
        label=_("Used in blocks of (minutes)"),
        min_value=1,
        max_value=600,
        initial=15,
        help_text=_("A call of 7 minutes with blocks of 15 uses 15."),
    )
    minimum_minutes = forms.IntegerField(label=_("Minimum per call (minutes)"), min_value=0, max_value=600, initial=15)
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: no end."),
    )
    low_minutes = forms.IntegerField(
        label=_("Low balance at (minutes)"),
        min_value=0,
        max_value=1_000_000,
        initial=60,
        help_text=_("At or below it the office hears of it (and the customer, if chosen)."),
    )
    tell_customer = forms.BooleanField(label=_("Tell the customer too"), required=False)
    contact_id = forms.TypedChoiceField(label=_("Contact told"), required=False, coerce=int, empty_value=None)
    allow_overdraft = forms.BooleanField(
        label=_("May go below zero"),
        required=False,
        help_text=_("Otherwise a call beyond the balance is billed as the price list says."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=500)

    def __init__(self, *args: Any, contacts: Choices, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["contact_id"].choices = [("", _("The customer's default contact")), *contacts]  # type: ignore[attr-defined]


class UseForm(forms.Form):
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=1_000_000)
    reason = forms.CharField(label=_("Why"), max_length=500, help_text=_("e.g. the call of 12 March, not recorded"))


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=500)

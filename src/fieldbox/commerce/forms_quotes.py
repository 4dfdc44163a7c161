"""The forms of the quote pages (``views.quotes``): the technician's finding with its lines, the office's terms,
lines, sending, answers and conversion, the list's filters, and the customer's answer on the public page.

Amounts are plain text here: ``pricing`` reads them ("12,50" or "12.50") and refuses negatives and too many
decimals with its own words, so the pages and the API say the same."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.commerce.choices import LineKind, QuoteStatus, VatTreatment

DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
Choices = list[tuple[Any, str]]
AMOUNT = {"inputmode": "decimal", "autocomplete": "off"}


def _optional(field: forms.Field, choices: Choices, empty: str) -> None:
    field.choices = [("", empty), *choices]  # type: ignore[attr-defined]


class LineForm(forms.Form):
    """A line the technician (or the office) writes: an item by its code, or words; a quantity; a kind."""

    item_code = forms.CharField(
        label=gettext_lazy("Item code"),
        max_length=40,
        required=False,
        widget=forms.TextInput(
            attrs={
                "list": "quote-items",
                "autocomplete": "off",
                "hx-get": reverse_lazy("commerce:quote_items"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#quote-items",
                "hx-swap": "innerHTML",
            }
        ),
        help_text=gettext_lazy("Type a code or words of the description to find the item; empty for free text."),
    )
    description = forms.CharField(label=gettext_lazy("Part or work"), max_length=255, required=False)
    quantity = forms.CharField(
        label=gettext_lazy("Quantity"), max_length=20, initial="1", widget=forms.TextInput(AMOUNT)
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=LineKind.choices, initial=LineKind.PART)

    def written(self) -> dict[str, Any] | None:
        """The line as written, or None for a row left empty."""
        d = self.cleaned_data
        if not d.get("item_code", "").strip() and not d.get("description", "").strip():
            return None
        return {k: d.get(k) for k in ("item_code", "description", "quantity", "kind")}


LineFormSet = forms.formset_factory(LineForm, extra=3, max_num=50, absolute_max=200)


class FindingForm(forms.Form):
    finding = forms.CharField(
        label=gettext_lazy("What you found"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("What is wrong and what must be done: the office writes the quote from it."),
    )


class PricedLineForm(forms.Form):
    """The office's line: the technician's fields and a unit price and a discount."""

    item_code = LineForm.base_fields["item_code"]
    description = forms.CharField(label=gettext_lazy("Description"), max_length=255, required=False)
    quantity = forms.CharField(
        label=gettext_lazy("Quantity"), max_length=20, initial="1", widget=forms.TextInput(AMOUNT)
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=LineKind.choices, initial=LineKind.PART)
    unit_price = forms.CharField(
        label=gettext_lazy("Unit price (€)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(AMOUNT),
        help_text=gettext_lazy("At most four decimals; empty: apply the price list."),
    )
    discount = forms.CharField(
        label=gettext_lazy("Discount %"), max_length=8, required=False, initial="0", widget=forms.TextInput(AMOUNT)
    )


class LineEditForm(forms.Form):
    description = forms.CharField(label=gettext_lazy("Description"), max_length=255)
    quantity = forms.CharField(label=gettext_lazy("Quantity"), max_length=20, widget=forms.TextInput(AMOUNT))
    unit_price = forms.CharField(
        label=gettext_lazy("Unit price (€)"), max_length=20, required=False, widget=forms.TextInput(AMOUNT)
    )
    discount = forms.CharField(
        label=gettext_lazy("Discount %"), max_length=8, required=False, widget=forms.TextInput(AMOUNT)
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=LineKind.choices)


class TermsForm(forms.Form):
    price_list_id = forms.TypedChoiceField(
        label=gettext_lazy("Price list"), required=False, coerce=int, empty_value=None
    )
    vat = forms.ChoiceField(label=gettext_lazy("VAT"), choices=VatTreatment.choices)
    valid_until = forms.DateField(label=gettext_lazy("Valid until"), widget=DAY)
    site_id = forms.TypedChoiceField(label=gettext_lazy("Site"), required=False, coerce=int, empty_value=None)
    contact_id = forms.TypedChoiceField(label=gettext_lazy("Contact"), required=False, coerce=int, empty_value=None)
    finding = forms.CharField(
        label=gettext_lazy("Technician's finding"),
        max_length=20_000,
        required=False,
        widget=forms.Textarea({"rows": 3}),
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes for the customer"),
        max_length=20_000,
        required=False,
        widget=forms.Textarea({"rows": 3}),
    )

    def __init__(self, *args: Any, choices: dict[str, Choices], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _optional(self.fields["price_list_id"], choices["price_lists"], _("None"))
        _optional(self.fields["site_id"], choices["sites"], _("None"))
        _optional(self.fields["contact_id"], choices["contacts"], _("None (the customer's e-mail)"))


class SendForm(forms.Form):
    to = forms.EmailField(
        label=gettext_lazy("Send to"),
        required=False,
        help_text=gettext_lazy("Empty: the contact's e-mail, else the customer's."),
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ConvertForm(forms.Form):
    into = forms.ChoiceField(
        label=gettext_lazy("Turn it into"),
        widget=forms.RadioSelect,
        choices=[
            ("work_order", gettext_lazy("Materials of its work order")),
            ("new", gettext_lazy("A new work order")),
        ],
    )
    description = forms.CharField(
        label=gettext_lazy("Work to do (new work order)"),
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Empty: the finding and the quote's labour."),
    )

    def __init__(self, *args: Any, has_order: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not has_order:
            self.fields["into"].choices = [("new", _("A new work order"))]  # type: ignore[attr-defined]
        self.fields["into"].initial = "work_order" if has_order else "new"


class FilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    customer = forms.CharField(
        label=gettext_lazy("Customer"), max_length=100, required=False, widget=forms.TextInput(attrs={"type": "search"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _optional(self.fields["status"], [(v, str(label)) for v, label in QuoteStatus.choices], _("Every status"))


class CustomerAnswerForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("A note for us (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

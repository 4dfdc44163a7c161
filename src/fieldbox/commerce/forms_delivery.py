"""The forms of the delivery notes' pages: the header (the lines are rows of the page, read by ``note_rows``), the
filters, and the small forms that start a note from a work order or an order. The services check every rule."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from fieldbox.commerce.choices import DeliveryNoteStatus, Transport, TransportReason

Choices = list[tuple[Any, str]]
LINE_ROWS = 5
ROW_FIELDS = ("code", "description", "quantity", "unit", "serial")


class NoteForm(forms.Form):
    destination_id = forms.TypedChoiceField(label=_("Destination"), required=False, coerce=int, empty_value=None)
    source_id = forms.TypedChoiceField(
        label=_("Shipped from"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("The goods leave this warehouse or van when the note is issued. Empty: no stock moves."),
    )
    reason = forms.ChoiceField(label=_("Reason for transport"), choices=TransportReason.choices)
    transport = forms.ChoiceField(label=_("Transport by"), choices=Transport.choices)
    carrier = forms.CharField(label=_("Carrier"), required=False, max_length=120)
    packages = forms.IntegerField(label=_("Packages"), min_value=1, max_value=9999, initial=1)
    weight_kg = forms.CharField(label=_("Weight (kg)"), required=False, max_length=20)
    appearance = forms.CharField(label=_("Appearance of the goods"), required=False, max_length=60)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, sites: Choices, locations: Choices, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["destination_id"].choices = [("", _("Same as the recipient")), *sites]  # type: ignore[attr-defined]
        self.fields["source_id"].choices = [("", "—"), *locations]  # type: ignore[attr-defined]


def note_rows(data: QueryDict, count: int) -> list[dict[str, str]]:
    rows = []
    for n in range(count):
        row = {k: (data.get(f"{k}_{n}") or "").strip() for k in ROW_FIELDS}
        if any(row.values()):
            rows.append(row)
    return rows


class NoteFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["status"].choices = [("", _("Any")), *DeliveryNoteStatus.choices]  # type: ignore[attr-defined]


class FromWorkOrderForm(forms.Form):
    number = forms.CharField(label=_("Work order number"), max_length=16)


class FromOfferForm(forms.Form):
    number = forms.CharField(label=_("Order number"), max_length=24)
    source_id = forms.TypedChoiceField(label=_("Shipped from"), coerce=int)

    def __init__(self, *args: Any, locations: Choices, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["source_id"].choices = [("", "—"), *locations]  # type: ignore[attr-defined]


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why is it cancelled?"), required=False, max_length=500)

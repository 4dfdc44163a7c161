"""The forms of the warehouse's pages (``views.stock``): a warehouse or a van, the filters of a location's stock and of
the moves, a transfer, scrap, a count, a correction and the technician's "take from the warehouse". Field names
are the services' (so their errors land on the right field); the services check every rule."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.commerce.choices import MoveKind

Choices = list[tuple[Any, str]]
SEARCH = forms.TextInput(attrs={"type": "search", "autocomplete": "off"})
NUMBER = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})


def optional(field: forms.Field, choices: Choices, empty: str) -> None:
    field.choices = [("", empty), *choices]  # type: ignore[attr-defined]


class LocationForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    code = forms.CharField(label=gettext_lazy("Code"), max_length=20, required=False)
    address = forms.CharField(label=gettext_lazy("Address"), max_length=255, required=False)
    keeper_id = forms.TypedChoiceField(label=gettext_lazy("Technician"), required=False, coerce=int, empty_value=None)
    resource_id = forms.TypedChoiceField(
        label=gettext_lazy("Van on the calendars"), required=False, coerce=int, empty_value=None
    )
    active = forms.BooleanField(
        label=gettext_lazy("In use"),
        required=False,
        initial=True,
        help_text=gettext_lazy("A location not in use takes no more moves; its history stays."),
    )

    def __init__(self, *args: Any, van: bool, people: Choices, resources: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if van:
            optional(self.fields["keeper_id"], people, _("Nobody yet"))
            optional(self.fields["resource_id"], resources, _("None"))
            del self.fields["address"]
        else:
            del self.fields["keeper_id"], self.fields["resource_id"]


class StockFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), max_length=100, required=False, widget=SEARCH)
    below = forms.BooleanField(label=gettext_lazy("Only at or below the reorder level"), required=False)
    order = forms.ChoiceField(
        label=gettext_lazy("Sort"),
        required=False,
        choices=[("code", gettext_lazy("Code A→Z")), ("-code", gettext_lazy("Code Z→A"))],
    )


class MoveFilterForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        optional(self.fields["kind"], [(v, str(label)) for v, label in MoveKind.choices], _("Every kind"))


class ItemField(forms.CharField):
    """An item named by its code or its barcode (the view finds it)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("Item (code or barcode)"))
        kwargs.setdefault("max_length", 48)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "data-scan": "serial"}),
        )
        super().__init__(**kwargs)


class MoveForm(forms.Form):
    """A transfer or scrap (``kind``), and a count (``adjustment``) with ``counted`` and ``location``."""

    item = ItemField()
    quantity = forms.CharField(label=gettext_lazy("Quantity"), max_length=20, widget=NUMBER, required=False)
    source = forms.TypedChoiceField(label=gettext_lazy("From"), coerce=int, required=False, empty_value=None)
    target = forms.TypedChoiceField(label=gettext_lazy("To"), coerce=int, required=False, empty_value=None)
    location = forms.TypedChoiceField(label=gettext_lazy("Location"), coerce=int, required=False, empty_value=None)
    counted = forms.CharField(
        label=gettext_lazy("Counted"),
        max_length=20,
        widget=NUMBER,
        required=False,
        help_text=gettext_lazy("What is there now; the difference from the stock is recorded."),
    )
    serial = forms.CharField(
        label=gettext_lazy("Serial number"),
        max_length=64,
        required=False,
        help_text=gettext_lazy("For the items tracked by serial number."),
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=255, required=False)

    FIELDS = {
        "transfer": ("item", "quantity", "source", "target", "serial", "note"),
        "scrap": ("item", "quantity", "source", "serial", "note"),
        "adjustment": ("item", "location", "counted", "serial", "note"),
    }

    def __init__(self, *args: Any, kind: str, places: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in self.FIELDS[kind]:
                del self.fields[name]
        for name in ("source", "target", "location"):
            if name in self.fields:
                optional(self.fields[name], places, _("Choose…"))


class TakeForm(forms.Form):
    """The technician's phone: take stock from a warehouse into their van."""

    item = ItemField()
    quantity = forms.CharField(label=gettext_lazy("Quantity"), max_length=20, widget=NUMBER, initial="1")
    source = forms.TypedChoiceField(label=gettext_lazy("From the warehouse"), coerce=int, empty_value=None)
    serial = forms.CharField(label=gettext_lazy("Serial number"), max_length=64, required=False)

    def __init__(self, *args: Any, warehouses: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = warehouses  # type: ignore[attr-defined]


class ReverseForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Why is it corrected?"), max_length=255, widget=forms.Textarea(attrs={"rows": 2})
    )

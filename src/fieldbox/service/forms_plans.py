"""The forms of the maintenance-plan pages (``views.plans``): a plan, a plan line, the generation of a month."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from fieldbox.service.forms_work import Choices, optional
from fieldbox.service.services.plans import FIRST_YEAR, LAST_YEAR

MONTH_NAMES = (  # with a context: "May" alone is Django's full month name
    pgettext_lazy("month, short", "Jan"),
    pgettext_lazy("month, short", "Feb"),
    pgettext_lazy("month, short", "Mar"),
    pgettext_lazy("month, short", "Apr"),
    pgettext_lazy("month, short", "May"),
    pgettext_lazy("month, short", "Jun"),
    pgettext_lazy("month, short", "Jul"),
    pgettext_lazy("month, short", "Aug"),
    pgettext_lazy("month, short", "Sep"),
    pgettext_lazy("month, short", "Oct"),
    pgettext_lazy("month, short", "Nov"),
    pgettext_lazy("month, short", "Dec"),
)
MONTH_CHOICES = [(str(n), name) for n, name in enumerate(MONTH_NAMES, start=1)]


class PlanForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    contract_id = forms.TypedChoiceField(label=gettext_lazy("Contract"), required=False, coerce=int, empty_value=None)
    active = forms.BooleanField(
        label=gettext_lazy("Active"),
        required=False,
        initial=True,
        help_text=gettext_lazy("Only an active plan generates work orders."),
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, contracts: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        optional(self.fields["contract_id"], contracts, _("None"))


class FromContractForm(forms.Form):
    contract_id = forms.TypedChoiceField(label=gettext_lazy("Contract"), coerce=int)
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)

    def __init__(self, *args: Any, contracts: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract_id"].choices = contracts  # type: ignore[attr-defined]


class LineForm(forms.Form):
    equipment_id = forms.TypedChoiceField(label=gettext_lazy("Equipment"), coerce=int)
    work_type_id = forms.TypedChoiceField(
        label=gettext_lazy("Type of work"), required=False, coerce=int, empty_value=None
    )
    months = forms.MultipleChoiceField(
        label=gettext_lazy("Months"), choices=MONTH_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, equipment: Choices, work_types: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["equipment_id"].choices = equipment  # type: ignore[attr-defined]
        optional(self.fields["work_type_id"], work_types, _("None"))


class GenerateForm(forms.Form):
    month = forms.CharField(
        label=gettext_lazy("Month"), widget=forms.TextInput(attrs={"type": "month"}), help_text=gettext_lazy("YYYY-MM")
    )
    every_customer = forms.BooleanField(label=gettext_lazy("All customers with a plan"), required=False, initial=True)
    customers = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Or these customers"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, customers: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customers"].choices = customers  # type: ignore[attr-defined]

    def clean_month(self) -> str:
        text = self.cleaned_data["month"].strip()
        parts = text.split("-")
        if len(parts) != 2 or not all(p.isdigit() for p in parts) or not 1 <= int(parts[1]) <= 12:
            raise forms.ValidationError(_("Give the month as YYYY-MM."))
        if not FIRST_YEAR <= int(parts[0]) <= LAST_YEAR:
            raise forms.ValidationError(_("A year between %(a)s and %(b)s.") % {"a": FIRST_YEAR, "b": LAST_YEAR})
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("every_customer") and not data.get("customers"):
            self.add_error("customers", _("Choose at least one customer, or all."))
        return data

"""The forms of the office's contract pages (``views.contracts``): the list's filters, a contract's terms, a piece
of covered equipment, the reason of a termination."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.service.choices import ContractStatus, FeePeriod, Renewal
from fieldbox.service.forms_work import DAY, Choices, optional
from fieldbox.service.services import contracts as services
from fieldbox.service.services.contracts import Terms


class ContractFilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    customer = forms.CharField(
        label=gettext_lazy("Customer"), max_length=100, required=False, widget=forms.TextInput(attrs={"type": "search"})
    )
    ending_before = forms.DateField(label=gettext_lazy("Ending before"), required=False, widget=DAY)
    notice_due = forms.BooleanField(label=gettext_lazy("Notice due within 30 days"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        optional(self.fields["status"], [(v, str(label)) for v, label in ContractStatus.choices], _("Every status"))


class ContractForm(forms.Form):
    """A contract's terms (the services check them again: one rule)."""

    starts_on = forms.DateField(label=gettext_lazy("Starts on"), widget=DAY)
    ends_on = forms.DateField(label=gettext_lazy("Ends on"), widget=DAY)
    notice_days = forms.IntegerField(
        label=gettext_lazy("Notice period in days"),
        min_value=0,
        max_value=services.MAX_NOTICE_DAYS,
        initial=30,
        help_text=gettext_lazy("Days before the end by which either side gives notice."),
    )
    renewal = forms.ChoiceField(label=gettext_lazy("Renewal"), choices=Renewal.choices, initial=Renewal.AUTOMATIC)
    renewal_months = forms.IntegerField(
        label=gettext_lazy("Renewed for months"), min_value=0, max_value=services.MAX_MONTHS, initial=12
    )
    fee = forms.DecimalField(
        label=gettext_lazy("Fee (€)"), min_value=Decimal("0"), max_digits=10, decimal_places=2, initial=Decimal("0")
    )
    fee_period = forms.ChoiceField(label=gettext_lazy("Fee period"), choices=FeePeriod.choices, initial=FeePeriod.YEAR)
    included_minutes = forms.IntegerField(
        label=gettext_lazy("Included minutes of work"), min_value=0, max_value=services.MAX_MINUTES, initial=0
    )
    included_visits = forms.IntegerField(
        label=gettext_lazy("Included visits"), min_value=0, max_value=10_000, initial=0
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        required=False,
        max_length=services.NOTES_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def terms(self) -> Terms:
        return Terms(**self.cleaned_data)


class CustomerChoiceForm(forms.Form):
    customer_id = forms.TypedChoiceField(label=gettext_lazy("Customer"), coerce=int)

    def __init__(self, *args: Any, customers: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer_id"].choices = customers  # type: ignore[attr-defined]


class CoveredForm(forms.Form):
    equipment_id = forms.TypedChoiceField(label=gettext_lazy("Equipment"), coerce=int)
    months = forms.CharField(
        label=gettext_lazy("Service months"),
        required=False,
        max_length=40,
        help_text=gettext_lazy("The months in which its maintenance is planned, 1 to 12: 1,4,7,10."),
    )
    work_type_id = forms.TypedChoiceField(
        label=gettext_lazy("Type of work"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, equipment: Choices, work_types: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["equipment_id"].choices = equipment  # type: ignore[attr-defined]
        optional(self.fields["work_type_id"], work_types, _("None"))


class TerminateForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=services.REASON_LIMIT, widget=forms.Textarea(attrs={"rows": 2})
    )
    on = forms.DateField(
        label=gettext_lazy("Last day covered"),
        required=False,
        widget=DAY,
        help_text=gettext_lazy("Empty: today."),
    )

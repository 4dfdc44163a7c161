"""The filters of the call search page: what ``search.call_search`` reads, as a person types it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fieldbox.service import search
from fieldbox.service.choices import TicketKind, TicketStatus

DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CallSearchForm(forms.Form):
    created_from = forms.DateField(label=_("Created from"), required=False, widget=DAY)
    created_to = forms.DateField(label=_("Created until"), required=False, widget=DAY)
    number = forms.CharField(
        label=_("Call number"), required=False, max_length=20, help_text=_("T0000042, 42, or the start: T00004")
    )
    intervention = forms.CharField(label=_("Work order number"), required=False, max_length=20)
    status = forms.MultipleChoiceField(
        label=_("Status"), required=False, choices=TicketStatus.choices, widget=forms.CheckboxSelectMultiple
    )
    kind = forms.ChoiceField(label=_("Type"), required=False)
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)
    customer = forms.CharField(label=_("Customer"), required=False, max_length=100, help_text=_("Name"))
    technician = forms.TypedChoiceField(label=_("Technician"), required=False, coerce=int, empty_value=None)
    serial = forms.CharField(label=_("Serial number"), required=False, max_length=64)

    def __init__(
        self, *args: Any, teams: list[tuple[int, str]], technicians: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All types")), *TicketKind.choices]  # type: ignore[attr-defined]
        self.fields["team"].choices = [("", _("All teams")), *teams]  # type: ignore[attr-defined]
        self.fields["technician"].choices = [("", _("Anyone")), *technicians]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            search.validate(data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return data

    def filters(self) -> dict[str, Any]:
        """The filters of a valid form, as ``call_search`` reads them."""
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "", [])}

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fieldbox.service.choices import Channel, ChargeKind, ClosedReply, ImapSecurity, Priority, TicketKind
from fieldbox.service.selectors import TABS


class DeskFilterForm(forms.Form):
    tab = forms.ChoiceField(required=False, choices=[(t, t) for t in TABS])
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)
    q = forms.CharField(label=_("Number, subject or sender"), required=False, max_length=100)

    def __init__(self, *args: Any, teams: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", _("All teams")), *teams]  # type: ignore[attr-defined]


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Your answer"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 5}))


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note for colleagues"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 3}))


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why it is cancelled"), max_length=500)


class MergeForm(forms.Form):
    into = forms.CharField(
        label=_("Number of the ticket to merge into"), max_length=20, help_text=_("For example T0000042 or 42")
    )


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=100)
    closed_reply = forms.ChoiceField(label=_("A customer's reply to a closed ticket"), choices=ClosedReply.choices)


class MailboxForm(forms.Form):
    team = forms.TypedChoiceField(label=_("Team"), coerce=int)
    address = forms.EmailField(label=_("Support address"))

    def __init__(self, *args: Any, teams: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = teams  # type: ignore[attr-defined]


class ImapForm(forms.Form):
    imap_host = forms.CharField(
        label=_("IMAP server"), max_length=255, required=False, help_text=_("Empty: the mail server pipes the mail.")
    )
    imap_port = forms.IntegerField(label=_("Port"), min_value=1, max_value=65535, initial=993)
    imap_security = forms.ChoiceField(label=_("Security"), choices=ImapSecurity.choices, initial=ImapSecurity.SSL)
    imap_user = forms.CharField(label=_("User"), max_length=255, required=False)
    imap_password = forms.CharField(
        label=_("Password"),
        max_length=255,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Kept encrypted. Leave empty to keep the one saved."),
    )
    imap_folder = forms.CharField(label=_("Folder"), max_length=255, initial="INBOX")


# ---- The call page -----------------------------------------------------------------------------------------

Choices = list[tuple[Any, str]]


def _optional(field: forms.Field, choices: Choices, empty: Any) -> None:
    field.choices = [("", empty), *choices]  # type: ignore[attr-defined]


class CallForm(forms.Form):
    """The call section: who calls, about what, for which site and equipment, and who takes it. The choices are
    the chosen customer's (``customer_id``, picked by a search on the page); a list with nothing to choose is not
    shown."""

    customer_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    subject = forms.CharField(label=_("What the call is about"), max_length=255)
    contact_id = forms.TypedChoiceField(label=_("Contact"), required=False, coerce=int, empty_value=None)
    phone = forms.CharField(
        label=_("Phone to call back"),
        max_length=40,
        required=False,
        help_text=_("Empty: the contact's number, else the customer's."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    site_id = forms.TypedChoiceField(label=_("Site"), required=False, coerce=int, empty_value=None)
    equipment_id = forms.TypedChoiceField(label=_("Equipment"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("Type"), choices=TicketKind.choices, initial=TicketKind.REQUEST)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    team_id = forms.TypedChoiceField(label=_("Team"), coerce=int)
    assignee_id = forms.TypedChoiceField(label=_("Assignee"), required=False, coerce=int, empty_value=None)

    def __init__(
        self,
        *args: Any,
        teams: Choices,
        desk: Choices,
        contacts: Choices,
        sites: Choices,
        equipment: Choices,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team_id"].choices = teams  # type: ignore[attr-defined]
        _optional(self.fields["assignee_id"], desk, _("Nobody yet"))
        for name, choices in (("contact_id", contacts), ("site_id", sites), ("equipment_id", equipment)):
            _optional(self.fields[name], choices, "—")
            if not choices:  # nothing to choose (no customer yet): the call names none
                self.fields[name].widget = forms.HiddenInput()


class NewCallForm(CallForm):
    """A call taken now: how it came, what the customer says and, when the work is on site, what is to be done."""

    field_order = (
        "channel",
        "subject",
        "description",
        "contact_id",
        "phone",
        "site_id",
        "equipment_id",
        "kind",
        "priority",
        "team_id",
        "assignee_id",
        "intervention",
    )

    channel = forms.ChoiceField(
        label=_("The call comes"),
        choices=[(Channel.PHONE, _("From the customer, by phone")), (Channel.STAFF, _("From us (staff)"))],
        initial=Channel.PHONE,
        widget=forms.RadioSelect,
    )
    description = forms.CharField(
        label=_("What the customer says"),
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    intervention = forms.CharField(
        label=_("Work to do on site"),
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional: an intervention to plan is made with the call."),
    )


class CustomerSearchForm(forms.Form):
    q = forms.CharField(label=_("Customer"), max_length=100, required=False)


class InterventionForm(forms.Form):
    description = forms.CharField(label=_("Work to do"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 3}))
    technician_id = forms.TypedChoiceField(label=_("Technician"), required=False, coerce=int, empty_value=None)
    follows_id = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, technicians: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _optional(self.fields["technician_id"], technicians, _("Not chosen yet"))


class OutcomeForm(forms.Form):
    outcome = forms.CharField(label=_("How it was solved"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 2}))


class InterventionCancelForm(forms.Form):
    reason = forms.CharField(label=_("Why it is cancelled"), max_length=500)


class TimeChargeForm(forms.Form):
    """Hours worked on the call (SYS "consuntivazione ore")."""

    description = forms.CharField(label=_("Work done"), max_length=255)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=10_000)
    unit_price = forms.DecimalField(
        label=_("Hourly rate (€)"), required=False, min_value=0, max_digits=10, decimal_places=2
    )
    billable = forms.BooleanField(label=_("Billable"), required=False, initial=True)


class ItemChargeForm(forms.Form):
    """A part used or a fee (SYS "consuntivazione pezzi", travel and other expenses)."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(ChargeKind.PART, ChargeKind.PART.label), (ChargeKind.FEE, ChargeKind.FEE.label)],
        initial=ChargeKind.PART,
    )
    description = forms.CharField(label=_("Description"), max_length=255)
    quantity = forms.DecimalField(
        label=_("Quantity"), min_value=Decimal("0.01"), max_digits=10, decimal_places=2, initial=1
    )
    unit_price = forms.DecimalField(
        label=_("Unit price (€)"), required=False, min_value=0, max_digits=10, decimal_places=2
    )
    billable = forms.BooleanField(label=_("Billable"), required=False, initial=True)

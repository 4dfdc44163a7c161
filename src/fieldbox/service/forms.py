from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fieldbox.service.choices import ClosedReply, ImapSecurity
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

"""Forms of the accounts screens. Services re-check every rule; forms give field-level messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fieldbox.accounts.choices import ROLE_RANK, ROLES_BY_KIND, Role
from fieldbox.accounts.models import LANGUAGE_CHOICES, Organisation
from fieldbox.accounts.services.organisations import DEADLINE_FIELDS, SETTINGS_FIELDS
from fieldbox.core import notify
from fieldbox.core.audit import ACTION_LABELS
from fieldbox.core.tenancy import Scope
from fieldbox.core.validators import no_control_characters


class EmailAuthenticationForm(AuthenticationForm):
    """Django's sign-in form with the e-mail address as login (an e-mail keyboard on phones)."""

    username = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("Code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Enter the 6 digits shown by your authenticator app.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
    )

    def clean_token(self) -> str:
        return str(self.cleaned_data["token"]).strip()


class NewPasswordMixin(forms.Form):
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_password2(self) -> str:
        p1, p2 = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if p1 and p2 and p1 != p2:
            raise forms.ValidationError(_("The two passwords differ."))
        if p2:
            validate_password(p2)
        return str(p2)


class AccountSetupForm(NewPasswordMixin):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    field_order = ["first_name", "last_name", "language", "password1", "password2"]


class CompanyRegistrationForm(AccountSetupForm):
    company_name = forms.CharField(label=_("Company name"), max_length=200, validators=[no_control_characters])
    field_order = ["company_name", "first_name", "last_name", "language", "password1", "password2"]


class PartnerInviteForm(forms.Form):
    email = forms.EmailField(label=_("Company e-mail address"))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RoleChoiceMixin:
    def limit_roles(self, scope: Scope) -> None:
        allowed = [
            (value, label)
            for value, label in Role.choices
            if value in ROLES_BY_KIND[scope.organisation.kind] and ROLE_RANK[value] <= ROLE_RANK[scope.role]
        ]
        self.fields["role"].choices = allowed  # type: ignore[attr-defined]


class MemberInviteForm(RoleChoiceMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_roles(scope)
        # An admin who does not choose grants the least: a new admin is a choice, never a default.
        self.fields["role"].initial = min(ROLES_BY_KIND[scope.organisation.kind], key=ROLE_RANK.__getitem__)


class MemberRoleForm(RoleChoiceMixin, forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_roles(scope)


class OrganisationSettingsForm(forms.ModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].validators.append(no_control_characters)  # the sender name of its e-mails
        if not self.instance.is_provider:  # job deadlines are set by providers
            for name in DEADLINE_FIELDS:
                del self.fields[name]

    class Meta:
        model = Organisation
        fields = list(SETTINGS_FIELDS)


class OrganisationDeleteForm(forms.Form):
    confirm_name = forms.CharField(label=_("Type the company's name to confirm"), max_length=200)


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=366, initial=90)


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Who"), required=False, max_length=254)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labelled = sorted(((code, str(label)) for code, label in ACTION_LABELS.items()), key=lambda c: c[1])
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)
        action.choices = [("", _("All")), *labelled]


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's password reset, with the e-mail queued in the outbox in the person's language."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        user = context["user"]
        path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]})
        notify.messenger().send_email(
            "accounts.password_reset",
            key=f"password-reset:{user.pk}:{context['token']}",
            to=to_email,
            language=user.language,
            context={"link": settings.SITE_URL + path},
        )

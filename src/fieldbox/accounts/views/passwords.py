"""Password reset by e-mail: Django's views, rate-limited, with links built from SITE_URL and audited."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django_ratelimit.core import is_ratelimited

from fieldbox.accounts.forms import OutboxPasswordResetForm
from fieldbox.core import audit


def _email_key(group: str, request: HttpRequest) -> str:
    return str(request.POST.get("email", "")).strip().lower()


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    html_email_template_name = "accounts/email/password_reset.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    form_class = OutboxPasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limits = (
            ("ip", settings.PASSWORD_RESET_RATE_PER_ADDRESS),
            (_email_key, settings.PASSWORD_RESET_RATE_PER_ACCOUNT),
        )
        limited = [
            is_ratelimited(request, group=f"password-reset-{i}", key=key, rate=rate, increment=True)
            for i, (key, rate) in enumerate(limits)
        ]
        if any(limited):
            return render(request, self.template_name, {"form": PasswordResetForm(), "limited": True}, status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        # Links point at the configured site, never at whatever Host the request named.
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: SetPasswordForm[Any]) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            audit.record(actor=form.user, organisation=None, obj=form.user, action="user.password_reset")
        return response

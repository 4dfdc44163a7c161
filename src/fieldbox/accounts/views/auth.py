"""Sign in (password, then TOTP when the person has it), sign out, lock-out, two-factor set-up."""

from __future__ import annotations

import base64
import io
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from fieldbox.accounts.forms import EmailAuthenticationForm, TokenForm
from fieldbox.accounts.models import User
from fieldbox.accounts.selectors import two_factor_required
from fieldbox.accounts.views.common import remember_language
from fieldbox.core import audit
from fieldbox.core.http import AuthedRequest

PENDING_USER_KEY = "fieldbox_2fa_user"
PENDING_NEXT_KEY = "fieldbox_2fa_next"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return str(settings.LOGIN_REDIRECT_URL)


def _finish_login(request: HttpRequest, user: User, backend: str, next_url: str) -> HttpResponse:
    login(request, user, backend=backend)
    response = redirect(next_url)
    return remember_language(request, response, user.language)


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_next_url(request))
    form = EmailAuthenticationForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        backend = getattr(user, "backend", "django.contrib.auth.backends.ModelBackend")
        if user_has_device(user, confirmed=True):
            request.session.cycle_key()
            request.session[PENDING_USER_KEY] = [user.pk, backend]
            request.session[PENDING_NEXT_KEY] = _next_url(request)
            return redirect("accounts:login_verify")
        return _finish_login(request, user, backend, _next_url(request))
    next_url = request.POST.get("next") or request.GET.get("next", "")
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


@require_http_methods(["GET", "POST"])
def login_verify(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING_USER_KEY)
    if not pending:
        return redirect("accounts:login")
    user = User.objects.filter(pk=pending[0], is_active=True).first()
    if user is None:
        return redirect("accounts:login")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = _verify(user, form.cleaned_data["token"])
        if device is not None:
            next_url = request.session.pop(PENDING_NEXT_KEY, str(settings.LOGIN_REDIRECT_URL))
            del request.session[PENDING_USER_KEY]
            response = _finish_login(request, user, pending[1], next_url)
            otp_login(request, device)
            return response
        form.add_error("token", _("This code is wrong or has expired. Wait for the next code and try again."))
    return render(request, "accounts/login_verify.html", {"form": form})


def _verify(user: User, token: str) -> TOTPDevice | None:
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        verified, _reason = device.verify_is_allowed()
        if verified and device.verify_token(token):
            return device
    return None


@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    """GET (a typed or bookmarked address): a page with the button; POST (with CSRF): sign out. Signing out on a
    GET would let any page that embeds the address sign a person out."""
    if request.method == "GET":
        if not request.user.is_authenticated:
            return redirect("accounts:login")
        return render(request, "accounts/logout.html")
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("accounts:login")


def locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    """Answer of django-axes once an account or an address failed too often."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = EmailAuthenticationForm(request)
    return render(
        request,
        "accounts/login.html",
        {"form": form, "locked_out": True, "minutes": minutes},
        status=429,
    )


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: AuthedRequest) -> HttpResponse:
    """Set up TOTP: scan the code, type one code to confirm. Shows the state once set up."""
    user = request.user
    required = two_factor_required(user)
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if confirmed is not None:
        return render(
            request, "accounts/two_factor.html", {"device": confirmed, "required": required, "form": TokenForm()}
        )
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, confirmed=False, name="Authenticator")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                audit.record(
                    actor=user, organisation=None, obj=user, action="user.two_factor", from_state="off", to_state="on"
                )
            otp_login(request, device)
            messages.success(request, _("Two-factor authentication is on."))
            return redirect(settings.LOGIN_REDIRECT_URL)
        form.add_error("token", _("This code is wrong or has expired. Wait for the next code and try again."))
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "accounts/two_factor.html",
        {
            "form": form,
            "qr": _qr_svg(device.config_url),
            "secret": secret,
            "required": required,
        },
    )


@login_required
@require_POST
def two_factor_disable(request: AuthedRequest) -> HttpResponse:
    """Turning two-factor off takes a current code, so a borrowed session cannot do it."""
    user = request.user
    if two_factor_required(user):
        messages.error(request, _("Your role requires two-factor authentication: it cannot be turned off."))
        return redirect("accounts:two_factor")
    form = TokenForm(request.POST)
    if not form.is_valid() or _verify(user, form.cleaned_data["token"]) is None:
        messages.error(request, _("This code is wrong or has expired. Wait for the next code and try again."))
        return redirect("accounts:two_factor")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        audit.record(actor=user, organisation=None, obj=user, action="user.two_factor", from_state="on", to_state="off")
    messages.success(request, _("Two-factor authentication is off."))
    return redirect("accounts:two_factor")

"""Per-request scope (organisation and role) and the two-factor gate."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django_otp import user_has_device

from fieldbox.accounts.choices import PORTAL
from fieldbox.accounts.selectors import scope_for, two_factor_required
from fieldbox.core.audit import current_ip
from fieldbox.core.http import client_ip
from fieldbox.core.logs import bind_scope

SESSION_ORG_KEY = "fieldbox_organisation_id"

# Paths a signed-in person may open before finishing two-factor set-up.
TWO_FACTOR_OPEN_PREFIXES = (
    "/accounts/two-factor/",
    "/accounts/logout/",
    "/static/",
    "/i18n/",
    "/healthz",
    "/readyz",
    "/api/",
)


# What a customer's contact signed in to the portal opens: the portal, their own account's pages, invitation links.
PORTAL_OPEN_PREFIXES = (
    "/portal/",
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/profile/",
    "/accounts/password-reset/",
    "/accounts/two-factor/",
    "/invitations/",
    "/organisation/switch/",
    "/static/",
    "/i18n/",
    "/healthz",
    "/readyz",
    "/admin/",
)


def _portal_may_open(path: str) -> bool:
    return path == "/" or path.startswith(PORTAL_OPEN_PREFIXES)


class ScopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_ip.set(client_ip(request))
        try:
            user = request.user
            scope = None
            if user.is_authenticated:
                scope = scope_for(user, request.session.get(SESSION_ORG_KEY))
            request.scope = scope  # type: ignore[attr-defined]
            if user.is_authenticated:
                bind_scope(user=user.pk, organisation=scope.organisation.pk if scope is not None else None)
            if scope is not None:
                timezone.activate(zoneinfo.ZoneInfo(scope.organisation.time_zone))
                if scope.role in PORTAL and not _portal_may_open(request.path):
                    raise Http404  # the organisation's own pages and API do not exist for a customer's contact
            return self.get_response(request)
        finally:
            timezone.deactivate()
            current_ip.reset(token)


class TwoFactorMiddleware:
    """Provider admins must set up TOTP before they can do anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or getattr(user, "is_verified", lambda: False)():
            return self.get_response(request)  # a verified session needs no query here
        if user_has_device(user, confirmed=True):
            # A session that never passed the second factor (it cannot normally exist): start again.
            logout(request)
            return redirect("accounts:login")
        scope = getattr(request, "scope", None)
        memberships = scope.memberships if scope is not None else ()
        if not request.path.startswith(TWO_FACTOR_OPEN_PREFIXES) and two_factor_required(user, memberships):
            return redirect("accounts:two_factor")
        return self.get_response(request)

"""API authentication: personal Bearer tokens, or the browser session (with CSRF)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from fieldbox.accounts.models import ApiToken
from fieldbox.accounts.selectors import scope_for, two_factor_missing
from fieldbox.core.logs import bind_scope
from fieldbox.core.tokens import hash_token


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        row = (
            ApiToken.objects.select_related("user", "organisation")
            .filter(
                token_hash=hash_token(token),
                revoked_at__isnull=True,
                expires_at__gt=timezone.now(),
                user__is_active=True,
                organisation__is_active=True,
            )
            .first()
        )
        if row is None:
            return None
        scope = scope_for(row.user, row.organisation_id)
        if scope is None or scope.organisation.pk != row.organisation_id:
            return None  # no longer a member of the token's organisation
        if two_factor_missing(row.user, scope.memberships):
            return None  # the role now requires two-factor: set it up in the browser first
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
        request.user = row.user
        request.scope = scope  # type: ignore[attr-defined]
        request.api_token = row  # type: ignore[attr-defined]
        bind_scope(user=row.user.pk, organisation=scope.organisation.pk)
        return row.user


class SessionScopeAuth(APIKeyCookie):
    """The signed-in browser session; CSRF is checked on unsafe methods."""

    param_name = "sessionid"

    def __call__(self, request: HttpRequest) -> Any:
        """A request that sends an ``Authorization`` header is judged by it alone.

        Otherwise a wrong or revoked token would fall back to the cookie: a write then
        failed the CSRF check (403) instead of answering 401, and a read went through
        as whoever is signed in to the browser.
        """
        if "Authorization" in request.headers:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not user.is_authenticated or getattr(request, "scope", None) is None:
            return None
        if two_factor_missing(user, request.scope.memberships):  # type: ignore[attr-defined]
            return None  # two-factor set-up comes first, for the API too
        return user

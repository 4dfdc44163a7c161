"""Request helpers shared by every app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address of the client, as far as it can be trusted.

    Only the entries added by our own ``TRUSTED_PROXY_COUNT`` proxies are believed: each
    proxy appends the address it saw to ``X-Forwarded-For``, so the client's address is
    the N-th entry from the right. Anything the client wrote itself sits further left and
    is ignored, so a forged header cannot change the address used for throttling.
    """
    remote = str(request.META.get("REMOTE_ADDR") or "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [p.strip() for p in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    forwarded = [p for p in forwarded if p]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]


def login_name(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The account a sign-in attempt is counted against: the address, trimmed and lower-cased."""
    source: Any = credentials if credentials else request.POST
    return str(source.get("username") or "").strip().lower()


if TYPE_CHECKING:
    from fieldbox.accounts.models import User
    from fieldbox.core.tenancy import Scope

    class AuthedRequest(HttpRequest):
        """A request of a signed-in person, with the scope the middleware set."""

        user: User
        scope: Scope
else:
    AuthedRequest = HttpRequest


def scope_of(request: HttpRequest) -> Scope:
    """The scope of an authenticated API call or page (set by the scope middleware or the API's authentication)."""
    scope: Scope = cast(AuthedRequest, request).scope
    return scope

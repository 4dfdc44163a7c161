"""What the accounts pages share: the language cookie."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def remember_language(request: HttpRequest, response: HttpResponse, language: str) -> HttpResponse:
    """Make ``language`` the interface language of this browser (Django's language cookie)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response

"""Permissions-Policy on every response: which browser features our pages may use (settings.PERMISSIONS_POLICY).

The barcode scanner needs the camera, clocking in on site asks for the position; every other powerful feature
(microphone, payment, USB, ...) is refused to our pages and to anything they might embed. The header is built once,
from the setting, when the process starts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Permissions-Policy"


def permissions_policy(features: Mapping[str, Sequence[str]]) -> str:
    """``camera=(self), microphone=()``: ``self`` stays a token, any other origin is quoted."""

    def allow_list(origins: Sequence[str]) -> str:
        return "(" + " ".join(o if o in ("self", "*") else f'"{o}"' for o in origins) + ")"

    return ", ".join(f"{feature}={allow_list(origins)}" for feature, origins in features.items())


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.value = permissions_policy(getattr(settings, "PERMISSIONS_POLICY", {}))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.value:
            response.headers.setdefault(HEADER, self.value)
        return response

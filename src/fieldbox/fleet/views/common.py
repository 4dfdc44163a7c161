"""What the registry screens share: who may use them, the keyset page of a list, the choices of a form."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet

from fieldbox.accounts import selectors as accounts_selectors
from fieldbox.accounts.choices import INSTALLER_ROLES, PROVIDER_ROLES
from fieldbox.core.http import AuthedRequest
from fieldbox.core.pagination import request_page
from fieldbox.fleet import selectors

__all__ = ["INSTALLER_ROLES", "PAGE_SIZE", "PROVIDER_ROLES", "companies", "export_format", "page", "products"]

PAGE_SIZE = 50


def page(request: AuthedRequest, qs: QuerySet[Any]) -> dict[str, Any]:
    """One keyset page (newest first) with what the pager links need (``jobs/_pager.html``)."""
    return request_page(request, qs, PAGE_SIZE)


def export_format(request: AuthedRequest) -> str:
    fmt = request.GET.get("format", "")
    return fmt if fmt in ("csv", "xlsx") else ""


def products(request: AuthedRequest) -> list[tuple[int, str]]:
    return [(p.pk, str(p)) for p in selectors.products_for(request.scope).order_by("name")]


def companies(request: AuthedRequest) -> list[tuple[int, str]]:
    return [(o.pk, str(o)) for o in accounts_selectors.accepted_installers_for(request.scope)]


def choices_of(qs: QuerySet[Any], limit: int = 2000) -> list[tuple[int, str]]:
    items: list[Model] = list(qs[:limit])
    return [(o.pk, str(o)) for o in items]

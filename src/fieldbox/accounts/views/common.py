"""Bridges between services and forms in the web views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse

from fieldbox.core.errors import Conflict

T = TypeVar("T")


def run_service(request: HttpRequest, form: forms.BaseForm | None, call: Callable[[], T]) -> T | None:
    """Run ``call``; field errors go on the form, state conflicts into a message. None when refused."""
    try:
        return call()
    except ValidationError as exc:
        if form is not None and hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        elif form is not None:
            form.add_error(None, exc.messages)
        else:
            for message in exc.messages:
                messages.error(request, message)
    except Conflict as exc:
        messages.error(request, exc.message)
    except ObjectDoesNotExist:
        raise Http404 from None
    return None


def page_of(request: HttpRequest, items: Any, per_page: int = 50) -> Any:
    """A numbered page, for short lists only (it counts the rows); long ones use keyset pages."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


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

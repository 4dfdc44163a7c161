"""The web plumbing every app's pages share: the guard of a page (signed in, in an organisation, with a role) and
the bridge from a service's refusal to a form's errors or a message."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from fieldbox.core.errors import Conflict

T = TypeVar("T")
View = Callable[..., HttpResponse]


def scope_required(*roles: str) -> Callable[[View], View]:
    """A page for a signed-in person working in an organisation, with one of ``roles`` (any role when none given):
    the sign-in page otherwise, a page saying they belong to no organisation, or 403."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            scope = request.scope  # type: ignore[attr-defined]
            if scope is None:
                return render(request, "web/no_organisation.html", status=403)
            if roles and scope.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def run_service(request: HttpRequest, form: forms.BaseForm | None, call: Callable[[], T]) -> T | None:
    """Run ``call``; field errors go on the form, state conflicts into a message. None when refused (the reasons
    are also left on ``request.refusal``, for a phone that sent the change and waits for its outcome)."""
    try:
        return call()
    except ValidationError as exc:
        request.refusal = exc.messages  # type: ignore[attr-defined]
        if form is not None and hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        elif form is not None:
            form.add_error(None, exc.messages)
        else:
            for message in exc.messages:
                messages.error(request, message)
    except Conflict as exc:
        request.refusal = [exc.message]  # type: ignore[attr-defined]
        messages.error(request, exc.message)
    except ObjectDoesNotExist:
        raise Http404 from None
    return None


def id_of(value: Any) -> int | None:
    """An id given in a query string or a form (digits, at most 11 of them), or None: never an error."""
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 12 else None


def page_of(request: HttpRequest, items: Any, per_page: int = 50) -> Any:
    """A numbered page, for short lists only (it counts the rows); long ones use keyset pages."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))

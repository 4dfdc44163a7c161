"""RFC 9457 problem details for the API: one shape for every error, documented per operation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from fieldbox.core.errors import Conflict

PROBLEM_TYPE = "application/problem+json"


class FieldError(Schema):
    field: str
    message: str


class Problem(Schema):
    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    errors: list[FieldError] = []


def problem(status: int, title: str, detail: str = "", errors: list[dict[str, str]] | None = None) -> HttpResponse:
    import orjson

    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return HttpResponse(orjson.dumps(body), status=status, content_type=PROBLEM_TYPE)


@contextmanager
def fields_named(**names: str) -> Iterator[None]:
    """Field errors of a service, named as the API's body names them (``company`` -> ``company_id``)."""
    try:
        yield
    except DjangoValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise DjangoValidationError({names.get(f, f): msgs for f, msgs in error.message_dict.items()}) from None


def errors_of(*codes: int) -> dict[int, type[Problem]]:
    """The documented error answers of an operation."""
    return dict.fromkeys((401, 429, *codes), Problem)


def _ninja_field(loc: list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "data", "filters")]
    return ".".join(parts) or "__all__"


def install(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = [{"field": _ninja_field(list(e.get("loc", []))), "message": str(e.get("msg", ""))} for e in exc.errors]
        return problem(422, _("The request has invalid fields."), errors=errors)

    @api.exception_handler(DjangoValidationError)
    def domain_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            errors = [{"field": f, "message": m} for f, msgs in exc.message_dict.items() for m in msgs]
        else:
            errors = [{"field": "__all__", "message": m} for m in exc.messages]
        return problem(422, _("The request has invalid fields."), errors=errors)

    @api.exception_handler(Conflict)
    def conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
        return problem(409, _("Not allowed in the current state."), exc.message)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(404, _("Not found."))

    @api.exception_handler(ObjectDoesNotExist)
    def missing(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
        return problem(404, _("Not found."))

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return problem(403, _("Your role does not allow this."))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = problem(401, _("Authentication required."), _("Send a valid token as 'Authorization: Bearer …'."))
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        response = problem(429, _("Too many requests."), _("Slow down and try again shortly."))
        if exc.wait:
            response["Retry-After"] = str(int(exc.wait))
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem(exc.status_code, str(exc))

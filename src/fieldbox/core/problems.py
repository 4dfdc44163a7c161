"""RFC 9457 problem details for the API: one shape for every error, documented per operation."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import AwareDatetime, BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

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


# Rules the services apply with their own (translated) messages, stated in the description of a field so that it
# agrees with the answers: ``Field(json_schema_extra=NOT_BLANK)`` documents without validating twice.
NOT_BLANK: dict[str, Any] = {"pattern": r"\S"}  # a text the service strips, then requires
ONE_LINE: dict[str, Any] = {"pattern": r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$"}  # no control characters


def _written(value: Any) -> Any:
    """JSON has no dates: a day or a time comes written as text. A number is not one (pydantic would read it as a
    Unix time), nor is ``true``."""
    if isinstance(value, int | float):
        raise PydanticCustomError("date_type", "Input should be a date or a time written as text")
    return value


def _day_text(value: Any) -> Any:
    """A day in a query comes as ``YYYY-MM-DD``: pydantic would also read "0" or "1700000000" as a Unix time."""
    if isinstance(value, str) and not DAY.fullmatch(value):
        raise PydanticCustomError("date_parsing", "Input should be a day written YYYY-MM-DD")
    return value


def _amount(value: Any) -> Any:
    """An amount or a quantity comes as a JSON number (``18.5``) or as its digits in a string (``"18.50"``, exact):
    "18,50" or "" are none (the services round and bound it, core.money)."""
    if isinstance(value, str) and AMOUNT_TEXT.fullmatch(value):
        return Decimal(value)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise PydanticCustomError("decimal_type", "Input should be a number, or its digits written as text")
    return Decimal(str(value))


def _number(value: Any) -> Any:
    """An integer comes as a JSON number (``7``, or ``7.0``, the same number); ``"7"`` and ``true`` are not ones."""
    if isinstance(value, str | bool):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


# Input types of JSON bodies that take what the description says and nothing else: pydantic's lax mode would take
# "7" or true for an integer, 0 for a day; a boolean is ``Field(strict=True)`` ("yes" and 1 are not booleans).
# Query and form values stay lax: they are text.
# Bounds go before NUMBER (``Annotated[int, Field(ge=1), NUMBER] | None``): after it, pydantic documents them as
# "ge" and "le", which JSON Schema does not know.
NUMBER = BeforeValidator(_number)
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
Count = Annotated[int, NUMBER]
Ids = list[Count]
WrittenDate = Annotated[date, BeforeValidator(_written)]
# An amount of money or a quantity in a JSON body: a number, read exactly as written.
AMOUNT_TEXT = re.compile(r"-?\d{1,12}(\.\d{1,6})?")
Amount = Annotated[
    Decimal,
    BeforeValidator(_amount),
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string", "pattern": f"^{AMOUNT_TEXT.pattern}$"}]}),
]
# A day in a query string (the description's format: date).
QueryDay = Annotated[date, BeforeValidator(_day_text)]
WrittenDateTime = Annotated[datetime, BeforeValidator(_written)]
WrittenAwareDateTime = Annotated[AwareDatetime, BeforeValidator(_written)]

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
# Answers an operation can give before its own code runs (our middleware, ninja's parsing and authentication).
UNPARSABLE = "The body is not a JSON object: not JSON at all, or an array, a string, a number."
TOO_LARGE = "The body is larger than `DATA_UPLOAD_MAX_MEMORY_SIZE` (files in multipart file fields apart)."
INVALID = (
    "Invalid input, `errors` naming each field: a missing or malformed field, an id in the address that is not an "
    "integer, a parameter given twice, a NUL character in any text."
)
CHALLENGE = {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}}


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Make the OpenAPI description say what the answers are: errors as ``application/problem+json``, the 400, 413
    and 422 of a request refused before its operation runs, the challenge of a 401. Ninja documents every answer in
    the renderer's media type and knows nothing of what happens around the operation; done here, once, for all."""
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            _document_operation(operation)
    return schema


def _document_operation(operation: dict[str, Any]) -> None:
    responses: dict[Any, dict[str, Any]] = operation.setdefault("responses", {})
    for status, answer in responses.items():
        content = answer.get("content", {})
        if int(status) >= 400 and "application/json" in content:
            answer["content"] = {PROBLEM_TYPE: content["application/json"]}
    body = operation.get("requestBody", {}).get("content", {})
    if "application/json" in body:
        _add(responses, 400, UNPARSABLE)
    if body:
        _add(responses, 413, TOO_LARGE)
    _add(responses, 422, INVALID)
    if operation.get("security") and 401 in responses:
        responses[401]["headers"] = CHALLENGE


def _add(responses: dict[Any, dict[str, Any]], status: int, description: str) -> None:
    if status in responses or str(status) in responses:
        return
    responses[status] = {"description": description, "content": {PROBLEM_TYPE: {"schema": PROBLEM_REF}}}


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
            response["Retry-After"] = str(max(1, math.ceil(exc.wait)))
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:  # ninja's only one: a body it cannot parse as a JSON object
            return problem(400, _("The body is not a JSON object."))
        return problem(exc.status_code, str(exc))

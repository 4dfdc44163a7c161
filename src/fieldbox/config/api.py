"""The HTTP API: /api/v1, OpenAPI at /api/openapi.json, interactive docs at /api/docs."""

from __future__ import annotations

import json
from typing import Any

import orjson
from django.conf import settings
from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser
from ninja.renderers import BaseRenderer

from fieldbox.accounts.api import router as accounts_router
from fieldbox.accounts.auth import SessionScopeAuth, TokenAuth
from fieldbox.commerce.api import router as commerce_router
from fieldbox.core import problems
from fieldbox.core.throttles import AnonThrottle, AuthThrottle
from fieldbox.fleet.api import router as fleet_router
from fieldbox.jobs.api.calendar import router as calendar_router
from fieldbox.jobs.api.care import router as care_router
from fieldbox.jobs.api.checks import router as checks_router
from fieldbox.jobs.api.core import router as jobs_router
from fieldbox.jobs.api.imports import router as jobs_imports_router
from fieldbox.messaging.api import router as messaging_router
from fieldbox.removals.api.lines import add_request_reads
from fieldbox.removals.api.lines import router as removal_lines_router
from fieldbox.removals.api.pickups import router as pickups_router
from fieldbox.removals.api.requests import router as removal_requests_router
from fieldbox.service.api import router as service_router


class ORJSONRenderer(BaseRenderer):
    """Answers rendered with orjson: the hot list endpoints spend their time here."""

    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return orjson.dumps(data)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class ObjectParser(Parser):
    """Inputs as the description states them. A JSON body is one object of fields: anything else (an array, a
    number, ``NaN``) is refused with 400 before the shapes read it (they read attributes, so ``[1]`` would pass as a
    body of defaults)."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body, parse_constant=_no_constant)  # orjson would read 2**64 as a float
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return data

    def parse_querydict(self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest) -> Any:
        """A parameter given more than once reaches the shapes as a list: refused (422 naming it) unless its shape
        takes a list, where ninja would have kept the last value."""
        return {k: v if k in list_fields or len(v) > 1 else v[0] for k, v in data.lists()}


class FieldboxAPI(NinjaAPI):
    """The API whose description says what it answers (``problems.document``): errors as problem+json, the 400, 413
    and 422 of a request refused before its operation runs, the challenge of a 401."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        problems.document(schema)
        return schema


api = FieldboxAPI(
    title="Fieldbox API",
    version="1",
    description=(
        "Field operations for vehicle telematics. Authenticate with a personal token "
        "(`Authorization: Bearer fbx_…`); errors are `application/problem+json` (RFC 9457). Text may not hold "
        "the NUL character (U+0000): a request with one answers 422 naming the field, before anything else."
    ),
    auth=[TokenAuth(), SessionScopeAuth()],
    throttle=[AnonThrottle(settings.API_ANONYMOUS_RATE), AuthThrottle(settings.API_RATE)],
    urls_namespace="api",
    renderer=ORJSONRenderer(),
    parser=ObjectParser(),
)
problems.install(api)
api.add_router("/v1/", accounts_router)
api.add_router("/v1/", messaging_router)
api.add_router("/v1/", jobs_imports_router)  # before jobs_router: /jobs/import is not /jobs/{job_id}
api.add_router("/v1/", jobs_router)
api.add_router("/v1/", pickups_router)  # before fleet_router: /vehicles/equipped is not /vehicles/{vehicle_id}
api.add_router("/v1/", fleet_router)
api.add_router("/v1/", checks_router)
api.add_router("/v1/", care_router)
api.add_router("/v1/", calendar_router)
api.add_router("/v1/", removal_lines_router)
api.add_router("/v1/", service_router)
api.add_router("/v1/", commerce_router)
add_request_reads(removal_requests_router)  # GET next to its POST: one router per path
api.add_router("/v1/", removal_requests_router)

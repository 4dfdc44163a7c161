"""The HTTP API: /api/v1, OpenAPI at /api/openapi.json, interactive docs at /api/docs."""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.renderers import BaseRenderer
from ninja.throttling import AnonRateThrottle, AuthRateThrottle

from fieldbox.accounts.api import router as accounts_router
from fieldbox.accounts.auth import SessionScopeAuth, TokenAuth
from fieldbox.core import problems
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


class ORJSONRenderer(BaseRenderer):
    """Answers rendered with orjson: the hot list endpoints spend their time here."""

    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return orjson.dumps(data)


api = NinjaAPI(
    title="Fieldbox API",
    version="1",
    description=(
        "Field operations for vehicle telematics. Authenticate with a personal token "
        "(`Authorization: Bearer fbx_…`); errors are `application/problem+json` (RFC 9457)."
    ),
    auth=[TokenAuth(), SessionScopeAuth()],
    throttle=[AnonRateThrottle("60/m"), AuthRateThrottle("1200/m")],
    urls_namespace="api",
    renderer=ORJSONRenderer(),
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
add_request_reads(removal_requests_router)  # GET next to its POST: one router per path
api.add_router("/v1/", removal_requests_router)

"""The shell: home page and health probes."""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from fieldbox.accounts import selectors
from fieldbox.accounts.choices import INSTALLER_ROLES, PORTAL
from fieldbox.core.http import AuthedRequest
from fieldbox.core.limits import database_away, fault_answer
from fieldbox.core.web import scope_required
from fieldbox.jobs import queries


@scope_required()
def home(request: AuthedRequest) -> HttpResponse:
    """Everyone's start: an installer's day (today's appointments, my jobs, "Take next"), the partnerships."""
    scope = request.scope
    if scope.role in PORTAL:  # a customer's contact starts in the portal
        return redirect("service:portal")
    context: dict[str, Any] = {"partner_counts": selectors.partnership_counts(scope)}
    if scope.role in INSTALLER_ROLES:
        context["day"] = queries.installer_day(scope)
    return render(request, "web/home.html", context)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 page; under /api/ the same problem+json the API answers everywhere else."""
    if request.path.startswith("/api/"):
        from fieldbox.core.problems import problem

        return problem(404, _("Not found."))
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """500, unless the fault is one of the servers around us (``core.limits``): a database that does not answer or a
    cut statement is 503, a full disk 507, also when it happens before any view (the session's middleware reads the
    database first of all)."""
    exception = sys.exc_info()[1]
    try:
        answer = fault_answer(request, exception)
    except Exception:  # the page of the fault needed what failed: the page that needs nothing
        answer = database_away(request, exception) if isinstance(exception, OperationalError) else None
    return answer or defaults.server_error(request)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """The process runs."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return f"database: {exc.__class__.__name__}"
    return None


def _check_broker() -> str | None:
    if not settings.REDIS_URL:
        return None
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
    except Exception as exc:
        return f"broker: {exc.__class__.__name__}"
    return None


@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """Ready to serve when the database answers. Without the broker pages still work (messages wait in
    the outbox), so a broker that is down is reported as degraded, not as a reason to stop serving."""
    database = _check_database()
    if database:
        return JsonResponse({"status": "unavailable", "reasons": [database]}, status=503)
    broker = _check_broker()
    if broker:
        return JsonResponse({"status": "degraded", "reasons": [broker]})
    return JsonResponse({"status": "ok"})

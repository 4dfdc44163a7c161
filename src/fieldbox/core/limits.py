"""How long one SQL statement may run, by kind of process, and what a person sees when one is cut.

A web process (``config/wsgi.py``) cuts a statement after ``REQUEST_STATEMENT_TIMEOUT`` seconds, a worker's task
process (``config/celery.py``) after ``TASK_STATEMENT_TIMEOUT``: PostgreSQL's ``statement_timeout``, so the server
itself stops the query and frees what it held, whether or not the process that sent it is still there. Both also
end a transaction left open and idle for ``IDLE_TRANSACTION_TIMEOUT`` seconds (a process stuck between two
statements gives its row locks back). Management commands (``migrate``, ``backup``) have no limit: a migration of a
large table may take its time.

The limits are libpq start-up options of every new connection (no extra round trip); a connection already open in
this thread gets them by ``SET``. A request whose statement was cut answers 503 with ``Retry-After`` (problem+json
under ``/api/``), and its transaction is rolled back: nothing is half written.

When the database cannot answer at all (restarted, failed over, too many connections) the request answers 503 too,
from a page that needs no database; the next request reconnects (``conn_health_checks``). The other limit a request
can meet is the disk: when the media storage is full (or over its quota) a file cannot be
kept. Every service stores its file inside the transaction of its record, so the record rolls back with it; the
request answers 507 "storage full", and the error is logged for the operator.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from fieldbox.core.problems import problem

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
_operator_options: dict[str, str] = {}  # each database's own libpq options (DATABASE_URL), kept before ours


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def limit_statements(seconds: float | None) -> None:
    """From now on this process's PostgreSQL connections cut a statement after ``seconds`` (None: no limit) and end
    a transaction idle for ``IDLE_TRANSACTION_TIMEOUT``. SQLite (the demo) has no such limit and is left alone."""
    for alias in connections:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        options = connection.settings_dict.setdefault("OPTIONS", {})
        base = _operator_options.setdefault(alias, str(options.get("options", "")))
        statement = _ms(seconds) if seconds else 0
        idle = _ms(settings.IDLE_TRANSACTION_TIMEOUT) if seconds else 0
        ours = f"-c statement_timeout={statement} -c idle_in_transaction_session_timeout={idle}"
        options["options"] = f"{base} {ours}".strip()
        if connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"SET statement_timeout = {statement}")
                cursor.execute(f"SET idle_in_transaction_session_timeout = {idle}")


def was_cut(exception: BaseException) -> bool:
    """Whether the database stopped this statement because it ran past its time (not a lost connection)."""
    if not isinstance(exception, OperationalError):
        return False
    from psycopg import errors

    return isinstance(exception.__cause__, errors.QueryCanceled)


def too_slow(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        response = problem(
            503,
            _("The request took too long."),
            _("The server stopped it after %(seconds)s seconds and changed nothing. Try again in a moment.")
            % {"seconds": f"{settings.REQUEST_STATEMENT_TIMEOUT:g}"},
        )
    else:
        response = render(request, "503.html", status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def database_away(request: HttpRequest, exception: BaseException) -> HttpResponse:
    # No path: the access line of the same request_id names the route (a path may hold a token).
    log.warning("The database could not complete a request: %s", exception)
    if request.path.startswith("/api/"):
        response = problem(
            503,
            _("The service is briefly unavailable."),
            _("The database could not complete the request and nothing was changed. Try again in a moment."),
        )
    else:
        response = HttpResponse(render_to_string("503-database.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def is_disk_full(exception: BaseException) -> bool:
    return isinstance(exception, OSError) and exception.errno in DISK_FULL


def storage_full(request: HttpRequest) -> HttpResponse:
    log.error("The media storage is full: a file could not be kept")
    if request.path.startswith("/api/"):
        response = problem(
            507,
            _("The file storage is full."),
            _("Nothing was saved. Try again later; the operators have been told."),
        )
    else:
        response = render(request, "507.html", status=507)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS * 10)
    return response


def fault_answer(request: HttpRequest, exception: BaseException | None) -> HttpResponse | None:
    """What a person sees of a fault of the servers around us, or None for a fault of ours (a server error)."""
    if exception is None:
        return None
    if was_cut(exception):
        return too_slow(request)
    if isinstance(exception, OperationalError):
        return database_away(request, exception)
    if is_disk_full(exception):
        return storage_full(request)
    return None


class ServerLimitsMiddleware:
    """A statement the database cut or a database that does not answer: 503 "try again"; a full media storage:
    507. Not a server error. (What fails before a view, in a middleware such as the session's, is answered the same
    way by the server-error page, ``web.views.server_error``.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return fault_answer(request, exception)

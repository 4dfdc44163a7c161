"""Logs: one JSON line per event in production, plain text in the demo; each line names its request and task.

A request gets an id (the caller's ``X-Request-ID`` when well-formed, else a new one), answered in the response's
``X-Request-ID`` and carried in a header of every Celery task queued while it runs, so that a worker's lines of that
task carry the same id; tasks queued by a task keep it, the scheduler's tasks get a new one. The ids of the signed-in
user and of the organisation the request is scoped to are added to each line too. Nothing else about the person: no
e-mail address, name, telephone, IMEI, token, body or query string is added by this module (docs/deploy.md, "Logs").
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import Any

from celery import signals
from django.http import HttpRequest, HttpResponse
from gunicorn.glogging import Logger as GunicornBaseLogger
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

HEADER = "X-Request-ID"
TASK_HEADER = "fieldbox_request_id"
# An id from the caller is kept when it is 1 to 64 of these characters (a uuid, a proxy's $request_id, a trace id).
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,64}")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
organisation_var: ContextVar[int | None] = ContextVar("organisation_id", default=None)
user_var: ContextVar[int | None] = ContextVar("user_id", default=None)
task_name_var: ContextVar[str | None] = ContextVar("task_name", default=None)
task_id_var: ContextVar[str | None] = ContextVar("task_id", default=None)

# The fields of every line, in this order; absent ones are null. The access line adds ACCESS_FIELDS.
FIELDS = ("time", "level", "logger", "message", "request_id", "organisation", "user", "task", "task_id")
ACCESS_FIELDS = ("method", "route", "status", "duration_ms")


def new_request_id() -> str:
    return uuid.uuid4().hex


def clean_request_id(value: str | None) -> str:
    """The caller's id when it is well-formed, else a new one: a log line never carries what a client typed."""
    if value and REQUEST_ID_RE.fullmatch(value):
        return value
    return new_request_id()


class ContextFilter(logging.Filter):
    """Puts the request's and the task's ids on every record (None when there is none), and writes the route's
    pattern where Django's own lines (``django.request``, ``django.security``: "Not Found: /invitations/…/") would
    write the path, which may hold a token."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if isinstance(request, HttpRequest) and isinstance(record.args, tuple):
            paths = {request.path, request.get_full_path()}
            match = request.resolver_match
            shown = f"/{match.route}" if match else "-"
            record.args = tuple(shown if isinstance(arg, str) and arg in paths else arg for arg in record.args)
        record.request_id = request_id_var.get()
        record.organisation = organisation_var.get()
        record.user = user_var.get()
        record.task = task_name_var.get()
        record.task_id = task_id_var.get()
        return True


class JsonFormatter(BaseJsonFormatter):
    """One JSON object a line with FIELDS (and the access line's), the exception's text when there is one.

    Only these fields: another library's extras (Django puts the whole request on its records) are left out.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        log_data["time"] = datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.message
        for name in FIELDS[4:]:
            log_data[name] = getattr(record, name, None)
        for name in ACCESS_FIELDS:
            if hasattr(record, name):
                log_data[name] = getattr(record, name)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter.formatException(self, record.exc_info)
        if record.exc_text:
            log_data["exception"] = record.exc_text
        if record.stack_info:
            log_data["stack"] = logging.Formatter.formatStack(self, record.stack_info)

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        log_data.pop("exc_info", None)  # already in "exception"
        return log_data


class PlainFormatter(logging.Formatter):
    """The demo's and a developer's line: time, level, logger, message, then the ids that are set."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = [f"{name}={getattr(record, name)}" for name in FIELDS[4:] if getattr(record, name, None) is not None]
        ids += [f"{name}={getattr(record, name)}" for name in ACCESS_FIELDS if hasattr(record, name)]
        return f"{line} [{' '.join(ids)}]" if ids else line


access_log = logging.getLogger("fieldbox.access")


class RequestIdMiddleware:
    """First of all: sets the request's id for its lifetime, answers it, and writes the request's access line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        rid = clean_request_id(request.headers.get(HEADER))
        request.request_id = rid  # type: ignore[attr-defined]
        tokens = (request_id_var.set(rid), organisation_var.set(None), user_var.set(None))
        try:
            response = self.get_response(request)
            response[HEADER] = rid
            _access(request, response.status_code, started)
            return response
        except BaseException:
            _access(request, 500, started)
            raise
        finally:
            request_id_var.reset(tokens[0])
            organisation_var.reset(tokens[1])
            user_var.reset(tokens[2])


def _access(request: HttpRequest, status: int, started: float) -> None:
    """The access line: the route's pattern, not the path, which may hold a token (invitations, calendar feeds)."""
    match = request.resolver_match
    access_log.info(
        "%s %s %s",
        request.method,
        match.route if match else "-",
        status,
        extra={
            "method": request.method,
            "route": match.route if match else None,
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )


def bind_scope(*, user: int | None, organisation: int | None) -> None:
    """The request's signed-in user and organisation, for its log lines (until the request ends)."""
    user_var.set(user)
    organisation_var.set(organisation)


@signals.setup_logging.connect
def _keep_the_project_logging(**kwargs: Any) -> None:
    """A worker keeps settings.LOGGING (JSON in production) instead of Celery's own format; LOG_LEVEL is its level."""


# Celery: the id travels in a header of the task's message, set where the task is queued.
_task_tokens: dict[str, tuple[Token[str | None], Token[str | None], Token[str | None]]] = {}


@signals.before_task_publish.connect
def _publish_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    if headers is not None:
        headers[TASK_HEADER] = request_id_var.get() or new_request_id()


@signals.task_prerun.connect
def _task_started(task_id: str = "", task: Any = None, **kwargs: Any) -> None:
    context = getattr(task, "request", None)
    carried = getattr(context, TASK_HEADER, None) or (getattr(context, "headers", None) or {}).get(TASK_HEADER)
    if not carried and getattr(context, "is_eager", False):
        carried = request_id_var.get()  # run in the queuing process (the demo, the tests): the caller's own id
    rid = clean_request_id(carried)
    _task_tokens[task_id] = (
        request_id_var.set(rid),
        task_name_var.set(getattr(task, "name", None)),
        task_id_var.set(task_id),
    )


@signals.task_postrun.connect
def _task_finished(task_id: str = "", **kwargs: Any) -> None:
    tokens = _task_tokens.pop(task_id, None)
    if tokens is not None:
        task_id_var.reset(tokens[2])
        task_name_var.reset(tokens[1])
        request_id_var.reset(tokens[0])


class GunicornLogger(GunicornBaseLogger):
    """Gunicorn's own lines (workers started, timed out) go through the project's handlers: JSON in production.

    Gunicorn's access log is off (``fieldbox serve`` passes no ``--access-logfile``): RequestIdMiddleware writes the
    access line, with the request's id, route, status and duration.
    """

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self.error_log.handlers = []
        self.error_log.propagate = True

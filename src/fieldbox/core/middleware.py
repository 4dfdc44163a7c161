"""Inputs refused before any view runs: NUL characters, and bodies too large to keep in memory.

PostgreSQL cannot store the NUL character (U+0000) in text, nor ``\\u0000`` in jsonb: a
query or a write that carries one fails with a server error. Django's form fields refuse
it, but query strings read without a form, API schemas and JSON bodies do not. This
middleware looks once at every input of every request — the path, the query string, the
form fields and the values and keys of a JSON body — and refuses the request before any
view, so nothing is written: 422 problem+json naming the fields under ``/api/``, a 400
page naming them elsewhere.

A body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (files in multipart parts apart) makes
Django raise ``RequestDataTooBig`` when it is read; it is answered 413 here, problem+json
under ``/api/`` and a page elsewhere, instead of Django's bare 400.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.validators import ProhibitNullCharactersValidator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.http.request import RawPostDataException
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from fieldbox.core.problems import problem

NUL = "\x00"
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
BODYLESS = ("GET", "HEAD", "OPTIONS")


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _field(name: str) -> str:
    return name.replace(NUL, "")


def _nul_in_pairs(pairs: Iterable[tuple[str, list[Any]]]) -> Iterator[str]:
    for key, values in pairs:
        if NUL in key or any(isinstance(v, str) and NUL in v for v in values):
            yield _field(key)


def _nul_in_json(value: Any, path: str = "") -> Iterator[str]:
    """Dotted paths (``payload.note``, ``addresses.0.city``) of the keys and strings that hold a NUL."""
    if isinstance(value, str):
        if NUL in value:
            yield path or "__all__"
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{_field(key)}" if path else _field(key)
            yield from ([inner] if NUL in key else _nul_in_json(item, inner))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_in_json(item, f"{path}.{index}" if path else str(index))


def _form(request: HttpRequest) -> QueryDict:
    """The form fields, the raw body still readable afterwards whenever Django keeps it in memory.

    Parsing a multipart body consumes the stream; reading ``body`` first keeps it for a view that
    verifies a signature over it. Larger multipart bodies (uploads) are only parsed, file parts to disk.
    """
    if request.method != "POST":
        return QueryDict(request.body)  # Django parses forms of POST only
    if request.content_type == "multipart/form-data":
        if int(request.META.get("CONTENT_LENGTH") or 0) <= (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0):
            request.body  # noqa: B018 - read once and kept by Django
        try:
            return request.POST
        except MultiPartParserError:
            return QueryDict()  # a broken body is left to the view, which answers as it always did
    return request.POST


def _nul_in_body(request: HttpRequest) -> Iterator[str]:
    if request.method in BODYLESS and not request.META.get("CONTENT_LENGTH"):
        return
    if request.content_type in FORM_TYPES:
        if request.method == "POST" or request.content_type != "multipart/form-data":
            yield from _nul_in_pairs(_form(request).lists())
        return  # multipart with another method: Django does not parse it, and no operation takes one
    body = request.body
    if b"\\u0000" in body:  # the only way a NUL can be in valid JSON; anything else is the view's to refuse
        try:
            yield from _nul_in_json(orjson.loads(body))
        except orjson.JSONDecodeError:
            return


def nul_fields(request: HttpRequest) -> list[str]:
    """The inputs of the request that hold a NUL character, each named once; empty when none does."""
    if NUL in request.path:
        raise Http404  # no address holds one
    found = [*_nul_in_pairs(request.GET.lists()), *_nul_in_body(request)]
    return list(dict.fromkeys(found))


def refused(request: HttpRequest, fields: list[str]) -> HttpResponse:
    message = str(ProhibitNullCharactersValidator.message)
    if _is_api(request):
        errors = [{"field": name, "message": message} for name in fields]
        return problem(422, _("The request has invalid fields."), errors=errors)
    retry = request.path if request.method in BODYLESS else ""
    return render(request, "400.html", {"fields": fields, "message": message, "retry": retry}, status=400)


def too_large(request: HttpRequest) -> HttpResponse:
    size = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if _is_api(request):
        return problem(
            413,
            _("The request is too large."),
            _("The request body may be at most %(size)s; files sent as multipart file fields are not counted in it.")
            % {"size": size},
        )
    return render(request, "413.html", {"size": size}, status=413)


class RequestInputMiddleware:
    """Refuses NUL characters in any input and answers 413 for a body too large, before any view runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            fields = nul_fields(request)
        except RequestDataTooBig:
            return too_large(request)
        if fields:
            return refused(request, fields)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A body read by a view after all: too large, or (multipart) too large to have been kept in memory."""
        if isinstance(exception, RequestDataTooBig | RawPostDataException):
            return too_large(request)
        return None

"""The technician's screens with a bad signal: a change made on the phone waits there (IndexedDB) until the network
returns, and is sent with its own idempotency key, so it is applied once however many times it arrives.

A POST that carries an ``Idempotency-Key`` header (``service/static/service/offline.js`` adds one to every form
marked ``data-offline``) runs in one transaction with the row that remembers its key (``FieldChange``): a second
arrival of the same key waits for the first one's transaction and gets its answer; a process that dies halfway
rolls back both the change and the key, so the phone's next try applies it. The answer is JSON the phone reads:
``{"outcome": "done", "location": …}``, kept with the key, or ``{"outcome": "refused", "refusal": [reasons],
"html": the page shown again with its errors}``, not kept (nothing was applied). A refusal is known by the reasons
``core.web.run_service`` leaves on the request, or a form shown again with its errors (400).

The service worker (``sw.js``, served from the site's root so it covers every page) keeps the technician's pages
and the static files it has seen, so a page opened before the signal dropped opens again without it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from fieldbox.service.models import FieldChange

# The pages the service worker keeps for a phone without a signal: the technician's field screens.
PAGES = ["/field/"]
KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")
HEADER = "Idempotency-Key"


def answer_of(request: HttpRequest, response: HttpResponse) -> dict[str, Any] | None:
    """What the phone is told of a change, or None when it should try again later (not signed in, a server
    error, a page it may not use: nothing was applied)."""
    if 300 <= response.status_code < 400:
        return {"outcome": "done", "location": response.get("Location", "")}
    refusal = getattr(request, "refusal", None)
    if response.status_code in (400, 422):  # a form shown again with its errors: nothing was changed
        return {
            "outcome": "refused",
            "refusal": [str(r) for r in refusal or [_("The form has errors: open it to see them.")]],
        }
    if response.status_code != 200:
        return None
    if refusal:  # a refusal shown as a message on the page
        return {"outcome": "refused", "refusal": [str(r) for r in refusal]}
    return {"outcome": "done", "location": ""}


class FieldChangeMiddleware:
    """Applies a phone's change once: see the module's words."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        scope = getattr(request, "scope", None)
        if request.method != "POST" or not key or scope is None:
            return self.get_response(request)
        if not KEY.fullmatch(key):
            return JsonResponse({"outcome": "refused", "refusal": [_("This change has no valid key.")]}, status=400)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    change = FieldChange.objects.create(
                        organisation=scope.organisation, user=scope.user, key=key, kind=request.path[:40], http_status=0
                    )
            except IntegrityError:
                # Seen before: the first arrival committed (its insert held us until then); its answer again.
                first = FieldChange.objects.get(user=scope.user, key=key)
                return JsonResponse({**first.answer, "repeated": True})
            response = self.get_response(request)
            answer = answer_of(request, response)
            if answer is None or answer["outcome"] == "refused":
                # Nothing was applied: no key is kept, so the phone may send the change again once it is right.
                transaction.set_rollback(True)
                if answer is None:
                    return response
                # The page shown again with its errors, for the person who is looking at the form now.
                return JsonResponse({**answer, "html": response.content.decode(response.charset or "utf-8")})
            change.http_status = response.status_code
            change.answer = answer
            change.save(update_fields=["http_status", "answer"])
        return JsonResponse(answer)


@require_GET
@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, from the site's root (its scope is every page; it keeps only the field's pages)."""
    body = render_to_string("service/sw.js", {"static": settings.STATIC_URL, "pages": json.dumps(PAGES)})
    response = HttpResponse(body, content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    return response

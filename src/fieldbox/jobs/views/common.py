"""What the job screens share: the keyset page of a list, and the answer to a POST that never posts twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import QuerySet
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponseRedirect, QueryDict

from fieldbox.core.http import AuthedRequest
from fieldbox.core.pagination import request_page
from fieldbox.jobs.models import Job

PAGE_SIZE = 50
FormFactory = Callable[[QueryDict | None], forms.Form]


def page(request: AuthedRequest, qs: QuerySet[Job]) -> dict[str, Any]:
    """One keyset page (newest first) with what the pager links need."""
    return request_page(request, qs, PAGE_SIZE, key="jobs")


# ---- Post / Redirect / Get ----------------------------------------------------------------------------------
# Every form of a job's screens answers its POST with a redirect (303), whether it worked or not: a reload then
# repeats the GET, never the action. A refused form waits in the session (its data, its errors, and what the page
# adds for it) until the next GET of its page, which shows it bound, with its errors at the top and at each field.


def see_other(url: str) -> HttpResponseRedirect:
    """A redirect after a POST that the browser follows with a GET (303 See Other)."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def form_key(job: Job, page: str) -> str:
    return f"fieldbox_job_form:{job.pk}:{page}"


def keep_form(request: HttpRequest, key: str, name: str, form: forms.Form, **extra: Any) -> None:
    """Remember a refused form for the next GET of its page."""
    posted = cast(QueryDict, form.data)  # the request's POST
    data = {k: posted.getlist(k) for k in posted if k != "csrfmiddlewaretoken"}
    request.session[key] = {"name": name, "data": data, "errors": form.errors.get_json_data(), "extra": extra}


def kept_form(
    request: HttpRequest, key: str, factories: dict[str, FormFactory]
) -> tuple[str, forms.Form, dict[str, Any]]:
    """The form kept under ``key`` (once: it is forgotten), bound again with its errors; ("", …) when none."""
    saved = request.session.pop(key, None)
    if not saved or saved.get("name") not in factories:
        return "", forms.Form(), {}
    data = QueryDict(mutable=True)
    for field, values in saved["data"].items():
        data.setlist(field, values)
    form = factories[saved["name"]](data)
    form.is_valid()  # its own checks give the field errors again
    _add_missing(form, saved["errors"])
    return saved["name"], form, dict(saved["extra"])


def _add_missing(form: forms.Form, errors: dict[str, list[dict[str, str]]]) -> None:
    """Put back the errors the service gave (the form's own checks cannot find them again)."""
    present: ErrorDict = form.errors
    for field, found in errors.items():
        if field != NON_FIELD_ERRORS and field not in form.fields:
            continue
        for error in found:
            if error["message"] not in present.get(field, []):
                form.add_error(None if field == NON_FIELD_ERRORS else field, error["message"])

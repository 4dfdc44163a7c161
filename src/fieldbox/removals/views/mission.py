"""The job code ("Code mission"): the remover gives a technician access to one removal; the technician, without an
account, opens it at /mission/ with the installer code and the job code and reports the removal there."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import get_usage

from fieldbox.accounts.choices import INSTALLER_ROLES
from fieldbox.core.http import AuthedRequest
from fieldbox.core.web import run_service, scope_required
from fieldbox.removals import selectors
from fieldbox.removals.choices import OPEN_LINE
from fieldbox.removals.models import RemovalLine
from fieldbox.removals.services import codes
from fieldbox.removals.views.remover import ReportForm, report_initial

SESSION_KEY = "fieldbox_mission"


class MissionForm(forms.Form):
    installer_code = forms.CharField(
        label=gettext_lazy("Installer code"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    code = forms.CharField(
        label=gettext_lazy("Job code"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )


@scope_required(*INSTALLER_ROLES)
@never_cache
@require_http_methods(["GET", "POST"])
def line_code(request: AuthedRequest, pk: int) -> HttpResponse:
    """ "Give a technician access": the code is shown once, on the answer to the POST; issuing again replaces it."""
    line = selectors.line_for(request.scope, pk)
    code = None
    if request.method == "POST":
        code = run_service(request, None, lambda: codes.line_code_issue(scope=request.scope, line_id=line.pk))
        line.refresh_from_db(fields=["code_hash", "status"])
    context = {"line": line, "code": code, "open": line.status in OPEN_LINE}
    return render(request, "removals/line_code.html", context)


def _limited(request: HttpRequest, installer_code: str, *, increment: bool) -> bool:
    """Wrong pairs counted per address and per installer code: guessing is slow from anywhere.

    Only wrong pairs count (``increment``); once either counter is full, even a right pair waits."""
    limits: list[dict[str, Any]] = [
        {"group": "job-code-ip", "key": "ip", "rate": settings.JOB_CODE_RATE_PER_ADDRESS},
        {
            "group": "job-code-installer",
            "key": lambda _group, _request: installer_code.strip().upper(),
            "rate": settings.JOB_CODE_RATE_PER_INSTALLER_CODE,
        },
    ]
    full = False
    for limit in limits:
        usage = get_usage(request, increment=increment, **limit)
        full = full or (usage is not None and usage["count"] >= usage["limit"])
    return full


@never_cache
@require_http_methods(["GET", "POST"])
def mission(request: HttpRequest) -> HttpResponse:
    """The technician's door: the installer code and the job code together open exactly one removal."""
    form = MissionForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "removals/mission.html", {"form": form})
    installer_code, code = form.cleaned_data["installer_code"], form.cleaned_data["code"]
    if _limited(request, installer_code, increment=False):
        return render(request, "removals/mission.html", {"form": form, "limited": True}, status=429)
    line = codes.line_by_codes(installer_code, code)
    if line is None:
        _limited(request, installer_code, increment=True)
        form.add_error(None, _("This installer code and job code do not open any removal in progress."))
        return render(request, "removals/mission.html", {"form": form}, status=400)
    request.session.cycle_key()
    request.session[SESSION_KEY] = codes.mission_marker(line)
    return redirect("removals:mission_job")


@never_cache
@require_http_methods(["GET", "POST"])
def mission_job(request: HttpRequest) -> HttpResponse:
    """The removal the job code opened: the vehicle, and "Report the removal" with its warning."""
    line = codes.line_of_marker(request.session.get(SESSION_KEY))
    if line is None:
        request.session.pop(SESSION_KEY, None)
        messages.info(request, _("Open the removal with the installer code and its job code."))
        return redirect("removals:mission")
    # Nobody is signed in: the technician's times are those of the remover company's clock.
    with timezone.override(ZoneInfo(line.company.time_zone)):
        return _mission_report(request, line)


def _mission_report(request: HttpRequest, line: RemovalLine) -> HttpResponse:
    form = ReportForm(request.POST or None, initial=report_initial())
    context: dict[str, Any] = {"line": line, "form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def call() -> object:
            return codes.line_report_by_code(
                line_id=line.pk,
                marker_code=line.code_hash[:16],
                removed_at=data["removed_at"],
                serial_end=data["serial_end"],
                technician=data["technician"],
            )

        if run_service(request, form, call) is not None:
            request.session.pop(SESSION_KEY, None)
            return render(request, "removals/mission_done.html", {"line": line})
    return render(request, "removals/mission_job.html", context)

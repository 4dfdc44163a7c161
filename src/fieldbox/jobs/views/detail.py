"""The job page, for the provider and the installer company, and every action on it (POST forms)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldbox.accounts import selectors as accounts_selectors
from fieldbox.accounts.decorators import scope_required
from fieldbox.accounts.views.common import run_service
from fieldbox.core.http import AuthedRequest
from fieldbox.jobs import certificate, queries, selectors, services
from fieldbox.jobs.checks import selectors as checks_selectors
from fieldbox.jobs.choices import JobStatus, completing_move
from fieldbox.jobs.forms import (
    AppointmentForm,
    AskCareForm,
    AssignForm,
    FailForm,
    PairForm,
    ReasonForm,
    ReassignForm,
    SpecForm,
)
from fieldbox.jobs.models import Job

SPEC_LABELS = {
    "vehicle_model": SpecForm.base_fields["vehicle_model"].label,
    "central_lock_type": SpecForm.base_fields["central_lock_type"].label,
    "notes": SpecForm.base_fields["notes"].label,
}


def _companies(request: AuthedRequest, *, but: int | None = None) -> list[tuple[int, str]]:
    """The accepted partners a job may go to; ``but`` the one it is at (moving it there would change nothing)."""
    return [(o.pk, str(o)) for o in accounts_selectors.accepted_installers_for(request.scope) if o.pk != but]


def _can(request: AuthedRequest, job: Job) -> dict[str, bool]:
    """Which actions the page offers: the moves of the job's table this person may make now (the services decide
    anyway, from the same table)."""
    allowed = services.screen_actions(request.scope, job)
    names = ("assign", "reassign", "cancel", "delete", "take", "take_over", "appointment", "pair", "fail", "ask_care")
    can = {name: name in allowed for name in names}
    can.update(
        edit="update" in allowed,
        extend="extend_deadline" in allowed,
        correct_pairing="correct_pairing" in allowed,
        fill="check" in allowed,
        complete=completing_move(job) in allowed,
        certificate="send_certificate" in allowed,
        download_certificate=certificate.available(job),
    )
    return can


def _render(request: AuthedRequest, job: Job, **bound: Any) -> HttpResponse:
    scope = request.scope
    row = queries.row_of(scope, job)
    context: dict[str, Any] = {
        "job": job,
        "row": row,
        "can": _can(request, job),
        "spec": [(SPEC_LABELS[k], job.spec[k]) for k in SPEC_LABELS if job.spec.get(k)],
        "history": queries.history(scope, job),
        "is_provider": scope.organisation.is_provider,
        "addresses": list(job.customer.addresses.all()) if row.sees_data else [],
        "offer_care": False,
        "checklist": checks_selectors.checklist_of(job),
        "activated_waiting": job.status == JobStatus.PAIRED and job.activated_at is not None,
    }
    if scope.organisation.is_provider:
        companies = _companies(request)
        context.update(
            assign_form=AssignForm(companies=companies),
            reassign_form=ReassignForm(companies=_companies(request, but=job.company_id)),
            cancel_form=ReasonForm(),
            spec_form=SpecForm(initial=job.spec),
        )
    else:
        initial = {"when": job.appointment_at} if job.appointment_at else None
        context.update(
            appointment_form=AppointmentForm(initial=initial),
            pair_form=PairForm(),
            fail_form=FailForm(),
            care_form=AskCareForm(),
        )
    context.update(bound)
    return render(request, "jobs/job_detail.html", context)


@scope_required()
def job_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    job = selectors.job_for(request.scope, pk)
    return _render(request, job)


def _act(
    request: AuthedRequest,
    pk: int,
    name: str,
    form: forms.Form,
    call: Callable[[Job, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """Validate ``form``, run the service; on success back to the page, otherwise the page with the errors."""
    job = selectors.job_for(request.scope, pk)
    if form.is_valid():
        data = form.cleaned_data
        if run_service(request, form, lambda: (call(job, data), True)[1]):
            messages.success(request, done)
            return redirect("jobs:detail", pk=job.pk)
    return _render(request, job, **{name: form})


@scope_required()
@require_POST
def take_over(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "take_over_form",
        forms.Form(request.POST),
        lambda job, _d: services.job_take_over(scope=request.scope, job_id=job.pk),
        _("You took over the job."),
    )


@scope_required()
@require_POST
def appointment(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record or move the appointment; past the deadline the page offers to ask customer care."""
    job = selectors.job_for(request.scope, pk)
    form = AppointmentForm(request.POST)
    if form.is_valid():
        when = form.cleaned_data["when"]
        saved = run_service(
            request, form, lambda: services.job_appointment(scope=request.scope, job_id=job.pk, when=when)
        )
        if saved is not None:
            messages.success(request, _("Appointment saved: the customer gets an SMS."))
            return redirect("jobs:detail", pk=job.pk)
        late = bool(job.deadline_at and when > job.deadline_at)
        return _render(request, job, appointment_form=form, offer_care=late)
    return _render(request, job, appointment_form=form)


@scope_required()
@require_POST
def ask_care(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "care_form",
        AskCareForm(request.POST),
        lambda job, d: services.job_ask_care(scope=request.scope, job_id=job.pk, message=d["message"]),
        _("Your request was sent to customer care."),
    )


@scope_required()
@require_POST
def pair(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "pair_form",
        PairForm(request.POST),
        lambda job, d: services.job_pair(
            scope=request.scope, job_id=job.pk, serial=d["serial"], imei_last4=d["imei_last4"]
        ),
        _("Paired: the device is waiting for activation."),
    )


@scope_required()
@require_POST
def fail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "fail_form",
        FailForm(request.POST),
        lambda job, d: services.job_fail(scope=request.scope, job_id=job.pk, comment=d["comment"]),
        _("The job is marked as failed."),
    )


@scope_required()
@require_POST
def assign(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "assign_form",
        AssignForm(request.POST, companies=_companies(request)),
        lambda job, d: services.job_assign(scope=request.scope, job_id=job.pk, company_id=d["company"]),
        _("Job assigned: the company sees it from the date shown."),
    )


@scope_required()
@require_POST
def reassign(request: AuthedRequest, pk: int) -> HttpResponse:
    job = selectors.job_for(request.scope, pk)
    return _act(
        request,
        pk,
        "reassign_form",
        ReassignForm(request.POST, companies=_companies(request, but=job.company_id)),
        lambda job, d: services.job_reassign(
            scope=request.scope, job_id=job.pk, company_id=d["company"], reason=d["reason"]
        ),
        _("The job moved to the other company."),
    )


@scope_required()
@require_POST
def edit(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "spec_form",
        SpecForm(request.POST),
        lambda job, d: services.job_update(scope=request.scope, job_id=job.pk, spec=d),
        _("Job saved."),
    )


@scope_required()
@require_POST
def cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "cancel_form",
        ReasonForm(request.POST),
        lambda job, d: services.job_cancel(scope=request.scope, job_id=job.pk, reason=d["reason"]),
        _("The job is cancelled."),
    )


@scope_required()
@require_POST
def delete(request: AuthedRequest, pk: int) -> HttpResponse:
    job = selectors.job_for(request.scope, pk)

    def call() -> bool:
        services.job_delete(scope=request.scope, job_id=job.pk)
        return True

    if run_service(request, None, call):
        messages.success(request, _("Draft deleted."))
        return redirect("jobs:list")
    return redirect("jobs:detail", pk=job.pk)

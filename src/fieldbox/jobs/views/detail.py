"""The job page, for the provider and the installer company, and every action on it (POST forms)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldbox.accounts import selectors as accounts_selectors
from fieldbox.core.http import AuthedRequest
from fieldbox.core.web import run_service, scope_required
from fieldbox.jobs import booking, certificate, queries, selectors, services, steps
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
from fieldbox.jobs.views.checks import answering_urls
from fieldbox.jobs.views.common import FormFactory, form_key, keep_form, kept_form, see_other

SPEC_LABELS = {
    "vehicle_model": SpecForm.base_fields["vehicle_model"].label,
    "central_lock_type": SpecForm.base_fields["central_lock_type"].label,
    "notes": SpecForm.base_fields["notes"].label,
}


def _companies(request: AuthedRequest) -> list[tuple[int, str]]:
    return [(o.pk, str(o)) for o in accounts_selectors.accepted_installers_for(request.scope)]


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


def _forms(request: AuthedRequest, job: Job) -> dict[str, FormFactory]:
    """The action forms of the page, by their name in the template: each built empty (None) or bound to data."""
    if request.scope.organisation.is_provider:
        companies = _companies(request)
        elsewhere = [c for c in companies if c[0] != job.company_id]  # moving it where it is would change nothing
        return {
            "assign_form": lambda data: AssignForm(data, companies=companies),
            "reassign_form": lambda data: ReassignForm(data, companies=elsewhere),
            "cancel_form": ReasonForm,
            "spec_form": lambda data: SpecForm(data, initial=job.spec),
        }
    initial = {"when": job.appointment_at} if job.appointment_at else None
    bounds = booking.picker_bounds(job)
    prefix = job.product.serial_prefix
    return {
        "appointment_form": lambda data: AppointmentForm(data, initial=initial, bounds=bounds),
        "pair_form": lambda data: PairForm(data, serial_prefix=prefix),
        "fail_form": FailForm,
        "care_form": AskCareForm,
        "take_over_form": forms.Form,
    }


def _render(request: AuthedRequest, job: Job) -> HttpResponse:
    """The page, with the form a refused POST left (bound, with its errors) in place of its empty one."""
    scope = request.scope
    row = queries.row_of(scope, job)
    factories = _forms(request, job)
    context: dict[str, Any] = {name: build(None) for name, build in factories.items()}
    name, form, extra = kept_form(request, form_key(job, "detail"), factories)
    if name:
        context[name] = form
    can = _can(request, job)
    checklist = checks_selectors.checklist_of(job)
    step = None if scope.organisation.is_provider else steps.next_step(job, can, checklist, request.GET.get("step", ""))
    context.update(
        job=job,
        row=row,
        can=can,
        step=step,
        days=booking.quick_days(job) if step and step.name == steps.BOOK else [],
        late=booking.is_late(job),
        spec=[(SPEC_LABELS[k], job.spec[k]) for k in SPEC_LABELS if job.spec.get(k)],
        history=queries.history(scope, job),
        is_provider=scope.organisation.is_provider,
        addresses=list(job.customer.addresses.all()) if row.sees_data else [],
        offer_care=extra.get("offer_care", False),
        checklist=checklist,
        **answering_urls(job),
        activated_waiting=job.status == JobStatus.PAIRED and job.activated_at is not None,
    )
    return render(request, "jobs/job_detail.html", context)


@scope_required()
def job_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    job = selectors.job_for(request.scope, pk)
    return _render(request, job)


def _back(job: Job, anchor: str = "", step: str = "") -> HttpResponse:
    """The job page again: at the step a refused form belongs to (its panel opens the page), or at a panel."""
    query = f"?step={step}" if step else ""
    return see_other(reverse("jobs:detail", args=[job.pk]) + query + (f"#{anchor}" if anchor else ""))


def _act(
    request: AuthedRequest,
    pk: int,
    name: str,
    call: Callable[[Job, dict[str, Any]], object],
    done: str,
    *,
    anchor: str = "",
    step: str = "",
    refused: Callable[[Job, dict[str, Any]], dict[str, Any]] | None = None,
) -> HttpResponse:
    """Validate the form ``name`` of the page, run the service, and go back to the page either way (303): with a
    message when it worked (the page opens at the next step), otherwise with the form kept for the next GET, at its
    step (``step``, the panel the page opens with) or its panel (``anchor``). ``refused`` adds to the page what a
    refusal of valid data calls for (the offer to ask customer care)."""
    job = selectors.job_for(request.scope, pk)
    form = _forms(request, job)[name](request.POST)
    extra: dict[str, Any] = {}
    if form.is_valid():
        data = dict(form.cleaned_data)
        if run_service(request, form, lambda: (call(job, data), True)[1]):
            messages.success(request, done)
            return _back(job)
        extra = refused(job, data) if refused else {}
    keep_form(request, form_key(job, "detail"), name, form, **extra)
    return _back(job, anchor, step)


@scope_required()
@require_POST
def take_over(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "take_over_form",
        lambda job, _d: services.job_take_over(scope=request.scope, job_id=job.pk),
        _("You took over the job."),
    )


def _late(job: Job, data: dict[str, Any]) -> dict[str, Any]:
    """An appointment refused past the deadline: the page offers to ask customer care to move it."""
    return {"offer_care": bool(job.deadline_at and data["when"] > job.deadline_at)}


@scope_required()
@require_POST
def appointment(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record or move the appointment; past the deadline the page offers to ask customer care."""
    return _act(
        request,
        pk,
        "appointment_form",
        lambda job, d: services.job_appointment(scope=request.scope, job_id=job.pk, when=d["when"]),
        _("Appointment saved: the customer gets an SMS."),
        step=steps.BOOK,
        refused=_late,
    )


@scope_required()
@require_POST
def ask_care(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "care_form",
        lambda job, d: services.job_ask_care(scope=request.scope, job_id=job.pk, message=d["message"]),
        _("Your request was sent to customer care."),
        anchor="ask-care",
    )


@scope_required()
@require_POST
def pair(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "pair_form",
        lambda job, d: services.job_pair(
            scope=request.scope, job_id=job.pk, serial=d["serial"], imei_last4=d["imei_last4"]
        ),
        _("Paired: the device is waiting for activation."),
        step=steps.PAIR,
    )


@scope_required()
@require_POST
def fail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "fail_form",
        lambda job, d: services.job_fail(scope=request.scope, job_id=job.pk, comment=d["comment"]),
        _("The job is marked as failed."),
        anchor="fail",
    )


@scope_required()
@require_POST
def assign(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "assign_form",
        lambda job, d: services.job_assign(scope=request.scope, job_id=job.pk, company_id=d["company"]),
        _("Job assigned: the company sees it from the date shown."),
        anchor="assign",
    )


@scope_required()
@require_POST
def reassign(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "reassign_form",
        lambda job, d: services.job_reassign(
            scope=request.scope, job_id=job.pk, company_id=d["company"], reason=d["reason"]
        ),
        _("The job moved to the other company."),
        anchor="reassign",
    )


@scope_required()
@require_POST
def edit(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "spec_form",
        lambda job, d: services.job_update(scope=request.scope, job_id=job.pk, spec=d),
        _("Job saved."),
        anchor="edit",
    )


@scope_required()
@require_POST
def cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "cancel_form",
        lambda job, d: services.job_cancel(scope=request.scope, job_id=job.pk, reason=d["reason"]),
        _("The job is cancelled."),
        anchor="cancel",
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
        return see_other(reverse("jobs:list"))
    return _back(job)

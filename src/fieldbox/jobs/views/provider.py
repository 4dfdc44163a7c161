"""The provider's screens: the job list with its filters, and a new job for one subscription."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fieldbox.accounts import selectors as accounts_selectors
from fieldbox.accounts.decorators import scope_required
from fieldbox.accounts.views.common import run_service
from fieldbox.core.http import AuthedRequest
from fieldbox.jobs import queries, selectors, services
from fieldbox.jobs.forms import JobCreateForm, JobFilterForm
from fieldbox.jobs.views.common import PROVIDER_ROLES, page


@scope_required(*PROVIDER_ROLES)
def job_list(request: AuthedRequest) -> HttpResponse:
    """Every job of the provider, newest first, by status, company, kind and deadline."""
    scope = request.scope
    companies = [(o.pk, str(o)) for o in accounts_selectors.accepted_installers_for(scope)]
    form = JobFilterForm(request.GET, companies=companies)
    qs = selectors.jobs_for(scope).select_related("provider")
    if form.is_valid():
        f = form.cleaned_data
        if f["status"]:
            qs = qs.filter(status=f["status"])
        if f["company"]:
            qs = qs.filter(company_id=f["company"])
        if f["kind"]:
            qs = qs.filter(kind=f["kind"])
        qs = queries.filter_deadline(qs, f["deadline"] or None, f["deadline_days"])
    context = page(request, qs)
    context.update(form=form, rows=[queries.row_of(scope, j) for j in context["jobs"]])
    return render(request, "jobs/job_list.html", context)


@scope_required(*services.PLANNERS)
@require_http_methods(["GET", "POST"])
def job_new(request: AuthedRequest) -> HttpResponse:
    """A draft job for the vehicle of one of the provider's subscriptions, found by its number."""
    form = JobCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        subscription = queries.subscription_by_number(request.scope, data["subscription"])
        if subscription is None:
            form.add_error("subscription", _("No subscription of yours has this number."))
        else:
            spec = {k: data[k] for k in ("vehicle_model", "central_lock_type", "notes")}
            job = run_service(
                request,
                form,
                lambda: services.job_create(
                    scope=request.scope, subscription_id=subscription.pk, kind=data["kind"], spec=spec
                ),
            )
            if job is not None:
                messages.success(request, _("Job %(number)s created as a draft.") % {"number": job.number})
                return redirect("jobs:detail", pk=job.pk)
    return render(request, "jobs/job_new.html", {"form": form})

"""The provider's dashboard (INVERS FleetControl): open jobs by status and company, overdue jobs, speed."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render

from fieldbox.accounts.choices import PROVIDER_ROLES
from fieldbox.core.http import AuthedRequest
from fieldbox.core.web import scope_required
from fieldbox.jobs import queries
from fieldbox.jobs.choices import JobStatus

PERIODS = (30, 90)


def _bars(values: dict[str, int], labels: dict[str, Any]) -> list[dict[str, Any]]:
    """Bars scaled to the largest value, with their numbers as text (charts drawn by the server)."""
    top = max(values.values(), default=0) or 1
    return [
        {"key": key, "label": labels.get(key, key), "value": n, "percent": round(100 * n / top, 1)}
        for key, n in values.items()
    ]


def _stack(company: queries.CompanyFigures, top: int, labels: dict[str, Any]) -> list[dict[str, Any]]:
    """One company's open jobs as a stacked bar: each status starts where the previous one ends."""
    x, parts = 0.0, []
    for status in queries.AT_COMPANIES:
        n = company.counts.get(status, 0)
        width = round(100 * n / top, 1)
        parts.append({"key": status, "label": labels[status], "value": n, "x": x, "percent": width})
        x += width
    return parts


@scope_required(*PROVIDER_ROLES)
def dashboard(request: AuthedRequest) -> HttpResponse:
    days = int(request.GET["days"]) if request.GET.get("days") in ("30", "90") else PERIODS[0]
    figures = queries.dashboard(request.scope, days)
    statuses = dict(JobStatus.choices)
    top = max((c.total for c in figures.companies), default=0) or 1
    companies = [{"figures": c, "bars": _stack(c, top, statuses)} for c in figures.companies]
    context = {
        "d": figures,
        "status_bars": _bars(figures.by_status, statuses),
        "companies": companies,
        "periods": PERIODS,
        "legend": [(s, statuses[s]) for s in queries.AT_COMPANIES],
    }
    return render(request, "jobs/dashboard.html", context)

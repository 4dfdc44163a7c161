"""The office's export for the accountant: pick a year, download a ZIP of that year's issued invoices and credit
notes (FatturaPA XML by its file name, PDF beside it) — the same files as ``fieldbox export-invoices``."""

from __future__ import annotations

import tempfile
from typing import cast

from django import forms
from django.db.models import Count
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.commerce import invoice_export
from fieldbox.commerce import selectors_invoicing as reads
from fieldbox.commerce.choices import BILLERS
from fieldbox.core import clock
from fieldbox.core.http import AuthedRequest
from fieldbox.core.web import scope_required

# Up to this size the ZIP stays in memory, beyond it goes to a temporary file.
IN_MEMORY = 32 * 1024 * 1024


class YearForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int)

    def __init__(self, *args: object, years: list[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["year"]
        field.choices = [(year, str(year)) for year in years]  # type: ignore[attr-defined]
        field.error_messages["invalid_choice"] = _("Nothing was issued in %(value)s: choose one of the years listed.")


@scope_required(*sorted(BILLERS))
def invoice_export_view(request: AuthedRequest) -> HttpResponse:
    """The years with issued invoices; with ``?year=`` the ZIP of that year."""
    scope = request.scope
    issued = reads.invoices_for(scope).filter(status__in=invoice_export.EXPORTED).order_by()
    counts = dict(issued.values_list("issued_on__year").annotate(n=Count("pk")).values_list("issued_on__year", "n"))
    years = sorted(counts, reverse=True)
    form = YearForm(request.GET if "year" in request.GET else None, years=years)
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["year"]
        organisation = scope.organisation
        stream = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)  # noqa: SIM115 (closed by the response)
        invoice_export.zip_year(stream, year, organisation)
        stream.seek(0)
        name = f"{invoice_export.folder_of(organisation)}-{year}.zip"
        response = FileResponse(stream, as_attachment=True, filename=name, content_type="application/zip")
        return cast(HttpResponse, response)  # streamed, answered like any other page
    if not form.is_bound:
        today = clock.today(scope.organisation.time_zone).year
        form = YearForm(initial={"year": today if today in years else (years[0] if years else None)}, years=years)
    context = {"form": form, "years": years, "counts": [(year, counts[year]) for year in years]}
    return render(request, "commerce/invoice_export/page.html", context, status=400 if form.is_bound else 200)


urlpatterns: list[URLPattern] = [
    path("invoices/export/", invoice_export_view, name="invoice_export"),
]

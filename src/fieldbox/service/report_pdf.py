"""The work report's PDF (WeasyPrint, from ``service/report_pdf.html``): what was signed, as it was signed (the
report's ``content``), with both signatures, in the customer's language, times on the organisation's clock.

It is rendered once, at signing, and stored with the report: sending it again sends the same document.
"""

from __future__ import annotations

import base64
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import timezone, translation

from fieldbox.accounts.models import Organisation
from fieldbox.service.choices import ExpenseKind, MaterialUse
from fieldbox.service.models import WorkReport


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _picture(field: Any) -> str:
    """A stored signature as a data URL (WeasyPrint reads it without touching the storage's URLs)."""
    if not field:
        return ""
    with field.open("rb") as handle:
        return "data:image/png;base64," + base64.b64encode(handle.read()).decode("ascii")


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def report_context(report: WorkReport, organisation: Organisation) -> dict[str, Any]:
    """What the template shows: the signed content, its times as times, the lines with their words."""
    content = report.content
    return {
        "report": report,
        "content": content,
        "organisation": organisation,
        "arrived_at": _moment(content.get("arrived_at")),
        "left_at": _moment(content.get("left_at")),
        "signed_at": _moment(content.get("signed_at")),
        "hours": divmod(int(content.get("minutes") or 0), 60),
        "materials": [{**m, "use_label": _label(MaterialUse, m["use"])} for m in content.get("materials", [])],
        "expenses": [{**e, "kind_label": _label(ExpenseKind, e["kind"])} for e in content.get("expenses", [])],
        "has_travel": int(content.get("travel_minutes") or 0) > 0 or Decimal(content.get("travel_km") or 0) > 0,
        "technician_signature": _picture(report.technician_signature),
        "customer_signature": _picture(report.customer_signature),
    }


def report_html(report: WorkReport, organisation: Organisation) -> str:
    """The report's HTML in its language (the customer's), times in the organisation's time zone."""
    language = report.language or organisation.language
    with translation.override(language), timezone.override(ZoneInfo(organisation.time_zone)):
        return render_to_string("service/report_pdf.html", report_context(report, organisation))


def render(report: WorkReport, organisation: Organisation) -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]  # imported on use: it loads Pango

    pdf: bytes = HTML(string=report_html(report, organisation)).write_pdf()
    return pdf

"""The PDFs of sales documents (quotes, offers and orders, delivery notes): WeasyPrint from a Django template, in the
language asked for (the customer's), dates and times on the organisation's clock. One function, used by every
document: ``render_pdf(template, context, language, time_zone=...)``."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import timezone, translation


def render_html(template: str, context: dict[str, Any], language: str, time_zone: str | None = None) -> str:
    """The document's HTML in ``language``; times shown in ``time_zone`` (the organisation's) when given."""
    with translation.override(language or None):
        if time_zone:
            with timezone.override(ZoneInfo(time_zone)):
                return render_to_string(template, context)
        return render_to_string(template, context)


def render_pdf(template: str, context: dict[str, Any], language: str, time_zone: str | None = None) -> bytes:
    """The document as PDF bytes (WeasyPrint, imported on use: it loads Pango)."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf: bytes = HTML(string=render_html(template, context, language, time_zone)).write_pdf()
    return pdf

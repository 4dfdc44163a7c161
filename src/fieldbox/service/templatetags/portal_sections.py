"""The other apps' parts of the customer portal's home page (``service.portal_sections``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from fieldbox.service import portal_sections

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_parts(context: template.Context, contact: Any) -> SafeString:
    request = context.get("request")
    if request is None:
        return SafeString("")
    return portal_sections.parts_of(request, contact)

"""What other apps show on the customer portal's home page without service knowing them: commerce adds the
customer's prepaid minutes (their balance, and a link to their moves).

An app registers, once when it starts, a function of the request and the portal contact that returns the HTML of
its part (rendered with its own templates and selectors, scoped to the contact like any portal page), or None::

    from fieldbox.service import portal_sections

    def minutes(request, contact):
        return render_to_string("commerce/prepaid/_portal_part.html", {...}, request=request)

    portal_sections.register(minutes)

The home page shows them with ``{% load portal_sections %}{% portal_parts contact %}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

Maker = Callable[[HttpRequest, Any], "str | None"]
_makers: list[Maker] = []


def register(maker: Maker) -> Maker:
    """Add a part to the portal's home page (once, however often it is registered)."""
    if maker not in _makers:
        _makers.append(maker)
    return maker


def parts_of(request: HttpRequest, contact: Any) -> SafeString:
    """The HTML the other apps show to ``contact``, an empty string when none has anything."""
    return mark_safe("".join(html for maker in _makers if (html := maker(request, contact))))

"""What other apps show on the SYS call page (its sections 3. quote and 5. parts) and on a work order's pages (the
office's ``work_order`` page and the technician's ``field_order`` page) without service knowing them: commerce
adds the quotes and spare-parts offers, the stock the work used, and the technician's "ask for a quote". Parts of
service's own kept out of the page's view register here too (``call_contract``, ``call_verified``).

An app registers, once when it starts, a function of the request and the call (or the work order) that returns the
HTML of its part of a section (rendered with its own templates and selectors, scoped like any page), or None::

    from fieldbox.service.call_sections import register

    def quotes(request, ticket):
        return render_to_string("commerce/_call_quotes.html", {...}, request=request)

    register("quote", quotes)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

SECTIONS = ("contract", "quote", "parts", "work_order", "field_order", "prepaid", "verified", "invoiced")
Maker = Callable[[HttpRequest, Any], "str | None"]
_makers: dict[str, list[Maker]] = {name: [] for name in SECTIONS}


def register(section: str, maker: Maker) -> Maker:
    """Add a part to a section of every call page (once, however often it is registered)."""
    if section not in _makers:
        raise KeyError(f"the call page has no section {section!r}")
    if maker not in _makers[section]:
        _makers[section].append(maker)
    return maker


def parts_of(
    request: HttpRequest,
    record: Any,
    sections: tuple[str, ...] = ("contract", "quote", "parts", "prepaid", "verified", "invoiced"),
) -> dict[str, SafeString]:
    """The HTML each of ``sections`` gets from the other apps for ``record`` (the call, or the work order), an
    empty string where none has anything to show."""
    shown: dict[str, SafeString] = {}
    for section in sections:
        pieces = [html for maker in _makers[section] if (html := maker(request, record))]
        shown[section] = mark_safe("".join(pieces))
    return shown

"""What other apps show in the sections of the SYS call page (3. quote, 5. parts) without service knowing them:
commerce adds the call's quotes and its spare-parts offers and the stock its work orders used.

An app registers, once when it starts, a function of the request and the call that returns the HTML of its part
of a section (rendered with its own templates and selectors, scoped like any page), or None::

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

SECTIONS = ("quote", "parts")
Maker = Callable[[HttpRequest, Any], "str | None"]
_makers: dict[str, list[Maker]] = {name: [] for name in SECTIONS}


def register(section: str, maker: Maker) -> Maker:
    """Add a part to a section of every call page (once, however often it is registered)."""
    if section not in _makers:
        raise KeyError(f"the call page has no section {section!r}")
    if maker not in _makers[section]:
        _makers[section].append(maker)
    return maker


def parts_of(request: HttpRequest, ticket: Any) -> dict[str, SafeString]:
    """The HTML each section gets from the other apps (an empty string where none has anything to show)."""
    shown: dict[str, SafeString] = {}
    for section, makers in _makers.items():
        pieces = [html for maker in makers if (html := maker(request, ticket))]
        shown[section] = mark_safe("".join(pieces))  # noqa: S308 - each piece is a template rendered by its app
    return shown

"""What other apps show on a contract's page without service knowing them: commerce adds the contract's billing
terms (the price list of the work the contract does not include) and the form that chooses it.

An app registers, once when it starts, a function of the request, the contract and the forms sent back with their
errors (``bound``: empty unless a post was refused) that returns the HTML of its part (rendered with its own
templates and selectors, scoped like any page), or None::

    from fieldbox.service import contract_sections

    def billing(request, contract, bound):
        return render_to_string("commerce/contracts/_billing.html", {...}, request=request)

    contract_sections.register(billing)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

Maker = Callable[[HttpRequest, Any, dict[str, Any]], "str | None"]
_makers: list[Maker] = []


def register(maker: Maker) -> Maker:
    """Add a part to every contract's page (once, however often it is registered)."""
    if maker not in _makers:
        _makers.append(maker)
    return maker


def parts_of(request: HttpRequest, contract: Any, bound: dict[str, Any]) -> SafeString:
    """The HTML the other apps show on ``contract``'s page, an empty string when none has anything."""
    return mark_safe("".join(html for maker in _makers if (html := maker(request, contract, bound))))

"""Sections that other apps add to a customer's page, without the registry knowing them (the service desk adds its
contacts, equipment and requests; the registry its subscriptions).

An app registers, once when it starts (its ``AppConfig.ready``), a function of the reader's scope and the customer
that returns a ``Panel``, or None when it has nothing to show there (e.g. a section for providers only)::

    from fieldbox.fleet.panels import Panel, register

    def contacts(scope, customer):
        return Panel(_("Contacts"), "service/_customer_contacts.html", {"contacts": ...}, order=20)

    register(contacts)

The page shows each panel's title as a heading, then its template rendered with its context, with ``scope``,
``customer`` and ``request`` added: the template reads what it shows through its own app's selectors, scoped like
any page. Panels come in ``order`` (smaller first; equal ones in the order they were registered).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from fieldbox.core.tenancy import Scope
from fieldbox.fleet.models import Customer


@dataclass(frozen=True)
class Panel:
    title: str
    template: str
    context: dict[str, Any]
    order: int = 50


PanelMaker = Callable[[Scope, Customer], Panel | None]
_makers: list[PanelMaker] = []


def register(panel: PanelMaker) -> PanelMaker:
    """Add a section to every customer's page (once, however often it is registered); usable as a decorator."""
    if panel not in _makers:
        _makers.append(panel)
    return panel


def panels_for(scope: Scope, customer: Customer) -> list[Panel]:
    """The panels that apply to this customer for this reader, in order."""
    found = [panel for maker in _makers if (panel := maker(scope, customer)) is not None]
    return sorted(found, key=lambda panel: panel.order)


@dataclass(frozen=True)
class Shown:
    """A panel ready for the page: its title, its key (an anchor) and its HTML."""

    title: str
    key: str
    html: SafeString


def rendered(request: HttpRequest, scope: Scope, customer: Customer) -> list[Shown]:
    """Every panel of the customer's page, rendered with its context and the page's."""
    shown = []
    for panel in panels_for(scope, customer):
        context = {**panel.context, "scope": scope, "customer": customer}
        key = panel.template.rsplit("/", 1)[-1].removesuffix(".html").strip("_").replace("_", "-")
        html = SafeString(render_to_string(panel.template, context, request=request))
        shown.append(Shown(str(panel.title), key, html))
    return shown

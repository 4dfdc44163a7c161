"""The customer page's "Requests": the customer's calls, every status, newest first — the history of its requests
that stays readable after they close (Appsistance "archivio storico delle richieste del cliente")."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fieldbox.accounts.choices import DESK
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.models import Customer
from fieldbox.fleet.panels import Panel, register
from fieldbox.service import selectors_calls as calls
from fieldbox.service.services.calls import CALL_READERS

SHOWN = 20


def requests(scope: Scope, customer: Customer) -> Panel | None:
    """The latest calls (the search lists them all); for the people who open a call's page."""
    if scope.role not in CALL_READERS:
        return None
    found = calls.customer_tickets(scope, customer.pk, limit=SHOWN + 1)
    context = {"tickets": found[:SHOWN], "more": len(found) > SHOWN, "can_take": scope.role in DESK}
    return Panel(_("Requests"), "service/tickets_panel.html", context, order=40)


register(requests)

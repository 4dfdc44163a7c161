"""The sections of a customer's page that come from the back office: the customer's contacts (the default marked)
and its equipment as a tree."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fieldbox.accounts.choices import BACK_OFFICE, CUSTOMER_KEEPERS
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.models import Customer
from fieldbox.fleet.panels import Panel, register
from fieldbox.service import customers as reads
from fieldbox.service.services.portal import INVITERS


def contacts(scope: Scope, customer: Customer) -> Panel | None:
    if scope.role not in BACK_OFFICE:
        return None
    found = list(reads.contacts_of(scope, customer))
    context = {
        "contacts": found,
        "can_edit": scope.role in CUSTOMER_KEEPERS,
        "can_invite": scope.role in INVITERS,
    }
    return Panel(_("Contacts"), "service/contact_panel.html", context, order=20)


def equipment(scope: Scope, customer: Customer) -> Panel | None:
    if scope.role not in BACK_OFFICE:
        return None
    rows = reads.tree_rows(reads.equipment_tree(scope, customer))
    context = {"rows": rows, "can_edit": scope.role in CUSTOMER_KEEPERS}
    return Panel(_("Equipment"), "service/equipment_panel.html", context, order=30)


register(contacts)
register(equipment)

"""What every page of the shell needs: the scope, the organisations to switch to, the menu."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fieldbox.accounts.choices import (
    ADMIN_ROLES,
    BACK_OFFICE,
    CUSTOMER_READERS,
    DESK,
    INSTALLER_ADMINS,
    INSTALLER_ROLES,
    PROVIDER_ADMINS,
    PROVIDER_ROLES,
    PROVIDER_STAFF,
    WORK_DOERS,
    WORK_PLANNERS,
    Role,
)
from fieldbox.commerce.choices import BUYERS, SELLERS
from fieldbox.commerce.selectors_buying import BILLABLE_READERS
from fieldbox.commerce.selectors_catalogue import READERS as CATALOGUE_READERS
from fieldbox.commerce.selectors_catalogue import SETTINGS_KEEPERS as SALES_SETTINGS_KEEPERS
from fieldbox.commerce.selectors_delivery import NOTE_READERS
from fieldbox.commerce.selectors_stock import STOCK_READERS
from fieldbox.messaging.selectors import UNREAD_CAP, unread_count
from fieldbox.service.at_risk import READERS as AT_RISK_READERS
from fieldbox.service.feeds import FEED_TAKERS
from fieldbox.service.selectors_contracts import CONTRACT_READERS
from fieldbox.service.selectors_hours import HOURS_ADMINS, HOURS_PEOPLE
from fieldbox.service.selectors_verification import VERIFICATION_READERS
from fieldbox.service.selectors_work_orders import WORK_READERS

# (label, url name, roles that see it; empty = everyone in an organisation)
MENU: list[tuple[Any, str, Collection[str]]] = [
    (_("Home"), "web:home", set()),
    (_("Installations"), "jobs:installations", INSTALLER_ROLES),
    (_("Available jobs"), "jobs:available", INSTALLER_ROLES),
    (_("Appointments"), "jobs:appointments", INSTALLER_ROLES),
    (_("Removals"), "removals:manage", INSTALLER_ROLES),
    (_("Jobs"), "jobs:list", PROVIDER_ROLES),
    (_("Removal requests"), "removals:requests", PROVIDER_ROLES),
    (_("Tickets"), "service:desk", DESK),
    (_("New call"), "service:call_new", DESK),
    (_("Calls"), "service:calls", BACK_OFFICE),
    (_("My day"), "service:field_day", WORK_DOERS),
    (_("Work orders"), "service:work_orders", WORK_READERS),
    (_("Planner"), "service:planner", BACK_OFFICE),
    (_("Contracts"), "service:contracts", CONTRACT_READERS),
    (_("Maintenance plans"), "service:plans", WORK_PLANNERS),
    (_("Final verification"), "service:verification", VERIFICATION_READERS),
    (_("Hours"), "service:hours", HOURS_PEOPLE),
    (_("Attendance"), "service:attendance", HOURS_PEOPLE),
    (_("Calendars in your phone"), "service:calendar_feeds", FEED_TAKERS),
    (_("At risk"), "service:at_risk", AT_RISK_READERS),
    (_("Search"), "jobs:search", PROVIDER_ROLES),
    (_("Checklists"), "jobs:checklists", PROVIDER_ADMINS),
    (_("Resources and types of work"), "service:work_order_setup", WORK_PLANNERS),
    (_("Clock-in points"), "service:clock_points", HOURS_ADMINS),
    (_("My van"), "commerce:my_van", {Role.TECHNICIAN}),
    (_("Quotes"), "commerce:quotes", SELLERS),
    (_("Offers and orders"), "commerce:offers", SELLERS),
    (_("Items"), "commerce:items", CATALOGUE_READERS),
    (_("Price lists"), "commerce:price_lists", CATALOGUE_READERS),
    (_("Stock"), "commerce:stock_locations", STOCK_READERS),
    (_("Delivery notes"), "commerce:delivery_notes", NOTE_READERS),
    (_("Prepaid minutes"), "commerce:prepaid_packages", SELLERS),
    (_("Supplier orders"), "commerce:purchases", BUYERS),
    (_("Month-end cost check"), "commerce:cost_check", BUYERS),
    (_("Materials to bill"), "commerce:billables", BILLABLE_READERS),
    (_("Invoices"), "commerce:invoices", WORK_PLANNERS),  # = OFFICE = commerce BILLERS
    (_("Invoice runs"), "commerce:invoice_runs", WORK_PLANNERS),
    (_("Unpaid invoices"), "commerce:invoices_aged", WORK_PLANNERS),
    (_("Invoicing settings"), "commerce:invoicing_settings", WORK_PLANNERS),
    (_("Export for the accountant"), "commerce:invoice_export", WORK_PLANNERS),  # = OFFICE = commerce BILLERS
    (_("Sales and stock settings"), "commerce:settings", SALES_SETTINGS_KEEPERS),
    (_("Customers"), "fleet:customers", CUSTOMER_READERS),
    (_("Equipment"), "service:equipment_list", BACK_OFFICE),
    (_("Contacts to confirm"), "service:contacts", BACK_OFFICE),
    (_("Vehicles"), "fleet:vehicles", PROVIDER_ROLES),
    (
        _("Devices"),
        "fleet:devices",
        PROVIDER_ROLES | INSTALLER_ROLES,
    ),
    (
        _("Box pick-ups"),
        "removals:pickups",
        PROVIDER_ROLES | INSTALLER_ROLES,
    ),
    (
        _("Is this vehicle equipped?"),
        "removals:check_vehicle",
        PROVIDER_ROLES,
    ),
    (_("Dashboard"), "jobs:dashboard", PROVIDER_ROLES),
    (
        _("Partners"),
        "accounts:partners",
        PROVIDER_ROLES | INSTALLER_ADMINS,
    ),
    (_("People"), "accounts:members", ADMIN_ROLES),
    (_("Outgoing messages"), "messaging:messages", ADMIN_ROLES),
    (_("Webhooks"), "messaging:webhooks", ADMIN_ROLES),
    (_("Device events"), "messaging:device_events", PROVIDER_STAFF),
    (_("Audit log"), "accounts:audit", ADMIN_ROLES),
    (_("Settings"), "accounts:organisation", ADMIN_ROLES),
]


def shell(request: HttpRequest) -> dict[str, Any]:
    scope = getattr(request, "scope", None)
    if scope is None:
        return {"scope": None, "menu": [], "switchable": []}
    urls = [(label, reverse(name)) for label, name, roles in MENU if not roles or scope.role in roles]
    menu = [{"label": label, "url": url, "active": request.path == url} for label, url in urls]
    switchable = [m for m in scope.memberships if m.organisation_id != scope.organisation.pk]
    unread = unread_count(scope)
    return {
        "scope": scope,
        "menu": menu,
        "switchable": switchable,
        "unread": unread,
        "unread_label": f"{UNREAD_CAP - 1}+" if unread >= UNREAD_CAP else str(unread),
    }

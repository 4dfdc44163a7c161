"""What every page of the shell needs: the scope, the organisations to switch to, the menu."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fieldbox.accounts.choices import DESK, Role
from fieldbox.messaging.selectors import UNREAD_CAP, unread_count

ADMINS = {Role.PROVIDER_ADMIN, Role.INSTALLER_ADMIN}
INSTALLERS = {Role.INSTALLER_ADMIN, Role.INSTALLER}
PROVIDER_ROLES = {Role.PROVIDER_ADMIN, Role.DISPATCHER, Role.CUSTOMER_CARE, Role.AGENCY}

# (label, url name, roles that see it; empty = everyone in an organisation)
MENU: list[tuple[Any, str, Collection[str]]] = [
    (_("Home"), "web:home", set()),
    (_("Installations"), "jobs:installations", INSTALLERS),
    (_("Available jobs"), "jobs:available", INSTALLERS),
    (_("Appointments"), "jobs:appointments", INSTALLERS),
    (_("Removals"), "removals:manage", INSTALLERS),
    (_("Jobs"), "jobs:list", {Role.PROVIDER_ADMIN, Role.DISPATCHER, Role.CUSTOMER_CARE, Role.AGENCY}),
    (_("Removal requests"), "removals:requests", PROVIDER_ROLES),
    (_("Tickets"), "service:desk", DESK),
    (_("Search"), "jobs:search", {Role.PROVIDER_ADMIN, Role.DISPATCHER, Role.CUSTOMER_CARE, Role.AGENCY}),
    (_("Checklists"), "jobs:checklists", {Role.PROVIDER_ADMIN}),
    (_("Customers"), "fleet:customers", {Role.PROVIDER_ADMIN, Role.DISPATCHER, Role.CUSTOMER_CARE, Role.AGENCY}),
    (_("Vehicles"), "fleet:vehicles", {Role.PROVIDER_ADMIN, Role.DISPATCHER, Role.CUSTOMER_CARE, Role.AGENCY}),
    (
        _("Devices"),
        "fleet:devices",
        {Role.PROVIDER_ADMIN, Role.DISPATCHER, Role.CUSTOMER_CARE, Role.AGENCY, *INSTALLERS},
    ),
    (
        _("Box pick-ups"),
        "removals:pickups",
        {Role.PROVIDER_ADMIN, Role.DISPATCHER, Role.CUSTOMER_CARE, Role.AGENCY, *INSTALLERS},
    ),
    (
        _("Is this vehicle equipped?"),
        "removals:check_vehicle",
        {Role.PROVIDER_ADMIN, Role.DISPATCHER, Role.CUSTOMER_CARE, Role.AGENCY},
    ),
    (_("Dashboard"), "jobs:dashboard", {Role.PROVIDER_ADMIN, Role.DISPATCHER, Role.CUSTOMER_CARE, Role.AGENCY}),
    (
        _("Partners"),
        "accounts:partners",
        {Role.PROVIDER_ADMIN, Role.DISPATCHER, Role.CUSTOMER_CARE, Role.AGENCY, Role.INSTALLER_ADMIN},
    ),
    (_("People"), "accounts:members", ADMINS),
    (_("Outgoing messages"), "messaging:messages", ADMINS),
    (_("Webhooks"), "messaging:webhooks", {Role.PROVIDER_ADMIN}),
    (_("Device events"), "messaging:device_events", {Role.PROVIDER_ADMIN, Role.DISPATCHER, Role.CUSTOMER_CARE}),
    (_("Audit log"), "accounts:audit", ADMINS),
    (_("Settings"), "accounts:organisation", ADMINS),
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

"""Kinds, roles and statuses of the accounts app, with their transition tables."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OrganisationKind(models.TextChoices):
    PROVIDER = "provider", _("Provider")
    INSTALLER = "installer", _("Installer company")


class Role(models.TextChoices):
    PROVIDER_ADMIN = "provider_admin", _("Provider admin")
    DISPATCHER = "dispatcher", _("Dispatcher")
    CUSTOMER_CARE = "customer_care", _("Customer care")
    AGENCY = "agency", _("Agency")
    INSTALLER_ADMIN = "installer_admin", _("Installer company admin")
    INSTALLER = "installer", _("Installer")


ROLES_BY_KIND: dict[str, list[str]] = {
    OrganisationKind.PROVIDER: [Role.PROVIDER_ADMIN, Role.DISPATCHER, Role.CUSTOMER_CARE, Role.AGENCY],
    OrganisationKind.INSTALLER: [Role.INSTALLER_ADMIN, Role.INSTALLER],
}
ADMIN_ROLES = frozenset({Role.PROVIDER_ADMIN, Role.INSTALLER_ADMIN})
# An admin may grant any role up to its own rank, never above.
ROLE_RANK: dict[str, int] = {
    Role.PROVIDER_ADMIN: 3,
    Role.DISPATCHER: 2,
    Role.CUSTOMER_CARE: 2,
    Role.AGENCY: 1,
    Role.INSTALLER_ADMIN: 3,
    Role.INSTALLER: 1,
}
# Roles whose members must use two-factor authentication.
TWO_FACTOR_REQUIRED_ROLES = frozenset({Role.PROVIDER_ADMIN})


class PartnershipStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("partnership status", "Pending")
    ACCEPTED = "accepted", pgettext_lazy("partnership status", "Accepted")
    DECLINED = "declined", pgettext_lazy("partnership status", "Declined")
    ENDED = "ended", pgettext_lazy("partnership status", "Ended")


# status -> {action: (new status, which side may do it)}
PARTNERSHIP_TRANSITIONS: dict[str, dict[str, tuple[str, frozenset[str]]]] = {
    PartnershipStatus.PENDING: {
        "accept": (PartnershipStatus.ACCEPTED, frozenset({OrganisationKind.INSTALLER})),
        "decline": (PartnershipStatus.DECLINED, frozenset({OrganisationKind.INSTALLER})),
        "end": (PartnershipStatus.ENDED, frozenset({OrganisationKind.PROVIDER, OrganisationKind.INSTALLER})),
    },
    PartnershipStatus.ACCEPTED: {
        "end": (PartnershipStatus.ENDED, frozenset({OrganisationKind.PROVIDER, OrganisationKind.INSTALLER})),
    },
    PartnershipStatus.DECLINED: {},
    PartnershipStatus.ENDED: {},
}
OPEN_PARTNERSHIP_STATUSES = (PartnershipStatus.PENDING, PartnershipStatus.ACCEPTED)


class InvitationStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("invitation status", "Pending")
    ACCEPTED = "accepted", pgettext_lazy("invitation status", "Accepted")
    REVOKED = "revoked", pgettext_lazy("invitation status", "Revoked")


INVITATION_TRANSITIONS: dict[str, dict[str, str]] = {
    InvitationStatus.PENDING: {"accept": InvitationStatus.ACCEPTED, "revoke": InvitationStatus.REVOKED},
    InvitationStatus.ACCEPTED: {},
    InvitationStatus.REVOKED: {},
}

"""Kinds, roles and statuses of the accounts app, with their transition tables."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fieldbox.core.transitions import CREATED, SAME, SYSTEM, Move, Table

if TYPE_CHECKING:
    from fieldbox.core.tenancy import Scope


class OrganisationKind(models.TextChoices):
    PROVIDER = "provider", _("Provider")
    INSTALLER = "installer", _("Installer company")


# Organisations of one kind (what an event or a feature applies to).
PROVIDERS = frozenset({OrganisationKind.PROVIDER})


class Role(models.TextChoices):
    PROVIDER_ADMIN = "provider_admin", _("Provider admin")
    DISPATCHER = "dispatcher", _("Dispatcher")
    CUSTOMER_CARE = "customer_care", _("Customer care")
    AGENCY = "agency", _("Agency")
    INSTALLER_ADMIN = "installer_admin", _("Installer company admin")
    INSTALLER = "installer", _("Installer")
    # The back office of every organisation (DESIGN.md §6).
    DESK_AGENT = "desk_agent", _("Desk agent")
    TECHNICIAN = "technician", _("Technician")
    OFFICE = "office", _("Office")
    # A customer's contact who signs in to the portal: sees only their own customer's records.
    PORTAL_CONTACT = "portal_contact", _("Portal contact")


_PROVIDER_OWN: list[str] = [Role.PROVIDER_ADMIN, Role.DISPATCHER, Role.CUSTOMER_CARE, Role.AGENCY]
_INSTALLER_OWN: list[str] = [Role.INSTALLER_ADMIN, Role.INSTALLER]
# The back-office roles any organisation may grant (DESIGN.md §6); a portal contact is invited from a contact.
BACK_OFFICE_ROLES: list[str] = [Role.DESK_AGENT, Role.OFFICE, Role.TECHNICIAN]
# The roles an admin of each kind of organisation may grant.
ROLES_BY_KIND: dict[str, list[str]] = {
    OrganisationKind.PROVIDER: _PROVIDER_OWN + BACK_OFFICE_ROLES,
    OrganisationKind.INSTALLER: _INSTALLER_OWN + BACK_OFFICE_ROLES,
}

# The sets of roles, named once: services, transition tables, pages and notifications all use these.
# Everyone of a provider: reads its registry, jobs and removal requests; follows and cancels removals.
PROVIDER_ROLES = frozenset(_PROVIDER_OWN)
# Everyone of an installer company: takes, books, pairs and ends jobs, handles removals, receives devices.
INSTALLER_ROLES = frozenset(_INSTALLER_OWN)
PORTAL = frozenset({Role.PORTAL_CONTACT})
# Who plans a provider's work: creates, assigns and cancels jobs, uploads removal requests.
PLANNERS = frozenset({Role.PROVIDER_ADMIN, Role.DISPATCHER, Role.AGENCY})
# Customer care: reassigns, extends deadlines, corrects pairings.
CARE = frozenset({Role.PROVIDER_ADMIN, Role.CUSTOMER_CARE})
# Who handles the provider's boxes: products, devices loaded and shipped, pick-ups and their receipt.
LOGISTICS = frozenset({Role.PROVIDER_ADMIN, Role.DISPATCHER})
# The provider's office (not its agencies): told of device events and activations.
PROVIDER_STAFF = frozenset({Role.PROVIDER_ADMIN, Role.DISPATCHER, Role.CUSTOMER_CARE})
PROVIDER_ADMINS = frozenset({Role.PROVIDER_ADMIN})
INSTALLER_ADMINS = frozenset({Role.INSTALLER_ADMIN})
ADMIN_ROLES = PROVIDER_ADMINS | INSTALLER_ADMINS
# The service desk (tickets) of an organisation, for its own customers: its admin, its desk agents and, at a
# provider, customer care.
DESK = ADMIN_ROLES | {Role.CUSTOMER_CARE, Role.DESK_AGENT}
# The office: customers' administrative data, charges, interventions to plan (and, later, quotes and invoices).
OFFICE = ADMIN_ROLES | {Role.OFFICE}
# Who keeps the customers' registry of an organisation (data, contacts, sites, files, equipment).
CUSTOMER_KEEPERS = DESK | OFFICE | {Role.DISPATCHER}
# Who reads a customer's records in the back office: the keepers and the technicians who go there.
BACK_OFFICE = CUSTOMER_KEEPERS | {Role.TECHNICIAN}
# Who writes a customer's own data: the keepers, and everyone of a provider (an agency adds its subscribers).
CUSTOMER_WRITERS = CUSTOMER_KEEPERS | PROVIDER_ROLES
CUSTOMER_READERS = CUSTOMER_WRITERS | BACK_OFFICE
# Who works on a call: the desk that takes calls, the office that plans its interventions, bills its charges and
# invites the customer's contacts to the portal.
CALL_WORKERS = DESK | OFFICE
# Who writes down a call's charges: those, and the technician who did the work.
CHARGERS = CALL_WORKERS | {Role.TECHNICIAN}
# Who may be sent on an intervention: a technician, or an installer company's own people.
FIELD_WORKERS = INSTALLER_ROLES | {Role.TECHNICIAN}
# Who plans work orders on the calendars, sends them to the field and replans a declined one.
WORK_PLANNERS = OFFICE
# Who carries out a work order (its assignees, checked by the service) or records it for them (the office).
WORK_DOERS = FIELD_WORKERS | OFFICE
# Who checks a finished work order before it is billed (SYS "verifica intervento finale"): admins only.
VERIFIERS = ADMIN_ROLES
# An admin may grant any role up to its own rank, never above.
ROLE_RANK: dict[str, int] = {
    Role.PROVIDER_ADMIN: 3,
    Role.DISPATCHER: 2,
    Role.CUSTOMER_CARE: 2,
    Role.AGENCY: 1,
    Role.INSTALLER_ADMIN: 3,
    Role.INSTALLER: 1,
    Role.DESK_AGENT: 2,
    Role.OFFICE: 2,
    Role.TECHNICIAN: 1,
    Role.PORTAL_CONTACT: 0,
}
# Roles whose members must use two-factor authentication.
TWO_FACTOR_REQUIRED_ROLES = PROVIDER_ADMINS


class PartnershipStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("partnership status", "Pending")
    ACCEPTED = "accepted", pgettext_lazy("partnership status", "Accepted")
    DECLINED = "declined", pgettext_lazy("partnership status", "Declined")
    ENDED = "ended", pgettext_lazy("partnership status", "Ended")


OPEN_PARTNERSHIP_STATUSES = (PartnershipStatus.PENDING, PartnershipStatus.ACCEPTED)


def _expired(partnership: Any, scope: Scope | None) -> str | None:
    if partnership.status == PartnershipStatus.PENDING and partnership.is_expired:
        return str(
            _("This invitation has expired. Ask %(provider)s for a new one.") % {"provider": partnership.provider.name}
        )
    return None


def _partnership_reader(partnership: Any, owner: int | None) -> int | None:
    """The other side reads the partnership's history in its own log, whoever acted."""
    return partnership.installer_id if owner == partnership.provider_id else partnership.provider_id


# A provider's relation with an installer company. Without a person (SYSTEM): an invitation that expired, a company
# deleted, an invitation link used to register the company.
PARTNERSHIP_TABLE: Table[Any] = Table(
    name="partnership",
    model="accounts.Partnership",
    states=PartnershipStatus,
    refusal=_("This partnership is “%(status)s”: it cannot be changed that way."),
    owner=lambda partnership, scope: scope.organisation.pk if scope else partnership.provider_id,
    shared_with=_partnership_reader,
    moves=(
        Move("invite", CREATED, PartnershipStatus.PENDING, PROVIDER_ADMINS),
        Move("claim", (PartnershipStatus.PENDING,), SAME, INSTALLER_ADMINS | {SYSTEM}),
        Move("accept", (PartnershipStatus.PENDING,), PartnershipStatus.ACCEPTED, INSTALLER_ADMINS, unless=_expired),
        Move("decline", (PartnershipStatus.PENDING,), PartnershipStatus.DECLINED, INSTALLER_ADMINS, unless=_expired),
        Move("end", OPEN_PARTNERSHIP_STATUSES, PartnershipStatus.ENDED, ADMIN_ROLES | {SYSTEM}),
    ),
)


class InvitationStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("invitation status", "Pending")
    ACCEPTED = "accepted", pgettext_lazy("invitation status", "Accepted")
    REVOKED = "revoked", pgettext_lazy("invitation status", "Revoked")


# A person into an organisation; accepted through the e-mailed link (SYSTEM: the link is the proof), withdrawn by an
# admin or, once expired, when the address is invited again (a portal contact's, whenever they are invited again).
INVITATION_TABLE: Table[Any] = Table(
    name="invitation",
    model="accounts.Invitation",
    states=InvitationStatus,
    refusal=_("Only a pending invitation can be used or withdrawn."),
    owner=lambda invitation, scope: invitation.organisation_id,
    moves=(
        Move("create", CREATED, InvitationStatus.PENDING, ADMIN_ROLES),
        # A customer's contact into the portal, with that role only: the desk and the office invite them.
        Move("invite_contact", CREATED, InvitationStatus.PENDING, DESK | OFFICE),
        Move("accept", (InvitationStatus.PENDING,), InvitationStatus.ACCEPTED, frozenset({SYSTEM})),
        Move("revoke", (InvitationStatus.PENDING,), InvitationStatus.REVOKED, ADMIN_ROLES | {SYSTEM}),
    ),
)

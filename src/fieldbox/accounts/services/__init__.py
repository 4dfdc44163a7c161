"""Every change of state in the accounts app goes through these functions (DESIGN.md §4.2)."""

from fieldbox.accounts.services.closing import organisation_delete
from fieldbox.accounts.services.invitations import (
    invitation_accept,
    invitation_create,
    invitation_create_contact,
    invitation_revoke,
)
from fieldbox.accounts.services.organisations import member_change_role, member_remove, organisation_update
from fieldbox.accounts.services.partnerships import (
    company_register,
    partnership_accept,
    partnership_claim,
    partnership_decline,
    partnership_end,
    partnership_invite,
)
from fieldbox.accounts.services.tokens import token_create, token_revoke
from fieldbox.accounts.services.users import profile_update

__all__ = [
    "company_register",
    "invitation_accept",
    "invitation_create",
    "invitation_create_contact",
    "invitation_revoke",
    "member_change_role",
    "member_remove",
    "organisation_delete",
    "organisation_update",
    "partnership_accept",
    "partnership_claim",
    "partnership_decline",
    "partnership_end",
    "partnership_invite",
    "profile_update",
    "token_create",
    "token_revoke",
]

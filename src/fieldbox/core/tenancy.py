"""Tenant scoping: who is asking, for which organisation, in which role.

Every read of tenant data for a user goes through a selector that takes a :class:`Scope`;
an object outside the scope is treated exactly like one that does not exist (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

if TYPE_CHECKING:
    from fieldbox.accounts.models import Membership, Organisation, User


@dataclass(frozen=True)
class Scope:
    user: User
    membership: Membership
    # All the person's memberships in active organisations (for the switcher and role checks).
    memberships: tuple[Membership, ...] = ()

    @property
    def organisation(self) -> Organisation:
        return self.membership.organisation

    @property
    def role(self) -> str:
        return self.membership.role

    @property
    def is_admin(self) -> bool:
        return self.membership.is_admin

    def require_role(self, *roles: str) -> None:
        """Refuse the action unless the user holds one of ``roles`` in this organisation."""
        if self.role not in roles:
            raise PermissionDenied

    def require_admin(self) -> None:
        if not self.is_admin:
            raise PermissionDenied

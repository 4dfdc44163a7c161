"""Deleting an installer company: its partnerships end (its open jobs go back to the providers as drafts), its
invitations are withdrawn, its tokens revoked, its people who belong nowhere else deleted."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldbox.accounts.choices import (
    INSTALLER_ADMINS,
    INVITATION_TABLE,
    OPEN_PARTNERSHIP_STATUSES,
    PARTNERSHIP_TABLE,
    InvitationStatus,
    OrganisationKind,
)
from fieldbox.accounts.models import Invitation, Membership, Organisation, Partnership
from fieldbox.accounts.services.partnerships import hand_back, tell_other_side
from fieldbox.core import audit, transitions
from fieldbox.core.tenancy import Scope


def organisation_delete(*, scope: Scope, confirm_name: str) -> Organisation:
    """An installer company admin deletes the company: its users go, its partnerships end.

    The organisation row stays, marked deleted, so that the history of its work remains.
    """
    scope.require_role(*INSTALLER_ADMINS)
    with transitions.atomic():
        org = Organisation.objects.select_for_update().get(pk=scope.organisation.pk, kind=OrganisationKind.INSTALLER)
        if confirm_name.strip() != org.name:
            raise ValidationError({"confirm_name": _("Type the company's name exactly to confirm.")})
        _end_partnerships(scope, org)
        pending = Invitation.objects.filter(organisation=org, status=InvitationStatus.PENDING)
        for pk in pending.values_list("pk", flat=True):
            INVITATION_TABLE.apply(INVITATION_TABLE.lock(pending, pk), "revoke", scope=scope)
        now = timezone.now()
        org.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=now)
        org.is_active = False
        org.deleted_at = now
        org.save(update_fields=["is_active", "deleted_at"])
        audit.record(
            actor=scope.user,
            organisation=org,
            obj=org,
            action="organisation.delete",
            from_state="active",
            to_state="deleted",
        )
        member_ids = list(org.memberships.values_list("user_id", flat=True))
        org.memberships.all().delete()
        # People who belonged to this company only are deleted with it.
        get_user_model().objects.filter(pk__in=member_ids, is_superuser=False).exclude(
            pk__in=Membership.objects.values("user_id")
        ).delete()
    return org


def _end_partnerships(scope: Scope, org: Organisation) -> None:
    """Every open partnership of the company ends as if its admin ended it (its providers are told)."""
    reason = _("The installer company was deleted.")
    ended = Partnership.objects.filter(installer=org, status__in=OPEN_PARTNERSHIP_STATUSES).select_related(
        "provider", "installer"
    )
    for pk in ended.values_list("pk", flat=True):
        partnership = PARTNERSHIP_TABLE.lock(ended, pk)
        hand_back(scope, partnership, reason)
        changes = {"ended_at": timezone.now(), "reason": reason}
        PARTNERSHIP_TABLE.apply(partnership, "end", scope=scope, changes=changes, reason=reason)
        tell_other_side(partnership, org, "end")

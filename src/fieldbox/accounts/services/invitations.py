"""Inviting people into an organisation; the link sets the new account's password."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldbox.accounts.choices import INVITATION_TABLE, InvitationStatus, Role
from fieldbox.accounts.models import Invitation, Membership, Organisation, User
from fieldbox.accounts.services.organisations import check_role_grant
from fieldbox.accounts.services.users import set_new_password
from fieldbox.core import audit, notify, transitions
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.core.tokens import hash_token, new_token


def invitation_create(*, scope: Scope, email: str, role: str) -> Invitation:
    check_role_grant(scope, role)
    INVITATION_TABLE.require("create", scope)
    return _invite(scope, email, role, "create")


def invitation_create_contact(*, scope: Scope, email: str) -> Invitation:
    """A customer's contact into the portal, with the portal contact's role only (the desk and the office invite
    them). A new link replaces one still pending: the contact lost the mail. Whoever keeps the contact links it to the
    account when the link is used (a hook on the table's "accept")."""
    INVITATION_TABLE.require("invite_contact", scope)
    return _invite(scope, email, Role.PORTAL_CONTACT, "invite_contact")


def _invite(scope: Scope, email: str, role: str, action: str) -> Invitation:
    email = email.strip().lower()
    raw, token_hash = new_token()
    with transitions.atomic():
        # One invitation at a time per organisation: the checks below cannot race each other.
        org = Organisation.objects.select_for_update().get(pk=scope.organisation.pk)
        if Membership.objects.filter(organisation=org, user__email__iexact=email).exists():
            raise ValidationError({"email": _("This person is already a member.")})
        pending = Invitation.objects.filter(organisation=org, email__iexact=email, status=InvitationStatus.PENDING)
        stale_ones = Q(expires_at__lte=timezone.now())
        if action == "invite_contact":  # a portal invitation still pending is replaced too
            stale_ones |= Q(role=Role.PORTAL_CONTACT)
        for pk in pending.filter(stale_ones).values_list("pk", flat=True):
            stale = INVITATION_TABLE.lock(pending, pk)
            why = _("The invitation expired.") if stale.is_expired else _("A new invitation replaced it.")
            INVITATION_TABLE.apply(stale, "revoke", scope=None, reason=why, data={"role": stale.role})
        if pending.exists():
            raise ValidationError({"email": _("An invitation to this address is already pending.")})
        invitation = Invitation(
            organisation=org,
            email=email,
            role=role,
            token_hash=token_hash,
            invited_by=scope.user,
            expires_at=timezone.now() + settings.INVITATION_TTL,
        )
        INVITATION_TABLE.create(invitation, action, scope=scope, data={"email": email, "role": role})
        existing = User.objects.filter(email__iexact=email).first()
        notify.messenger().send_email(
            "accounts.invitation",
            key=f"invitation:{invitation.pk}",
            to=email,
            language=existing.language if existing else org.language,
            organisation=org,
            context={
                "organisation": org.name,
                "invited_by": scope.user.get_full_name() or scope.user.email,
                "role": str(invitation.get_role_display()),
                "has_account": existing is not None,
                "link": f"{settings.SITE_URL}/invitations/{raw}/",
                "expires_at": invitation.expires_at,
            },
        )
    return invitation


def invitation_by_token(raw_token: str) -> Invitation | None:
    return Invitation.objects.select_related("organisation").filter(token_hash=hash_token(raw_token)).first()


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why a link cannot be used, in words for the person who opened it; None when it can."""
    if invitation is None:
        return _("This invitation link is not valid. Check that you copied the whole link.")
    if invitation.status == InvitationStatus.ACCEPTED:
        return _("This invitation has already been used. Sign in with your e-mail address.")
    if invitation.status == InvitationStatus.REVOKED:
        return _("This invitation was withdrawn. Ask the person who invited you for a new one.")
    if invitation.is_expired or not invitation.organisation.is_active:
        return _("This invitation has expired. Ask the person who invited you for a new one.")
    return None


def invitation_accept(
    *,
    raw_token: str,
    user: User | None,
    first_name: str = "",
    last_name: str = "",
    password: str = "",
    language: str = "it",
) -> User:
    """Use an invitation: a new person sets a password; a signed-in person joins."""
    with transitions.atomic():
        named = Invitation.objects.select_related("organisation").filter(token_hash=hash_token(raw_token))
        invitation = named.first()
        if invitation is not None:
            invitation = INVITATION_TABLE.lock(named, invitation.pk)
        problem = invitation_problem(invitation)
        if problem or invitation is None:
            raise Conflict(problem or "")
        existing = User.objects.filter(email__iexact=invitation.email).first()
        if user is None:
            if existing is not None:
                raise Conflict(_("An account with this address exists already: sign in to accept."))
            user = User(
                email=invitation.email, first_name=first_name.strip(), last_name=last_name.strip(), language=language
            )
            set_new_password(user, password)
            user.save()
            audit.record(actor=user, organisation=invitation.organisation, obj=user, action="user.register")
        elif user.email.lower() != invitation.email.lower():
            raise Conflict(_("This invitation was sent to another address than the one you signed in with."))
        Membership.objects.get_or_create(
            user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
        )
        INVITATION_TABLE.apply(
            invitation,
            "accept",
            scope=None,
            actor=user,
            changes={"accepted_at": timezone.now()},
            data={"role": invitation.role},
        )
    return user


def invitation_revoke(*, scope: Scope, invitation_id: int) -> Invitation:
    INVITATION_TABLE.require("revoke", scope)
    with transitions.atomic():
        invitation = INVITATION_TABLE.lock(Invitation.objects.visible_to(scope), invitation_id)
        INVITATION_TABLE.apply(invitation, "revoke", scope=scope, data={"role": invitation.role})
    return invitation

"""Partnerships between a provider and installer companies (INVERS "Manage Companies")."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldbox.accounts.choices import (
    OPEN_PARTNERSHIP_STATUSES,
    PARTNERSHIP_TRANSITIONS,
    OrganisationKind,
    PartnershipStatus,
    Role,
)
from fieldbox.accounts.models import Membership, Organisation, Partnership, User
from fieldbox.accounts.selectors import addresses_of
from fieldbox.accounts.services.organisations import create_installer_company
from fieldbox.accounts.services.users import set_new_password
from fieldbox.core import audit
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.core.tokens import hash_token, new_token
from fieldbox.core.validators import no_control_characters
from fieldbox.messaging import events
from fieldbox.messaging.links import action_url
from fieldbox.messaging.services import send_email


def installer_company_for_address(email: str) -> Organisation | None:
    """The installer company an address reaches: the company of a person who signed up with it.

    Only members' own addresses count (each was proven by a link sent to it); the contact
    address a company types in its settings does not, or a company could claim invitations
    meant for another one.
    """
    return (
        Organisation.objects.filter(
            kind=OrganisationKind.INSTALLER, is_active=True, memberships__user__email__iexact=email
        )
        .order_by("id")
        .first()
    )


def _end_expired_invitations(provider: Organisation, email: str, installer: Organisation | None) -> None:
    """Pending invitations past their date no longer stand in the way of a new one."""
    target = Q(installer=installer) if installer else Q(installer__isnull=True, invited_email__iexact=email)
    stale = Partnership.objects.select_for_update().filter(
        target, provider=provider, status=PartnershipStatus.PENDING, expires_at__lte=timezone.now()
    )
    for partnership in stale:
        _apply(partnership, "end", actor=None, organisation=provider, reason=_("The invitation expired."))


def partnership_invite(*, scope: Scope, email: str) -> Partnership:
    """A provider admin invites an installer company by e-mail; the link starts PENDING."""
    scope.require_role(Role.PROVIDER_ADMIN)
    email = email.strip().lower()
    raw, token_hash = new_token()
    with transaction.atomic():
        # One invitation at a time per provider: the checks below cannot race each other.
        provider = Organisation.objects.select_for_update().get(pk=scope.organisation.pk)
        installer = installer_company_for_address(email)
        if installer is None and User.objects.filter(email__iexact=email).exists():
            raise ValidationError({"email": _("This address belongs to a person who is not in an installer company.")})
        _end_expired_invitations(provider, email, installer)
        open_links = Partnership.objects.filter(provider=provider, status__in=OPEN_PARTNERSHIP_STATUSES)
        if installer is not None:
            open_links = open_links.filter(installer=installer)
        else:
            open_links = open_links.filter(installer__isnull=True, invited_email__iexact=email)
        if open_links.exists():
            raise ValidationError({"email": _("This company is already a partner or has a pending invitation.")})
        partnership = Partnership.objects.create(
            provider=provider,
            installer=installer,
            invited_email=email,
            token_hash=token_hash,
            invited_by=scope.user,
            expires_at=timezone.now() + settings.PARTNERSHIP_INVITATION_TTL,
        )
        audit.record(
            actor=scope.user,
            organisation=provider,
            obj=partnership,
            action="partnership.invite",
            to_state=PartnershipStatus.PENDING,
            data={"email": email},
        )
        _notify_installer(partnership, raw)
    return partnership


def _notify_installer(partnership: Partnership, raw_token: str) -> None:
    language = partnership.installer.language if partnership.installer else partnership.provider.language
    context = {
        "provider": partnership.provider.name,
        "has_company": partnership.installer is not None,
        "link": f"{settings.SITE_URL}/partners/join/{raw_token}/",
        "expires_at": partnership.expires_at,
        "accept_link": "",
        "decline_link": "",
    }
    if partnership.installer is not None:
        context["accept_link"] = action_url("partnership.accept", partnership.pk)
        context["decline_link"] = action_url("partnership.decline", partnership.pk)
    send_email(
        "accounts.partnership_invitation",
        key=f"partnership-invitation:{partnership.pk}",
        to=partnership.invited_email,
        language=language,
        organisation=partnership.provider,
        context=context,
    )


def partnership_by_token(raw_token: str) -> Partnership | None:
    return Partnership.objects.select_related("provider", "installer").filter(token_hash=hash_token(raw_token)).first()


def _visible_to(organisation: Organisation) -> Q:
    """Partnerships an organisation may act on, including invitations sent to its members' addresses."""
    mine = Q(provider=organisation) | Q(installer=organisation)
    if organisation.is_installer:
        mine |= Q(
            installer__isnull=True, status=PartnershipStatus.PENDING, invited_email__in=addresses_of(organisation)
        )
    return mine


def _allowed(partnership: Partnership, action: str) -> tuple[str, frozenset[str]]:
    """The status ``action`` leads to and the sides that may take it, or a Conflict."""
    allowed = PARTNERSHIP_TRANSITIONS[partnership.status]
    if action not in allowed:
        raise Conflict(
            _("This partnership is %(status)s: it cannot be changed that way.")
            % {"status": partnership.get_status_display().lower()}
        )
    return allowed[action]


def _apply(
    partnership: Partnership,
    action: str,
    *,
    actor: User | None,
    organisation: Organisation,
    reason: str = "",
    claimed: bool = False,
) -> None:
    """Move a locked partnership along its transition table, save what changed and audit it."""
    new_status, _sides = _allowed(partnership, action)
    old_status = partnership.status
    fields = ["status", "installer"] if claimed else ["status"]
    partnership.status = new_status
    now = timezone.now()
    if new_status in (PartnershipStatus.ACCEPTED, PartnershipStatus.DECLINED):
        partnership.responded_at = now
        fields.append("responded_at")
    if new_status == PartnershipStatus.ENDED:
        partnership.ended_at = now
        partnership.reason = reason
        fields += ["ended_at", "reason"]
    partnership.save(update_fields=fields)
    audit.record(
        actor=actor,
        organisation=organisation,
        obj=partnership,
        action=f"partnership.{action}",
        from_state=old_status,
        to_state=new_status,
        reason=reason,
        data={"claimed": True} if claimed else None,
    )


def _transition(*, scope: Scope, partnership_id: int, action: str, reason: str = "") -> Partnership:
    organisation = scope.organisation
    with transaction.atomic():
        partnership = Partnership.objects.select_for_update().filter(_visible_to(organisation)).get(pk=partnership_id)
        _new_status, sides = _allowed(partnership, action)
        if organisation.kind not in sides:
            raise Conflict(_("Only the installer company can answer an invitation."))
        if action in ("accept", "decline") and partnership.is_expired:
            raise Conflict(
                _("This invitation has expired. Ask %(provider)s for a new one.")
                % {"provider": partnership.provider.name}
            )
        claimed = partnership.installer_id is None and organisation.is_installer
        if claimed:
            # An invitation sent to one of our members before the company was known becomes ours.
            partnership.installer = organisation
        _apply(partnership, action, actor=scope.user, organisation=organisation, reason=reason, claimed=claimed)
        _tell_other_side(partnership, organisation, action)
    return partnership


PAST = {"accept": "accepted", "decline": "declined", "end": "ended"}


def _tell_other_side(partnership: Partnership, acting: Organisation, action: str) -> None:
    other = partnership.installer if acting == partnership.provider else partnership.provider
    if other is None:
        return
    events.emit(
        f"partnership.{PAST[action]}",
        organisation=other,
        key=f"partnership:{partnership.pk}:{action}",
        context={
            "organisation": acting.name,
            "reason": partnership.reason,
            "link": f"{settings.SITE_URL}/partners/{partnership.pk}/",
            "action": action,
        },
        url=f"/partners/{partnership.pk}/",
        data={
            "partnership_id": partnership.pk,
            "status": partnership.status,
            "provider_id": partnership.provider_id,
            "installer_id": partnership.installer_id,
            "installer_code": partnership.installer.installer_code if partnership.installer else None,
            "reason": partnership.reason,
        },
    )


def partnership_accept(*, scope: Scope, partnership_id: int) -> Partnership:
    scope.require_role(Role.INSTALLER_ADMIN)
    return _transition(scope=scope, partnership_id=partnership_id, action="accept")


def partnership_decline(*, scope: Scope, partnership_id: int, reason: str = "") -> Partnership:
    scope.require_role(Role.INSTALLER_ADMIN)
    return _transition(scope=scope, partnership_id=partnership_id, action="decline", reason=reason)


def partnership_end(*, scope: Scope, partnership_id: int, reason: str = "") -> Partnership:
    scope.require_role(Role.PROVIDER_ADMIN, Role.INSTALLER_ADMIN)
    return _transition(scope=scope, partnership_id=partnership_id, action="end", reason=reason)


def partnership_claim(*, scope: Scope, raw_token: str) -> Partnership:
    """An installer company admin who received an invitation link answers it for their company.

    The link itself is the proof: it went to the invited address.
    """
    scope.require_role(Role.INSTALLER_ADMIN)
    company = scope.organisation
    with transaction.atomic():
        partnership = (
            Partnership.objects.select_for_update()
            .filter(token_hash=hash_token(raw_token), status=PartnershipStatus.PENDING, installer__isnull=True)
            .first()
        )
        if partnership is None or partnership.is_expired:
            raise Conflict(_("This invitation link is no longer valid."))
        already = Partnership.objects.filter(
            provider=partnership.provider, installer=company, status__in=OPEN_PARTNERSHIP_STATUSES
        )
        if already.exists():
            raise Conflict(_("Your company already works with this client or has an invitation from it."))
        partnership.installer = company
        partnership.save(update_fields=["installer"])
        audit.record(
            actor=scope.user,
            organisation=company,
            obj=partnership,
            action="partnership.claim",
            from_state=PartnershipStatus.PENDING,
            to_state=PartnershipStatus.PENDING,
            data={"email": partnership.invited_email},
        )
    return partnership


def company_register(
    *,
    raw_token: str,
    company_name: str,
    first_name: str,
    last_name: str,
    password: str,
    language: str,
) -> User:
    """ "Complete Registration": the invited address creates its installer company and account.

    The partnership stays PENDING: the new company then accepts or declines it.
    """
    no_control_characters(company_name, field="company_name")
    with transaction.atomic():
        partnership = (
            Partnership.objects.select_for_update()
            .filter(token_hash=hash_token(raw_token), status=PartnershipStatus.PENDING, installer__isnull=True)
            .first()
        )
        if partnership is None or partnership.expires_at <= timezone.now():
            raise Conflict(_("This invitation link is no longer valid."))
        if User.objects.filter(email__iexact=partnership.invited_email).exists():
            raise Conflict(_("An account with this address exists already: sign in instead."))
        user = User(email=partnership.invited_email, first_name=first_name, last_name=last_name, language=language)
        set_new_password(user, password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise Conflict(_("An account with this address exists already: sign in instead.")) from None
        company = create_installer_company(
            name=company_name,
            email=partnership.invited_email,
            language=language,
            time_zone=partnership.provider.time_zone,
        )
        Membership.objects.create(user=user, organisation=company, role=Role.INSTALLER_ADMIN)
        partnership.installer = company
        partnership.save(update_fields=["installer"])
        audit.record(actor=user, organisation=company, obj=company, action="organisation.register", to_state="active")
        audit.record(actor=user, organisation=company, obj=user, action="user.register")
    return user

"""Partnerships between a provider and installer companies (INVERS "Manage Companies")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldbox.accounts.choices import (
    OPEN_PARTNERSHIP_STATUSES,
    PARTNERSHIP_TABLE,
    OrganisationKind,
    PartnershipStatus,
    Role,
)
from fieldbox.accounts.models import Membership, Organisation, Partnership, User
from fieldbox.accounts.services.organisations import create_installer_company
from fieldbox.accounts.services.users import set_new_password
from fieldbox.core import audit, notify, transitions
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.core.tokens import hash_token, new_token
from fieldbox.core.validators import no_control_characters


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
    stale = Partnership.objects.filter(
        target, provider=provider, status=PartnershipStatus.PENDING, expires_at__lte=timezone.now()
    )
    for pk in stale.values_list("pk", flat=True):
        partnership = PARTNERSHIP_TABLE.lock(stale, pk)
        reason = _("The invitation expired.")
        changes = {"ended_at": timezone.now(), "reason": reason}
        PARTNERSHIP_TABLE.apply(partnership, "end", scope=None, changes=changes, reason=reason, organisation=provider)


def partnership_invite(*, scope: Scope, email: str) -> Partnership:
    """A provider admin invites an installer company by e-mail; the link starts PENDING."""
    PARTNERSHIP_TABLE.require("invite", scope)
    email = email.strip().lower()
    raw, token_hash = new_token()
    with transitions.atomic():
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
        partnership = Partnership(
            provider=provider,
            installer=installer,
            invited_email=email,
            token_hash=token_hash,
            invited_by=scope.user,
            expires_at=timezone.now() + settings.PARTNERSHIP_INVITATION_TTL,
        )
        PARTNERSHIP_TABLE.create(partnership, "invite", scope=scope, data={"email": email})
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
        context["accept_link"] = notify.messenger().action_url("partnership.accept", partnership.pk)
        context["decline_link"] = notify.messenger().action_url("partnership.decline", partnership.pk)
    notify.messenger().send_email(
        "accounts.partnership_invitation",
        key=f"partnership-invitation:{partnership.pk}",
        to=partnership.invited_email,
        language=language,
        organisation=partnership.provider,
        context=context,
    )


def partnership_by_token(raw_token: str) -> Partnership | None:
    return Partnership.objects.select_related("provider", "installer").filter(token_hash=hash_token(raw_token)).first()


def _transition(*, scope: Scope, partnership_id: int, action: str, reason: str = "") -> Partnership:
    PARTNERSHIP_TABLE.require(action, scope)
    organisation = scope.organisation
    with transitions.atomic():
        partnership = PARTNERSHIP_TABLE.lock(
            Partnership.objects.visible_to(scope).select_related("provider", "installer"), partnership_id
        )
        PARTNERSHIP_TABLE.check(partnership, action, scope)
        changes: dict[str, object] = {}
        if partnership.installer_id is None and organisation.is_installer:
            # An invitation sent to one of our members before the company was known becomes ours.
            changes["installer"] = organisation
        now = timezone.now()
        if action in ("accept", "decline"):
            changes["responded_at"] = now
        if action == "end":
            changes.update(ended_at=now, reason=reason)
            hand_back(scope, partnership, reason)
        data = {"claimed": True} if "installer" in changes else None
        PARTNERSHIP_TABLE.apply(partnership, action, scope=scope, changes=changes, reason=reason, data=data)
        tell_other_side(partnership, organisation, action)
    return partnership


@dataclass(frozen=True)
class Holding:
    """What still ties a partnership (open jobs, open removals), from the app that owns it: how many, how people
    name them, and whether ending the partnership takes them back (jobs go back to drafts)."""

    label: str
    count: int
    taken_back: bool


# Apps register what may still hold a partnership, and what taking it back does: accounts knows no jobs.
HOLDERS: list[Callable[[Partnership], Holding | None]] = []
TAKERS: list[Callable[[Scope, Partnership, str], None]] = []


def holdings(partnership: Partnership) -> list[Holding]:
    """What still ties the partnership: shown before it ends."""
    return [h for h in (holder(partnership) for holder in HOLDERS) if h is not None and h.count]


def hand_back(scope: Scope, partnership: Partnership, reason: str) -> None:
    """Ending takes back what can be (the open jobs go back to drafts, audited) and refuses while anything else
    still ties the partnership (open removals): the ex-partner's access ends at once."""
    stuck = [h for h in holdings(partnership) if not h.taken_back]
    if stuck:
        listed = "; ".join(h.label for h in stuck)
        raise Conflict(_("Finish or move these first, then end the partnership: %(held)s.") % {"held": listed})
    for take_back in TAKERS:
        take_back(scope, partnership, reason or _("The partnership ended."))


PAST = {"accept": "accepted", "decline": "declined", "end": "ended"}


def tell_other_side(partnership: Partnership, acting: Organisation, action: str) -> None:
    other = partnership.installer if acting == partnership.provider else partnership.provider
    if other is None:
        return
    notify.messenger().emit(
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
    return _transition(scope=scope, partnership_id=partnership_id, action="accept")


def partnership_decline(*, scope: Scope, partnership_id: int, reason: str = "") -> Partnership:
    return _transition(scope=scope, partnership_id=partnership_id, action="decline", reason=reason)


def partnership_end(*, scope: Scope, partnership_id: int, reason: str = "") -> Partnership:
    """Either side ends the partnership: its open jobs go back to the provider as drafts, and nothing else may still
    tie it (``holdings``); the other side is told."""
    return _transition(scope=scope, partnership_id=partnership_id, action="end", reason=reason)


def partnership_claim(*, scope: Scope, raw_token: str) -> Partnership:
    """An installer company admin who received an invitation link answers it for their company.

    The link itself is the proof: it went to the invited address.
    """
    PARTNERSHIP_TABLE.require("claim", scope)
    company = scope.organisation
    with transitions.atomic():
        partnership = _by_link(raw_token)
        if partnership is None or partnership.is_expired:
            raise Conflict(_("This invitation link is no longer valid."))
        already = Partnership.objects.filter(
            provider=partnership.provider, installer=company, status__in=OPEN_PARTNERSHIP_STATUSES
        )
        if already.exists():
            raise Conflict(_("Your company already works with this client or has an invitation from it."))
        data = {"email": partnership.invited_email}
        PARTNERSHIP_TABLE.apply(partnership, "claim", scope=scope, changes={"installer": company}, data=data)
    return partnership


def _by_link(raw_token: str) -> Partnership | None:
    """The pending invitation of an unknown company this link names, locked."""
    unclaimed = Partnership.objects.filter(
        token_hash=hash_token(raw_token), status=PartnershipStatus.PENDING, installer__isnull=True
    ).select_related("provider")
    found = unclaimed.values_list("pk", flat=True).first()
    return None if found is None else PARTNERSHIP_TABLE.lock(unclaimed, found)


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
    with transitions.atomic():
        partnership = _by_link(raw_token)
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
        PARTNERSHIP_TABLE.apply(
            partnership,
            "claim",
            scope=None,
            actor=user,
            organisation=company,
            changes={"installer": company},
            data={"email": partnership.invited_email},
        )
        audit.record(actor=user, organisation=company, obj=company, action="organisation.register", to_state="active")
        audit.record(actor=user, organisation=company, obj=user, action="user.register")
    return user

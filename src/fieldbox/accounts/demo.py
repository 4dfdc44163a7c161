"""Demo organisations, partnerships in every status, and a user for every role."""

from __future__ import annotations

import base64

from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from fieldbox.accounts import services
from fieldbox.accounts.choices import OrganisationKind, PartnershipStatus, Role
from fieldbox.accounts.models import Membership, Organisation, User
from fieldbox.core.tenancy import Scope

PASSWORD = "fieldbox-demo"
# Provider admins must use two-factor authentication: in the demo their authenticator key is public.
TOTP_KEY_HEX = "6669656c64626f782d64656d6f2d746f74702d6b6579"
TOTP_KEY_BASE32 = base64.b32encode(bytes.fromhex(TOTP_KEY_HEX)).decode().rstrip("=")

ORGANISATIONS = [
    # key, name, kind, installer code, language, time zone
    ("iot", "IOtelematics Demo", OrganisationKind.PROVIDER, None, "it", "Europe/Rome"),
    ("traqueur", "Traqueur Demo", OrganisationKind.PROVIDER, None, "fr", "Europe/Paris"),
    ("rossi", "Officina Rossi", OrganisationKind.INSTALLER, "AA001", "it", "Europe/Rome"),
    ("tramosa", "Tramosa", OrganisationKind.INSTALLER, "EK004", "fr", "Europe/Paris"),
    ("walon", "Walon Lauterbourg", OrganisationKind.INSTALLER, "JJ020", "fr", "Europe/Paris"),
]

USERS = [
    # e-mail, first name, last name, language, organisation key, role
    ("admin@iot.example", "Giulia", "Bianchi", "it", "iot", Role.PROVIDER_ADMIN),
    ("dispatch@iot.example", "Paolo", "Verdi", "it", "iot", Role.DISPATCHER),
    ("care@iot.example", "Sara", "Neri", "it", "iot", Role.CUSTOMER_CARE),
    ("agency@iot.example", "Marco", "Galli", "it", "iot", Role.AGENCY),
    ("admin@traqueur.example", "Claire", "Martin", "fr", "traqueur", Role.PROVIDER_ADMIN),
    ("dispatch@traqueur.example", "Hugo", "Bernard", "fr", "traqueur", Role.DISPATCHER),
    ("admin@rossi.example", "Anna", "Rossi", "it", "rossi", Role.INSTALLER_ADMIN),
    ("mario@rossi.example", "Mario", "Esposito", "it", "rossi", Role.INSTALLER),
    ("desk@rossi.example", "Chiara", "Fontana", "it", "rossi", Role.DESK_AGENT),
    ("ufficio@rossi.example", "Elena", "Greco", "it", "rossi", Role.OFFICE),
    ("tecnico@rossi.example", "Luca", "Marino", "it", "rossi", Role.TECHNICIAN),
    ("tecnico2@rossi.example", "Davide", "Conti", "it", "rossi", Role.TECHNICIAN),
    ("admin@tramosa.example", "Inès", "Moreau", "fr", "tramosa", Role.INSTALLER_ADMIN),
    ("luca@tramosa.example", "Luca", "Ferri", "it", "tramosa", Role.INSTALLER),
    ("admin@walon.example", "Julien", "Walon", "fr", "walon", Role.INSTALLER_ADMIN),
]

PARTNERSHIPS = [
    ("iot", "rossi", PartnershipStatus.ACCEPTED),
    ("iot", "tramosa", PartnershipStatus.ACCEPTED),
    ("iot", "walon", PartnershipStatus.DECLINED),
    ("traqueur", "tramosa", PartnershipStatus.ACCEPTED),
    ("traqueur", "walon", PartnershipStatus.PENDING),
    ("traqueur", "rossi", PartnershipStatus.ENDED),
]
UNREGISTERED_INVITE = ("iot", "nuova@officina-bianchi.example")


def is_loaded() -> bool:
    return Organisation.objects.filter(name=ORGANISATIONS[0][1]).exists()


def reset() -> None:
    emails = [u[0] for u in USERS]
    names = [o[1] for o in ORGANISATIONS]
    with transaction.atomic():
        User.objects.filter(email__in=emails).delete()
        Organisation.objects.filter(name__in=names).delete()
        Organisation.objects.filter(installer_code__in=[o[3] for o in ORGANISATIONS if o[3]]).delete()


@transaction.atomic
def load() -> None:
    orgs = {
        key: Organisation.objects.create(
            name=name,
            kind=kind,
            installer_code=code,
            language=lang,
            time_zone=tz,
            email=f"info@{key}.example",
        )
        for key, name, kind, code, lang, tz in ORGANISATIONS
    }
    for email, first, last, lang, org_key, role in USERS:
        user = User.objects.create_user(email, PASSWORD, first_name=first, last_name=last, language=lang)
        Membership.objects.create(user=user, organisation=orgs[org_key], role=role)
        if role == Role.PROVIDER_ADMIN:
            TOTPDevice.objects.create(user=user, name="Demo authenticator", key=TOTP_KEY_HEX, confirmed=True)
    _partnerships(orgs)


def _admin(org: Organisation) -> Scope:
    membership = Membership.objects.select_related("user", "organisation").filter(
        organisation=org, role__in=(Role.PROVIDER_ADMIN, Role.INSTALLER_ADMIN)
    )[0]
    return Scope(user=membership.user, membership=membership)


def _partnerships(orgs: dict[str, Organisation]) -> None:
    """Invited, answered and ended through the same services as the screens (their e-mails wait in the outbox)."""
    for provider, installer, status in PARTNERSHIPS:
        invite, answer = _admin(orgs[provider]), _admin(orgs[installer])
        partnership = services.partnership_invite(scope=invite, email=answer.user.email)
        if status == PartnershipStatus.DECLINED:
            services.partnership_decline(scope=answer, partnership_id=partnership.pk)
        elif status in (PartnershipStatus.ACCEPTED, PartnershipStatus.ENDED):
            services.partnership_accept(scope=answer, partnership_id=partnership.pk)
        if status == PartnershipStatus.ENDED:
            services.partnership_end(scope=invite, partnership_id=partnership.pk, reason="Fine della collaborazione")
    provider, email = UNREGISTERED_INVITE
    services.partnership_invite(scope=_admin(orgs[provider]), email=email)


def current_code() -> str:
    """The code the demo authenticator shows now."""
    totp = TOTP(bytes.fromhex(TOTP_KEY_HEX))
    return f"{totp.token():06d}"

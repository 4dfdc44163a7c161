from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from fieldbox.accounts.choices import OrganisationKind, PartnershipStatus, Role
from fieldbox.accounts.models import Membership, Organisation, Partnership, User
from fieldbox.core.tokens import new_token

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Provider {n}")
    kind = OrganisationKind.PROVIDER
    language = "en"
    time_zone = "Europe/Rome"
    email = factory.Sequence(lambda n: f"info@provider{n}.example")


class InstallerCompanyFactory(ProviderFactory):
    name = factory.Sequence(lambda n: f"Workshop {n}")
    kind = OrganisationKind.INSTALLER
    installer_code = factory.Sequence(lambda n: f"ZZ{n:03d}")
    email = factory.Sequence(lambda n: f"info@workshop{n}.example")


def member(organisation: Organisation, role: str, **user_fields: object) -> User:
    user = UserFactory(**user_fields)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def partnership(
    provider: Organisation, installer: Organisation, status: str = PartnershipStatus.ACCEPTED
) -> Partnership:
    return Partnership.objects.create(
        provider=provider,
        installer=installer,
        invited_email=installer.email,
        status=status,
        token_hash=new_token()[1],
        expires_at=timezone.now() + timedelta(days=14),
    )


__all__ = ["PASSWORD", "InstallerCompanyFactory", "ProviderFactory", "Role", "UserFactory", "member", "partnership"]

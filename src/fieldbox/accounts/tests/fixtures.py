"""Fixtures for every test module: people in organisations, signed-in clients, API clients."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from fieldbox.accounts.choices import PartnershipStatus, Role
from fieldbox.accounts.models import Organisation, User
from fieldbox.accounts.tests.factories import InstallerCompanyFactory, ProviderFactory, member, partnership
from fieldbox.core.tenancy import Scope


def totp_code(user: User) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def give_totp(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def scope_of(user: User, organisation: Organisation) -> Scope:
    return Scope(user=user, membership=user.memberships.get(organisation=organisation))


def signed_in(user: User) -> Client:
    """A browser session of ``user``, past two-factor when the user has it."""
    client = Client()
    client.force_login(user)
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        session = client.session
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


@dataclass
class Tenant:
    """One provider with its admin, dispatcher and care, one partner company with admin and installer."""

    provider: Organisation
    company: Organisation
    provider_admin: User
    dispatcher: User
    care: User
    company_admin: User
    installer: User

    def scope(self, user: User) -> Scope:
        org = self.company if user in (self.company_admin, self.installer) else self.provider
        return scope_of(user, org)


def make_tenant(prefix: str) -> Tenant:
    provider = ProviderFactory(name=f"{prefix} Provider", email=f"info@{prefix}-provider.example")
    company = InstallerCompanyFactory(name=f"{prefix} Workshop", email=f"info@{prefix}-workshop.example")
    tenant = Tenant(
        provider=provider,
        company=company,
        provider_admin=member(provider, Role.PROVIDER_ADMIN, email=f"admin@{prefix}-provider.example"),
        dispatcher=member(provider, Role.DISPATCHER, email=f"dispatch@{prefix}-provider.example"),
        care=member(provider, Role.CUSTOMER_CARE, email=f"care@{prefix}-provider.example"),
        company_admin=member(company, Role.INSTALLER_ADMIN, email=f"admin@{prefix}-workshop.example"),
        installer=member(company, Role.INSTALLER, email=f"fitter@{prefix}-workshop.example"),
    )
    give_totp(tenant.provider_admin)
    partnership(provider, company, PartnershipStatus.ACCEPTED)
    return tenant


def another_partner(tenant: Tenant, name: str = "Second Workshop") -> Organisation:
    """A second installer company that accepted the tenant's provider (to move jobs between companies)."""
    company = InstallerCompanyFactory(name=name)
    member(company, Role.INSTALLER_ADMIN, email=f"admin@{name.lower().replace(' ', '-')}.example")
    partnership(tenant.provider, company, PartnershipStatus.ACCEPTED)
    return company


@pytest.fixture
def tenant(db: Any) -> Tenant:
    return make_tenant("alpha")


@pytest.fixture
def other_tenant(db: Any) -> Tenant:
    return make_tenant("beta")

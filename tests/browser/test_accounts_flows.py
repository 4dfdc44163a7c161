"""What a person does in the browser: invitations, sign-in, throttling, languages, phone layout."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from fieldbox.accounts.choices import PartnershipStatus, Role
from fieldbox.accounts.models import Membership, Partnership, User
from fieldbox.accounts.tests.factories import PASSWORD
from fieldbox.accounts.tests.fixtures import make_tenant, totp_code

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def fill_account(page: Page, first: str, last: str, password: str, password_again: str | None = None) -> None:
    """The name, language and password fields of a new account."""
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    page.get_by_label("Language").select_option("en")
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password again").fill(password_again or password)


def sign_out(page: Page) -> None:
    page.locator("summary").click()
    page.get_by_role("button", name="Sign out").click()


def last_link(kind: str) -> str:
    body = mail.outbox[-1].body
    return re.search(rf"https?://\S+/{kind}/[\w-]+/", body).group(0)


def test_provider_invites_a_company_which_registers_and_accepts(page: Page, live_server, settings):
    settings.SITE_URL = live_server.url
    tenant = make_tenant("alpha")
    sign_in(page, live_server.url, tenant.provider_admin.email)
    expect(page.get_by_role("heading", name="Two-factor check")).to_be_visible()
    page.get_by_label("Code from your authenticator app").fill(totp_code(tenant.provider_admin))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_test_id("current-organisation")).to_contain_text(tenant.provider.name)

    page.goto(f"{live_server.url}/partners/")
    page.get_by_role("link", name="Invite company").click()
    page.get_by_label("Company e-mail address").fill("owner@fresh-workshop.example")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to owner@fresh-workshop.example")).to_be_visible()
    page.goto(f"{live_server.url}/partners/?status=pending")
    expect(page.get_by_text("owner@fresh-workshop.example")).to_be_visible()
    sign_out(page)

    page.goto(last_link("partners/join"))
    expect(page.get_by_role("heading", name="Complete registration")).to_be_visible()
    page.get_by_label("Company name").fill("Fresh Workshop")
    fill_account(page, "Olga", "Owner", "fresh workshop passphrase")
    page.get_by_role("button", name="Create company").click()
    expect(page.get_by_text("Your company is registered")).to_be_visible()
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_test_id("partnership-status")).to_have_text("Accepted")
    partnership = Partnership.objects.get(invited_email="owner@fresh-workshop.example")
    assert partnership.status == PartnershipStatus.ACCEPTED
    assert partnership.installer.name == "Fresh Workshop"


def test_admin_invites_an_installer_who_sets_a_password_and_signs_in(page: Page, live_server, settings):
    settings.SITE_URL = live_server.url
    tenant = make_tenant("alpha")
    sign_in(page, live_server.url, tenant.company_admin.email)
    page.goto(f"{live_server.url}/organisation/members/")
    page.get_by_role("link", name="Invite a person").click()
    page.get_by_label("E-mail address").fill("giovanni@alpha-workshop.example")
    page.get_by_label("Role").select_option(Role.INSTALLER)
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("cell", name="giovanni@alpha-workshop.example")).to_be_visible()
    sign_out(page)

    page.goto(last_link("invitations"))
    fill_account(page, "Giovanni", "Fabbri", "short")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("alert").filter(has_text="at least 12 characters")).to_be_visible()
    fill_account(page, "Giovanni", "Fabbri", "giovanni fits boxes")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text(f"Welcome to {tenant.company.name}")).to_be_visible()
    sign_out(page)

    sign_in(page, live_server.url, "giovanni@alpha-workshop.example", "giovanni fits boxes")
    expect(page.get_by_test_id("current-organisation")).to_contain_text(tenant.company.name)
    assert Membership.objects.get(user__email="giovanni@alpha-workshop.example").role == Role.INSTALLER


def test_expired_invitation_link_says_why(page: Page, live_server, settings):
    settings.SITE_URL = live_server.url
    tenant = make_tenant("alpha")
    from fieldbox.accounts import services

    services.invitation_create(scope=tenant.scope(tenant.company_admin), email="late@x.example", role=Role.INSTALLER)
    link = last_link("invitations")
    with time_machine.travel(timezone.now() + timedelta(hours=73), tick=True):
        page.goto(link)
        expect(page.get_by_test_id("link-problem")).to_contain_text("expired")
    assert not User.objects.filter(email="late@x.example").exists()


def test_repeated_failed_logins_are_throttled(page: Page, live_server, settings):
    tenant = make_tenant("alpha")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(page, live_server.url, tenant.installer.email, "not the password")
        expect(page.get_by_text("Please enter a correct")).to_be_visible()
    sign_in(page, live_server.url, tenant.installer.email, "not the password")
    expect(page.get_by_test_id("locked-out")).to_contain_text("Too many failed attempts")
    sign_in(page, live_server.url, tenant.installer.email)  # even the right password now waits
    expect(page.get_by_test_id("locked-out")).to_contain_text("Too many failed attempts")
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_language_switch_shows_italian_and_french_pages(page: Page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.locator("summary").click()
    page.get_by_role("button", name="IT").click()
    expect(page.get_by_role("heading", name="Accedi")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "it")
    page.locator("summary").click()
    page.get_by_role("button", name="FR").click()
    expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    expect(page.get_by_text("Mot de passe oublié ?")).to_be_visible()


@pytest.mark.parametrize("path", ["/accounts/login/", "/", "/partners/", "/organisation/members/"])
def test_pages_fit_a_360px_phone(page: Page, live_server, path):
    tenant = make_tenant("alpha")
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, live_server.url, tenant.company_admin.email)
    page.goto(f"{live_server.url}{path}")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"


def test_removing_a_person_asks_for_confirmation(page: Page, live_server):
    tenant = make_tenant("alpha")
    sign_in(page, live_server.url, tenant.company_admin.email)
    page.goto(f"{live_server.url}/organisation/members/")
    row = page.get_by_test_id(f"member-{tenant.installer.email}")
    page.once("dialog", lambda dialog: dialog.dismiss())
    row.get_by_role("button", name="Remove").click()
    expect(row).to_be_visible()
    assert Membership.objects.filter(user=tenant.installer).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("is no longer a member")).to_be_visible()
    assert not Membership.objects.filter(user=tenant.installer).exists()

"""What a provider admin does with messages in the browser: a wording with its live preview, the bell."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from fieldbox.accounts import services
from fieldbox.accounts.tests.fixtures import make_tenant, totp_code
from fieldbox.messaging.models import MessageTemplate
from tests.browser.test_accounts_flows import sign_in, sign_out

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_writes_a_wording_checked_live_then_saved(page: Page, live_server):
    tenant = make_tenant("alpha")
    sign_in(page, live_server.url, tenant.provider_admin.email)
    page.get_by_label("Code from your authenticator app").fill(totp_code(tenant.provider_admin))
    page.get_by_role("button", name="Verify").click()
    page.goto(f"{live_server.url}/messages/wordings/")
    page.get_by_role("row", name="Invitation of a person").get_by_role("link").nth(2).click()  # English

    preview = page.get_by_test_id("preview")
    expect(preview).to_contain_text("You are invited")
    page.get_by_label("Text").fill("Hello {{ name }}, join us")
    expect(preview).to_contain_text("Unknown variable {{ name }}")
    page.get_by_label("Text").fill("Hello, join us here: {{ link }}")
    expect(preview).to_contain_text("Hello, join us here: https://fieldbox.example/")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Wording saved")
    assert MessageTemplate.objects.get(language="en").body == "Hello, join us here: {{ link }}"


def test_the_bell_counts_and_lists_what_happened(page: Page, live_server):
    tenant = make_tenant("alpha")
    other = make_tenant("beta")
    pending = services.partnership_invite(scope=tenant.scope(tenant.provider_admin), email=other.company_admin.email)
    services.partnership_accept(scope=other.scope(other.company_admin), partnership_id=pending.pk)
    sign_in(page, live_server.url, tenant.dispatcher.email)  # the dispatcher is not told: admins are
    expect(page.get_by_test_id("unread")).to_have_count(0)
    sign_out(page)
    sign_in(page, live_server.url, tenant.provider_admin.email)
    page.get_by_label("Code from your authenticator app").fill(totp_code(tenant.provider_admin))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_test_id("unread")).to_have_text("1")
    page.get_by_test_id("bell").click()
    page.get_by_role("button", name="beta Workshop accepted your invitation").click()
    expect(page).to_have_url(f"{live_server.url}/partners/{pending.pk}/")
    expect(page.get_by_test_id("unread")).to_have_count(0)

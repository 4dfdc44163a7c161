"""Action links (a GET changes nothing; sign in, confirm with a POST) and the bell of notifications."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fieldbox.accounts import services as accounts
from fieldbox.accounts.choices import PartnershipStatus
from fieldbox.accounts.models import Partnership
from fieldbox.accounts.tests.fixtures import make_tenant, signed_in
from fieldbox.messaging import outbox, services
from fieldbox.messaging.links import action_url
from fieldbox.messaging.models import Notification

pytestmark = pytest.mark.django_db


def invite_known_company(tenant, other_tenant) -> Partnership:
    """Our provider invites the other tenant's company, which is already on Fieldbox."""
    partnership = accounts.partnership_invite(
        scope=tenant.scope(tenant.provider_admin), email=other_tenant.company_admin.email
    )
    outbox.drain()
    return partnership


def links_in(body: str) -> list[str]:
    return [u.removeprefix("http://127.0.0.1:8000") for u in re.findall(r"http://\S+/a/\S+/", body)]


def test_the_invitation_email_offers_signed_accept_and_decline_links(tenant, other_tenant):
    partnership = invite_known_company(tenant, other_tenant)
    [message] = [m for m in mail.outbox if m.to == [other_tenant.company_admin.email]]
    accept, decline = links_in(message.body)
    company = signed_in(other_tenant.company_admin)

    page = company.get(accept)  # what a mail scanner or a click does: nothing changes
    assert page.status_code == 200 and "Accept the invitation" in page.content.decode()
    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.PENDING

    done = company.post(accept)
    assert done.status_code == 302 and done.url == reverse("accounts:partner_detail", args=[partnership.pk])
    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.ACCEPTED
    again = company.post(decline, {"reason": "too late"})
    assert again.status_code == 200 and partnership.status == PartnershipStatus.ACCEPTED


def test_an_action_link_asks_to_sign_in_first_and_comes_back(tenant, other_tenant):
    partnership = invite_known_company(tenant, other_tenant)
    url = action_url("partnership.accept", partnership.pk).removeprefix("http://127.0.0.1:8000")
    response = Client().get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert "next=" in response.url and "/a/" in response.url
    assert Client().post(url).status_code == 302  # anonymous POST: sign in first, nothing done
    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.PENDING


def test_an_expired_tampered_or_foreign_link_changes_nothing(tenant, other_tenant, settings):
    settings.ACTION_LINK_MAX_AGE = timedelta(days=1)
    partnership = invite_known_company(tenant, other_tenant)
    url = action_url("partnership.accept", partnership.pk).removeprefix("http://127.0.0.1:8000")
    company = signed_in(other_tenant.company_admin)
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        expired = company.post(url)
    assert expired.status_code == 410 and "expired" in expired.content.decode()
    assert company.post(url[:-3] + "xx/").status_code == 410
    # The provider's dispatcher sees the partnership but may not answer for the company;
    # someone of an unrelated organisation learns nothing at all.
    assert signed_in(tenant.dispatcher).post(url).status_code == 403
    stranger = make_tenant("gamma").company_admin
    assert signed_in(stranger).get(url).status_code == 404 and signed_in(stranger).post(url).status_code == 404
    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.PENDING


def test_people_get_a_notification_and_by_preference_an_email(tenant, other_tenant):
    admin = signed_in(tenant.provider_admin)
    admin.post(reverse("messaging:preferences"), {})  # nothing by e-mail
    partnership = invite_known_company(tenant, other_tenant)
    mail.outbox.clear()
    accounts.partnership_accept(scope=other_tenant.scope(other_tenant.company_admin), partnership_id=partnership.pk)
    outbox.drain()
    note = Notification.objects.get(user=tenant.provider_admin)
    assert other_tenant.company.name in note.text and note.url == f"/partners/{partnership.pk}/"
    assert mail.outbox == []

    home = admin.get("/").content.decode()
    assert 'data-testid="unread">1<' in home
    opened = admin.post(reverse("messaging:notification_open", args=[note.pk]))
    assert opened.url == f"/partners/{partnership.pk}/"
    assert 'data-testid="unread"' not in admin.get("/").content.decode()


def test_the_email_comes_by_default_in_the_persons_language(tenant, other_tenant):
    tenant.provider_admin.language = "fr"
    tenant.provider_admin.save(update_fields=["language"])
    partnership = invite_known_company(tenant, other_tenant)
    mail.outbox.clear()
    accounts.partnership_end(
        scope=other_tenant.scope(other_tenant.company_admin), partnership_id=partnership.pk, reason="fin"
    )
    outbox.drain()
    [message] = [m for m in mail.outbox if m.to == [tenant.provider_admin.email]]
    assert "a mis fin au partenariat" in message.subject or "partenariat" in message.body


def test_mark_all_read_and_the_api_list(tenant):
    scope = tenant.scope(tenant.care)
    Notification.objects.bulk_create(
        Notification(user=tenant.care, organisation=tenant.provider, event="device.activated", text=f"n{i}")
        for i in range(3)
    )
    client = signed_in(tenant.care)
    listed = client.get("/api/v1/notifications?limit=2").json()
    assert listed["unread"] == 3 and len(listed["items"]) == 2 and listed["next_cursor"]
    assert client.post("/api/v1/notifications/read", {}, content_type="application/json").json() == {"marked": 3}
    assert services.notifications_read(scope=scope) == 0


def test_preferences_offer_only_the_events_of_ones_role(tenant):
    admin_page = signed_in(tenant.company_admin).get(reverse("messaging:preferences")).content.decode()
    assert "A partnership ended" in admin_page and "A device reported its activation" not in admin_page
    care_page = signed_in(tenant.care).get(reverse("messaging:preferences")).content.decode()
    assert "A device reported its activation" in care_page and "A partnership ended" not in care_page
    installer_page = signed_in(tenant.installer).get(reverse("messaging:preferences")).content.decode()
    assert "Your role receives no notifications yet." in installer_page


def test_telling_many_people_renders_once_per_language(tenant, django_assert_max_num_queries):
    from fieldbox.accounts.tests.factories import member
    from fieldbox.messaging import events

    for i in range(8):
        member(tenant.provider, "customer_care", email=f"care{i}@alpha-provider.example")
    with django_assert_max_num_queries(8):  # people, preferences, one wording look-up per language, writes
        events.emit(
            "device.activated",
            organisation=tenant.provider,
            key="device-event:many",
            context={"serial": "TBA1", "imei": "", "time": "now"},
        )
    assert Notification.objects.filter(event="device.activated").count() == 11

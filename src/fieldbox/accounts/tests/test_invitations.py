import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fieldbox.accounts import services
from fieldbox.accounts.choices import InvitationStatus, Role
from fieldbox.accounts.models import Invitation, Membership, Organisation, User
from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.messaging.choices import MessageStatus
from fieldbox.messaging.models import OutboxMessage

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "workshop passphrase 42"


def invite(tenant, email="new.fitter@example.com", role=Role.INSTALLER):
    client = signed_in(tenant.company_admin)
    response = client.post(reverse("accounts:member_invite"), {"email": email, "role": role})
    assert response.status_code == 302, response.content.decode()
    return re.search(r"http://\S+/invitations/[\w-]+/", mail.outbox[-1].body).group(0)


def setup_form(**overrides):
    data = {
        "first_name": "Nuovo",
        "last_name": "Tecnico",
        "language": "it",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    return {**data, **overrides}


def test_invited_installer_sets_password_and_signs_in(tenant):
    link = invite(tenant)
    client = Client()
    assert b"Set your password" in client.get(link).content
    response = client.post(link, setup_form())
    assert response.status_code == 302
    user = User.objects.get(email="new.fitter@example.com")
    assert Membership.objects.get(user=user).role == Role.INSTALLER
    assert user.language == "it"
    fresh = Client()
    fresh.post("/accounts/login/", {"username": "new.fitter@example.com", "password": NEW_PASSWORD})
    assert tenant.company.name in fresh.get("/").content.decode()
    reused = Client().get(link)
    assert reused.status_code == 410 and "already been used" in reused.content.decode()


def test_weak_or_mismatched_password_writes_nothing(tenant):
    link = invite(tenant)
    client = Client()
    weak = client.post(link, setup_form(password1="short", password2="short"))
    assert "at least 12 characters" in weak.content.decode()
    common = client.post(link, setup_form(password1="password12345", password2="password12345"))
    assert "too common" in common.content.decode()
    differ = client.post(link, setup_form(password2="something else entirely"))
    assert "The two passwords differ" in differ.content.decode()
    assert not User.objects.filter(email="new.fitter@example.com").exists()
    assert Invitation.objects.get().status == InvitationStatus.PENDING


def test_link_expires_after_72_hours(tenant):
    link = invite(tenant)
    with time_machine.travel(timezone.now() + timedelta(hours=72, minutes=1)):
        response = Client().get(link)
    assert response.status_code == 410 and "expired" in response.content.decode()
    with time_machine.travel(timezone.now() + timedelta(hours=71)):
        assert Client().get(link).status_code == 200


def test_foreign_signed_in_user_cannot_use_the_link(tenant, other_tenant):
    link = invite(tenant)
    response = signed_in(other_tenant.installer).post(link)
    assert "another address" in response.content.decode()
    assert not Membership.objects.filter(user=other_tenant.installer, organisation=tenant.company).exists()


def test_withdrawn_invitation_link_says_so(tenant):
    link = invite(tenant)
    invitation = Invitation.objects.get()
    signed_in(tenant.company_admin).post(reverse("accounts:invitation_revoke", args=[invitation.pk]))
    response = Client().get(link)
    assert response.status_code == 410 and "withdrawn" in response.content.decode()


def test_role_no_higher_than_own(tenant):
    with pytest.raises(ValidationError) as exc:
        services.invitation_create(
            scope=tenant.scope(tenant.company_admin), email="x@y.example", role=Role.PROVIDER_ADMIN
        )
    assert "role" in exc.value.message_dict
    response = signed_in(tenant.installer).get(reverse("accounts:member_invite"))
    assert response.status_code == 403
    form = signed_in(tenant.dispatcher).get(reverse("accounts:member_invite"))
    assert form.status_code == 403
    assert Invitation.objects.count() == 0


def test_existing_user_joins_a_second_organisation_and_switches(tenant, other_tenant):
    services.invitation_create(
        scope=other_tenant.scope(other_tenant.company_admin), email=tenant.installer.email, role=Role.INSTALLER
    )
    link = re.search(r"http://\S+/invitations/[\w-]+/", mail.outbox[-1].body).group(0)
    client = signed_in(tenant.installer)
    client.post(link)
    assert Membership.objects.filter(user=tenant.installer, organisation=other_tenant.company).exists()
    page = client.get("/").content.decode()
    assert "Switch organisation" in page
    client.post(reverse("accounts:switch"), {"organisation": other_tenant.company.pk})
    assert other_tenant.company.name in client.get("/").content.decode()
    client.post(reverse("accounts:switch"), {"organisation": tenant.provider.pk})
    assert "not a member" in client.get("/").content.decode()


def test_a_mail_server_down_does_not_break_the_invitation(tenant, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    response = signed_in(tenant.company_admin).post(
        reverse("accounts:member_invite"), {"email": "new@x.example", "role": Role.INSTALLER}
    )
    assert response.status_code == 302
    assert Invitation.objects.filter(email="new@x.example", status=InvitationStatus.PENDING).exists()
    # The e-mail waits in the outbox with the reason, for a later try.
    waiting = OutboxMessage.objects.get(recipient="new@x.example")
    assert waiting.status == MessageStatus.PENDING and waiting.attempts == 1
    assert "mail server" in waiting.last_error and waiting.next_attempt_at > timezone.now()


def test_the_link_expiry_is_the_time_of_the_organisation_zone_and_names_it(tenant):
    Organisation.objects.filter(pk=tenant.provider.pk).update(time_zone="America/New_York", language="it")
    sent_at = datetime(2026, 12, 11, 9, 0, tzinfo=UTC)  # valid 72 hours: 14/12 09:00 UTC, 04:00 in New York
    # The zone active where the invitation is made (a request's, a worker's) does not count.
    with time_machine.travel(sent_at, tick=False), timezone.override(ZoneInfo("Asia/Tokyo")):
        services.invitation_create(
            scope=tenant.scope(tenant.provider_admin), email="new@x.example", role=Role.CUSTOMER_CARE
        )
    row = OutboxMessage.objects.get(recipient="new@x.example")
    assert "14/12/2026 04:00 (America/New_York)" in row.body and "14/12/2026 04:00 (America/New_York)" in row.html
    assert "UTC" not in row.body

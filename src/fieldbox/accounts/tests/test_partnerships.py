import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fieldbox.accounts import selectors, services
from fieldbox.accounts.choices import PartnershipStatus, Role
from fieldbox.accounts.models import Membership, Organisation, Partnership, User
from fieldbox.accounts.tests.factories import InstallerCompanyFactory, member
from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.core.errors import Conflict
from fieldbox.core.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)


def link_in(message) -> str:
    return re.search(r"https?://\S+/(?:partners/join|invitations)/[\w-]+/", message.body).group(0)


def test_invite_unknown_address_leads_to_registration_then_accept(tenant):
    client = signed_in(tenant.provider_admin)
    response = client.post(reverse("accounts:partner_invite"), {"email": "Boss@New-Workshop.example"})
    assert response.status_code == 302
    partnership = Partnership.objects.get(invited_email="boss@new-workshop.example")
    assert partnership.status == PartnershipStatus.PENDING and partnership.installer is None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["boss@new-workshop.example"]
    link = link_in(mail.outbox[0])
    assert "Complete registration" in mail.outbox[0].alternatives[0][0]

    visitor = Client()
    page = visitor.get(link)
    assert page.status_code == 200 and b"Company name" in page.content
    response = visitor.post(
        link,
        {
            "company_name": "New Workshop",
            "first_name": "Ada",
            "last_name": "Boss",
            "language": "en",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )
    assert response.status_code == 302
    company = Organisation.objects.get(name="New Workshop")
    assert re.fullmatch(r"NE\d{3}", company.installer_code)
    assert Membership.objects.get(user__email="boss@new-workshop.example").role == Role.INSTALLER_ADMIN
    partnership.refresh_from_db()
    assert partnership.installer == company and partnership.status == PartnershipStatus.PENDING

    visitor.post(reverse("accounts:partner_accept", args=[partnership.pk]))
    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.ACCEPTED
    scope = tenant.scope(tenant.dispatcher)
    assert company in selectors.accepted_installers_for(scope)
    assert AuditEvent.objects.filter(action="partnership.accept", object_id=str(partnership.pk)).exists()
    # The provider's admins hear of it.
    assert any("accepted your invitation" in m.subject for m in mail.outbox)


def test_invite_existing_company_by_any_member_address(tenant):
    company = InstallerCompanyFactory(name="Known Workshop")
    fitter = member(company, Role.INSTALLER)
    admin = member(company, Role.INSTALLER_ADMIN)
    partnership = services.partnership_invite(scope=tenant.scope(tenant.provider_admin), email=fitter.email.upper())
    assert partnership.installer == company
    services.partnership_decline(
        scope=selectors.scope_for(admin, company.pk), partnership_id=partnership.pk, reason="Too far"
    )
    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.DECLINED and partnership.responded_at is not None
    assert company not in selectors.accepted_installers_for(tenant.scope(tenant.provider_admin))


def test_duplicate_and_wrong_invitations_are_refused_and_write_nothing(tenant):
    scope = tenant.scope(tenant.provider_admin)
    before = Partnership.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.partnership_invite(scope=scope, email=tenant.company_admin.email)
    assert "already a partner" in str(exc.value.message_dict["email"])
    with pytest.raises(ValidationError) as exc:
        services.partnership_invite(scope=scope, email=tenant.care.email)
    assert "not in an installer company" in str(exc.value.message_dict["email"])
    with pytest.raises(PermissionDenied):
        services.partnership_invite(scope=tenant.scope(tenant.dispatcher), email="x@y.example")
    assert Partnership.objects.count() == before
    assert mail.outbox == []


def test_invite_form_shows_field_error(tenant):
    client = signed_in(tenant.provider_admin)
    response = client.post(reverse("accounts:partner_invite"), {"email": "not-an-address"})
    assert response.status_code == 200
    assert b"Enter a valid email address" in response.content


def test_either_side_ends_and_transitions_follow_the_table(tenant):
    link = Partnership.objects.get(provider=tenant.provider, installer=tenant.company)
    with pytest.raises(Conflict):
        services.partnership_accept(scope=tenant.scope(tenant.company_admin), partnership_id=link.pk)
    services.partnership_end(scope=tenant.scope(tenant.company_admin), partnership_id=link.pk, reason="Closing")
    link.refresh_from_db()
    assert link.status == PartnershipStatus.ENDED and link.reason == "Closing"
    with pytest.raises(Conflict):
        services.partnership_end(scope=tenant.scope(tenant.provider_admin), partnership_id=link.pk)
    event = AuditEvent.objects.get(action="partnership.end", object_id=str(link.pk))
    assert (event.from_state, event.to_state, event.actor) == ("accepted", "ended", tenant.company_admin)


def test_provider_cannot_accept_on_behalf_of_company(tenant):
    scope = tenant.scope(tenant.provider_admin)
    company = InstallerCompanyFactory()
    member(company, Role.INSTALLER_ADMIN, email="boss@c.example")
    pending = services.partnership_invite(scope=scope, email="boss@c.example")
    client = signed_in(tenant.provider_admin)
    response = client.post(reverse("accounts:partner_accept", args=[pending.pk]))
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == PartnershipStatus.PENDING


def test_lists_by_status_on_both_sides(tenant):
    services.partnership_invite(scope=tenant.scope(tenant.provider_admin), email="new@nowhere.example")
    client = signed_in(tenant.provider_admin)
    accepted = client.get(reverse("accounts:partners") + "?status=accepted").content.decode()
    pending = client.get(reverse("accounts:partners") + "?status=pending").content.decode()
    assert tenant.company.name in accepted and "new@nowhere.example" not in accepted
    assert "new@nowhere.example" in pending and tenant.company.name not in pending
    company_side = signed_in(tenant.company_admin).get(reverse("accounts:partners")).content.decode()
    assert tenant.provider.name in company_side


@pytest.mark.parametrize("case", ["unknown", "used", "expired"])
def test_unusable_registration_links_say_why(tenant, case):
    from datetime import timedelta

    from django.utils import timezone

    from fieldbox.core.tokens import new_token

    raw, token_hash = new_token()
    if case != "unknown":
        Partnership.objects.create(
            provider=tenant.provider,
            invited_email="late@x.example",
            token_hash=token_hash,
            status=PartnershipStatus.ENDED if case == "used" else PartnershipStatus.PENDING,
            expires_at=timezone.now() + timedelta(days=-1 if case == "expired" else 1),
        )
    response = Client().get(f"/partners/join/{raw}/")
    assert response.status_code == 410
    expected = {"unknown": "not valid", "used": "already answered", "expired": "expired"}[case]
    assert expected in response.content.decode()
    assert not User.objects.filter(email="late@x.example").exists()


def test_an_expired_invitation_cannot_be_accepted_anywhere(tenant):
    from datetime import timedelta

    from django.utils import timezone

    company = InstallerCompanyFactory()
    boss = member(company, Role.INSTALLER_ADMIN)
    pending = services.partnership_invite(scope=tenant.scope(tenant.provider_admin), email=boss.email)
    Partnership.objects.filter(pk=pending.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(Conflict, match="expired"):
        services.partnership_accept(scope=selectors.scope_for(boss, company.pk), partnership_id=pending.pk)
    pending.refresh_from_db()
    assert pending.status == PartnershipStatus.PENDING


def test_a_company_contact_address_does_not_claim_invitations(tenant, other_tenant):
    """A company writing someone else's address in its settings does not receive their invitations."""
    thief = other_tenant.scope(other_tenant.company_admin)
    services.organisation_update(scope=thief, changes={"email": "boss@newco.example"})
    pending = services.partnership_invite(scope=tenant.scope(tenant.provider_admin), email="boss@newco.example")
    assert pending.installer is None
    with pytest.raises(Partnership.DoesNotExist):
        services.partnership_accept(scope=thief, partnership_id=pending.pk)
    assert pending.pk not in [p.pk for p in selectors.partnerships_for(thief)]


def test_signed_in_company_admin_receives_an_invitation_through_its_link(tenant, other_tenant):
    signed_in(tenant.provider_admin).post(reverse("accounts:partner_invite"), {"email": "office@beta-mail.example"})
    link = link_in(mail.outbox[-1])
    admin = signed_in(other_tenant.company_admin)
    page = admin.get(link)
    assert "Receive it for beta Workshop" in page.content.decode()
    response = admin.post(link)
    partnership = Partnership.objects.get(invited_email="office@beta-mail.example")
    assert response.url == reverse("accounts:partner_detail", args=[partnership.pk])
    assert partnership.installer == other_tenant.company
    admin.post(reverse("accounts:partner_accept", args=[partnership.pk]))
    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.ACCEPTED
    assert AuditEvent.objects.filter(action="partnership.claim", object_id=str(partnership.pk)).exists()
    # The provider reads the company's answers in its own audit log.
    log = signed_in(tenant.provider_admin).get(reverse("accounts:audit")).content.decode()
    assert "Invitation accepted" in log


def test_installer_ends_an_unclaimed_invitation_without_error(tenant, other_tenant):
    company = other_tenant.company
    fitter = member(company, Role.INSTALLER, email="fitter2@beta.example")
    pending = Partnership.objects.create(
        provider=tenant.provider,
        invited_email=fitter.email,
        token_hash="x" * 64,
        expires_at=timezone.now() + timedelta(days=1),
    )
    services.partnership_end(scope=other_tenant.scope(other_tenant.company_admin), partnership_id=pending.pk)
    pending.refresh_from_db()
    assert pending.status == PartnershipStatus.ENDED and pending.installer == company


def test_expired_invitation_does_not_block_a_new_one(tenant):
    scope = tenant.scope(tenant.provider_admin)
    first = services.partnership_invite(scope=scope, email="late@nowhere.example")
    Partnership.objects.filter(pk=first.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    second = services.partnership_invite(scope=scope, email="late@nowhere.example")
    first.refresh_from_db()
    assert first.status == PartnershipStatus.ENDED and second.status == PartnershipStatus.PENDING


def test_a_company_name_with_a_line_break_is_refused_at_registration(tenant):
    services.partnership_invite(scope=tenant.scope(tenant.provider_admin), email="boss@lines.example")
    link = link_in(mail.outbox[-1])
    form = {
        "company_name": "New\nWorkshop",
        "first_name": "Ada",
        "last_name": "Boss",
        "language": "en",
        "password1": "a long enough passphrase",
        "password2": "a long enough passphrase",
    }
    page = Client().post(link, form)
    assert page.status_code == 200 and "control characters are not allowed" in page.content.decode()
    raw = link.rstrip("/").rpartition("/")[2]
    with pytest.raises(ValidationError) as refused:
        services.company_register(
            raw_token=raw, company_name="New\u2029Workshop", first_name="Ada", last_name="Boss",
            password="a long enough passphrase", language="en",
        )  # fmt: skip
    assert list(refused.value.message_dict) == ["company_name"]
    assert not User.objects.filter(email="boss@lines.example").exists()
    assert not Organisation.objects.filter(name__startswith="New").exists()

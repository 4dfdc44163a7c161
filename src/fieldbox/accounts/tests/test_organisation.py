import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fieldbox.accounts import services
from fieldbox.accounts.choices import PartnershipStatus, Role
from fieldbox.accounts.models import Membership, Organisation, Partnership, User
from fieldbox.accounts.services.organisations import create_installer_company
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.core.errors import Conflict
from fieldbox.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_admin_changes_deadlines_and_the_change_is_audited(tenant):
    client = signed_in(tenant.provider_admin)
    page = client.get(reverse("accounts:organisation"))
    assert page.status_code == 200
    data = {
        "name": tenant.provider.name,
        "email": "ops@alpha.example",
        "phone": "",
        "address": "",
        "time_zone": "Europe/Paris",
        "language": "fr",
        "install_deadline_days": 15,
        "installer_change_days": 2,
        "job_visible_after_days": 0,
    }
    assert client.post(reverse("accounts:organisation"), data).status_code == 302
    org = Organisation.objects.get(pk=tenant.provider.pk)
    assert (org.install_deadline_days, org.installer_change_days, org.job_visible_after_days) == (15, 2, 0)
    event = AuditEvent.objects.get(action="organisation.update")
    assert event.data["before"]["install_deadline_days"] == 20 and event.actor == tenant.provider_admin


def test_defaults_are_the_reference_deadlines(tenant):
    assert (
        tenant.provider.install_deadline_days,
        tenant.provider.installer_change_days,
        tenant.provider.job_visible_after_days,
    ) == (20, 1, 2)


def test_bad_settings_name_the_field_and_change_nothing(tenant):
    client = signed_in(tenant.provider_admin)
    response = client.post(
        reverse("accounts:organisation"),
        {
            "name": "",
            "time_zone": "Nowhere/Land",
            "language": "en",
            "install_deadline_days": 0,
            "installer_change_days": 1,
            "job_visible_after_days": 2,
        },
    )
    body = response.content.decode()
    assert "This field is required" in body and "is not a known time zone" in body
    assert "greater than or equal to 1" in body
    assert Organisation.objects.get(pk=tenant.provider.pk).name == tenant.provider.name
    with pytest.raises(ValidationError):
        services.organisation_update(scope=tenant.scope(tenant.provider_admin), changes={"kind": "installer"})


def test_only_admins_open_settings_people_and_audit(tenant):
    for user in (tenant.dispatcher, tenant.care, tenant.installer):
        client = signed_in(user)
        for name in ("accounts:organisation", "accounts:audit", "accounts:member_invite"):
            assert client.get(reverse(name)).status_code == 403, (user, name)


def test_an_organisation_keeps_one_admin(tenant):
    scope = tenant.scope(tenant.company_admin)
    own = Membership.objects.get(user=tenant.company_admin)
    with pytest.raises(Conflict):
        services.member_remove(scope=scope, membership_id=own.pk)
    with pytest.raises(Conflict):
        services.member_change_role(scope=scope, membership_id=own.pk, role=Role.INSTALLER)


def test_member_role_change_and_removal_from_the_people_page(tenant):
    client = signed_in(tenant.company_admin)
    fitter = Membership.objects.get(user=tenant.installer)
    client.post(reverse("accounts:member_role", args=[fitter.pk]), {"role": Role.INSTALLER_ADMIN})
    assert Membership.objects.get(pk=fitter.pk).role == Role.INSTALLER_ADMIN
    client.post(reverse("accounts:member_remove", args=[fitter.pk]))
    assert not Membership.objects.filter(pk=fitter.pk).exists()
    assert User.objects.filter(pk=tenant.installer.pk).exists()  # the person stays, the membership goes


def test_installer_company_admin_deletes_the_company_after_confirmation(tenant, other_tenant):
    both = member(tenant.company, Role.INSTALLER, email="two.jobs@example.com")
    Membership.objects.create(user=both, organisation=other_tenant.company, role=Role.INSTALLER)
    client = signed_in(tenant.company_admin)
    page = client.get(reverse("accounts:organisation_delete"))
    assert "cannot be undone" in page.content.decode()
    wrong = client.post(reverse("accounts:organisation_delete"), {"confirm_name": "something else"})
    assert "exactly" in wrong.content.decode()
    assert Organisation.objects.get(pk=tenant.company.pk).is_active

    response = client.post(reverse("accounts:organisation_delete"), {"confirm_name": tenant.company.name})
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    company = Organisation.objects.get(pk=tenant.company.pk)
    assert not company.is_active and company.deleted_at is not None
    assert not User.objects.filter(pk__in=[tenant.company_admin.pk, tenant.installer.pk]).exists()
    assert User.objects.filter(pk=both.pk).exists()  # still works for another company
    link = Partnership.objects.get(provider=tenant.provider, installer=tenant.company)
    assert link.status == PartnershipStatus.ENDED
    assert AuditEvent.objects.filter(action="organisation.delete", object_id=str(company.pk)).exists()


def test_providers_cannot_be_deleted_from_the_ui(tenant):
    assert signed_in(tenant.provider_admin).get(reverse("accounts:organisation_delete")).status_code == 403


def test_audit_log_filters_and_exports_safely(tenant):
    scope = tenant.scope(tenant.company_admin)
    services.invitation_create(scope=scope, email="=cmd|calc@example.com", role=Role.INSTALLER)
    services.token_create(scope=scope, name="erp", days=5)
    client = signed_in(tenant.company_admin)
    filtered = client.get(reverse("accounts:audit") + "?action=token.create").content.decode()
    assert 'title="token.create"' in filtered and 'title="invitation.create"' not in filtered
    csv = client.get(reverse("accounts:audit") + "?format=csv").content.decode()
    assert "Person invited" in csv
    assert "\n=" not in csv and ",=" not in csv


def test_profile_language_sets_the_interface_language(tenant):
    client = signed_in(tenant.installer)
    response = client.post(reverse("accounts:profile"), {"first_name": "Mario", "last_name": "Rossi", "language": "fr"})
    assert response.cookies["fieldbox_language"].value == "fr"
    assert User.objects.get(pk=tenant.installer.pk).language == "fr"


def test_installer_companies_do_not_set_job_deadlines(tenant):
    page = signed_in(tenant.company_admin).get(reverse("accounts:organisation")).content.decode()
    assert "install_deadline_days" not in page
    with pytest.raises(ValidationError):
        services.organisation_update(scope=tenant.scope(tenant.company_admin), changes={"install_deadline_days": 3})


def test_audit_log_pages_by_the_last_event_seen(tenant):
    from fieldbox.core import audit

    for i in range(60):
        audit.record(
            actor=tenant.company_admin,
            organisation=tenant.company,
            obj=tenant.company,
            action="organisation.update",
            reason=f"change {i:02d}",
        )
    client = signed_in(tenant.company_admin)
    first = client.get(reverse("accounts:audit") + "?action=organisation.update").content.decode()
    assert "change 59" in first and "change 10" in first and "change 09" not in first
    older = re.search(r'href="\?([^"]*before=\d+)" data-testid="older"', first).group(1).replace("&amp;", "&")
    second = client.get(reverse("accounts:audit") + "?" + older).content.decode()
    assert "change 09" in second and "change 00" in second and "change 10" not in second
    assert 'data-testid="older"' not in second


@pytest.mark.parametrize("name", ["Officina\nRossi", "Officina\tRossi", "Officina\u2028Rossi", "Officina\x07Rossi"])
def test_a_name_with_a_line_break_or_control_character_is_refused_everywhere(tenant, name):
    # E-mails about an organisation are sent under its name: a line break would make them unsendable.
    refusal = "Line breaks, tabs and other control characters are not allowed here."
    client = signed_in(tenant.provider_admin)
    data = {"name": name, "time_zone": "Europe/Rome", "language": "en", "install_deadline_days": 20}
    page = client.post(reverse("accounts:organisation"), {**data, "installer_change_days": 1})
    assert page.status_code == 200 and refusal in page.content.decode()
    api = client.patch("/api/v1/organisations/current", {"name": name}, content_type="application/json")
    assert api.status_code == 422 and api.json()["errors"] == [{"field": "name", "message": refusal}]
    with pytest.raises(ValidationError) as refused:
        services.organisation_update(scope=tenant.scope(tenant.provider_admin), changes={"name": name})
    assert refused.value.message_dict == {"name": [refusal]}
    with pytest.raises(ValidationError):
        create_installer_company(name=name, email="new@example.com")
    assert Organisation.objects.get(pk=tenant.provider.pk).name == tenant.provider.name
    assert not Organisation.objects.filter(email="new@example.com").exists()


def test_a_plain_name_with_punctuation_and_accents_is_kept(tenant):
    org = services.organisation_update(
        scope=tenant.scope(tenant.provider_admin), changes={"name": "Officina Rossi & C. - Société"}
    )
    assert org.name == "Officina Rossi & C. - Société"

"""A provider's own wording of a message: checked at save, previewed, used for its messages only."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fieldbox.accounts import services as accounts
from fieldbox.accounts.choices import Role
from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.messaging import kinds, outbox, services
from fieldbox.messaging.models import MessageTemplate

pytestmark = pytest.mark.django_db
EDIT = "messaging:wording_edit"


def save(tenant, body: str, subject: str = "Benvenuto in {{ organisation }}", kind: str = "accounts.invitation"):
    return services.wording_save(
        scope=tenant.scope(tenant.provider_admin), kind=kind, language="it", subject=subject, body=body
    )


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("Ciao {{ nome }}: {{ link }}", "Unknown variable {{ nome }}"),
        ("Ciao {{ organisation.pk }}: {{ link }}", "Unknown variable"),
        ("Ciao {{ organisation }}", "must contain {{ link }}"),
        ("{% if link %}{{ link }}{% endif %}", "Only {{ variables }}"),
        ("{{ link|safe }}", "filter “safe” is not allowed"),
        ("{{ link }} {{ }}", "not valid"),
    ],
)
def test_a_wording_that_would_fail_at_send_time_is_refused_at_save(tenant, body, problem):
    with pytest.raises(ValidationError) as refused:
        save(tenant, body)
    assert any(problem in m for m in refused.value.messages), refused.value.messages
    assert not MessageTemplate.objects.exists()


def test_an_sms_wording_too_long_is_refused(tenant, settings):
    settings.SMS_MAX_SEGMENTS = 1
    with pytest.raises(ValidationError, match="parts"):
        save(tenant, "Prova da {{ organisation }} " + "x" * 160, subject="", kind="messaging.test_sms")


def test_the_wording_is_used_for_that_language_and_organisation_only(tenant, other_tenant):
    save(tenant, "Entra da qui: {{ link }} (scade {{ expires_at|date:'d/m/Y' }})")
    invitations = ((tenant, "it", tenant.provider_admin), (tenant, "en", tenant.provider_admin))
    invitations += ((other_tenant, "it", other_tenant.provider_admin),)
    for t, language, admin in invitations:
        t.provider.language = language
        t.provider.save(update_fields=["language"])
        accounts.invitation_create(
            scope=t.scope(admin), email=f"new-{language}@{t.provider.pk}.example", role=Role.DISPATCHER
        )
    outbox.drain()
    by_to = {m.to[0]: m for m in mail.outbox}
    mine = by_to[f"new-it@{tenant.provider.pk}.example"]
    assert mine.subject == f"Benvenuto in {tenant.provider.name}"
    assert mine.body.startswith("Entra da qui: http") and "/invitations/" in mine.body
    assert "Entra da qui" in mine.alternatives[0][0]  # the HTML part follows the wording too
    assert "Entra da qui" not in by_to[f"new-en@{tenant.provider.pk}.example"].body
    assert "Entra da qui" not in by_to[f"new-it@{other_tenant.provider.pk}.example"].body


def test_admins_edit_preview_and_reset_a_wording_on_the_page(tenant):
    client = signed_in(tenant.provider_admin)
    url = reverse(EDIT, args=["accounts.invitation", "fr"])
    page = client.get(url).content.decode()
    assert "{{ link }}" in page and "Invitation à rejoindre" in page  # the default, with its variables

    preview = client.post(
        reverse("messaging:wording_preview", args=["accounts.invitation", "fr"]),
        {"subject": "Bienvenue", "body": "Cliquez {{ link }}"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "Cliquez https://fieldbox.example/" in preview
    wrong = client.post(
        reverse("messaging:wording_preview", args=["accounts.invitation", "fr"]), {"subject": "x", "body": "{{ lien }}"}
    ).content.decode()
    assert "lien" in wrong and 'role="alert"' in wrong

    refused = client.post(url, {"subject": "Bienvenue", "body": "Sans lien"})
    assert refused.status_code == 200 and not MessageTemplate.objects.exists()
    assert client.post(url, {"subject": "Bienvenue", "body": "Cliquez {{ link }}"}).status_code == 302
    assert MessageTemplate.objects.get().body == "Cliquez {{ link }}"
    client.post(reverse("messaging:wording_reset", args=["accounts.invitation", "fr"]))
    assert not MessageTemplate.objects.exists()


def test_only_provider_admins_change_wordings(tenant):
    assert signed_in(tenant.dispatcher).get(reverse("messaging:wordings")).status_code == 403
    assert signed_in(tenant.company_admin).get(reverse(EDIT, args=["accounts.invitation", "it"])).status_code == 403
    with pytest.raises(PermissionDenied):  # the service itself refuses, not only the page
        services.wording_save(
            scope=tenant.scope(tenant.dispatcher),
            kind="accounts.invitation",
            language="it",
            subject="x",
            body="{{ link }}",
        )


def test_every_message_kind_renders_in_every_language_with_its_example_values():
    from fieldbox.messaging.rendering import render

    for kind in kinds.KINDS.values():
        for language in ("it", "fr", "en"):
            rendered = render(kind, dict(kind.sample), language)
            assert rendered.body.strip(), (kind.key, language)
            assert kind.is_sms or rendered.subject, (kind.key, language)

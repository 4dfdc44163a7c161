import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.hashers import identify_hasher
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP

from fieldbox.accounts.models import User
from fieldbox.accounts.tests.factories import PASSWORD
from fieldbox.accounts.tests.fixtures import totp_code

pytestmark = pytest.mark.django_db(transaction=True)

LOGIN = "/accounts/login/"


def sign_in(client: Client, email: str, password: str, **extra):
    return client.post(LOGIN, {"username": email, "password": password}, **extra)


def test_installer_signs_in_with_email_and_password(tenant, settings):
    # The tests' fast hash made the password; signing in rehashes it with the product's first hasher.
    settings.PASSWORD_HASHERS = [h for h in settings.PASSWORD_HASHERS if "MD5" not in h] + [
        "django.contrib.auth.hashers.MD5PasswordHasher"
    ]
    client = Client()
    response = sign_in(client, tenant.installer.email.upper(), PASSWORD)
    assert response.status_code == 302 and response.url == "/"
    home = client.get("/")
    assert tenant.company.name in home.content.decode()
    assert identify_hasher(User.objects.get(pk=tenant.installer.pk).password).algorithm == "argon2"


def test_wrong_password_is_refused_with_a_message(tenant):
    response = sign_in(Client(), tenant.installer.email, "wrong password!!")
    assert response.status_code == 200
    assert "Please enter a correct" in response.content.decode()


def test_two_factor_is_asked_after_the_password(tenant):
    client = Client()
    response = sign_in(client, tenant.provider_admin.email, PASSWORD)
    assert response.url == reverse("accounts:login_verify")
    assert client.get("/").status_code == 302  # not signed in yet
    bad = client.post(reverse("accounts:login_verify"), {"token": "000000"})
    assert "wrong or has expired" in bad.content.decode()
    # After a wrong code the device waits before it accepts another (brute-force protection).
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        good = client.post(reverse("accounts:login_verify"), {"token": totp_code(tenant.provider_admin)})
        assert good.status_code == 302
    assert tenant.provider.name in client.get("/").content.decode()


def test_provider_admin_without_two_factor_must_set_it_up(tenant):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=tenant.provider_admin).delete()
    client = Client()
    sign_in(client, tenant.provider_admin.email, PASSWORD)
    response = client.get(reverse("accounts:partners"))
    assert response.status_code == 302 and response.url == reverse("accounts:two_factor")
    page = client.get(reverse("accounts:two_factor"))
    assert "requires two-factor" in page.content.decode()
    device = TOTPDevice.objects.get(user=tenant.provider_admin, confirmed=False)
    code = f"{TOTP(device.bin_key).token():06d}"
    client.post(reverse("accounts:two_factor"), {"token": code})
    assert TOTPDevice.objects.get(user=tenant.provider_admin).confirmed
    assert client.get(reverse("accounts:partners")).status_code == 200


def test_installer_may_use_two_factor_and_turn_it_off(tenant):
    client = Client()
    sign_in(client, tenant.installer.email, PASSWORD)
    assert client.get("/").status_code == 200  # not required for installers
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.get(reverse("accounts:two_factor"))
    device = TOTPDevice.objects.get(user=tenant.installer)
    client.post(reverse("accounts:two_factor"), {"token": f"{TOTP(device.bin_key).token():06d}"})
    assert TOTPDevice.objects.filter(user=tenant.installer, confirmed=True).exists()
    client.post(reverse("accounts:two_factor_disable"))  # without a code: refused
    assert TOTPDevice.objects.filter(user=tenant.installer).exists()
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        client.post(reverse("accounts:two_factor_disable"), {"token": f"{TOTP(device.bin_key).token():06d}"})
    assert not TOTPDevice.objects.filter(user=tenant.installer).exists()


def test_failures_lock_the_account_from_that_address_only(tenant, settings):
    workshop = "192.0.2.10"
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(Client(REMOTE_ADDR=workshop), tenant.installer.email, "wrong password!!")
    locked = sign_in(Client(REMOTE_ADDR=workshop), tenant.installer.email, PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.content.decode()
    # A colleague behind the same router signs in; the locked account does from another address.
    assert sign_in(Client(REMOTE_ADDR=workshop), tenant.company_admin.email, PASSWORD).status_code == 302
    assert sign_in(Client(REMOTE_ADDR="192.0.2.11"), tenant.installer.email, PASSWORD).status_code == 302


def test_failures_over_many_accounts_lock_the_address_and_forged_forwarded_for_does_not_help(tenant, settings):
    limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    assert limit == 50
    # Unknown accounts still cost one hashing each (against timing attacks): the tests' fast hasher keeps it short.
    per_account = settings.LOGIN_FAILURE_LIMIT - 1  # no pair reaches its own limit
    for i in range(limit - 1):
        failed = sign_in(
            Client(REMOTE_ADDR="192.0.2.7"),
            f"nobody{i // per_account}@x.example",
            "wrong password!!",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        )
        assert failed.status_code == 200
    assert sign_in(Client(REMOTE_ADDR="192.0.2.7"), tenant.installer.email, PASSWORD).status_code == 302
    last = sign_in(Client(REMOTE_ADDR="192.0.2.7"), "nobody-else@x.example", "wrong password!!")
    assert last.status_code == 429
    forged = sign_in(
        Client(REMOTE_ADDR="192.0.2.7"), tenant.company_admin.email, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1"
    )
    assert forged.status_code == 429
    elsewhere = sign_in(Client(REMOTE_ADDR="192.0.2.8"), tenant.company_admin.email, PASSWORD)
    assert elsewhere.status_code == 302


def test_tries_during_a_block_do_not_count_against_the_address(tenant, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = settings.LOGIN_FAILURE_LIMIT + 2
    workshop = Client(REMOTE_ADDR="192.0.2.12")
    for _ in range(settings.LOGIN_FAILURE_LIMIT + 5):  # the last five are refused without checking a password
        sign_in(workshop, tenant.installer.email, "wrong password!!")
    assert sign_in(Client(REMOTE_ADDR="192.0.2.12"), tenant.company_admin.email, PASSWORD).status_code == 302


def test_behind_trusted_proxy_the_proxy_entry_counts_not_the_clients(tenant, settings):
    from django.test import RequestFactory

    from fieldbox.core.http import client_ip

    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    assert client_ip(request) == "203.0.113.5"
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.1.1.1"


def test_password_reset_by_email(tenant):
    client = Client()
    client.post(reverse("accounts:password_reset"), {"email": tenant.installer.email})
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/accounts/password-reset/\S+/\S+/", mail.outbox[0].body).group(0)
    assert PASSWORD not in mail.outbox[0].body
    form_page = client.get(link, follow=True)
    weak = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "password1234", "new_password2": "password1234"}
    )
    assert "too common" in weak.content.decode()
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "new long passphrase", "new_password2": "new long passphrase"},
    )
    assert User.objects.get(pk=tenant.installer.pk).check_password("new long passphrase")
    reused = Client().get(link, follow=True)
    assert "expired or was already used" in reused.content.decode()


def test_logout_needs_post_and_its_address_shows_the_button(tenant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tenant.installer)
    page = client.get(reverse("accounts:logout"))
    assert page.status_code == 200
    body = page.content.decode()
    form = body[body.index('data-testid="logout"') :]
    assert 'method="post" action="/accounts/logout/"' in form and 'name="csrfmiddlewaretoken"' in form
    assert client.get("/").status_code == 200  # looking at the page signs nobody out
    assert client.post(reverse("accounts:logout")).status_code == 403  # no CSRF token, no sign-out
    token = client.cookies["csrftoken"].value
    client.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": token})
    assert client.get("/").status_code == 302
    assert Client().get(reverse("accounts:logout")).url == reverse("accounts:login")


def test_a_success_of_another_account_does_not_reset_failures_of_an_account(tenant, settings):
    attacker = Client(REMOTE_ADDR="192.0.2.50")
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        sign_in(attacker, tenant.installer.email, "guess password 1")
    sign_in(Client(REMOTE_ADDR="192.0.2.50"), tenant.company_admin.email, PASSWORD)  # the attacker's own account
    sign_in(attacker, tenant.installer.email, "guess password 2")
    assert sign_in(Client(REMOTE_ADDR="192.0.2.50"), tenant.installer.email, PASSWORD).status_code == 429


def test_changing_the_case_of_the_address_counts_against_the_same_account(tenant, settings):
    for i in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(
            Client(REMOTE_ADDR="10.9.0.1"),
            tenant.installer.email.upper() if i % 2 else tenant.installer.email,
            "wrong password!!",
        )
    assert sign_in(Client(REMOTE_ADDR="10.9.0.1"), f"  {tenant.installer.email.title()} ", PASSWORD).status_code == 429


def test_password_reset_requests_are_rate_limited(tenant):
    client = Client(REMOTE_ADDR="198.51.100.9")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(3):
            clock.shift(timedelta(seconds=2))  # a new link each time (links carry the second they were made)
            assert client.post(reverse("accounts:password_reset"), {"email": tenant.installer.email}).status_code == 302
    limited = client.post(reverse("accounts:password_reset"), {"email": tenant.installer.email})
    assert limited.status_code == 429 and "Too many requests" in limited.content.decode()
    assert len(mail.outbox) == 3


def test_password_reset_link_uses_the_configured_site(tenant, settings):
    settings.SITE_URL = "https://fieldbox.example.com"
    Client().post(reverse("accounts:password_reset"), {"email": tenant.installer.email})
    assert "https://fieldbox.example.com/accounts/password-reset/" in mail.outbox[0].body
    assert "testserver" not in mail.outbox[0].body


def test_staff_need_two_factor_for_the_admin(tenant):
    staff = User.objects.create_superuser("root@fieldbox.example", PASSWORD)
    client = Client()
    sign_in(client, staff.email, PASSWORD)
    assert client.get("/admin/").url == reverse("accounts:two_factor")


def test_after_a_wrong_password_the_page_asked_for_still_opens(tenant):
    client = Client()
    page = client.get("/accounts/login/?next=/organisation/members/")
    assert 'value="/organisation/members/"' in page.content.decode()
    retry = client.post(
        LOGIN, {"username": tenant.installer.email, "password": "wrong password!!", "next": "/organisation/members/"}
    )
    assert 'value="/organisation/members/"' in retry.content.decode()
    done = client.post(
        LOGIN, {"username": tenant.installer.email, "password": PASSWORD, "next": "/organisation/members/"}
    )
    assert done.url == "/organisation/members/"
    evil = Client().post(
        LOGIN, {"username": tenant.installer.email, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert evil.url == "/"

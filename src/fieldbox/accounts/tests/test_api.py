from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openapi_spec_validator import validate

from fieldbox.accounts import services
from fieldbox.accounts.choices import PartnershipStatus, Role
from fieldbox.accounts.models import ApiToken, Invitation, Partnership
from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.config.api import api

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def token_for(tenant, user, days=30):
    return services.token_create(scope=tenant.scope(user), name="integration", days=days)


def test_openapi_is_valid_and_every_operation_documents_its_errors():
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"401", "429"} <= codes, f"{method.upper()} {path} does not document its errors"
            problem = operation["responses"]["401"]["content"]["application/problem+json"]["schema"]
            assert problem["$ref"].endswith("/Problem")


def test_token_is_shown_once_hashed_at_rest_and_opens_the_api(tenant):
    _token, raw = token_for(tenant, tenant.company_admin)
    assert raw.startswith("fbx_") and raw not in ApiToken.objects.values_list("token_hash", flat=True)
    response = Client().get("/api/v1/me", **bearer(raw))
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == tenant.company_admin.email
    assert body["organisation"]["installer_code"] == tenant.company.installer_code
    assert body["role"] == Role.INSTALLER_ADMIN
    listed = Client().get("/api/v1/tokens", **bearer(raw)).json()
    assert "token" not in listed[0] and listed[0]["prefix"] == raw[:10]


def test_missing_revoked_or_expired_tokens_get_problem_401(tenant):
    token, raw = token_for(tenant, tenant.installer)
    anonymous = Client().get("/api/v1/me")
    assert anonymous.status_code == 401
    assert anonymous["Content-Type"] == "application/problem+json"
    assert anonymous.json()["status"] == 401
    services.token_revoke(scope=tenant.scope(tenant.installer), token_id=token.pk)
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 401
    _token2, raw2 = token_for(tenant, tenant.installer, days=1)
    ApiToken.objects.filter(pk=_token2.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get("/api/v1/me", **bearer(raw2)).status_code == 401


def test_token_stops_working_when_membership_ends(tenant):
    _token, raw = token_for(tenant, tenant.installer)
    membership = tenant.installer.memberships.get()
    services.member_remove(scope=tenant.scope(tenant.company_admin), membership_id=membership.pk)
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 401


def test_invalid_input_answers_422_listing_fields_and_writes_nothing(tenant):
    _token, raw = token_for(tenant, tenant.provider_admin)
    client = Client()
    before = Partnership.objects.count()
    response = client.post("/api/v1/partnerships", {"email": "nope"}, content_type="application/json", **bearer(raw))
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "email"
    response = client.post(
        "/api/v1/invitations",
        {"email": "a@b.example", "role": "superhero"},
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "role"
    response = client.patch(
        "/api/v1/organisations/current", {"time_zone": "Mars/Olympus"}, content_type="application/json", **bearer(raw)
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "time_zone"
    assert Partnership.objects.count() == before and Invitation.objects.count() == 0


def test_error_messages_follow_the_language(tenant):
    _token, raw = token_for(tenant, tenant.provider_admin)
    response = Client().patch(
        "/api/v1/organisations/current",
        {"time_zone": "Mars/Olympus"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="it",
        **bearer(raw),
    )
    assert "fuso orario" in response.json()["errors"][0]["message"]


def test_partnership_flow_through_the_api(tenant, other_tenant):
    _t, provider_raw = token_for(tenant, tenant.provider_admin)
    _t, company_raw = token_for(other_tenant, other_tenant.company_admin)
    client = Client()
    created = client.post(
        "/api/v1/partnerships",
        {"email": other_tenant.company_admin.email},
        content_type="application/json",
        **bearer(provider_raw),
    )
    assert created.status_code == 201 and created.json()["status"] == "pending"
    pid = created.json()["id"]
    refused = client.post(f"/api/v1/partnerships/{pid}/accept", **bearer(provider_raw))
    assert refused.status_code == 403
    accepted = client.post(f"/api/v1/partnerships/{pid}/accept", **bearer(company_raw))
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    again = client.post(f"/api/v1/partnerships/{pid}/accept", **bearer(company_raw))
    assert again.status_code == 409 and again["Content-Type"] == "application/problem+json"
    listed = client.get("/api/v1/partnerships?status=accepted", **bearer(provider_raw)).json()
    assert {p["installer_code"] for p in listed["items"]} == {
        tenant.company.installer_code,
        other_tenant.company.installer_code,
    }
    ended = client.post(
        f"/api/v1/partnerships/{pid}/end", {"reason": "done"}, content_type="application/json", **bearer(provider_raw)
    )
    assert ended.json()["status"] == PartnershipStatus.ENDED


def test_members_invitations_and_audit_through_the_api(tenant):
    _t, raw = token_for(tenant, tenant.company_admin)
    client = Client()
    invited = client.post(
        "/api/v1/invitations",
        {"email": "new@ws.example", "role": "installer"},
        content_type="application/json",
        **bearer(raw),
    )
    assert invited.status_code == 201
    members = client.get("/api/v1/members", **bearer(raw)).json()
    fitter = next(m for m in members if m["email"] == tenant.installer.email)
    promoted = client.patch(
        f"/api/v1/members/{fitter['id']}", {"role": "installer_admin"}, content_type="application/json", **bearer(raw)
    )
    assert promoted.json()["role"] == "installer_admin"
    audit = client.get("/api/v1/audit-events?limit=1", **bearer(raw)).json()
    assert audit["items"][0]["action"] == "member.role" and audit["next_cursor"]
    older = client.get(f"/api/v1/audit-events?limit=50&cursor={audit['next_cursor']}", **bearer(raw)).json()
    assert "invitation.create" in {e["action"] for e in older["items"]}
    _t, installer_raw = token_for(tenant, tenant.installer)
    assert client.get("/api/v1/audit-events", **bearer(installer_raw)).status_code == 200  # now an admin too
    removed = client.delete(f"/api/v1/members/{fitter['id']}", **bearer(raw))
    assert removed.status_code == 204


def test_session_api_needs_csrf_for_writes(tenant):
    client = signed_in(tenant.company_admin)
    client.handler.enforce_csrf_checks = True
    assert client.get("/api/v1/me").status_code == 200
    response = client.post("/api/v1/tokens", {"name": "x", "days": 5}, content_type="application/json")
    assert response.status_code in (401, 403)
    assert ApiToken.objects.count() == 0


@pytest.mark.parametrize("method", ["post", "patch", "delete"])
def test_a_bad_or_revoked_token_on_a_write_answers_401_even_beside_a_session(tenant, method):
    fitter = tenant.installer.memberships.get()
    path, body = {
        "post": ("/api/v1/invitations", {"email": "new@x.example", "role": Role.INSTALLER}),
        "patch": ("/api/v1/organisations/current", {"name": "Renamed"}),
        "delete": (f"/api/v1/members/{fitter.pk}", None),
    }[method]
    token, raw = token_for(tenant, tenant.company_admin)
    services.token_revoke(scope=tenant.scope(tenant.company_admin), token_id=token.pk)
    browser = signed_in(tenant.company_admin)  # the cookie must not stand in for the token
    browser.handler.enforce_csrf_checks = True
    for header in (bearer(raw), bearer("fbx_not-a-token"), {"HTTP_AUTHORIZATION": "Basic eDp5"}):
        response = getattr(browser, method)(path, body, content_type="application/json", **header)
        assert response.status_code == 401, response.content
        assert response["Content-Type"] == "application/problem+json"
        assert response["WWW-Authenticate"] == "Bearer"
        assert response.json()["title"] == "Authentication required."
    assert not Invitation.objects.filter(email="new@x.example").exists()
    tenant.company.refresh_from_db()
    assert tenant.company.name != "Renamed"
    assert tenant.installer.memberships.filter(pk=fitter.pk).exists()


def test_a_bad_token_does_not_read_as_the_signed_in_browser(tenant):
    browser = signed_in(tenant.company_admin)
    assert browser.get("/api/v1/me").status_code == 200
    assert browser.get("/api/v1/me", **bearer("fbx_not-a-token")).status_code == 401


def test_api_is_rate_limited_per_token(tenant, monkeypatch):
    from ninja.throttling import AuthRateThrottle

    throttle = next(t for t in api.throttle if isinstance(t, AuthRateThrottle))
    monkeypatch.setattr(throttle, "num_requests", 5)
    _t, raw = token_for(tenant, tenant.installer)
    codes = [Client().get("/api/v1/me", **bearer(raw)).status_code for _ in range(7)]
    assert codes[:5] == [200] * 5 and codes[-1] == 429
    _t, other = token_for(tenant, tenant.company_admin)
    assert Client().get("/api/v1/me", **bearer(other)).status_code == 200


def test_provider_admin_without_two_factor_cannot_use_the_api_by_session(tenant):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=tenant.provider_admin).delete()
    client = Client()
    client.force_login(tenant.provider_admin)
    assert client.get("/api/v1/me").status_code == 401
    assert signed_in(tenant.dispatcher).get("/api/v1/me").status_code == 200


def test_a_token_cannot_mint_tokens(tenant):
    _t, raw = token_for(tenant, tenant.company_admin)
    response = Client().post(
        "/api/v1/tokens", {"name": "child", "days": 366}, content_type="application/json", **bearer(raw)
    )
    assert response.status_code == 403 and ApiToken.objects.count() == 1


def test_token_refused_once_the_role_requires_two_factor_not_set_up(tenant):
    _t, raw = token_for(tenant, tenant.dispatcher)
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 200
    membership = tenant.dispatcher.memberships.get()
    membership.role = Role.PROVIDER_ADMIN
    membership.save(update_fields=["role"])
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 401


def test_unknown_api_paths_answer_problem_json(db):
    response = Client().get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"

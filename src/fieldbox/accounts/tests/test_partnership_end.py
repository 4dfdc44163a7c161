"""Ending a partnership: the page lists what is still open with the partner, its open jobs go back to the provider as
drafts (audited), the ex-partner's access to them ends at once, and open removals must be finished first."""

from __future__ import annotations

import pytest
from django.test import Client

from fieldbox.accounts import services
from fieldbox.accounts.choices import PartnershipStatus
from fieldbox.accounts.models import ApiToken, Partnership
from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.core.errors import Conflict
from fieldbox.core.models import AuditEvent
from fieldbox.jobs.choices import JobStatus
from fieldbox.jobs.tests.factories import assigned_job, taken_job
from fieldbox.removals.services import lines
from fieldbox.removals.tests.factories import confirmed_request

pytestmark = pytest.mark.django_db


def _partnership(tenant) -> Partnership:
    return Partnership.objects.get(provider=tenant.provider, installer=tenant.company)


def test_ending_takes_the_open_jobs_back_and_the_ex_partner_loses_them_at_once(tenant):
    waiting, started = assigned_job(tenant), taken_job(tenant)
    partnership = _partnership(tenant)
    page = signed_in(tenant.provider_admin).get(f"/partners/{partnership.pk}/").content.decode()
    assert 'data-testid="holdings"' in page and "2 open jobs" in page and "go back to the provider as drafts" in page

    signed_in(tenant.provider_admin).post(f"/partners/{partnership.pk}/end/", {"reason": "Contract over"})
    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.ENDED
    for job in (waiting, started):
        job.refresh_from_db()
        assert (job.status, job.company_id, job.installer_id, job.deadline_at) == (JobStatus.DRAFT, None, None, None)
        event = AuditEvent.objects.get(action="job.take_back", object_id=str(job.pk))
        assert event.reason == "Contract over" and event.actor == tenant.provider_admin
    fitter = signed_in(tenant.installer)
    assert fitter.get(f"/jobs/{started.pk}/").status_code == 404
    assert f"/jobs/{started.pk}/" not in fitter.get("/jobs/installations/").content.decode()
    assert fitter.post(f"/jobs/{waiting.pk}/take/").status_code == 404
    token, raw = services.token_create(scope=tenant.scope(tenant.installer), name="ci", days=5)
    api = Client().get("/api/v1/jobs", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert api["items"] == [] and ApiToken.objects.filter(pk=token.pk).exists()


def test_the_company_side_ends_it_too_and_open_removals_stand_in_the_way(tenant):
    _request, [removal] = confirmed_request(tenant)
    job = taken_job(tenant)
    partnership = _partnership(tenant)
    page = signed_in(tenant.company_admin).get(f"/partners/{partnership.pk}/").content.decode()
    assert "1 open removal" in page and "must be done, refused or cancelled" in page
    with pytest.raises(Conflict, match="1 open removal"):
        services.partnership_end(scope=tenant.scope(tenant.company_admin), partnership_id=partnership.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.IN_PROGRESS, "a refused end takes nothing back"

    lines.line_refuse(scope=tenant.scope(tenant.installer), line_id=removal.line.pk, reason="No access")
    services.partnership_end(scope=tenant.scope(tenant.company_admin), partnership_id=partnership.pk, reason="Closing")
    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT and job.company is None
    told = AuditEvent.objects.get(action="partnership.end", object_id=str(partnership.pk))
    assert told.organisation == tenant.company and told.shared_with == tenant.provider

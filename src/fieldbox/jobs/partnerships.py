"""What the jobs of a partnership do when it ends: its open jobs go back to the provider as drafts (audited), so the
ex-partner's access ends at once. Registered with ``accounts.services.partnerships`` (which knows no jobs)."""

from __future__ import annotations

from django.utils.translation import ngettext

from fieldbox.accounts.models import Partnership
from fieldbox.accounts.services import partnerships
from fieldbox.core.tenancy import Scope
from fieldbox.jobs.models import Job, JobQuerySet
from fieldbox.jobs.services.planning import jobs_take_back


def _open_jobs(partnership: Partnership) -> JobQuerySet:
    return Job.objects.filter(provider_id=partnership.provider_id, company_id=partnership.installer_id).open()


def open_jobs_held(partnership: Partnership) -> partnerships.Holding | None:
    if partnership.installer_id is None:
        return None
    count = _open_jobs(partnership).on_job_screens().count()
    label = ngettext("%(n)s open job", "%(n)s open jobs", count) % {"n": count}
    return partnerships.Holding(label=label, count=count, taken_back=True)


def take_back(scope: Scope, partnership: Partnership, reason: str) -> None:
    if partnership.installer_id is not None:
        jobs_take_back(
            scope=scope, provider_id=partnership.provider_id, company_id=partnership.installer_id, reason=reason
        )


partnerships.HOLDERS.append(open_jobs_held)
partnerships.TAKERS.append(take_back)

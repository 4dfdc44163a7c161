"""What removals hold of a partnership: open removal lines must be done, refused or cancelled before it ends.
Registered with ``accounts.services.partnerships`` (which knows no removals)."""

from __future__ import annotations

from django.utils.translation import ngettext

from fieldbox.accounts.models import Partnership
from fieldbox.accounts.services import partnerships
from fieldbox.removals.models import RemovalLine


def open_removals_held(partnership: Partnership) -> partnerships.Holding | None:
    if partnership.installer_id is None:
        return None
    lines = RemovalLine.objects.open().filter(provider_id=partnership.provider_id, company_id=partnership.installer_id)
    count = lines.count()
    label = ngettext("%(n)s open removal", "%(n)s open removals", count) % {"n": count}
    return partnerships.Holding(label=label, count=count, taken_back=False)


partnerships.HOLDERS.append(open_removals_held)

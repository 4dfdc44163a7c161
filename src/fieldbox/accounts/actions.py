"""Actions that e-mails of the accounts app offer as signed links (confirmed with a POST)."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.accounts import selectors, services
from fieldbox.core.tenancy import Scope
from fieldbox.messaging.links import Action, register


def _describe(scope: Scope, pk: int) -> str | None:
    try:
        partnership = selectors.partnership_for(scope, pk)
    except Http404:
        return None
    return _("%(provider)s invites %(company)s to receive its jobs.") % {
        "provider": partnership.provider.name,
        "company": scope.organisation.name,
    }


def _accept(scope: Scope, pk: int, reason: str) -> tuple[str, str]:
    services.partnership_accept(scope=scope, partnership_id=pk)
    return _("Invitation accepted."), reverse("accounts:partner_detail", kwargs={"pk": pk})


def _decline(scope: Scope, pk: int, reason: str) -> tuple[str, str]:
    services.partnership_decline(scope=scope, partnership_id=pk, reason=reason)
    return _("Invitation declined."), reverse("accounts:partner_detail", kwargs={"pk": pk})


register(
    Action("partnership.accept", gettext_lazy("Accept the invitation"), _describe, _accept),
    Action("partnership.decline", gettext_lazy("Decline the invitation"), _describe, _decline, needs_reason=True),
)
